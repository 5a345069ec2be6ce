"""Qt-free progress reporting and cancellation for long core operations.

A long function takes ``progress: ProgressFn | None`` and ``cancel: CancelToken | None``.
It calls ``progress(Progress(done, total, label))`` now and then and ``cancel.raise_if_set()``
between steps; the CLI draws a terminal bar from the same calls, the UI a progress bar.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Callable

from studio.core.errors import Cancelled


@dataclass(frozen=True)
class Progress:
    done: float
    total: float | None
    label: str = ""

    @property
    def fraction(self) -> float | None:
        if not self.total:
            return None
        return max(0.0, min(1.0, self.done / self.total))


ProgressFn = Callable[[Progress], None]


class CancelToken:
    """Set from any thread; checked by the worker between steps."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def cancel(self) -> None:
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    def raise_if_set(self) -> None:
        if self._event.is_set():
            raise Cancelled()


def check_cancel(cancel: CancelToken | None) -> None:
    if cancel is not None:
        cancel.raise_if_set()


def report(progress: ProgressFn | None, done: float, total: float | None, label: str = "") -> None:
    if progress is not None:
        progress(Progress(done, total, label))
