"""The talents column: search, the list, and the add-talent dialog."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QListWidget,
                               QListWidgetItem, QPushButton, QVBoxLayout, QWidget)

from studio.core.changes import Changes
from studio.core.consent.talent_keys import check_talent_passphrase, set_talent_passphrase
from studio.core.errors import StudioError
from studio.core.talents import STUDIO, TALENT, TalentRecord, add_talent, list_talents
from studio.core.vault import Vault
from studio.ui.banner import Banner
from studio.ui.tasks import TaskManager

MIN_CHARS = 28  # the talents column is never narrower than this many average characters


class AddTalentDialog(QDialog):
    """Name (required), e-mail and agency. The record is written in the background."""

    def __init__(self, vault: Vault, tasks: TaskManager, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Add a talent"))
        self.setMinimumWidth(420)
        self.vault, self.tasks = vault, tasks
        self.created: TalentRecord | None = None
        self.banner = Banner(self)
        self.name = QLineEdit(self)
        self.name.setPlaceholderText(self.tr("Full name, as in the consent"))
        self.email = QLineEdit(self)
        self.agency = QLineEdit(self)
        self.talent_pass = QLineEdit(self)
        self.talent_pass.setEchoMode(QLineEdit.Password)
        self.talent_pass.setPlaceholderText(self.tr("typed by the talent — optional now, needed to sign"))
        self.talent_pass2 = QLineEdit(self)
        self.talent_pass2.setEchoMode(QLineEdit.Password)
        form = QFormLayout()
        form.addRow(self.tr("Name"), self.name)
        form.addRow(self.tr("E-mail"), self.email)
        form.addRow(self.tr("Agency"), self.agency)
        form.addRow(self.tr("Talent's passphrase"), self.talent_pass)
        form.addRow(self.tr("Repeat it"), self.talent_pass2)
        note = QLabel(self.tr("Names and contact details are stored encrypted in the vault. The talent's passphrase "
                              "locks their own signing key: the studio cannot sign for them."), self)
        note.setWordWrap(True)
        note.setEnabled(False)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel, self)
        self.buttons.button(QDialogButtonBox.Ok).setText(self.tr("Add talent"))
        self.buttons.accepted.connect(self._add)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.banner)
        lay.addLayout(form)
        lay.addWidget(note)
        lay.addWidget(self.buttons)

    def _add(self) -> None:
        name, email, agency = self.name.text(), self.email.text() or None, self.agency.text() or None
        secret = self.talent_pass.text()
        if secret != self.talent_pass2.text():
            self.banner.show_message(self.tr("The two entries of the talent's passphrase differ."))
            return
        try:
            if secret:
                check_talent_passphrase(secret)
        except StudioError as exc:
            self.banner.show_message(str(exc))
            return
        self.buttons.setEnabled(False)

        def work(_task) -> TalentRecord:
            record = add_talent(self.vault, name, email, agency)
            if secret:
                set_talent_passphrase(self.vault, record.id, secret)
            return record

        self.tasks.write(work, self._added, self._failed, what=self.tr("Adding the talent"), owner=self)

    def _added(self, record: TalentRecord) -> None:
        self.created = record
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.buttons.setEnabled(True)
        self.banner.show_error(exc)


class TalentsPanel(QWidget):
    talentSelected = Signal(object)  # TalentRecord | None

    def __init__(self, vault: Vault, tasks: TaskManager, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vault, self.tasks = vault, tasks
        self.search = QLineEdit(self)
        self.search.setPlaceholderText(self.tr("Search talents"))
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._filter)
        self.list = QListWidget(self)
        self.list.setAccessibleName(self.tr("Talents"))
        self.list.currentItemChanged.connect(self._current_changed)
        self.add_button = QPushButton(self.tr("Add talent…"), self)
        self.add_button.clicked.connect(self.add_talent)
        self.card_button = QPushButton(self.tr("From card…"), self)
        self.card_button.setToolTip(self.tr("Add a talent who holds their own key, from the talent-card.json "
                                            "their device made (recommended)"))
        self.card_button.clicked.connect(lambda: self.add_talent_from_card())
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button, 1)
        buttons.addWidget(self.card_button)
        heading = QLabel(self.tr("<b>Talents</b>"), self)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(heading)
        lay.addWidget(self.search)
        lay.addWidget(self.list, 1)
        lay.addLayout(buttons)
        # a usable column whatever the others hold: names stay readable (elided in the list) (DR035)
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * MIN_CHARS)
        self._wanted: str | None = None
        self._select: str | None = None   # the talent just added, for the next refresh
        tasks.changed.connect(self.on_changes)

    def on_changes(self, changes: Changes) -> None:
        """A talent added or keyed; assets added (the counts under each name)."""
        if changes.touches("talents"):
            self.refresh()

    def refresh(self, select: str | None = None) -> None:
        self._wanted = select or self._select or (self.current().id if self.current() else None)
        self._select = None
        self.tasks.read(lambda _task: list_talents(self.vault), self._show, what=self.tr("Loading talents"))

    def _show(self, records: list[TalentRecord]) -> None:
        self.list.blockSignals(True)
        self.list.clear()
        chosen = None
        for r in records:
            n = r.asset_count  # English reads "1 asset", "2 assets"; each message has all plural forms
            count = self.tr("%n asset", "", n) if n == 1 else self.tr("%Ln assets", "", n)
            item = QListWidgetItem(f"{r.name}\n{count}" + (f" · {r.agency}" if r.agency else ""))
            item.setData(Qt.UserRole, r)
            item.setToolTip(f"{r.id}\n{self.holder_text(r)}")
            self.list.addItem(item)
            if r.id == self._wanted:
                chosen = item
        self._filter(self.search.text())
        if chosen is None and self.list.count():
            chosen = next((self.list.item(i) for i in range(self.list.count()) if not self.list.item(i).isHidden()), None)
        if chosen is not None:
            self.list.setCurrentItem(chosen)
        self.list.blockSignals(False)  # blocked while rebuilding: one signal for the new state
        self.talentSelected.emit(self.current())

    def _filter(self, text: str) -> None:
        needle = text.casefold().strip()
        for i in range(self.list.count()):
            item = self.list.item(i)
            r: TalentRecord = item.data(Qt.UserRole)
            hay = " ".join(x for x in (r.name, r.agency or "", r.email or "") if x).casefold()
            item.setHidden(bool(needle) and needle not in hay)

    def holder_text(self, record: TalentRecord) -> str:
        """Who holds the talent's key, as the list's tool tip says it."""
        if record.key_holder == TALENT:
            return self.tr("Key: on their own device")
        if record.key_holder == STUDIO:
            return self.tr("Key: held by the studio, under their passphrase")
        return self.tr("Key: none yet")

    def current(self) -> TalentRecord | None:
        item = self.list.currentItem()
        return item.data(Qt.UserRole) if item is not None else None

    def _current_changed(self, item, _previous) -> None:
        self.talentSelected.emit(item.data(Qt.UserRole) if item is not None else None)

    def _select_next(self, created: TalentRecord | None) -> None:
        """The refresh the change brings selects the talent just added."""
        if created is not None:
            self._select = created.id

    def add_talent_from_card(self, path: Path | None = None, on_open=None) -> None:
        """*Add talent from card…*: pick the card (unless ``path`` is given), confirm its
        fingerprint, add the talent; the refresh that follows selects them."""
        from studio.ui.talent_card import open_card_dialog, pick_card

        path = path or pick_card(self)
        if path is None:
            return

        def opened(dialog) -> None:
            self.card_dialog = dialog
            dialog.accepted.connect(lambda: self._select_next(dialog.created))
            if on_open is not None:
                on_open(dialog)

        open_card_dialog(self.vault, self.tasks, self, path, on_open=opened)

    def add_talent(self) -> AddTalentDialog:
        dialog = AddTalentDialog(self.vault, self.tasks, self)
        dialog.setAttribute(Qt.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._select_next(dialog.created))
        dialog.open()
        return dialog
