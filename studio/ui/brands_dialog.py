"""The brands a package can go to: the list, and registering one from the card it sent
(`twin-studio brand keygen` on the brand's machine) or from its keys pasted in."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout, QLineEdit,
                               QPlainTextEdit, QPushButton, QTableWidgetItem, QVBoxLayout, QWidget)

from studio.core.changes import Changes
from studio.core.package.brand_keys import read_card
from studio.core.package.brands import BrandRecord, add_brand, add_card, list_brands
from studio.core.vault import Vault
from studio.ui.banner import Banner
from studio.ui.tasks import TaskManager
from studio.ui.tables import list_table, translated

COLUMNS = (QT_TRANSLATE_NOOP("BrandsDialog", "Brand"), QT_TRANSLATE_NOOP("BrandsDialog", "Registered"),
           QT_TRANSLATE_NOOP("BrandsDialog", "Id"), QT_TRANSLATE_NOOP("BrandsDialog", "Recipient (age)"))


class BrandsDialog(QDialog):
    def __init__(self, vault: Vault, tasks: TaskManager, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vault, self.tasks = vault, tasks
        self.setWindowTitle(self.tr("Brands"))
        self.resize(760, 420)
        self.banner = Banner(self)
        self.table = list_table(translated("BrandsDialog", COLUMNS), self)
        self.table.setAccessibleName(self.tr("Registered brands"))
        self.brands: list[BrandRecord] = []
        self.card_button = QPushButton(self.tr("Add from brand card…"), self)
        self.card_button.setToolTip(self.tr("The brand-card.json a brand made with `twin-studio brand keygen`"))
        self.keys_button = QPushButton(self.tr("Add by keys…"), self)
        self.card_button.clicked.connect(self.choose_card)
        self.keys_button.clicked.connect(self.enter_keys)
        row = QHBoxLayout()
        row.addWidget(self.card_button)
        row.addWidget(self.keys_button)
        row.addStretch(1)
        close = QDialogButtonBox(QDialogButtonBox.Close, self)
        close.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.banner)
        lay.addWidget(self.table, 1)
        lay.addLayout(row)
        lay.addWidget(close)
        tasks.changed.connect(self.on_changes)
        self.refresh()

    def on_changes(self, changes: Changes) -> None:
        if changes.touches("brands"):
            self.refresh()

    def refresh(self) -> None:
        self.tasks.read(lambda _task: list_brands(self.vault), self._loaded, what=self.tr("Loading brands"), owner=self)

    def _loaded(self, brands: list[BrandRecord]) -> None:
        self.brands = brands
        self.table.setRowCount(len(brands))
        for r, b in enumerate(brands):
            for c, text in enumerate((b.name, b.created_at[:10], b.id, b.recipient)):
                self.table.setItem(r, c, QTableWidgetItem(text))

    def choose_card(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Brand card"), "",
                                              self.tr("Brand cards (*.json);;All files (*)"))
        if path:
            self.add_card_file(Path(path))

    def add_card_file(self, path: Path) -> None:
        self.banner.hide()
        self.tasks.write(lambda _task: add_card(self.vault, read_card(path)), self._added, self.banner.show_error,
                         what=self.tr("Registering the brand"), owner=self)

    def enter_keys(self) -> None:
        self.keys_dialog = BrandKeysDialog(self)
        self.keys_dialog.accepted.connect(lambda: self.add_keys(*self.keys_dialog.values()))
        self.keys_dialog.open()

    def add_keys(self, name: str, recipient: str, verify_key: str) -> None:
        self.banner.hide()
        self.tasks.write(lambda _task: add_brand(self.vault, name, recipient, verify_key), self._added,
                         self.banner.show_error, what=self.tr("Registering the brand"), owner=self)

    def _added(self, brand: BrandRecord) -> None:
        self.banner.show_message(self.tr("{name} registered ({id}).").format(name=brand.name, id=brand.id), "info")


class BrandKeysDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Add a brand by its keys"))
        self.name = QLineEdit(self)
        self.recipient = QLineEdit(self)
        self.recipient.setPlaceholderText("age1…")
        self.verify_key = QPlainTextEdit(self)
        self.verify_key.setPlaceholderText(self.tr("-----BEGIN PUBLIC KEY-----  (or base64 of the raw key)"))
        form = QFormLayout()
        form.addRow(self.tr("Name, as grants name it"), self.name)
        form.addRow(self.tr("Recipient"), self.recipient)
        form.addRow(self.tr("Report verify key"), self.verify_key)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(buttons)

    def values(self) -> tuple[str, str, str]:
        return self.name.text(), self.recipient.text(), self.verify_key.toPlainText()
