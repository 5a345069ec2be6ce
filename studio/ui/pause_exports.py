"""The talent pauses or resumes new exports of their likeness from the Consent tab (issue 13,
DR050) — asked as a grant's signature is (DR034, :mod:`studio.ui.confirm_decision`): what they
sign in plain words, and their own passphrase. The passphrase is checked by unlocking their key
on a worker; only then is the statement signed, with that key, on the writer. A wrong passphrase
or Cancel changes nothing."""

from __future__ import annotations

import html

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit,
                               QPlainTextEdit, QVBoxLayout, QWidget)

from studio.core.consent.grants import GrantRecord
from studio.core.consent.pause import PauseRecord, pause_with_key, resume_with_key
from studio.core.consent.talent_keys import TalentKey
from studio.core.talents import TalentRecord
from studio.core.vault import Vault
from studio.ui.banner import Banner
from studio.ui.signing_stages import SigningStages
from studio.ui.tasks import TaskManager

PAUSE, RESUME = "pause", "resume"


class PauseExportsDialog(SigningStages, QDialog):
    """``choices``: for a pause, ``None`` (every export) and the grants not yet paused; for a
    resume, the pauses in force (their grant, or ``None``)."""

    def __init__(self, vault: Vault, tasks: TaskManager, talent: TalentRecord, decision: str,
                 choices: list[tuple[str | None, str]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        if decision not in (PAUSE, RESUME):
            raise ValueError(f"unknown decision {decision!r}")
        self.vault, self.tasks, self.talent, self.decision = vault, tasks, talent, decision
        self.result_pause: PauseRecord | None = None
        self._stage: str | None = None  # None, "unlocking" (Cancel still stops it) or "signing" (it cannot)
        self.setMinimumWidth(520)
        pausing = decision == PAUSE
        self.setWindowTitle(self.tr("Pause exports?") if pausing else self.tr("Resume exports?"))
        intro = QLabel((self.tr("<b>{name}</b>, you are pausing new exports of your likeness with your own key:")
                        if pausing else
                        self.tr("<b>{name}</b>, you are resuming exports of your likeness with your own key:"))
                       .format(name=html.escape(talent.name)), self)
        intro.setWordWrap(True)
        self.scope = QComboBox(self)
        self.scope.setAccessibleName(self.tr("Which exports"))
        for grant_id, label in choices:
            self.scope.addItem(label, grant_id)
        self.scope.currentIndexChanged.connect(lambda _i: self.text.setPlainText(self.decision_text()))
        self.text = QPlainTextEdit(self)
        self.text.setReadOnly(True)
        self.text.setAccessibleName(self.tr("What you sign"))
        self.text.setMinimumHeight(120)
        self.text.setPlainText(self.decision_text())
        self.banner = Banner(self)
        self.passphrase = QLineEdit(self)
        self.passphrase.setEchoMode(QLineEdit.Password)
        self.passphrase.setAccessibleName(self.tr("Your own passphrase"))
        self.passphrase.textChanged.connect(self._typed)
        form = QFormLayout()
        form.addRow(self.tr("Which exports"), self.scope)
        form.addRow(self.tr("Your own passphrase"), self.passphrase)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel, self)
        self.confirm_button = self.buttons.button(QDialogButtonBox.Ok)
        self.confirm_button.setText(self.tr("Pause") if pausing else self.tr("Resume"))
        self.confirm_button.setEnabled(False)
        self.buttons.accepted.connect(self._confirm)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addWidget(self.text, 1)
        lay.addWidget(self.banner)
        lay.addLayout(form)
        lay.addWidget(self.buttons)
        self.passphrase.setFocus(Qt.OtherFocusReason)

    @property
    def grant_id(self) -> str | None:
        return self.scope.currentData()

    def decision_text(self) -> str:
        which = (self.tr("every new export of your likeness") if self.grant_id is None else
                 self.tr("new exports under grant {grant}").format(grant=self.grant_id))
        if self.decision == PAUSE:
            return self.tr("You pause {which}. Nothing is revoked: your grants stay as they are, and no new package "
                           "is made until you resume. Packages already delivered to brands are not affected. "
                           "Only your own signature resumes.").format(which=which)
        return self.tr("You resume {which}: packages can be made again under your active grants, as they "
                       "allow.").format(which=which)

    def _can_confirm(self) -> bool:
        return self.scope.count() > 0

    def _stage_inputs(self) -> tuple:
        return (self.scope,)

    def _talent_id(self) -> str:
        return self.talent.id

    def _work(self, key: TalentKey):
        vault, tid, gid = self.vault, self.talent.id, self.grant_id
        act = pause_with_key if self.decision == PAUSE else resume_with_key
        return lambda _task: act(vault, tid, gid, key)

    def _signed(self, pause: PauseRecord) -> None:
        self.result_pause = pause


def pause_choices(grants: list[GrantRecord], pauses: list[PauseRecord]) -> list[tuple[str | None, str]]:
    """What can be paused now: every export (unless already), and each signed or active grant not
    paused yet."""
    paused = {p.grant_id for p in pauses}
    out = [] if None in paused else [
        (None, QCoreApplication.translate("PauseExportsDialog", "All exports of your likeness"))]
    for g in grants:
        if g.id not in paused and g.state in ("signed", "active"):
            out.append((g.id, QCoreApplication.translate("PauseExportsDialog", "Only grant {grant} ({licensee})")
                        .format(grant=g.id, licensee=g.document["licensee"])))
    return out


def resume_choices(pauses: list[PauseRecord]) -> list[tuple[str | None, str]]:
    """The pauses in force, each one a choice."""
    out = []
    for p in pauses:
        text = (QCoreApplication.translate("PauseExportsDialog", "All exports (paused since {since})")
                if p.grant_id is None else
                QCoreApplication.translate("PauseExportsDialog", "Grant {grant} (paused since {since})"))
        out.append((p.grant_id, text.format(grant=p.grant_id, since=p.paused_at)))
    return out


def ask_pause(vault: Vault, tasks: TaskManager, talent: TalentRecord, decision: str,
              choices: list[tuple[str | None, str]], parent: QWidget | None = None) -> PauseExportsDialog:
    """Open the window-modal question over ``parent``; it signs on confirmation. Returns the dialog."""
    dialog = PauseExportsDialog(vault, tasks, talent, decision, choices, parent)
    dialog.setAttribute(Qt.WA_DeleteOnClose)
    dialog.open()
    return dialog
