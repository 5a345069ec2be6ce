"""Labels and layouts that never widen the window: a name is elided to the width it is given
(the whole name in its tool tip), a row of buttons wraps onto a second line when narrow (DR035)."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtWidgets import QLabel, QLayout, QLayoutItem, QSizePolicy, QWidget

MIN_CHARS = 8  # an elided label is never narrower than this many average characters


class ElidedLabel(QLabel):
    """One line of plain text, elided (``…``) to the label's width, with the whole text as its
    tool tip while it is elided. Its minimum width is a few characters, whatever the text: a
    200-character file name cannot widen the window (a ``QLabel`` asks for its whole text)."""

    def __init__(self, text: str = "", parent: QWidget | None = None, mode=Qt.ElideMiddle) -> None:
        super().__init__(parent)
        self._full = ""
        self._mode = mode
        self.setTextFormat(Qt.PlainText)
        self.setSizePolicy(QSizePolicy.Preferred, QSizePolicy.Fixed)
        self.setText(text)

    def text(self) -> str:  # noqa: D102 (the whole text, not what is painted)
        return self._full

    def shown(self) -> str:
        """What the label shows now (elided or whole)."""
        return super().text()

    def setText(self, text: str) -> None:  # noqa: N802 (Qt API)
        self._full = text or ""
        self._elide()
        self.updateGeometry()

    def clear(self) -> None:
        self.setText("")

    def elided(self) -> bool:
        return self.shown() != self._full

    def _elide(self) -> None:
        width = self.contentsRect().width()
        shown = self.fontMetrics().elidedText(self._full, self._mode, max(width, 0)) if self._full else ""
        super().setText(shown)
        self.setToolTip(self._full if shown != self._full else "")

    def minimumSizeHint(self) -> QSize:  # noqa: N802 (Qt API)
        hint = super().minimumSizeHint()
        m = self.contentsMargins()
        return QSize(min(self.sizeHint().width(), self.fontMetrics().averageCharWidth() * MIN_CHARS
                         + m.left() + m.right()), hint.height())

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt API)
        m = self.contentsMargins()
        return QSize(self.fontMetrics().horizontalAdvance(self._full) + m.left() + m.right() + 2,
                     super().sizeHint().height())

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().resizeEvent(event)
        self._elide()

    def changeEvent(self, event) -> None:  # noqa: N802 (Qt API): a new font elides differently
        super().changeEvent(event)
        if event.type() == event.Type.FontChange:
            self._elide()


class FlowLayout(QLayout):
    """Widgets left to right, onto the next line when the width runs out (Qt's flow layout
    example): its minimum width is its widest item, not the sum of them."""

    def __init__(self, parent: QWidget | None = None, spacing: int = 4) -> None:
        super().__init__(parent)
        self._items: list[QLayoutItem] = []
        self.setSpacing(spacing)
        self.setContentsMargins(0, 0, 0, 0)

    def addItem(self, item: QLayoutItem) -> None:  # noqa: N802 (Qt API)
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int) -> QLayoutItem | None:  # noqa: N802
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int) -> QLayoutItem | None:  # noqa: N802
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self) -> Qt.Orientation:  # noqa: N802
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:  # noqa: N802
        return True

    def heightForWidth(self, width: int) -> int:  # noqa: N802
        return self._place(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:  # noqa: N802
        super().setGeometry(rect)
        self._place(rect, move=True)

    def sizeHint(self) -> QSize:  # noqa: N802: everything on one line
        m = self.contentsMargins()
        shown = [i.sizeHint() for i in self._items if not i.isEmpty()]
        width = sum(s.width() for s in shown) + self.spacing() * max(0, len(shown) - 1)
        height = max((s.height() for s in shown), default=0)
        return QSize(width + m.left() + m.right(), height + m.top() + m.bottom())

    def minimumSize(self) -> QSize:  # noqa: N802: the widest item
        size = QSize()
        for item in self._items:
            size = size.expandedTo(item.minimumSize())
        m = self.contentsMargins()
        return size + QSize(m.left() + m.right(), m.top() + m.bottom())

    def _place(self, rect: QRect, move: bool) -> int:
        """Lay the items out in ``rect`` (``move``: set their geometry; each line's items centred
        on the line); returns the height used."""
        m = self.contentsMargins()
        area = rect.adjusted(m.left(), m.top(), -m.right(), -m.bottom())
        lines: list[list[tuple[QLayoutItem, QSize]]] = [[]]
        x = area.x()
        for item in self._items:
            if item.isEmpty():
                continue
            hint = item.sizeHint()
            if lines[-1] and x + hint.width() > area.right() + 1:
                lines.append([])
                x = area.x()
            lines[-1].append((item, hint))
            x += hint.width() + self.spacing()
        y = area.y()
        for line in filter(None, lines):
            height = max(hint.height() for _, hint in line)
            if move:
                x = area.x()
                for item, hint in line:
                    item.setGeometry(QRect(QPoint(x, y + (height - hint.height()) // 2), hint))
                    x += hint.width() + self.spacing()
            y += height + self.spacing()
        used = y - self.spacing() if any(lines) else y
        return used - rect.y() + m.bottom()
