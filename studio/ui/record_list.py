"""A list of records as one text each: a ``QListView`` over a plain Python list, for lists that
run to 10,000 lines (review mode's assets and history). A ``QListWidget`` makes an item per line
on the GUI thread; this takes the texts made beforehand (on a worker) in one reset (DR026)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractListModel, QItemSelectionModel, QModelIndex, Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QListView, QWidget


class _Lines(QAbstractListModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.lines: list[tuple[str, Any]] = []

    def set_lines(self, lines: list[tuple[str, Any]]) -> None:
        self.beginResetModel()
        self.lines = list(lines)
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802 (Qt API)
        return 0 if parent.isValid() else len(self.lines)

    def data(self, index, role=Qt.DisplayRole):
        if role in (Qt.DisplayRole, Qt.ToolTipRole):  # the tip: a long line (a reason) read whole
            return self.lines[index.row()][0]
        if role == Qt.UserRole:
            return self.lines[index.row()][1]
        return None


class RecordList(QListView):
    """Lines of text, each with the record it stands for; ``currentChanged`` carries the
    current record (or None)."""

    recordChanged = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._lines = _Lines(self)
        self.setModel(self._lines)
        self.setUniformItemSizes(True)
        self.setSelectionMode(QAbstractItemView.SingleSelection)
        self.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.selectionModel().currentRowChanged.connect(lambda cur, _prev: self.recordChanged.emit(
            cur.data(Qt.UserRole) if cur.isValid() else None))

    def set_lines(self, lines: list[tuple[str, Any]], current: int | None = None) -> None:
        """Show ``lines`` ((text, record) pairs); make row ``current`` the current one."""
        self._lines.set_lines(lines)
        if current is not None and 0 <= current < len(lines):
            self.selectionModel().setCurrentIndex(self._lines.index(current), QItemSelectionModel.ClearAndSelect)

    def count(self) -> int:
        return len(self._lines.lines)

    def text(self, row: int) -> str:
        return self._lines.lines[row][0]

    def current_record(self) -> Any:
        index = self.currentIndex()
        return index.data(Qt.UserRole) if index.isValid() else None
