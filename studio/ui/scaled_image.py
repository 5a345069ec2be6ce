"""An image label that shows its image whole (a brand's output in the talent's window, DR053)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QLabel, QWidget


class ScaledImage(QLabel):
    """An image shown whole: at its own size where it fits, scaled down (aspect kept) where not."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.original = QPixmap()
        self.setAlignment(Qt.AlignCenter)
        self.setMinimumSize(120, 120)

    def set_image(self, data: bytes) -> bool:
        self.original = QPixmap()
        ok = self.original.loadFromData(data)
        self._rescale()
        return ok

    def _rescale(self) -> None:
        if self.original.isNull():
            self.clear()
            return
        size = self.original.size()
        if size.width() > self.width() or size.height() > self.height():
            size = size.scaled(self.size(), Qt.KeepAspectRatio)
        self.setPixmap(self.original.scaled(size, Qt.KeepAspectRatio, Qt.SmoothTransformation))

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().resizeEvent(event)
        self._rescale()
