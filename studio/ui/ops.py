"""The one helper for background work (after Anki's ``CollectionOp``).

``ops.run(fn, done=..., failed=...)`` calls ``fn`` on a worker thread and delivers its result or
error on the GUI thread. Writes to the vault go to a single writer thread (SQLite has one
writer, and the vault's writer lock is per process); reads and rendering go to a small pool.
Workers never touch widgets. After :meth:`Ops.shutdown` no callback runs (Picard's rule: a
result that arrives for a closed window is dropped).
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable

import shiboken6
from PySide6.QtCore import QObject, Signal, Slot

from studio.core.errors import StudioError

log = logging.getLogger(__name__)


class _Relay(QObject):
    """Carries a callable from a worker thread to the GUI thread (a queued signal)."""

    call = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.call.connect(self._run)

    @Slot(object)
    def _run(self, fn: Callable[[], None]) -> None:
        fn()


class Ops(QObject):
    def __init__(self, on_error: Callable[[str, BaseException], None] | None = None) -> None:
        super().__init__()
        self._relay = _Relay()
        self._writer = ThreadPoolExecutor(1, thread_name_prefix="studio-writer")
        self._pool = ThreadPoolExecutor(2, thread_name_prefix="studio-work")
        self._closed = False
        self._lock = threading.Lock()
        self._pending: set[Future] = set()
        self.on_error = on_error

    @property
    def closed(self) -> bool:
        return self._closed

    def gui(self, fn: Callable[[], None]) -> None:
        """Run ``fn`` on the GUI thread soon (safe to call from any thread)."""
        if not self._closed:
            self._relay.call.emit(lambda: None if self._closed else fn())

    def run(self, fn: Callable[[], Any], done: Callable[[Any], None] | None = None,
            failed: Callable[[BaseException], None] | None = None, *, writes: bool = False,
            what: str = "", owner: QObject | None = None) -> Future | None:
        """Run ``fn()`` in the background. ``failed`` handles the error; without it a
        :class:`StudioError` goes to the window's error display and anything else is logged.
        With ``owner`` (a dialog that may close first), nothing is delivered once it is deleted."""
        if self._closed:
            return None
        if owner is not None:
            done, failed = _guarded(owner, done), _guarded(owner, failed)
        executor = self._writer if writes else self._pool

        def work() -> None:
            try:
                result = fn()
            except BaseException as exc:  # delivered to the GUI thread, never swallowed
                self.gui(lambda error=exc: self._fail(error, failed, what))
                return
            if done is not None:
                self.gui(lambda: done(result))

        future = executor.submit(work)
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._forget)
        return future

    def _forget(self, future: Future) -> None:
        with self._lock:
            self._pending.discard(future)

    def _fail(self, exc: BaseException, failed, what: str) -> None:
        if failed is not None:
            failed(exc)
        elif self.on_error is not None and isinstance(exc, StudioError):
            self.on_error(what, exc)
        else:
            log.error("%s failed", what or "background work", exc_info=exc)
            if self.on_error is not None:
                self.on_error(what, exc)

    @property
    def busy(self) -> int:
        with self._lock:
            return len(self._pending)

    def shutdown(self) -> None:
        """Drop queued work, wait for running work to end, and deliver nothing more."""
        self._closed = True
        self._writer.shutdown(wait=True, cancel_futures=True)
        self._pool.shutdown(wait=True, cancel_futures=True)


def _guarded(owner: QObject, fn: Callable | None) -> Callable | None:
    if fn is None:
        return None

    def call(value) -> None:
        if shiboken6.isValid(owner):
            fn(value)

    return call
