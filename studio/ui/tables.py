"""The read-only, row-selecting tables the app lists things in (grants, statements, packages, brands)."""

from __future__ import annotations

from typing import NamedTuple

from PySide6.QtCore import QAbstractTableModel, QCoreApplication, QModelIndex, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView, QTableWidget, QWidget


def setup_table(table: QTableWidget, columns) -> QTableWidget:
    table.setColumnCount(len(columns))
    table.setHorizontalHeaderLabels(columns)
    table.setSelectionBehavior(QAbstractItemView.SelectRows)
    table.setEditTriggers(QAbstractItemView.NoEditTriggers)
    table.verticalHeader().hide()
    table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeToContents)
    table.horizontalHeader().setResizeContentsPrecision(50)  # 1,000 grants or entries: not measured row by row
    return table


def list_table(columns, parent: QWidget) -> QTableWidget:
    """A table whose last column takes the spare width."""
    table = setup_table(QTableWidget(0, len(columns), parent), columns)
    table.horizontalHeader().setStretchLastSection(True)
    return table


def translated(context: str, texts) -> list[str]:
    """Texts marked with ``QT_TRANSLATE_NOOP(context, ...)`` where they are defined, in the
    user's language (the source text when no translation is installed)."""
    return [QCoreApplication.translate(context, t) for t in texts]


class Cell:
    """What ``RowsTable.item`` returns: a cell's text and its row's tooltip (no item objects)."""

    def __init__(self, text: str, tip: str = "") -> None:
        self._text, self._tip = text, tip

    def text(self) -> str:
        return self._text

    def toolTip(self) -> str:  # noqa: N802 (as QTableWidgetItem names it)
        return self._tip


class Row(NamedTuple):
    cells: tuple[str, ...]
    tip: str = ""
    color: QColor | None = None


class _RowsModel(QAbstractTableModel):
    def __init__(self, columns: list[str], right: tuple[int, ...], parent=None) -> None:
        super().__init__(parent)
        self.columns, self.right = columns, right
        self.rows: list[Row] = []

    def set_rows(self, rows: list[Row]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802 (Qt API)
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section, orientation, role=Qt.DisplayRole):  # noqa: N802
        if orientation == Qt.Horizontal and role == Qt.DisplayRole:
            return self.columns[section]
        return None

    def data(self, index, role=Qt.DisplayRole):
        row = self.rows[index.row()]
        if role == Qt.DisplayRole:
            return row.cells[index.column()]
        if role == Qt.ToolTipRole:
            return row.tip or None
        if role == Qt.ForegroundRole:
            return row.color
        if role == Qt.TextAlignmentRole and index.column() in self.right:
            return int(Qt.AlignRight | Qt.AlignVCenter)
        return None


class RowsTable(QTableView):
    """A read-only table of rows made beforehand (on a worker): a thousand rows are one model
    reset, not thousands of table items made on the GUI thread (DR026). Keeps the
    ``rowCount()`` / ``item(r, c).text()`` / ``.toolTip()`` surface of a ``QTableWidget``."""

    def __init__(self, columns: list[str], parent: QWidget | None = None, right: tuple[int, ...] = ()) -> None:
        super().__init__(parent)
        self._model = _RowsModel(columns, right, self)
        self.setModel(self._model)
        self.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.setWordWrap(False)
        self.verticalHeader().hide()
        self.verticalHeader().setSectionResizeMode(QHeaderView.Fixed)
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeToContents)
        header.setResizeContentsPrecision(20)  # sized from 20 rows, not 1,000
        header.setStretchLastSection(True)

    def set_rows(self, rows: list[Row]) -> None:
        self._model.set_rows(list(rows))

    def rowCount(self) -> int:  # noqa: N802 (the table widget's name, kept)
        return self._model.rowCount()

    def item(self, row: int, column: int) -> Cell | None:
        rows = self._model.rows
        return Cell(rows[row].cells[column], rows[row].tip) if 0 <= row < len(rows) else None
