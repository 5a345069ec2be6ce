"""The idle lock's clock (issue 15, DR040): when no key is pressed and the mouse is not used for
the minutes the preferences say, ``idle`` is emitted once (the app then locks the vault, as
KeePassXC does).

Cheap by construction: one event filter on the application notes the time of the last input
event (one type test per event, no other work); a timer looks at that time a few times a minute.
``clock`` is the source of time (``time.monotonic``): tests hand in their own, to move the idle
time on without waiting."""

from __future__ import annotations

import time
from typing import Callable

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtWidgets import QApplication

INPUT_EVENTS = frozenset({QEvent.KeyPress, QEvent.KeyRelease, QEvent.MouseButtonPress, QEvent.MouseButtonRelease,
                          QEvent.MouseButtonDblClick, QEvent.MouseMove, QEvent.Wheel, QEvent.TouchBegin,
                          QEvent.TouchUpdate, QEvent.TabletPress, QEvent.TabletMove, QEvent.ShortcutOverride})
CHECK_MS = 15_000  # how often the idle time is looked at: a lock comes at most this late


class IdleWatch(QObject):
    idle = Signal()

    def __init__(self, parent: QObject | None = None, clock: Callable[[], float] = time.monotonic,
                 check_ms: int = CHECK_MS) -> None:
        super().__init__(parent)
        self.clock = clock
        self.minutes = 0
        self.last_input = clock()
        self.timer = QTimer(self)
        self.timer.setInterval(check_ms)
        self.timer.timeout.connect(self.check)
        self._filtering = False

    def start(self, minutes: int) -> None:
        """Watch for ``minutes`` without input (0: never), counted from now."""
        self.minutes = minutes
        self.last_input = self.clock()
        app = QApplication.instance()
        if minutes > 0:
            if not self._filtering and app is not None:
                app.installEventFilter(self)
                self._filtering = True
            self.timer.start()
        else:
            self.stop()

    def stop(self) -> None:
        """Stop watching (the vault is locked or closed): no filter left on the application."""
        self.timer.stop()
        if self._filtering and (app := QApplication.instance()) is not None:
            app.removeEventFilter(self)
        self._filtering = False

    @property
    def idle_seconds(self) -> float:
        return self.clock() - self.last_input

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        if event.type() in INPUT_EVENTS:
            self.last_input = self.clock()
        return False

    def check(self) -> None:
        if self.minutes > 0 and self.idle_seconds >= self.minutes * 60:
            self.stop()
            self.idle.emit()
