"""The talent's window (``twin-studio gui --talent DIR``): on the talent's own device, with no vault.
They open a review kit from their studio (File ▸ Open Review Kit…, or drop it on the window), see
their assets (3D preview, voice player, metrics and QA warnings), the grants awaiting them in plain
words and the exact document, their statement and history, and decide; every choice is listed
under *Your decisions*, where it can be undone, until *Save Decisions…* signs them all with their
key into a ``.twindecisions`` file for the studio (``kit decide``'s twin, DR049/DR052)."""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QFontDatabase, QIcon, QKeySequence, QPixmap
from PySide6.QtWidgets import (QAbstractItemView, QDialog, QDialogButtonBox, QFileDialog, QHBoxLayout, QLabel,
                               QLineEdit, QListWidget, QListWidgetItem, QMainWindow, QMessageBox, QPlainTextEdit,
                               QPushButton, QSplitter, QStackedWidget, QStyle, QTableWidget, QTableWidgetItem,
                               QTabWidget, QVBoxLayout, QWidget)

from studio.core.errors import InvalidInput
from studio.core.kits.kit_previews import KitScenes, asset_record, document_text
from studio.core.kits.talent_side import MAX_REASON, Choices, ShownKit, decide, show_kit
from studio.core.talent_identity import TalentIdentity, load_talent_identity
from studio.ui.banner import Banner
from studio.ui.elided import ElidedLabel
from studio.ui.formatting import kind_label, size_text, status_label
from studio.ui.record_list import RecordList
from studio.ui.review_window import history_text
from studio.ui.scan_view import ScanDetail
from studio.ui.tasks import TaskManager
from studio.ui.voice_view import VoiceDetail

KIT_SUFFIX = ".twinreview"
OUTPUT_KINDS = ("approve_output", "reject_output")
DECISIONS_SUFFIX = ".twindecisions"
ASSET_ROLE = Qt.UserRole
THUMB = 64


@dataclass(frozen=True)
class Pending:
    """One choice not yet signed: ``kind`` as in a decisions file, ``subject`` the asset or grant
    (None: all the talent's exports, or a request about them), ``label`` as listed."""

    kind: str
    subject: str | None
    label: str


# choices that replace each other on the same subject (approving after rejecting, …)
_EXCLUSIVE = ({"approve", "reject"}, {"sign", "decline", "revoke"}, {"pause", "resume"},
              {"approve_output", "reject_output"})


class ScaledImage(QLabel):
    """An image shown whole: at its own size where it fits, scaled down (aspect kept) where not."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.original = QPixmap()
        self.setAlignment(Qt.AlignCenter)
        self.setMinimumSize(120, 120)

    def set_image(self, data: bytes) -> bool:
        self.original = QPixmap()
        ok = self.original.loadFromData(data)
        self._rescale()
        return ok

    def _rescale(self) -> None:
        if self.original.isNull():
            self.clear()
            return
        size = self.original.size()
        if size.width() > self.width() or size.height() > self.height():
            size = size.scaled(self.size(), Qt.KeepAspectRatio)
        self.setPixmap(self.original.scaled(size, Qt.KeepAspectRatio, Qt.SmoothTransformation))

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().resizeEvent(event)
        self._rescale()


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


class TalentWindow(QMainWindow):
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

    def _outputs_of(self, kit: dict) -> list[tuple[dict, dict, bool]]:
        """(request, output, carried) for every output awaiting the talent, as the kit lists them."""
        return [(r, o, True) for r in kit.get("approvals") or [] for o in r["outputs"]] + \
               [(r, o, False) for r in kit.get("approvals") or [] for o in r["omitted"]]

    def _fill_outputs(self, kit: dict) -> None:
        self.outputs.clear()
        style = self.style()
        for r, o, carried in self._outputs_of(kit):
            item = QListWidgetItem(self._output_line(r, o, carried))
            item.setData(ASSET_ROLE, (r["id"], o["sha256"], carried))
            item.setToolTip(o["name"])
            if o["media_type"].startswith("audio/"):
                item.setIcon(style.standardIcon(QStyle.SP_MediaVolume))
            else:
                pixmap = QPixmap()
                data = self.shown.opened.files.get(o.get("file", "")) if carried else None
                item.setIcon(QIcon(pixmap) if data and pixmap.loadFromData(data) else
                             style.standardIcon(QStyle.SP_FileIcon))
            self.outputs.addItem(item)
        self.outputs.setIconSize(QSize(THUMB, THUMB))
        count = sum(1 for *_, carried in self._outputs_of(kit) if carried)
        self.tabs.setTabText(self.outputs_tab, self.tr("Outputs to approve ({count})").format(count=count)
                             if count else self.tr("Outputs to approve"))
        self.output_info.setText(self.tr("No output awaits you in this kit.") if not self.outputs.count() else "")

    def _output_line(self, r: dict, o: dict, carried: bool) -> str:
        line = f"{o['name']}\n{r['brand']} · {o['media_type']} · {size_text(o['size'])}"
        if not carried:
            return line + "\n" + self.tr("not in this kit: it cannot be decided from it")
        choice = next((p for p in self.pending if p.kind in OUTPUT_KINDS and p.subject == o["sha256"]), None)
        if choice is not None:
            line += "\n→ " + (self.tr("you approve") if choice.kind == "approve_output" else self.tr("you reject"))
        return line

    def current_output(self) -> tuple[dict, dict, bool] | None:
        item = self.outputs.currentItem()
        if item is None or self.shown is None:
            return None
        rid, sha, carried = item.data(ASSET_ROLE)
        r = next(r for r in self.shown.kit.get("approvals") or [] if r["id"] == rid)
        o = next(o for o in r["outputs" if carried else "omitted"] if o["sha256"] == sha)
        return r, o, carried

    def _output_selected(self) -> None:
        """Show the selected output full size in the middle (an image; a voice line in the player)
        and, in the tab, who asks and for what use."""
        current = self.current_output()
        if current is None:
            self._show_kit_state()
            return
        r, o, carried = current
        use = r["use"]
        self.output_info.setText(self.tr(
            "<b>{brand}</b> asks, under grant {grant}:<br><i>{description}</i><br>purpose {purpose} · media {media} · "
            "territory {territory}<br><span style='color:gray'>{summary}</span><br>"
            "<span style='color:gray'>request {request} · SHA-256 {sha}</span>").format(
                brand=html.escape(r["brand"]), grant=r["grant"], description=html.escape(use.get("description", "")),
                purpose=html.escape(use.get("purpose", "")), media=html.escape(use.get("media", "")),
                territory=html.escape(use.get("territory", "")),
                summary=html.escape(r.get("grant_summary", "")).replace("\n", "<br>"), request=r["id"],
                sha=o["sha256"]))
        self.showing_output = True
        self.assets.clearSelection()  # the middle shows the output: no asset looks chosen
        self.voice.clear()
        self.scan.clear()
        self.name.setText(o["name"])
        self.header.setText(html.escape(f"{o['media_type']} · {size_text(o['size'])} · {r['brand']}") + (
            "" if carried else "<br>" + self.tr("Not in the kit: {reason}. It cannot be decided from this kit; ask "
                                                "the studio for a new one.").format(reason=html.escape(o["reason"]))))
        data = self.shown.opened.files.get(o.get("file", "")) if carried else None
        if data is None:
            self.stack.setCurrentWidget(self.placeholder)
        elif o["media_type"].startswith("audio/"):
            self.stack.setCurrentWidget(self.voice)
            self.voice.show_take(o["name"], data, o["media_type"], {}, {}, [])
        else:
            self.stack.setCurrentWidget(self.image)
            self.image.set_image(data)
        self._show_kit_state()

    def choose_output(self, kind: str) -> None:
        current = self.current_output()
        if current is None or not current[2]:
            return
        r, o, _ = current
        label = (self.tr("Approve output {name} for {brand}") if kind == "approve_output" else
                 self.tr("Reject output {name} for {brand}")).format(name=o["name"], brand=r["brand"])
        choice = Pending(kind, o["sha256"], label)
        if kind == "reject_output":
            self._ask_reason(self.tr("Reject “{name}”").format(name=o["name"]),
                             self.tr("Why do you reject <b>{name}</b>? {brand} reads your note.").format(
                                 name=html.escape(o["name"]), brand=html.escape(r["brand"])),
                             False, lambda: self._add(choice))
            return
        self._add(choice)

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
    def _add(self, choice: Pending) -> None:
        """List ``choice``; one it contradicts on the same subject (approve after reject) is replaced."""
        group = next((g for g in _EXCLUSIVE if choice.kind in g), {choice.kind})
        self.pending = [p for p in self.pending if not (p.subject == choice.subject and p.kind in group)]
        self.pending.append(choice)
        self.saved_path = None
        self._refresh_decisions()

    def _refresh_decisions(self) -> None:
        self.decisions.clear()
        for p in self.pending:
            self.decisions.addItem(p.label)
        needs = any(p.kind in ("reject", "decline", "revoke", "reject_output") for p in self.pending)
        self.decisions_reason.setText(self.tr("Reason, kept with each rejection, decline and revocation: “{reason}”")
                                      .format(reason=self.reason) if needs and self.reason else "")
        if self.shown is not None:
            for i in range(self.assets.count()):
                item = self.assets.item(i)
                item.setText(self._asset_line(self.scenes.assets[item.data(ASSET_ROLE)]))
            for i in range(self.outputs.count()):
                item = self.outputs.item(i)
                rid, sha, carried = item.data(ASSET_ROLE)
                r = next(r for r in self.shown.kit.get("approvals") or [] if r["id"] == rid)
                o = next(o for o in r["outputs" if carried else "omitted"] if o["sha256"] == sha)
                item.setText(self._output_line(r, o, carried))
        self._show_kit_state()

    def _ask_reason(self, title: str, question: str, required: bool, then) -> None:
        """Ask for the file's one reason (DR049: ``kit decide --reason``), shown with what it already
        says; ``then(reason)`` once the talent gives it (nothing when they cancel)."""
        if self.reason_dialog is not None:
            return  # one asked at a time
        dialog = ReasonDialog(title, question, self.reason, required, self)
        dialog.setAttribute(Qt.WA_DeleteOnClose)
        self.reason_dialog = dialog

        def accepted() -> None:
            reason = dialog.reason.text().strip()
            self.reason = reason or self.reason
            then()

        dialog.accepted.connect(accepted)
        dialog.finished.connect(lambda _r: setattr(self, "reason_dialog", None))
        dialog.open()

    def choose_asset(self, kind: str) -> None:
        a = self.current_asset()
        if a is None or self.showing_output:
            return
        label = (self.tr("Approve {name}") if kind == "approve" else self.tr("Reject {name}")).format(name=a["name"])
        choice = Pending(kind, a["id"], label)
        if kind == "reject":
            self._ask_reason(self.tr("Reject “{name}”").format(name=a["name"]),
                             self.tr("Why do you reject <b>{name}</b>?").format(name=html.escape(a["name"])),
                             False, lambda: self._add(choice))
            return
        self._add(choice)

    def choose_grant(self, kind: str) -> None:
        g = self.current_grant()
        if g is None:
            return
        use = (g.get("document") or {}).get("use_description") or g["id"]
        labels = {"sign": self.tr("Sign grant {use}"), "decline": self.tr("Decline grant {use}"),
                  "revoke": self.tr("Revoke grant {use}"), "pause": self.tr("Pause exports under {use}"),
                  "resume": self.tr("Resume exports under {use}")}
        choice = Pending(kind, g["id"], labels[kind].format(use=use))
        if kind == "revoke":
            self._ask_reason(self.tr("Revoke grant"), self.tr("Why do you revoke <b>{use}</b>?").format(
                use=html.escape(use)), True, lambda: self._add(choice))
        elif kind == "decline":
            self._ask_reason(self.tr("Decline grant"), self.tr("Why do you decline <b>{use}</b>?").format(
                use=html.escape(use)), False, lambda: self._add(choice))
        else:
            self._add(choice)

    def choose_request(self, kind: str) -> None:
        if self.shown is None:
            return
        labels = {"pause": self.tr("Pause all new exports of my likeness"),
                  "resume": self.tr("Resume all exports of my likeness"),
                  "request_access": self.tr("Ask for a copy of everything held about me"),
                  "request_erasure": self.tr("Ask for my likeness to be erased")}
        choice = Pending(kind, None, labels[kind])
        if kind != "request_erasure":
            self._add(choice)
            return
        box = QMessageBox(QMessageBox.Question, self.tr("Ask for erasure"),
                          self.tr("Ask the studio to erase your likeness: your scans and voice takes, and what was "
                                  "made from them. Packages already delivered to brands are not recalled by this. "
                                  "Add the request?"), QMessageBox.Yes | QMessageBox.No, self)
        box.setAttribute(Qt.WA_DeleteOnClose)
        box.buttonClicked.connect(lambda b: self._add(choice) if box.standardButton(b) == QMessageBox.Yes else None)
        self.erasure_box = box
        box.open()

    def undo_selected(self) -> None:
        rows = sorted({i.row() for i in self.decisions.selectedIndexes()}, reverse=True)
        if not rows and self.pending:
            rows = [len(self.pending) - 1]  # nothing selected: the last choice
        for r in rows:
            del self.pending[r]
        self._refresh_decisions()

    def choices(self) -> Choices:
        def of(kind: str) -> tuple:
            return tuple(p.subject for p in self.pending if p.kind == kind)

        kinds = {p.kind for p in self.pending}
        needs_reason = kinds & {"reject", "decline", "revoke", "reject_output"}
        return Choices(approve=of("approve"), reject=of("reject"), sign=of("sign"), decline=of("decline"),
                       revoke=of("revoke"), reason=(self.reason or None) if needs_reason else None,
                       pause=of("pause"), resume=of("resume"), request_access="request_access" in kinds,
                       request_erasure="request_erasure" in kinds, approve_output=of("approve_output"),
                       reject_output=of("reject_output"))

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


class ReasonDialog(QDialog):
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
