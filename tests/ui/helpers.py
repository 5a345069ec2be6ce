"""Driving the real window the way a person does: drops, drags, typing."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import psutil
from PySide6.QtCore import QEvent, QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QImage, QMouseEvent
from PySide6.QtWidgets import QApplication, QWidget


def drop_files(target: QWidget, paths: list[Path]) -> bool:
    """Drag files from a file manager onto ``target``: enter, then drop. Returns whether the
    drop was accepted."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    centre = target.rect().center()
    enter = QDragEnterEvent(centre, Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(target, enter)
    if not enter.isAccepted():
        return False
    drop = QDropEvent(QPointF(centre), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    QApplication.sendEvent(target, drop)
    return drop.isAccepted()


def drag(widget: QWidget, start: QPoint, delta: QPoint, button=Qt.LeftButton, steps: int = 6) -> None:
    """Press, move in steps with the button held, release."""
    def send(kind, pos: QPointF, buttons) -> None:
        event = QMouseEvent(kind, pos, widget.mapToGlobal(pos), button, buttons, Qt.NoModifier)
        QApplication.sendEvent(widget, event)

    p0 = QPointF(start)
    send(QEvent.MouseButtonPress, p0, button)
    for i in range(1, steps + 1):
        send(QEvent.MouseMove, p0 + QPointF(delta) * (i / steps), button)
        QApplication.processEvents()
    send(QEvent.MouseButtonRelease, p0 + QPointF(delta), Qt.NoButton)


def image_array(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format_RGB888)
    w, h, stride = image.width(), image.height(), image.bytesPerLine()
    return np.frombuffer(bytes(image.constBits()), np.uint8).reshape(h, stride)[:, : w * 3].reshape(h, w, 3)


def foreground(rgb: np.ndarray) -> float:
    """Share of pixels that differ from the corner (background) colour."""
    return float((np.abs(rgb.astype(int) - rgb[0, 0].astype(int)).sum(axis=2) > 30).mean())


def render_children() -> list[int]:
    """Live child processes started by multiprocessing's spawn (render children, viewers)."""
    found = []
    for p in psutil.Process().children(recursive=True):
        try:
            cmd = " ".join(p.cmdline())
            if p.status() != psutil.STATUS_ZOMBIE and "multiprocessing" in cmd and "resource_tracker" not in cmd:
                found.append(p.pid)
        except psutil.Error:
            continue
    return found


def running(pid: int) -> bool:
    """Whether process ``pid`` still runs (a zombie waiting to be reaped has ended)."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False
