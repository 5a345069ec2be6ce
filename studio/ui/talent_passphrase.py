"""Set or change a talent's own passphrase (the GUI twin of `twin-studio talent
set-passphrase`). The talent types it; the current one is asked when they already have a key.

A talent who holds their own key (``talent keygen`` on their device, their card linked: DR045)
sees that instead, with the key's fingerprint, and nothing here that would sign for them."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from studio.core.consent.talent_keys import check_talent_passphrase, set_talent_passphrase
from studio.core.errors import StudioError
from studio.core.talents import TalentRecord
from studio.core.vault import Vault
from studio.ui.banner import Banner
from studio.ui.tasks import TaskManager


class TalentPassphraseDialog(QDialog):
    def __init__(self, vault: Vault, tasks: TaskManager, talent: TalentRecord, has_key: bool,
                 parent: QWidget | None = None, card: dict | None = None) -> None:
        super().__init__(parent)
        self.setMinimumWidth(440)
        self.vault, self.tasks, self.talent, self.has_key = vault, tasks, talent, has_key
        self.own_key = card is not None
        self.fingerprint: str | None = card["fingerprint"] if card else None
        self.banner = Banner(self)
        lay = QVBoxLayout(self)
        if card is not None:
            self._own_key(card, lay)
            return
        self.setWindowTitle(self.tr("{name}'s passphrase").format(name=talent.name))
        text = QLabel(self.tr("<b>{name}</b> types this, not the studio. It locks their own signing key; "
                              "the studio's passphrase cannot open it.").format(name=talent.name) +
                      (self.tr(" Changing it keeps the same key and every signature made with it.") if has_key else ""),
                      self)
        text.setWordWrap(True)
        self.advice = QLabel(self.tr("Recommended: {name} keeps their key on their own device instead "
                                     "(<tt>twin-studio talent keygen</tt> there, then <i>Talent ▸ Link talent's "
                                     "own key…</i> here, or <tt>talent export-kit</tt>); then the studio holds no "
                                     "key of theirs.").format(name=talent.name), self)
        self.advice.setWordWrap(True)
        self.current = QLineEdit(self)
        self.new = QLineEdit(self)
        self.repeat = QLineEdit(self)
        for w in (self.current, self.new, self.repeat):
            w.setEchoMode(QLineEdit.Password)
        form = QFormLayout()
        if has_key:
            form.addRow(self.tr("Current passphrase"), self.current)
        form.addRow(self.tr("New passphrase"), self.new)
        form.addRow(self.tr("Repeat it"), self.repeat)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel, self)
        self.buttons.button(QDialogButtonBox.Ok).setText(self.tr("Change passphrase") if has_key else self.tr("Create key"))
        self.buttons.accepted.connect(self._save)
        self.buttons.rejected.connect(self.reject)
        lay.addWidget(text)
        lay.addWidget(self.advice)
        lay.addWidget(self.banner)
        lay.addLayout(form)
        lay.addWidget(self.buttons)

    def _own_key(self, card: dict, lay: QVBoxLayout) -> None:
        """The talent holds their own key: who holds it and its fingerprint, and only *Close*."""
        name = self.talent.name
        self.setWindowTitle(self.tr("{name}'s key").format(name=name))
        text = QLabel(self.tr("<b>{name}</b> holds their own key, on their own device. The studio holds no "
                              "private key of theirs and cannot sign for them: they approve assets, sign, "
                              "decline and revoke grants on their device.").format(name=name), self)
        text.setWordWrap(True)
        self.fingerprint_label = QLabel(card["fingerprint"], self)
        self.fingerprint_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.fingerprint_label.setFont(QFontDatabase.systemFont(QFontDatabase.FixedFont))
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.WrapAllRows)  # the fingerprint is long: under its label
        form.addRow(self.tr("Key fingerprint"), self.fingerprint_label)
        form.addRow(self.tr("Linked on"), QLabel(card["linked_at"][:10], self))
        note = QLabel(self.tr("Compare the fingerprint with the one {name}'s device shows.").format(name=name), self)
        note.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Close, self)
        self.buttons.rejected.connect(self.reject)
        for w in (text, self.banner):
            lay.addWidget(w)
        lay.addLayout(form)
        lay.addWidget(note)
        lay.addWidget(self.buttons)
        lay.setSizeConstraint(QVBoxLayout.SetMinimumSize)  # wrapped texts get the height they need

    def _save(self) -> None:
        new, old = self.new.text(), (self.current.text() if self.has_key else None)
        try:
            if new != self.repeat.text():
                raise StudioError(self.tr("the two entries differ"))
            check_talent_passphrase(new)
        except StudioError as exc:
            self.banner.show_message(str(exc))
            return
        self.buttons.setEnabled(False)
        self.tasks.write(lambda _task: set_talent_passphrase(self.vault, self.talent.id, new, old), self._done,
                         self._failed, what=self.tr("Setting the talent's passphrase"), owner=self)

    def _done(self, fingerprint: str) -> None:
        self.fingerprint = fingerprint
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.buttons.setEnabled(True)
        self.banner.show_error(exc)
