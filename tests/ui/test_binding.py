"""The Qt binding itself: PySide6 6.12.0 on Python 3.11 dropped a reference to ``None`` on each
call of a method that returns nothing, and the app aborted after a few thousand (DR006). This
fails on such a build before an operator's session does."""

from __future__ import annotations

import sys

from PySide6.QtCore import QTimer


def test_when_void_qt_methods_are_called_many_times_then_none_keeps_its_references(qapp):
    timer = QTimer()
    before = sys.getrefcount(None)
    for _ in range(2000):
        timer.stop()
    assert abs(sys.getrefcount(None) - before) < 50
