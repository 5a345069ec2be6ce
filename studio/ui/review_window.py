"""Review mode: the workstation handed to the talent. Their passphrase unlocks their own key;
they see only their assets (3D preview, player), approve or reject each, read their grants in
plain words and sign, decline or revoke them, and see every event on their likeness. Closing
the window locks the key again (it lived only in this window's memory)."""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, Qt, QTimer
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QSplitter,
                               QTabWidget, QVBoxLayout, QWidget)

from studio.core.assets import AssetRecord, list_assets
from studio.core.changes import Changes
from studio.core.consent.document import summary
from studio.core.consent.grants import list_grants
from studio.core.consent.history import history_for_talent
from studio.core.consent.review import review_asset
from studio.core.consent.talent_keys import TalentKey, unlock_talent_key
from studio.core.talents import TalentRecord
from studio.core.vault import Vault
from studio.ui.banner import Banner
from studio.ui.confirm_decision import DECLINE, REVOKE, SIGN, confirm_decision
from studio.ui.consent_panel import GrantTable, grant_row
from studio.ui.detail_pane import DetailPane
from studio.ui.formatting import status_label
from studio.ui.ledger_panel import LedgerPanel
from studio.ui.record_list import RecordList
from studio.ui.tasks import TaskManager


class TalentUnlockDialog(QDialog):
    def __init__(self, vault: Vault, talent: TalentRecord, tasks: TaskManager, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Review as {name}").format(name=talent.name))
        self.vault, self.talent, self.tasks = vault, talent, tasks
        self.key: TalentKey | None = None
        self.banner = Banner(self)
        text = QLabel(self.tr("<b>{name}</b>, enter <i>your own</i> passphrase. The studio's passphrase does not "
                              "open your key: only you can approve, sign or revoke.").format(name=talent.name), self)
        text.setWordWrap(True)
        self.passphrase = QLineEdit(self)
        self.passphrase.setEchoMode(QLineEdit.Password)
        self.passphrase.setAccessibleName(self.tr("Talent passphrase"))
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel, self)
        self.buttons.button(QDialogButtonBox.Ok).setText(self.tr("Start review"))
        self.buttons.accepted.connect(self._unlock)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        for w in (text, self.banner, self.passphrase, self.buttons):
            lay.addWidget(w)

    def _unlock(self) -> None:
        passphrase = self.passphrase.text()
        self.buttons.setEnabled(False)
        self.tasks.read(lambda _task: unlock_talent_key(self.vault, self.talent.id, passphrase), self._done,
                        self._failed, what=self.tr("Unlocking your key"), owner=self)

    def _done(self, key: TalentKey) -> None:
        self.key = key
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.buttons.setEnabled(True)
        self.banner.show_error(exc)
        self.passphrase.selectAll()

class ReviewWindow(QDialog):
    def __init__(self, vault: Vault, talent: TalentRecord, key: TalentKey, tasks: TaskManager,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Review mode — {name}").format(name=talent.name))
        self.resize(1400, 860)
        self.vault, self.talent, self.key = vault, talent, key
        self.tasks = tasks
        self.banner = Banner(self)
        intro = QLabel(self.tr("<b>Review mode — {name}.</b> Only your assets and grants are shown. Everything you "
                               "decide here is signed with your own key; close this window to lock it.").format(
                                   name=talent.name))
        intro.setWordWrap(True)
        self.assets = RecordList(self)
        self.assets.setAccessibleName(self.tr("Your assets"))
        self.assets.recordChanged.connect(self._asset_selected)
        self.detail = DetailPane(vault, self.tasks, self)
        self.note = QLineEdit(self)
        self.note.setPlaceholderText(self.tr("A note with your decision (optional)"))
        self.approve_button = QPushButton(self.tr("Approve"), self)
        self.reject_button = QPushButton(self.tr("Reject"), self)
        self.approve_button.clicked.connect(lambda: self._review("approve"))
        self.reject_button.clicked.connect(lambda: self._review("reject"))
        self.grants = GrantTable(self)
        self.grants.itemSelectionChanged.connect(self._grant_selected)
        self.grant_summary = QLabel(self)
        self.grant_summary.setWordWrap(True)
        self.grant_summary.setAlignment(Qt.AlignTop)
        self.reason = QLineEdit(self)
        self.reason.setPlaceholderText(self.tr("A reason (optional)"))
        self.sign_button = QPushButton(self.tr("Sign"), self)
        self.decline_button = QPushButton(self.tr("Decline"), self)
        self.revoke_button = QPushButton(self.tr("Revoke"), self)
        self.sign_button.clicked.connect(lambda: self._grant_action(SIGN))
        self.decline_button.clicked.connect(lambda: self._grant_action(DECLINE))
        self.revoke_button.clicked.connect(lambda: self._grant_action(REVOKE))
        self.history = RecordList(self)
        self.history.setAccessibleName(self.tr("History"))

        decide = QHBoxLayout()
        decide.addWidget(self.note, 1)
        decide.addWidget(self.approve_button)
        decide.addWidget(self.reject_button)
        middle = QWidget(self)
        mid = QVBoxLayout(middle)
        mid.setContentsMargins(0, 0, 0, 0)
        mid.addWidget(self.detail, 1)
        mid.addLayout(decide)
        grant_actions = QHBoxLayout()
        grant_actions.addWidget(self.reason, 1)
        for b in (self.sign_button, self.decline_button, self.revoke_button):
            grant_actions.addWidget(b)
        grants_tab = QWidget(self)
        rl = QVBoxLayout(grants_tab)
        rl.setContentsMargins(4, 4, 4, 4)
        rl.addWidget(self.grants, 1)
        rl.addWidget(self.grant_summary)
        rl.addLayout(grant_actions)
        self.ledger = LedgerPanel(vault, self.tasks, self, studio=False)
        self.ledger.set_talent(talent)
        history = QWidget(self)
        hl = QVBoxLayout(history)
        hl.setContentsMargins(4, 4, 4, 4)
        hl.addWidget(QLabel(self.tr("<b>Everything that happened to your likeness</b>")))
        hl.addWidget(self.history, 1)
        right = QTabWidget(self)
        right.addTab(grants_tab, self.tr("Your grants"))
        right.addTab(self.ledger, self.tr("Uses && fees"))
        right.addTab(history, self.tr("History"))
        self.tabs = right
        left = QWidget(self)
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(QLabel(self.tr("<b>Your assets</b>")))
        ll.addWidget(self.assets, 1)
        split = QSplitter(Qt.Horizontal, self)
        for w in (left, middle, right):
            split.addWidget(w)
        split.setSizes([240, 640, 520])
        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addWidget(self.banner)
        lay.addWidget(split, 1)
        tasks.changed.connect(self.on_changes)
        self.refresh()

    def on_changes(self, changes: Changes) -> None:
        """Decisions made here or by the studio meanwhile: assets, grants, their history."""
        if changes.touches("assets", "grants", "ledger", "packages"):
            self.refresh()

    # -- data ------------------------------------------------------------------------------------
    def refresh(self, select: str | None = None) -> None:
        tid = self.talent.id
        self.tasks.read(lambda _task: _record_of(self.vault, tid), lambda data: self._loaded(*data, select),
                        self._failed, what=self.tr("Loading your record"), owner=self)

    def _failed(self, exc: BaseException) -> None:
        self.banner.show_message(str(exc))

    def _loaded(self, assets: list[tuple[str, AssetRecord]], grants, grant_rows, history: list[tuple[str, None]],
                select: str | None) -> None:
        current = select or (self.current_asset().id if self.current_asset() else None)
        row = next((i for i, (_, a) in enumerate(assets) if a.id == current), 0 if assets else None)
        self.assets.blockSignals(True)
        self.assets.set_lines(assets, row)
        self.assets.blockSignals(False)
        # each list in its own turn of the event loop: with 10,000 assets and 1,000 grants the
        # four together held it for over 100 ms (DR026)
        steps = [lambda: self._asset_selected(self.assets.current_record()),
                 lambda: (self.grants.set_grants(grants, grant_rows), self._grant_selected()),
                 lambda: self.history.set_lines(history)]
        for step in steps:
            QTimer.singleShot(0, self, step)

    def current_asset(self) -> AssetRecord | None:
        return self.assets.current_record()

    def _asset_selected(self, asset: AssetRecord | None) -> None:
        self.detail.show_asset(asset)
        for b in (self.approve_button, self.reject_button):
            b.setEnabled(asset is not None)

    def _grant_selected(self) -> None:
        g = self.grants.current()
        status = g.status() if g else None
        self.sign_button.setEnabled(status == "draft")
        self.decline_button.setEnabled(status == "draft")
        self.revoke_button.setEnabled(status in ("signed", "active") and g.revocation is None)
        self.grant_summary.setText(summary(g.document).replace("\n", "<br>") if g else self.tr("No grants yet."))

    # -- the talent's decisions --------------------------------------------------------------------
    def _review(self, decision: str) -> None:
        asset, note, key = self.current_asset(), self.note.text(), self.key
        if asset is None or key is None:
            return
        self.tasks.write(lambda _task: review_asset(self.vault, asset.id, decision, key, note),
                         lambda rec: self.note.clear(), self._failed, what=self.tr("Signing your decision"), owner=self)

    def _grant_action(self, decision: str) -> None:
        """Asked once, with the words signed and the talent's passphrase; signed only then (DR034)."""
        g = self.grants.current()
        if g is None or self.key is None:
            return
        self.confirm = confirm_decision(self.vault, self.tasks, self.talent, g, decision,
                                        self.reason.text() if decision != SIGN else "", self)
        self.confirm.accepted.connect(self.reason.clear)

    def done(self, result: int) -> None:
        self.key = None  # the unlocked key goes with the window
        self.detail.shutdown()
        super().done(result)


def _record_of(vault: Vault, talent_id: str):
    """On a worker: the talent's assets, grants and history as the window's lines (10,000 assets
    and their history are formatted here, not on the GUI thread, DR026)."""
    assets = [(f"{a.original_name}\n{status_label(a.status)}", a) for a in list_assets(vault, talent_id)]
    grants = list_grants(vault, talent_id)
    history = []
    for e in reversed(history_for_talent(vault, talent_id)):
        line = QCoreApplication.translate("ReviewWindow", "{when}  {what} — {subject} (by you)") if e["by_talent"] \
            else QCoreApplication.translate("ReviewWindow", "{when}  {what} — {subject} (by the studio)")
        history.append((line.format(when=e["at"][:16].replace("T", " "), what=e["label"], subject=e["subject"]), None))
    return assets, grants, [grant_row(g) for g in grants], history


def start_review(vault: Vault, talent: TalentRecord, tasks: TaskManager,
                 parent: QWidget | None = None) -> TalentUnlockDialog:
    """Ask for the talent's passphrase; on success open review mode (on the app's task manager).
    Returns the dialog."""
    dialog = TalentUnlockDialog(vault, talent, tasks, parent)
    dialog.setAttribute(Qt.WA_DeleteOnClose)

    def open_review() -> None:
        if dialog.key is not None:
            window = ReviewWindow(vault, talent, dialog.key, tasks, parent)
            window.setAttribute(Qt.WA_DeleteOnClose)
            dialog.review_window = window
            window.show()

    dialog.accepted.connect(open_review)
    dialog.open()
    return dialog
