"""Review mode: the talent asks for their likeness to be erased (issue 13, DR055) — asked as a
grant's signature or a pause is (DR034, DR050): what erasure destroys in plain words, and their own
passphrase. The passphrase is checked by unlocking their key on a worker; only then is the request
signed, with that key, on the writer (:func:`request_erasure_with_key`). A wrong passphrase or
Cancel records nothing. The studio's *Erase talent…* is enabled by the recorded request."""

from __future__ import annotations

import html
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QPlainTextEdit,
                               QVBoxLayout, QWidget)

from studio.core.changes import Changes
from studio.core.consent.talent_keys import TalentKey
from studio.core.erasure import request_erasure_with_key
from studio.core.talents import TalentRecord
from studio.core.vault import Vault
from studio.ui.banner import Banner
from studio.ui.signing_stages import SigningStages
from studio.ui.tasks import TaskManager


@dataclass(frozen=True)
class Requested:
    """The recorded request (its audit event's seq), and what it changed for the app's views."""

    talent_id: str
    seq: int

    @property
    def changes(self) -> Changes:
        return Changes(talents={self.talent_id}, audit=True)


class RequestErasureDialog(SigningStages, QDialog):
    def __init__(self, vault: Vault, tasks: TaskManager, talent: TalentRecord, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vault, self.tasks, self.talent = vault, tasks, talent
        self.result_seq: int | None = None
        self._stage: str | None = None  # None, "unlocking" (Cancel still stops it) or "signing" (it cannot)
        self.setMinimumWidth(560)
        self.setWindowTitle(self.tr("Ask for erasure?"))
        intro = QLabel(self.tr("<b>{name}</b>, you are asking the studio to erase your likeness, signed with your "
                               "own key:").format(name=html.escape(talent.name)), self)
        intro.setWordWrap(True)
        self.text = QPlainTextEdit(self)
        self.text.setReadOnly(True)
        self.text.setAccessibleName(self.tr("What erasure destroys"))
        self.text.setMinimumHeight(220)
        self.text.setPlainText("\n".join(self.lines()))
        self.final = QLabel(self.tr("<b>Erasure cannot be undone.</b> Your signed request stays in the studio's "
                                    "history; the studio then erases your likeness and gives you a signed "
                                    "erasure receipt."), self)
        self.final.setWordWrap(True)
        self.banner = Banner(self)
        self.passphrase = QLineEdit(self)
        self.passphrase.setEchoMode(QLineEdit.Password)
        self.passphrase.setAccessibleName(self.tr("Your own passphrase"))
        self.passphrase.textChanged.connect(self._typed)
        form = QFormLayout()
        form.addRow(self.tr("Your own passphrase"), self.passphrase)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel, self)
        self.confirm_button = self.buttons.button(QDialogButtonBox.Ok)
        self.confirm_button.setText(self.tr("Ask for erasure"))
        self.confirm_button.setEnabled(False)
        self.buttons.accepted.connect(self._confirm)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addWidget(self.text, 1)
        lay.addWidget(self.final)
        lay.addWidget(self.banner)
        lay.addLayout(form)
        lay.addWidget(self.buttons)
        self.passphrase.setFocus(Qt.OtherFocusReason)

    def lines(self) -> list[str]:
        """The talent guide's words (docs/talent-guide.md, *Erasure*), shortened."""
        return [
            self.tr("• Your likeness key, yours alone inside the studio's vault: destroyed first. Without it, no copy "
                    "of your files can be opened again by anyone, the studio included, nor a copy in its backups."),
            self.tr("• Every file of yours: your scans and voice takes, their companion files, and what was made "
                    "from them (previews, thumbnails, waveforms, the outputs brands sent you for approval)."),
            self.tr("• Your name, e-mail and agency, your review notes, and the lists of what went into each "
                    "package. From then on nothing of yours can be stored or exported."),
            "",
            self.tr("What stays: the accounts (what each brand paid and when, without your name or files), and in "
                    "the studio's history the fact that you were erased with the fingerprints of what was "
                    "destroyed, never the content. A file another person also has, byte for byte, stays for them."),
            self.tr("Packages already delivered to brands are not recalled by this: the receipt lists each one, so "
                    "that those brands can be asked to delete them."),
            self.tr("The studio's backups of its catalog hold your locked key until they expire: the receipt says "
                    "how long."),
        ]

    def _talent_id(self) -> str:
        return self.talent.id

    def _work(self, key: TalentKey):
        vault, tid = self.vault, self.talent.id

        return lambda _task: Requested(tid, request_erasure_with_key(vault, tid, key))

    def _signed(self, result: "Requested") -> None:
        self.result_seq = result.seq


def ask_erasure(vault: Vault, tasks: TaskManager, talent: TalentRecord,
                parent: QWidget | None = None) -> RequestErasureDialog:
    """Open the window-modal question over ``parent``; it signs on confirmation. Returns the dialog."""
    dialog = RequestErasureDialog(vault, tasks, talent, parent)
    dialog.setAttribute(Qt.WA_DeleteOnClose)
    dialog.open()
    return dialog
