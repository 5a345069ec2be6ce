"""The read-only, row-selecting tables the app lists things in (grants, statements, packages, brands)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QWidget


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
