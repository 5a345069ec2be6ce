"""Review mode: the workstation handed to the talent. Their passphrase unlocks their own key;
they see only their assets (3D preview, player), approve or reject each, read their grants in
plain words and sign, decline or revoke them, and see every event on their likeness. Closing
the window locks the key again (it lived only in this window's memory)."""

from __future__ import annotations

import html
import time

from PySide6.QtCore import QCoreApplication, Qt, QTimer
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QLineEdit, QPushButton, QSplitter,
                               QTabWidget, QVBoxLayout, QWidget)

from studio.core.assets import AssetRecord, list_assets
from studio.core.changes import Changes
from studio.core.consent.document import summary
from studio.core.consent.grants import list_grants
from studio.core.consent.history import history_for_talent
from studio.core.consent.review import MAX_NOTE, review_assets
from studio.core.consent.talent_keys import STUDIO, TALENT, TalentKey, key_holder, unlock_talent_key
from studio.core.erasure import erasure_status
from studio.core.talents import TalentRecord
from studio.core.vault import Vault
from studio.ui.approval_outputs import OutputsPanel
from studio.ui.banner import Banner
from studio.ui.confirm_decision import DECLINE, REVOKE, SIGN, confirm_decision
from studio.ui.consent_panel import GrantTable, grant_row
from studio.ui.detail_pane import DetailPane
from studio.ui.asset_model import make_rows
from studio.ui.ledger_panel import LedgerPanel
from studio.ui.record_list import RecordList
from studio.ui.request_erasure import ask_erasure
from studio.ui.review_list import ReviewList, state_counts
from studio.ui.thumbnail_fetcher import YIELD_S
from studio.ui.tasks import TaskManager


CHUNK = 500  # rows made between two pauses of the worker


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
        self.text = text
        self.own_key = False
        self.holder: str | None = "unknown"  # until read: "talent", "studio" or None (no key yet)
        lay = QVBoxLayout(self)
        for w in (text, self.banner, self.passphrase, self.buttons):
            lay.addWidget(w)
        tasks.read(lambda _task: key_holder(vault, talent.id), self._holder, self.banner.show_error,
                   what=self.tr("Who holds the key"), owner=self)

    def _holder(self, holder: str | None) -> None:
        """A talent who holds their own key decides on their device: no passphrase is asked here,
        no review mode opens (the studio cannot sign for them; DR045)."""
        self.holder = holder
        if holder != TALENT:
            return
        self.own_key = True
        self.text.setText(self.tr("<b>{name}</b> holds their own key and decides on their own device: the "
                                  "studio holds no key of theirs and cannot sign for them, so there is no "
                                  "review mode here.").format(name=self.talent.name))
        self.passphrase.hide()
        self.buttons.button(QDialogButtonBox.Ok).hide()
        self.buttons.button(QDialogButtonBox.Cancel).setText(self.tr("Close"))

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

class ReasonDialog(QDialog):
    """Asks once why the talent rejects the selected assets; the one reason is kept with each
    rejection (in the statement they sign) and shown in their history."""

    def __init__(self, assets: list[AssetRecord], reason: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        n = len(assets)
        if n == 1:
            self.setWindowTitle(self.tr("Reject “{name}”").format(name=assets[0].original_name))
            question = self.tr("Why do you reject <b>{name}</b>? Your reason is kept with your signed "
                               "decision.").format(name=html.escape(assets[0].original_name))
        else:
            self.setWindowTitle(self.tr("Reject %n assets", "", n))
            question = self.tr("Why do you reject these %n assets? The one reason is kept with each signed "
                               "decision.", "", n)
        text = QLabel(question, self)
        text.setWordWrap(True)
        self.reason = QLineEdit(reason, self)
        self.reason.setPlaceholderText(self.tr("A reason (optional)"))
        self.reason.setMaxLength(MAX_NOTE)
        self.reason.setAccessibleName(self.tr("Reason for rejecting"))
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel, self)
        self.buttons.button(QDialogButtonBox.Ok).setText(self.tr("Reject") if n == 1 else self.tr("Reject %n", "", n))
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        for w in (text, self.reason, self.buttons):
            lay.addWidget(w)
        self.resize(460, self.sizeHint().height())


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
        self.assets = ReviewList(vault, self.tasks, self)
        self.assets.recordChanged.connect(self._asset_selected)
        self.assets.selectionChanged.connect(self._selection_changed)
        self.assets.decisionRequested.connect(self.decide)
        self.detail = DetailPane(vault, self.tasks, self)
        self.assets.playRequested.connect(self.detail.toggle_take)
        self.note = QLineEdit(self)
        self.note.setPlaceholderText(self.tr("A note with your decision (optional)"))
        self.note.setMaxLength(MAX_NOTE)
        self.selection_label = QLabel(self)
        self.approve_button = QPushButton(self.tr("Approve selected"), self)
        self.reject_button = QPushButton(self.tr("Reject selected…"), self)
        # the keys are the list's (review_list.APPROVE_KEYS, REJECT_KEYS)
        self.approve_button.setToolTip(self.tr("Approve the selected assets (key A in the list); the next one "
                                               "awaiting review is then selected"))
        self.reject_button.setToolTip(self.tr("Reject the selected assets (key R or X in the list), with one reason "
                                              "for all; the next one awaiting review is then selected"))
        self.approve_button.clicked.connect(lambda: self.decide("approve"))
        self.reject_button.clicked.connect(lambda: self.decide("reject"))
        self._deciding: set[str] = set()  # assets whose decision is on its way to the vault
        self._loading = self._reload = False  # a refresh in flight, and another wanted after it
        self.reason_dialog: ReasonDialog | None = None
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
        # the talent's own request for erasure (DR055): signed with their passphrase, as a grant is
        self.erasure_button = QPushButton(self.tr("Ask for my likeness to be erased…"), self)
        self.erasure_button.setEnabled(False)  # until the talent's state is read
        self.erasure_button.clicked.connect(self.ask_erasure)
        self.erasure_dialog = None
        self.history = RecordList(self)
        self.history.setAccessibleName(self.tr("History"))
        self.history.setAlternatingRowColors(True)  # two lines an event: each event its own band
        self.history.setSpacing(1)

        decide = QHBoxLayout()
        decide.addWidget(self.note, 1)
        decide.addWidget(self.selection_label)
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
        own = QHBoxLayout()
        own.addStretch(1)
        own.addWidget(self.erasure_button)
        rl.addLayout(own)
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
        ll.addWidget(QLabel(self.tr("<b>Your assets</b>"), self))
        ll.addWidget(self.assets, 1)
        split = QSplitter(Qt.Horizontal, self)
        for w in (left, middle, right):
            split.addWidget(w)
        split.setSizes([320, 560, 520])  # the right pane as wide as before the thumbnails came
        # the brands' outputs the talent approves one by one (issue 14): a tab of the whole window,
        # so that an output is seen as large as the screen allows (DR054)
        self.outputs = OutputsPanel(vault, self.tasks, talent, self)
        self.modes = QTabWidget(self)
        self.modes.setDocumentMode(True)
        self.modes.addTab(split, self.tr("Your assets && grants"))
        self.modes.addTab(self.outputs, self.tr("Outputs to approve"))
        self.outputs.countChanged.connect(self._outputs_counted)
        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addWidget(self.banner)
        lay.addWidget(self.modes, 1)
        tasks.changed.connect(self.on_changes)
        self.refresh()
        self.update_erasure()

    def _outputs_counted(self, n: int) -> None:
        self.modes.setTabText(1, self.tr("Outputs to approve (%n)", "", n) if n else self.tr("Outputs to approve"))

    def on_changes(self, changes: Changes) -> None:
        """Decisions made here or by the studio meanwhile: assets, grants, their history."""
        if changes.touches("assets", "grants", "ledger", "packages"):
            self.refresh()
        if changes.everything or self.talent.id in changes.talents:
            self.update_erasure()

    # -- data ------------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Read the talent's record again on a worker. Decisions arriving one after another (a
        key held down) make one read in flight and at most one more after it, not one each."""
        if self._loading:
            self._reload = True
            return
        self._loading, self._reload = True, False
        tid = self.talent.id
        self.tasks.read(lambda _task: _record_of(self.vault, tid), lambda data: self._loaded(*data),
                        self._load_failed, what=self.tr("Loading your record"), owner=self)

    def _load_failed(self, exc: BaseException) -> None:
        self._loading = False
        self._failed(exc)
        if self._reload:
            self.refresh()

    def _failed(self, exc: BaseException) -> None:
        self.banner.show_message(str(exc))

    def _loaded(self, rows, grants, grant_rows, history) -> None:
        self._loading = False
        if self._reload:  # decided on meanwhile: this record is already old
            self.refresh()
            return
        current = self.current_asset()
        rows, counts = rows
        self.assets.set_rows(rows, current.id if current else None, {a.id for a in self.assets.selected()}, counts)
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
        self._selection_changed()

    def _selection_changed(self) -> None:
        n = len(self.assets.selected_rows()) or int(self.current_asset() is not None)
        self.selection_label.setText(self.tr("%n selected", "", n) if n > 1 else "")
        for b in (self.approve_button, self.reject_button):
            b.setEnabled(bool(n))

    def _grant_selected(self) -> None:
        g = self.grants.current()
        status = g.status() if g else None
        self.sign_button.setEnabled(status == "draft")
        self.decline_button.setEnabled(status == "draft")
        self.revoke_button.setEnabled(status in ("signed", "active") and g.revocation is None)
        self.grant_summary.setText(summary(g.document).replace("\n", "<br>") if g else self.tr("No grants yet."))

    # -- the talent's decisions --------------------------------------------------------------------
    def decide(self, decision: str) -> None:
        """Approve or reject the selected assets ("approve" or "reject"): one signed review each,
        all in one write; a rejection first asks once for a reason, kept with each. The next
        asset awaiting review is selected at once (the decision is still on its way)."""
        assets, key = self.assets.selected(), self.key
        if not assets or key is None or self.reason_dialog is not None:  # one reason asked at a time
            return
        if decision == "reject":
            self.reason_dialog = ReasonDialog(assets, self.note.text(), self)
            self.reason_dialog.setAttribute(Qt.WA_DeleteOnClose)
            self.reason_dialog.accepted.connect(
                lambda dialog=self.reason_dialog: self._submit(assets, "reject", dialog.reason.text(), key))
            self.reason_dialog.finished.connect(self._reason_closed)
            self.reason_dialog.open()
            return
        self._submit(assets, "approve", self.note.text(), key)

    def _reason_closed(self) -> None:
        self.reason_dialog = None  # deleted as it closes
        self.assets.view.setFocus()

    def _submit(self, assets: list[AssetRecord], decision: str, note: str, key: TalentKey) -> None:
        ids = [a.id for a in assets]
        self._deciding.update(ids)
        what = self.tr("Signing your decision on %n asset(s)", "", len(ids))
        self.tasks.write(lambda _task: review_assets(self.vault, ids, decision, key, note),
                         lambda _batch: self._decided(ids, True), lambda exc: self._decided(ids, False, exc),
                         what=what, owner=self)
        self.assets.advance(assets, self._deciding)
        self.assets.view.setFocus()

    def _decided(self, ids: list[str], ok: bool, exc: BaseException | None = None) -> None:
        self._deciding.difference_update(ids)
        if ok:
            self.note.clear()
        else:
            self._failed(exc)

    def _grant_action(self, decision: str) -> None:
        """Asked once, with the words signed and the talent's passphrase; signed only then (DR034)."""
        g = self.grants.current()
        if g is None or self.key is None:
            return
        self.confirm = confirm_decision(self.vault, self.tasks, self.talent, g, decision,
                                        self.reason.text() if decision != SIGN else "", self)
        self.confirm.accepted.connect(self.reason.clear)

    def update_erasure(self) -> None:
        """Read on a worker whether the talent can still ask for erasure: not once asked or erased,
        and not here when they hold their own key (they ask from their device)."""
        tid = self.talent.id
        self.tasks.read(lambda _task: (erasure_status(self.vault, tid), key_holder(self.vault, tid)),
                        lambda state: self._erasure_state(*state), self._failed,
                        what=self.tr("Looking for your erasure request"), owner=self)

    def _erasure_state(self, status: str | None, holder: str | None) -> None:
        self.erasure_button.setEnabled(status is None and holder == STUDIO and self.key is not None)
        if holder == TALENT:
            tip = self.tr("You hold your own key: ask for erasure from your own device")
        elif status == "requested":
            tip = self.tr("You asked for your likeness to be erased: the studio erases it and gives you the "
                          "signed receipt")
        elif status == "erased":
            tip = self.tr("Your likeness was erased")
        else:
            tip = self.tr("Ask the studio to erase your likeness, signed with your own passphrase")
        self.erasure_button.setToolTip(tip)
        self.erasure_button.setVisible(status != "erased")

    def ask_erasure(self) -> None:
        """Asked once, with what erasure destroys and the talent's passphrase; signed only then."""
        if self.key is None or self.erasure_dialog is not None:
            return
        self.erasure_dialog = ask_erasure(self.vault, self.tasks, self.talent, self)
        self.erasure_dialog.finished.connect(self._erasure_closed)

    def _erasure_closed(self) -> None:
        self.erasure_dialog = None  # deleted as it closes
        self.update_erasure()

    def done(self, result: int) -> None:
        self.key = None  # the unlocked key goes with the window
        self.detail.shutdown()
        self.outputs.shutdown()
        super().done(result)


def _record_of(vault: Vault, talent_id: str):
    """On a worker: the talent's assets as list rows, grants and history as the window's lines
    (10,000 assets and their history are formatted here, not on the GUI thread, DR026)."""
    assets = list_assets(vault, talent_id)
    rows = []
    for start in range(0, len(assets), CHUNK):  # a pause between chunks: the GUI thread's turn (DR026)
        rows += make_rows(assets[start:start + CHUNK])
        time.sleep(YIELD_S)
    grants = list_grants(vault, talent_id)
    events = history_for_talent(vault, talent_id)
    history = []
    for start in range(len(events), 0, -CHUNK):  # newest first
        history += [(history_text(e), None) for e in reversed(events[max(0, start - CHUNK):start])]
        time.sleep(YIELD_S)
    return (rows, state_counts(assets)), grants, [grant_row(g) for g in grants], history


def history_text(e: dict) -> str:
    """One event of the talent's history (:func:`history_for_talent`) in two lines: what happened
    to which asset or grant, by its name; then when, by whom, and the reason given."""
    what = QCoreApplication.translate("ReviewWindow", "{what} — {subject}").format(what=e["label"], subject=e["name"])
    when = e["at"][:16].replace("T", " ")
    line = QCoreApplication.translate("ReviewWindow", "{when} UTC · by you") if e["by_talent"] \
        else QCoreApplication.translate("ReviewWindow", "{when} UTC · by the studio")
    line = line.format(when=when)
    reason = " ".join((e.get("reason") or "").split())
    if reason:
        line += QCoreApplication.translate("ReviewWindow", " · “{reason}”").format(reason=reason)
    return f"{what}\n{line}"


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
