"""The talent's window (``twin-studio gui --talent DIR``): on the talent's own device, with no vault.
They open a review kit from their studio (File ▸ Open Review Kit…, or drop it on the window), see
their assets (3D preview, voice player, metrics and QA warnings), the grants awaiting them in plain
words and the exact document, their statement and history, and decide; every choice is listed
under *Your decisions*, where it can be undone, until *Save Decisions…* signs them all with their
key into a ``.twindecisions`` file for the studio (``kit decide``'s twin, DR049/DR052)."""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QFontDatabase, QIcon, QKeySequence, QPixmap
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QFileDialog, QHBoxLayout, QLabel,
                               QListWidget, QListWidgetItem, QMainWindow, QMessageBox, QPlainTextEdit,
                               QPushButton, QSplitter, QStackedWidget, QStyle, QTableWidget, QTableWidgetItem,
                               QTabWidget, QVBoxLayout, QWidget)

from studio.core.kits.kit_previews import KitScenes, asset_record, document_text
from studio.core.kits.talent_side import ShownKit, decide, show_kit
from studio.core.talent_identity import TalentIdentity, load_talent_identity
from studio.ui.banner import Banner
from studio.ui.elided import ElidedLabel
from studio.ui.formatting import kind_label, size_text, status_label
from studio.ui.record_list import RecordList
from studio.ui.review_window import history_text
from studio.ui.scaled_image import ScaledImage
from studio.ui.scan_view import ScanDetail
from studio.ui.talent_choices import ASSET_ROLE, Pending, TalentChoices
from studio.ui.talent_dialogs import ReasonDialog, TalentKeyDialog
from studio.ui.talent_outputs import THUMB, TalentOutputs
from studio.ui.tasks import TaskManager
from studio.ui.voice_view import VoiceDetail

KIT_SUFFIX = ".twinreview"
DECISIONS_SUFFIX = ".twindecisions"


class TalentWindow(TalentChoices, TalentOutputs, QMainWindow):
    def __init__(self, identity: TalentIdentity, folder: Path, tasks: TaskManager | None = None) -> None:
        super().__init__()
        self.identity, self.folder = identity, Path(folder)
        self._owns_tasks = tasks is None
        self.tasks = tasks or TaskManager()
        self.shown: ShownKit | None = None
        self.scenes: KitScenes | None = None
        self.kit_path: Path | None = None
        self.pending: list[Pending] = []
        self.reason = ""          # one reason per file: kept with each rejection, decline and revocation (DR049)
        self.saved_path: Path | None = None
        self.reason_dialog: ReasonDialog | None = None
        self.setWindowTitle(self.tr("{name} — your review kit").format(name=identity.card.name))
        self.setAcceptDrops(True)
        self.resize(1400, 880)

        self.banner = Banner(self)        # errors, and what was saved
        self.chain_banner = Banner(self)  # the kit's chain warnings: stays until another kit is opened
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        self.intro.setTextInteractionFlags(Qt.TextSelectableByMouse)

        # assets: list | detail
        self.assets = QListWidget(self)
        self.assets.setIconSize(QSize(THUMB, THUMB))
        self.assets.setAccessibleName(self.tr("Your assets"))
        self.assets.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.assets.setTextElideMode(Qt.ElideRight)  # a long name is elided; the whole one is the tool tip
        self.assets.currentItemChanged.connect(lambda *_: self._asset_selected())
        self.name = ElidedLabel("", self)
        font = self.name.font()
        font.setPointSizeF(13)
        font.setBold(True)
        self.name.setFont(font)
        self.header = QLabel(self)
        self.header.setWordWrap(True)
        self.header.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.placeholder = QLabel(self.tr("Open the review kit your studio sent you: File ▸ Open Review Kit…, or "
                                          "drop the .twinreview file here."), self)
        self.placeholder.setAlignment(Qt.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.scan = ScanDetail(None, self.tasks, self)
        self.scan.viewer_button.hide()  # Open3D's own window reads from a vault; the kit is in memory
        self.voice = VoiceDetail(self)
        self.image = ScaledImage(self)  # a brand's output, full size (DR053)
        self.image.setAccessibleName(self.tr("The output"))
        self.stack = QStackedWidget(self)
        for w in (self.placeholder, self.scan, self.voice, self.image):
            self.stack.addWidget(w)
        self.showing_output = False  # the middle shows a brand's output, not an asset
        self.approve_button = QPushButton(self.tr("Approve"), self)
        self.reject_button = QPushButton(self.tr("Reject…"), self)
        self.approve_button.setToolTip(self.tr("Approve this asset for use under the grants you sign (key A in the list)"))
        self.reject_button.setToolTip(self.tr("Reject this asset, with a reason (key R in the list)"))
        # keys in the list, as in review mode: A approves, R rejects, Space plays the take
        for key, slot in (("A", lambda: self.choose_asset("approve")), ("R", lambda: self.choose_asset("reject")),
                          ("Space", self._toggle_take)):
            action = QAction(self.assets)
            action.setShortcut(QKeySequence(key))
            action.setShortcutContext(Qt.WidgetShortcut)
            action.triggered.connect(slot)
            self.assets.addAction(action)
        self.approve_button.clicked.connect(lambda: self.choose_asset("approve"))
        self.reject_button.clicked.connect(lambda: self.choose_asset("reject"))

        # a brand's outputs awaiting the talent's decision (DR053)
        self.outputs = QListWidget(self)
        self.outputs.setAccessibleName(self.tr("Outputs to approve"))
        self.outputs.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.outputs.setTextElideMode(Qt.ElideRight)
        self.outputs.currentItemChanged.connect(lambda *_: self._output_selected())
        self.outputs.itemPressed.connect(lambda *_: self._output_selected())
        self.assets.itemPressed.connect(lambda *_: self._asset_selected() if self.showing_output else None)
        self.output_info = QLabel(self)
        self.output_info.setWordWrap(True)
        self.output_info.setAlignment(Qt.AlignTop)
        self.output_info.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.approve_output_button = QPushButton(self.tr("Approve Output"), self)
        self.reject_output_button = QPushButton(self.tr("Reject Output…"), self)
        self.approve_output_button.setToolTip(self.tr("Approve this output: the brand may publish it, with content "
                                                      "credentials saying you approved it"))
        self.reject_output_button.setToolTip(self.tr("Reject this output, with a note the brand reads"))
        self.approve_output_button.clicked.connect(lambda: self.choose_output("approve_output"))
        self.reject_output_button.clicked.connect(lambda: self.choose_output("reject_output"))

        # grants
        self.grants = QTableWidget(0, 3, self)
        self.grants.setHorizontalHeaderLabels([self.tr("Grant"), self.tr("State"), self.tr("Use")])
        self.grants.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.grants.setSelectionMode(QAbstractItemView.SingleSelection)
        self.grants.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.grants.horizontalHeader().setStretchLastSection(True)
        self.grants.verticalHeader().hide()
        self.grants.itemSelectionChanged.connect(self._grant_selected)
        self.grant_summary = QLabel(self)
        self.grant_summary.setWordWrap(True)
        self.grant_summary.setAlignment(Qt.AlignTop)
        self.grant_summary.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.document = QPlainTextEdit(self)
        self.document.setReadOnly(True)
        self.document.setFont(QFontDatabase.systemFont(QFontDatabase.FixedFont))
        self.document.setAccessibleName(self.tr("The exact document"))
        self.sign_button = QPushButton(self.tr("Sign"), self)
        self.decline_button = QPushButton(self.tr("Decline…"), self)
        self.revoke_button = QPushButton(self.tr("Revoke…"), self)
        self.pause_button = QPushButton(self.tr("Pause"), self)
        self.resume_button = QPushButton(self.tr("Resume"), self)
        self.pause_button.setToolTip(self.tr("Ask that no new export is made under this grant until you resume it"))
        for button, kind in ((self.sign_button, "sign"), (self.decline_button, "decline"),
                             (self.revoke_button, "revoke"), (self.pause_button, "pause"),
                             (self.resume_button, "resume")):
            button.clicked.connect(lambda _=False, k=kind: self.choose_grant(k))

        # statement, history, requests
        self.statement = QTableWidget(0, 5, self)
        self.statement.setHorizontalHeaderLabels([self.tr("Date"), self.tr("Kind"), self.tr("Brand"),
                                                  self.tr("Count"), self.tr("Fee")])
        self.statement.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.statement.horizontalHeader().setStretchLastSection(True)
        self.statement.verticalHeader().hide()
        self.statement_totals = QLabel(self)
        self.statement_totals.setWordWrap(True)
        self.history = RecordList(self)
        self.history.setAccessibleName(self.tr("History"))
        self.history.setAlternatingRowColors(True)
        self.history.setSpacing(1)
        self.pause_all_button = QPushButton(self.tr("Pause all new exports"), self)
        self.resume_all_button = QPushButton(self.tr("Resume all exports"), self)
        self.access_button = QPushButton(self.tr("Ask for a copy of everything held about me"), self)
        self.erasure_button = QPushButton(self.tr("Ask for my likeness to be erased…"), self)
        self.pause_all_button.clicked.connect(lambda: self.choose_request("pause"))
        self.resume_all_button.clicked.connect(lambda: self.choose_request("resume"))
        self.access_button.clicked.connect(lambda: self.choose_request("request_access"))
        self.erasure_button.clicked.connect(lambda: self.choose_request("request_erasure"))

        # your decisions
        self.decisions = QListWidget(self)
        self.decisions.setAccessibleName(self.tr("Your decisions"))
        self.decisions.setSelectionMode(QAbstractItemView.ExtendedSelection)
        self.decisions_reason = QLabel(self)
        self.decisions_reason.setWordWrap(True)
        self.undo_button = QPushButton(self.tr("Undo"), self)
        self.undo_button.setToolTip(self.tr("Take back the selected decisions (nothing is signed before you save)"))
        self.undo_button.clicked.connect(self.undo_selected)
        self.save_button = QPushButton(self.tr("Save Decisions…"), self)
        self.save_button.setDefault(True)
        self.save_button.clicked.connect(self.choose_save)

        self._layout()
        self._build_menus()
        self._show_kit_state()

    # -- layout ----------------------------------------------------------------------------------
    def _layout(self) -> None:
        left = QWidget(self)
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(QLabel(self.tr("<b>Your assets</b>"), self))
        ll.addWidget(self.assets, 1)
        middle = QWidget(self)
        ml = QVBoxLayout(middle)
        ml.setContentsMargins(0, 0, 0, 0)
        ml.addWidget(self.name)
        ml.addWidget(self.header)
        ml.addWidget(self.stack, 1)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.approve_button)
        row.addWidget(self.reject_button)
        ml.addLayout(row)

        grants_tab = QWidget(self)
        gl = QVBoxLayout(grants_tab)
        gl.setContentsMargins(4, 4, 4, 4)
        gl.addWidget(self.grants, 2)
        gl.addWidget(self.grant_summary)
        gl.addWidget(QLabel(self.tr("The exact document:"), self))
        gl.addWidget(self.document, 3)
        buttons = QHBoxLayout()
        for b in (self.sign_button, self.decline_button, self.revoke_button, self.pause_button, self.resume_button):
            buttons.addWidget(b)
        gl.addLayout(buttons)
        statement_tab = QWidget(self)
        sl = QVBoxLayout(statement_tab)
        sl.setContentsMargins(4, 4, 4, 4)
        sl.addWidget(self.statement_totals)
        sl.addWidget(self.statement, 1)
        history_tab = QWidget(self)
        hl = QVBoxLayout(history_tab)
        hl.setContentsMargins(4, 4, 4, 4)
        hl.addWidget(QLabel(self.tr("<b>Everything that happened to your likeness</b>"), self))
        hl.addWidget(self.history, 1)
        requests_tab = QWidget(self)
        rl = QVBoxLayout(requests_tab)
        rl.setContentsMargins(4, 4, 4, 4)
        note = QLabel(self.tr("Requests about all your likeness. Each is signed with your key when you save, and the "
                              "studio must act on it."), self)
        note.setWordWrap(True)
        rl.addWidget(note)
        for b in (self.pause_all_button, self.resume_all_button, self.access_button, self.erasure_button):
            rl.addWidget(b)
        rl.addStretch(1)
        outputs_tab = QWidget(self)
        ol = QVBoxLayout(outputs_tab)
        ol.setContentsMargins(4, 4, 4, 4)
        intro = QLabel(self.tr("What brands made with your likeness and ask you to approve. Select one to see it full "
                               "size; each decision is signed with your key when you save."), self)
        intro.setWordWrap(True)
        ol.addWidget(intro)
        ol.addWidget(self.outputs, 2)
        ol.addWidget(self.output_info, 1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.approve_output_button)
        buttons.addWidget(self.reject_output_button)
        ol.addLayout(buttons)
        self.tabs = QTabWidget(self)
        self.tabs.addTab(grants_tab, self.tr("Your grants"))
        self.tabs.addTab(statement_tab, self.tr("Statement"))
        self.tabs.addTab(history_tab, self.tr("History"))
        self.tabs.addTab(requests_tab, self.tr("Requests"))
        self.outputs_tab = self.tabs.addTab(outputs_tab, self.tr("Outputs to approve"))
        decisions = QWidget(self)
        dl = QVBoxLayout(decisions)
        dl.setContentsMargins(0, 0, 0, 0)
        dl.addWidget(QLabel(self.tr("<b>Your decisions</b> (not signed until you save)"), self))
        dl.addWidget(self.decisions, 1)
        dl.addWidget(self.decisions_reason)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.undo_button)
        row.addWidget(self.save_button)
        dl.addLayout(row)
        right = QSplitter(Qt.Vertical, self)
        right.addWidget(self.tabs)
        right.addWidget(decisions)
        right.setSizes([560, 240])
        split = QSplitter(Qt.Horizontal, self)
        for w in (left, middle, right):
            split.addWidget(w)
        split.setSizes([300, 560, 540])
        central = QWidget(self)
        lay = QVBoxLayout(central)
        lay.addWidget(self.intro)
        lay.addWidget(self.chain_banner)
        lay.addWidget(self.banner)
        lay.addWidget(split, 1)
        self.setCentralWidget(central)

    def _build_menus(self) -> None:
        file = self.menuBar().addMenu(self.tr("&File"))
        self.open_action = QAction(self.tr("&Open Review Kit…"), self)
        self.open_action.setShortcut(QKeySequence.Open)
        self.open_action.triggered.connect(self.choose_kit)
        self.save_action = QAction(self.tr("&Save Decisions…"), self)
        self.save_action.setShortcut(QKeySequence.Save)
        self.save_action.triggered.connect(self.choose_save)
        quit_action = QAction(self.tr("&Quit"), self)
        quit_action.setShortcut(QKeySequence.Quit)
        quit_action.triggered.connect(self.close)
        for a in (self.open_action, self.save_action):
            file.addAction(a)
        file.addSeparator()
        file.addAction(quit_action)

    # -- opening a kit ---------------------------------------------------------------------------
    def choose_kit(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Open a review kit"), "",
                                              self.tr("Review kits (*.twinreview);;All files (*)"))
        if path:
            self.open_kit(Path(path))

    def open_kit(self, path: Path) -> None:
        """Decrypt and verify the kit on a worker (``show_kit``: the studio's key pinned, its chain
        head against the heads seen), then show it. Unsaved decisions on another kit are asked about."""
        if self.pending and not self._drop_pending():
            return
        self.banner.hide()
        self.tasks.read(lambda _task: show_kit(Path(path), self.identity, self.folder),
                        lambda shown: self._kit_opened(Path(path), shown), self.banner.show_error,
                        what=self.tr("Opening the review kit"), owner=self)

    def _drop_pending(self) -> bool:
        answer = QMessageBox.question(self, self.tr("Unsaved decisions"),
                                      self.tr("Your decisions on this kit are not saved. Open another kit and "
                                              "drop them?"))
        return answer == QMessageBox.Yes

    def _kit_opened(self, path: Path, shown: ShownKit) -> None:
        self.shown, self.kit_path = shown, path
        self.scenes = KitScenes(shown.opened)
        self.pending, self.reason, self.saved_path = [], "", None
        chain = [w for w in shown.warnings if w.startswith("WARNING")]
        others = [w for w in shown.warnings if not w.startswith("WARNING")]
        if chain:
            self.chain_banner.show_message("\n".join(chain), "error")
        else:
            self.chain_banner.hide()
        if others:
            self.banner.show_message("\n".join(others), "info")
        kit = shown.kit
        self.intro.setText(self.tr("<b>{name}</b> — review kit {kit}, made {when} UTC by the studio with key "
                                   "<tt>{fingerprint}</tt>. Nothing you choose is signed until you save your "
                                   "decisions.").format(name=html.escape(kit["talent"]["name"]), kit=kit["kit"],
                                                        when=kit["made_at"][:16].replace("T", " "),
                                                        fingerprint=kit["studio"].get("fingerprint", "")))
        self._fill_assets(kit)
        self._fill_grants(kit)
        self._fill_statement(kit)
        self._fill_outputs(kit)
        self.history.set_lines([(history_text(e), None) for e in reversed(kit.get("history") or [])])
        self._show_kit_state()

    def _fill_assets(self, kit: dict) -> None:
        style = self.style()
        self.assets.clear()
        for a in kit["assets"]:
            thumb = self.scenes.thumbnail(a["id"])
            pixmap = QPixmap()
            if thumb is None or not pixmap.loadFromData(thumb):
                icon = style.standardIcon(QStyle.SP_MediaVolume if a["kind"] == "voice" else QStyle.SP_FileIcon)
            else:
                icon = QIcon(pixmap)
            item = QListWidgetItem(icon, self._asset_line(a))
            item.setData(ASSET_ROLE, a["id"])
            item.setToolTip(a["name"])
            self.assets.addItem(item)
        if self.assets.count():
            self.assets.setCurrentRow(0)

    def _asset_line(self, a: dict) -> str:
        line = f"{a['name']}\n{kind_label(a['kind'])} · {status_label(a['status'])}"
        choice = next((p for p in self.pending if p.subject == a["id"]), None)
        if choice is not None:
            line += "\n→ " + (self.tr("you approve") if choice.kind == "approve" else self.tr("you reject"))
        return line

    def _fill_grants(self, kit: dict) -> None:
        self.grants.setRowCount(0)
        for g in kit["grants"]:
            r = self.grants.rowCount()
            self.grants.insertRow(r)
            state = self.tr("awaiting you") if g["awaiting"] else g["state"]
            use = (g.get("document") or {}).get("use_description", "")
            for c, text in enumerate((g["id"], state, use)):
                self.grants.setItem(r, c, QTableWidgetItem(text))
        self.grants.resizeColumnsToContents()
        awaiting = next((r for r, g in enumerate(kit["grants"]) if g["awaiting"]), 0)
        if kit["grants"]:
            self.grants.selectRow(awaiting)
        self._grant_selected()

    def _fill_statement(self, kit: dict) -> None:
        st = kit.get("statement") or {}
        entries = st.get("entries") or []
        self.statement.setRowCount(0)
        for e in entries:
            r = self.statement.rowCount()
            self.statement.insertRow(r)
            fee = e.get("fee")
            values = (str(e.get("on") or e.get("at") or "")[:10], str(e.get("kind", "")), str(e.get("brand", "")),
                      str(e.get("count", "")), f"{fee} {e.get('currency', '')}".strip() if fee is not None else "")
            for c, text in enumerate(values):
                self.statement.setItem(r, c, QTableWidgetItem(text))
        totals = ", ".join(f"{v} {c}" for c, v in (st.get("totals") or {}).items()) or self.tr("nothing yet")
        self.statement_totals.setText(self.tr("{uses} use(s), {violations} violation(s); fees owed to you: "
                                              "{totals}").format(uses=st.get("uses", 0),
                                                                 violations=st.get("violations", 0), totals=totals))

    # -- what is shown -----------------------------------------------------------------------------
    def current_asset(self) -> dict | None:
        item = self.assets.currentItem()
        if item is None or self.scenes is None:
            return None
        return self.scenes.assets.get(item.data(ASSET_ROLE))

    def _asset_selected(self) -> None:
        a = self.current_asset()
        self.showing_output = False
        self.outputs.clearSelection()
        self.voice.clear()
        if a is None:
            self.name.setText("")
            self.header.setText("")
            self.scan.clear()
            self.stack.setCurrentWidget(self.placeholder)
            self._show_kit_state()
            return
        record = asset_record(a)
        self.name.setText(a["name"])
        omitted = "".join("<br>" + self.tr("Not in the kit: {role} ({size}), {reason}").format(
            role=o["role"], size=size_text(o["size"]), reason=o["reason"]) for o in a.get("omitted") or [])
        self.header.setText(f"{kind_label(a['kind'])} · {a['format'].upper()} · {size_text(a['size'])} · "
                            f"<i>{status_label(a['status'])}</i><br><span style='color:gray'>"
                            + self.tr("{id} · SHA-256 {sha}…").format(id=a["id"], sha=a["sha256"][:16])
                            + "</span>" + omitted)
        if a["kind"] == "voice":
            self.scan.clear()
            self.stack.setCurrentWidget(self.voice)
            audio = self.scenes.preview(a["id"], "take") or b""
            self.voice.show_take(a["name"], audio, record.media_type, {}, record.metrics, record.warnings)
        else:
            self.stack.setCurrentWidget(self.scan)
            self.scan.viewport.vault = self.scenes  # the kit's previews stand for the vault
            self.scan.show_scan(record)
        self._show_kit_state()

    def _toggle_take(self) -> None:
        a = self.current_asset()
        if a is not None and a["kind"] == "voice" and self.voice.loaded:
            self.voice.toggle_playback()

    def current_grant(self) -> dict | None:
        rows = self.grants.selectionModel().selectedRows() if self.grants.selectionModel() else []
        if not rows or self.shown is None:
            return None
        return self.shown.kit["grants"][rows[0].row()]

    def _grant_selected(self) -> None:
        g = self.current_grant()
        if g is None:
            self.grant_summary.setText(self.tr("No grants in this kit.") if self.shown else "")
            self.document.setPlainText("")
        else:
            head = (self.tr("<b>Awaiting your decision.</b> Signing signs exactly the document below.")
                    if g["awaiting"] else self.tr("<b>{state}</b>").format(state=html.escape(g["state"])))
            self.grant_summary.setText(head + "<br>" + html.escape(g["summary"]).replace("\n", "<br>"))
            self.document.setPlainText(document_text(g))
        self._show_kit_state()

    def _show_kit_state(self) -> None:
        has_kit = self.shown is not None
        a, g = self.current_asset(), self.current_grant()
        for b in (self.approve_button, self.reject_button):
            b.setEnabled(a is not None and not self.showing_output)
        out = self.current_output()
        for b in (self.approve_output_button, self.reject_output_button):
            b.setEnabled(out is not None and out[2] and self.showing_output)
        awaiting = g is not None and g["awaiting"]
        revocable = g is not None and g["stored_state"] in ("signed", "active") and g.get("revocation") is None
        self.sign_button.setEnabled(awaiting)
        self.decline_button.setEnabled(awaiting)
        self.revoke_button.setEnabled(revocable)
        self.pause_button.setEnabled(revocable)
        self.resume_button.setEnabled(revocable)
        for b in (self.pause_all_button, self.resume_all_button, self.access_button, self.erasure_button):
            b.setEnabled(has_kit)
        self.undo_button.setEnabled(bool(self.pending))
        self.save_button.setEnabled(bool(self.pending))
        self.save_action.setEnabled(bool(self.pending))

    # -- choosing ----------------------------------------------------------------------------------
    # -- saving ------------------------------------------------------------------------------------
    def choose_save(self) -> None:
        if not self.pending or self.shown is None:
            return
        start = str((self.kit_path.parent if self.kit_path else Path.home()) /
                    f"{self.shown.kit['kit']}{DECISIONS_SUFFIX}")
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Save your decisions"), start,
                                              self.tr("Decisions files (*.twindecisions)"),
                                              options=QFileDialog.DontConfirmOverwrite)
        if path:
            self.save_to(Path(path))

    def save_to(self, path: Path) -> None:
        """Sign every decision with the talent's key into ``path`` (never overwritten, 0600) on a
        worker; the list is emptied once the file is written."""
        if self.shown is None or not self.pending:
            return
        if path.suffix != DECISIONS_SUFFIX:
            path = path.with_name(path.name + DECISIONS_SUFFIX)
        shown, choices, count = self.shown, self.choices(), len(self.pending)
        self.save_button.setEnabled(False)
        self.banner.hide()
        self.tasks.read(lambda _task: decide(shown, self.identity, choices, path),
                        lambda doc: self._saved(path, doc, count), self._save_failed,
                        what=self.tr("Signing your decisions"), owner=self)

    def _saved(self, path: Path, doc: dict, count: int) -> None:
        self.saved_path = path
        self.pending = []
        self._refresh_decisions()
        self.banner.show_message(self.tr("{count} decision(s) signed with your key and saved to {path}. Give this "
                                         "file to your studio.").format(count=count, path=path), "info")

    def _save_failed(self, exc: BaseException) -> None:
        self._show_kit_state()
        self.banner.show_error(exc)

    # -- drag and drop -----------------------------------------------------------------------------
    @staticmethod
    def _dropped_kit(event) -> Path | None:
        urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
        paths = [Path(u.toLocalFile()) for u in urls if u.isLocalFile()]
        return paths[0] if len(paths) == 1 and paths[0].suffix == KIT_SUFFIX else None

    def dragEnterEvent(self, event) -> None:  # noqa: N802 (Qt API)
        if self._dropped_kit(event) is not None:
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802
        path = self._dropped_kit(event)
        if path is not None:
            event.acceptProposedAction()
            self.open_kit(path)

    def closeEvent(self, event) -> None:  # noqa: N802
        if self.pending and not self._drop_pending_on_close():
            event.ignore()
            return
        self.scan.shutdown()
        self.voice.shutdown()
        self.identity = None  # the unlocked keys go with the window
        if self._owns_tasks:
            self.tasks.shutdown()
        super().closeEvent(event)

    def _drop_pending_on_close(self) -> bool:
        answer = QMessageBox.question(self, self.tr("Unsaved decisions"),
                                      self.tr("Your decisions are not saved: nothing is signed. Close anyway?"))
        return answer == QMessageBox.Yes



def run_talent_window(folder: Path, passphrase: str | None = None, kit: Path | None = None,
                      smoke_test: bool = False) -> int:
    """``twin-studio gui --talent DIR``: unlock the talent's keys (the dialog asks the passphrase
    unless ``passphrase`` is given, from ``--talent-passphrase-file``), then the talent's window."""
    from studio.ui.app import application, exit_once_shown
    from studio.ui.settings import Settings
    from studio.ui.theme import apply_theme

    settings = Settings()
    app = application(settings.language)
    apply_theme(app, settings.theme)
    tasks = TaskManager()
    try:
        if passphrase is not None:
            identity = load_talent_identity(Path(folder), passphrase)
        else:
            dialog = TalentKeyDialog(Path(folder), tasks)
            if dialog.exec() != QDialog.Accepted or dialog.identity is None:
                return 0
            identity = dialog.identity
        window = TalentWindow(identity, Path(folder), tasks)
        window.show()
        if kit is not None:
            window.open_kit(Path(kit))
        if smoke_test:
            exit_once_shown(app, window)
        try:
            return app.exec()
        finally:
            window.pending = [] if smoke_test else window.pending
            window.close()
    finally:
        tasks.shutdown()
