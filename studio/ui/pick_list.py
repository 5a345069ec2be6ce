"""A long checklist you can search (the grant editor's assets and territories): a filter line
over the list, what is ticked listed first, and a line naming what is ticked (DR037)."""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtGui import QBrush, QPalette
from PySide6.QtWidgets import (QHBoxLayout, QLineEdit, QListWidget, QListWidgetItem, QPushButton, QSizePolicy,
                               QVBoxLayout, QWidget)

from studio.ui.elided import ElidedLabel

KEY, ORDER, SHORT, REFUSED = Qt.UserRole, Qt.UserRole + 1, Qt.UserRole + 2, Qt.UserRole + 3


class PickList(QWidget):
    """``items``: (key, text, short name, tooltip) in the order they are listed. The ticked ones
    come first when the list is filled, loaded or filtered — never under the pointer while it
    ticks. ``buttons``: "Select all shown" and "Clear" under the list."""

    changed = Signal()

    def __init__(self, items: list[tuple[str, str, str, str]], placeholder: str, *, buttons: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.filter = QLineEdit()
        self.filter.setPlaceholderText(placeholder)
        self.filter.setClearButtonEnabled(True)
        self.list = QListWidget()
        self.list.setUniformItemSizes(True)
        self.chosen = ElidedLabel(mode=Qt.ElideRight)
        self.chosen.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Fixed)  # never widens its column
        self.select_all_button = QPushButton(self.tr("Select all shown"))
        self.clear_button = QPushButton(self.tr("Clear"))
        self.clear_button.setToolTip(self.tr("Untick every one, shown or not"))
        for key, text, short, tip in items:
            self.add(key, text, short, tip)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(4)
        lay.addWidget(self.filter)
        lay.addWidget(self.list, 1)
        row = QHBoxLayout()
        row.addWidget(self.chosen, 1)
        if buttons:
            row.addWidget(self.select_all_button)
            row.addWidget(self.clear_button)
            self.select_all_button.clicked.connect(self.select_all_shown)
            self.clear_button.clicked.connect(self.clear)
        else:
            self.select_all_button.hide()
            self.clear_button.hide()
        lay.addLayout(row)
        self.filter.textChanged.connect(self._filtered)
        self.list.itemChanged.connect(self._item_changed)
        self._named()

    def add(self, key: str, text: str, short: str, tip: str = "", *, refused: str = "") -> QListWidgetItem:
        """A row; ``refused``: why it can no longer be ticked (it is listed ticked, as loaded, and
        once unticked it stays unticked)."""
        item = QListWidgetItem(text)
        item.setData(KEY, key)
        item.setData(ORDER, self.list.count())
        item.setData(SHORT, short)
        item.setToolTip(tip)
        item.setFlags(item.flags() | Qt.ItemIsUserCheckable)
        item.setCheckState(Qt.Unchecked)
        if refused:
            item.setData(REFUSED, refused)
            item.setForeground(QBrush(self.palette().color(QPalette.Disabled, QPalette.Text)))
        self.list.addItem(item)
        return item

    def keys(self) -> list[str]:
        return [self.list.item(i).data(KEY) for i in range(self.list.count())]

    def checked(self) -> list[str]:
        """The ticked keys in their listed order, wherever their rows stand now."""
        ticked = [it for it in self._items() if it.checkState() == Qt.Checked]
        return [it.data(KEY) for it in sorted(ticked, key=lambda it: it.data(ORDER))]

    def check(self, keys) -> None:
        """Tick exactly ``keys`` (those listed), then list the ticked ones first."""
        keys = set(keys)
        with QSignalBlocker(self.list):
            for it in self._items():
                it.setCheckState(Qt.Checked if it.data(KEY) in keys else Qt.Unchecked)
        self._unticked_refused()
        self.chosen_first()
        self._named()
        self.changed.emit()

    def shown(self) -> list[str]:
        return [it.data(KEY) for it in self._items() if not it.isHidden()]

    def select_all_shown(self) -> None:
        with QSignalBlocker(self.list):
            for it in self._items():
                if not it.isHidden() and it.flags() & Qt.ItemIsUserCheckable and not it.data(REFUSED):
                    it.setCheckState(Qt.Checked)
        self._unticked_refused()
        self._named()
        self.changed.emit()

    def clear(self) -> None:
        with QSignalBlocker(self.list):
            for it in self._items():
                it.setCheckState(Qt.Unchecked)
        self._unticked_refused()
        self._named()
        self.changed.emit()

    def chosen_first(self) -> None:
        """The ticked rows first, each group in its listed order, the filter applied again."""
        items = [self.list.takeItem(0) for _ in range(self.list.count())]
        items.sort(key=lambda it: (it.checkState() != Qt.Checked, it.data(ORDER)))
        with QSignalBlocker(self.list):
            for it in items:
                self.list.addItem(it)
        self._apply_filter()
        self.list.scrollToTop()

    def _items(self):
        return [self.list.item(i) for i in range(self.list.count())]

    def _filtered(self, _text: str) -> None:
        self.chosen_first()

    def _apply_filter(self) -> None:
        needle = self.filter.text().casefold().strip()
        for it in self._items():
            hay = f"{it.text()} {it.data(KEY)}".casefold()
            it.setHidden(bool(needle) and needle not in hay)

    def _item_changed(self, item: QListWidgetItem) -> None:
        if item.data(REFUSED):
            self._unticked_refused()
        self._named()
        self.changed.emit()

    def _unticked_refused(self) -> None:
        """A refused row, once unticked, cannot be ticked again."""
        with QSignalBlocker(self.list):
            for it in self._items():
                if it.data(REFUSED) and it.checkState() != Qt.Checked:
                    it.setFlags(it.flags() & ~Qt.ItemIsUserCheckable & ~Qt.ItemIsEnabled)

    def _named(self) -> None:
        names = [it.data(SHORT) for it in self._items() if it.checkState() == Qt.Checked]
        if names:
            self.chosen.setText(self.tr("Chosen ({n}): {names}").format(n=len(names), names=", ".join(names)))
        else:
            self.chosen.setText(self.tr("None chosen"))

