"""The talent's window's dialogs: their passphrase (it unlocks their keys) and the reason that goes
with a rejection, decline or revocation."""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QLineEdit, QVBoxLayout, QWidget

from studio.core.errors import InvalidInput
from studio.core.kits.talent_side import MAX_REASON
from studio.core.talent_identity import TalentIdentity, load_talent_identity
from studio.ui.banner import Banner
from studio.ui.tasks import TaskManager


class TalentKeyDialog(QDialog):
    """The talent's passphrase for their keys' folder; unlocked on a worker (scrypt, DR043)."""

    def __init__(self, folder: Path, tasks: TaskManager, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.folder, self.tasks = Path(folder), tasks
        self.identity: TalentIdentity | None = None
        self.setWindowTitle(self.tr("Your keys"))
        text = QLabel(self.tr("Enter <i>your own</i> passphrase: it unlocks the keys in <tt>{folder}</tt>, with which "
                              "you open your review kits and sign your decisions.").format(
                                  folder=html.escape(str(self.folder))), self)
        text.setWordWrap(True)
        self.banner = Banner(self)
        self.passphrase = QLineEdit(self)
        self.passphrase.setEchoMode(QLineEdit.Password)
        self.passphrase.setAccessibleName(self.tr("Your passphrase"))
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel, self)
        self.buttons.button(QDialogButtonBox.Ok).setText(self.tr("Unlock"))
        self.buttons.accepted.connect(self.unlock)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        for w in (text, self.banner, self.passphrase, self.buttons):
            lay.addWidget(w)
        self.resize(460, self.sizeHint().height())

    def unlock(self) -> None:
        passphrase = self.passphrase.text()
        self.buttons.setEnabled(False)
        self.banner.hide()
        self.tasks.read(lambda _task: load_talent_identity(self.folder, passphrase), self._unlocked, self._failed,
                        what=self.tr("Unlocking your keys"), owner=self)

    def _unlocked(self, identity: TalentIdentity) -> None:
        self.identity = identity
        self.passphrase.clear()
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.buttons.setEnabled(True)
        self.banner.show_error(exc)


class ReasonDialog(QDialog):
    """The one reason of a decisions file (DR049), asked as the talent rejects, declines or revokes."""

    def __init__(self, title: str, question: str, reason: str, required: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.required = required
        text = QLabel(question + "<br>" + self.tr("One reason goes with every rejection, decline and revocation in "
                                                  "this file."), self)
        text.setWordWrap(True)
        self.reason = QLineEdit(reason, self)
        self.reason.setMaxLength(MAX_REASON)
        self.reason.setPlaceholderText(self.tr("Your reason (required)") if required else
                                       self.tr("Your reason (optional)"))
        self.reason.setAccessibleName(self.tr("Reason"))
        self.banner = Banner(self)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel, self)
        self.buttons.accepted.connect(self._accept)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        for w in (text, self.reason, self.banner, self.buttons):
            lay.addWidget(w)
        self.resize(480, self.sizeHint().height())

    def _accept(self) -> None:
        if self.required and not self.reason.text().strip():
            self.banner.show_error(InvalidInput(self.tr("say why: the studio keeps your reason with the revocation")))
            return
        self.accept()
