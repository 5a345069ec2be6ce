"""An inline message strip (after KeePassXC's MessageWidget): errors that belong to a form, not
to a modal dialog."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QWidget

from studio.core.errors import StudioError

_COLOURS = {"error": ("#c62828", "#fdecea"), "warning": ("#a15c00", "#fff4e0"), "info": ("#1f5fa8", "#e8f1fb")}
_COLOURS_DARK = {"error": ("#ff8a80", "#3b1f1f"), "warning": ("#ffcc80", "#3a2e1a"), "info": ("#90caf9", "#1c2b3a")}


class Banner(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("banner")
        self.label = QLabel(self)
        self.label.setWordWrap(True)
        self.label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.close_button = close = QToolButton(self)
        close.setObjectName("dismiss")
        close.setText("✕")
        close.setAutoRaise(True)
        close.setAccessibleName(self.tr("Dismiss message"))
        close.clicked.connect(self.hide)
        row = QHBoxLayout(self)
        row.setContentsMargins(10, 6, 6, 6)
        row.addWidget(self.label, 1)
        row.addWidget(close, 0, Qt.AlignTop)
        self.level = ""
        self.hide()

    def keep_place(self, lines: int = 2) -> None:
        """Hold a fixed place, shown or hidden, ``lines`` lines of text high: the form around it
        never moves when a message comes or goes (DR037). A longer message is whole in the tooltip."""
        policy = self.sizePolicy()
        policy.setRetainSizeWhenHidden(True)
        self.setSizePolicy(policy)
        margins = self.layout().contentsMargins()
        self.setFixedHeight(self.label.fontMetrics().lineSpacing() * lines + margins.top() + margins.bottom()
                            + 2 * self.frameWidth() + 2)

    def show_message(self, text: str, level: str = "error") -> None:
        dark = self.palette().color(QPalette.Window).lightness() < 128
        fg, bg = (_COLOURS_DARK if dark else _COLOURS)[level]
        self.setStyleSheet(f"#banner {{ background: {bg}; border: 1px solid {fg}; border-radius: 4px; }}"
                           f"#banner QLabel {{ color: {fg}; }}")
        self.label.setText(text)
        self.label.setToolTip(text)
        self.level = level
        self.show()

    def show_error(self, exc: BaseException, level: str = "error") -> None:
        self.show_message(error_text(exc), level)

    def text(self) -> str:
        return self.label.text() if self.isVisible() else ""


def error_text(exc: BaseException) -> str:
    """An operator-facing line: a StudioError's own message, anything else named by its type."""
    return str(exc) if isinstance(exc, StudioError) else f"{type(exc).__name__}: {exc}"
