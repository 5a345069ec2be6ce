"""Asked once before the talent signs, revokes or declines a grant (DR034): the exact words they
sign, that the decision is final, and their own passphrase. The passphrase is checked by
unlocking their key on a worker; only then is the decision signed, with that key, on the writer.
A wrong passphrase or Cancel changes nothing."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QPlainTextEdit,
                               QVBoxLayout, QWidget)

from studio.core.consent.document import summary
from studio.core.consent.grants import (GrantRecord, decline_grant, decline_text, revocation_text, revoke_grant,
                                        sign_grant)
from studio.core.consent.talent_keys import TalentKey
from studio.core.talents import TalentRecord
from studio.core.vault import Vault
from studio.ui.banner import Banner
from studio.ui.signing_stages import SigningStages
from studio.ui.tasks import TaskManager

SIGN, REVOKE, DECLINE = "sign", "revoke", "decline"


class ConfirmDecisionDialog(SigningStages, QDialog):
    def __init__(self, vault: Vault, tasks: TaskManager, talent: TalentRecord, grant: GrantRecord, decision: str,
                 reason: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        if decision not in (SIGN, REVOKE, DECLINE):
            raise ValueError(f"unknown decision {decision!r}")
        self.vault, self.tasks, self.talent, self.grant = vault, tasks, talent, grant
        self.decision, self.reason = decision, reason
        self.result_grant: GrantRecord | None = None
        self._stage: str | None = None  # None, "unlocking" (Cancel still stops it) or "signing" (it cannot)
        self.setMinimumWidth(560)
        title, heading, final, button = {
            SIGN: (self.tr("Sign this grant?"),
                   self.tr("<b>{name}</b>, you are signing this grant with your own key:"),
                   self.tr("<b>This is final.</b> A signed grant cannot be changed or unsigned. You can revoke "
                           "it later; it then ends after the notice period it states."),
                   self.tr("Sign")),
            REVOKE: (self.tr("Revoke this grant?"),
                     self.tr("<b>{name}</b>, you are revoking this grant with your own key:"),
                     self.tr("<b>This is final.</b> A revocation cannot be taken back: for the use to be "
                             "allowed again, the studio must draft a new grant for you to sign."),
                     self.tr("Revoke")),
            DECLINE: (self.tr("Decline this draft?"),
                      self.tr("<b>{name}</b>, you are declining this draft with your own key:"),
                      self.tr("<b>This is final.</b> A declined draft can never be signed: the studio would "
                              "have to draft a new grant."),
                      self.tr("Decline")),
        }[decision]
        self.setWindowTitle(title)
        intro = QLabel(heading.format(name=html.escape(talent.name)), self)
        intro.setWordWrap(True)
        self.text = QPlainTextEdit(self)
        self.text.setReadOnly(True)
        self.text.setPlainText(self.decision_text())
        self.text.setAccessibleName(self.tr("What you sign"))
        self.text.setMinimumHeight(190)
        self.final = QLabel(final, self)
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
        self.confirm_button.setText(button)
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

    def decision_text(self) -> str:
        """The plain words of what is signed: the grant's summary, or the revocation or decline."""
        if self.decision == SIGN:
            return summary(self.grant.document)
        if self.decision == REVOKE:
            return revocation_text(self.grant, self.reason)
        return decline_text(self.grant, self.reason)

    def _talent_id(self) -> str:
        return self.grant.talent_id

    def _work(self, key: TalentKey):
        vault, g, reason = self.vault, self.grant, self.reason
        return {SIGN: lambda _task: sign_grant(vault, g.id, key, g.sha256),  # only the draft shown here
                REVOKE: lambda _task: revoke_grant(vault, g.id, key, reason),
                DECLINE: lambda _task: decline_grant(vault, g.id, key, reason)}[self.decision]

    def _signed(self, grant: GrantRecord) -> None:
        self.result_grant = grant


def confirm_decision(vault: Vault, tasks: TaskManager, talent: TalentRecord, grant: GrantRecord, decision: str,
                     reason: str = "", parent: QWidget | None = None) -> ConfirmDecisionDialog:
    """Open the window-modal question over ``parent``; it signs on confirmation. Returns the dialog."""
    dialog = ConfirmDecisionDialog(vault, tasks, talent, grant, decision, reason, parent)
    dialog.setAttribute(Qt.WA_DeleteOnClose)
    dialog.open()
    return dialog
