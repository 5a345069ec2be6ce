"""The brand's window (``twin-studio gui --brand DIR``, issue 14, DR048): no vault, the brand's keys
unlocked once for the session.

Open a ``.twinpkg`` (*File ▸ Open Package…* or drop it on the window): it is verified on a worker
— against a studio key the brand pinned, never one the package carries — and must be addressed
to these keys; then the window shows who sent it (the studio key's fingerprint), whose likeness,
the licence in plain language, its expiry and its uses. *Open into Folder…* verifies, decrypts
and writes it where the brand chooses (``open``'s core, with a progress bar and *Cancel*); its
scans turn in the app's Open3D viewport and its voice takes play from memory. *Write Usage
Report…* is ``report create`` with a form. Every step is a core function run as a task.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QDragEnterEvent, QDropEvent, QFontDatabase, QKeySequence
from PySide6.QtWidgets import (QDialog, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QListWidget,
                               QListWidgetItem, QMainWindow, QMessageBox, QPlainTextEdit, QProgressBar, QPushButton,
                               QSplitter, QStackedWidget, QVBoxLayout, QWidget)

from studio.core.errors import Cancelled, PackageRefused
from studio.core.package.brand_app import (PACKAGE_SUFFIX, PackageView, inspect_package, named_sender, pin_studio_key,
                                           pinned_key, read_studio_key)
from studio.core.package.brand_keys import BrandIdentity
from studio.core.package.unpack import OpenResult, open_package
from studio.core.previews import VoiceFile, voice_file
from studio.core.progress import Progress
from studio.core.render.preview import FileScans
from studio.ui.banner import Banner
from studio.ui.brand_dialogs import ReportDialog
from studio.ui.scan_view import ScanDetail
from studio.ui.tasks import Task, TaskManager
from studio.ui.voice_view import VoiceDetail

ROLE_ASSET = Qt.UserRole + 1


def _two_lines(fingerprint: str) -> str:
    """``SHA256:`` and 64 hex digits on two lines of 32, to compare in a narrow pane."""
    head, _, digits = fingerprint.partition(":")
    if not digits:
        return fingerprint
    return f"{head}:{digits[:32]}\n{' ' * (len(head) + 1)}{digits[32:]}"


class BrandWindow(QMainWindow):
    """``packageShown`` (a :class:`PackageView`), ``packageOpened`` (the folder), ``refused``
    (the message shown), ``reportWritten`` (its path): for tests and scripts."""

    packageShown = Signal(object)
    packageOpened = Signal(object)
    refused = Signal(str)
    reportWritten = Signal(object)

    def __init__(self, folder: Path, identity: BrandIdentity, tasks: TaskManager | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.folder, self.identity = Path(folder), identity
        self._owns_tasks = tasks is None
        self.tasks = tasks or TaskManager()
        self.path: Path | None = None
        self.view: PackageView | None = None
        self.opened: OpenResult | None = None
        self.task: Task | None = None
        self.pending_sender: str | None = None  # a package from a studio key not pinned yet
        self.scans = FileScans()
        self.setWindowTitle(self.tr("Twin Studio — brand"))
        self.setAcceptDrops(True)
        self.resize(1100, 720)
        self._actions()
        self._layout()
        self._show_empty()

    # -- building ---------------------------------------------------------------------------------
    def _actions(self) -> None:
        file_menu = self.menuBar().addMenu(self.tr("&File"))
        self.open_action = QAction(self.tr("&Open Package…"), self)
        self.open_action.setShortcut(QKeySequence.Open)
        self.open_action.triggered.connect(self._choose_package)
        self.open_into_action = QAction(self.tr("Open into &Folder…"), self)
        self.open_into_action.setShortcut(QKeySequence("Ctrl+E"))
        self.open_into_action.triggered.connect(self._choose_folder)
        self.report_action = QAction(self.tr("Write Usage &Report…"), self)
        self.report_action.setShortcut(QKeySequence("Ctrl+R"))
        self.report_action.triggered.connect(self.write_report)
        self.pin_action = QAction(self.tr("Pin a Studio's &Key…"), self)
        self.pin_action.triggered.connect(self._choose_studio_key)
        close = QAction(self.tr("&Close"), self)
        close.setShortcut(QKeySequence.Close)
        close.triggered.connect(self.close)
        for action in (self.open_action, self.open_into_action, self.report_action, None, self.pin_action, None,
                       close):
            file_menu.addSeparator() if action is None else file_menu.addAction(action)

    def _layout(self) -> None:
        self.banner = Banner(self)
        self.empty = QLabel(self.tr("Drop a twin package (.twinpkg) here, or choose File ▸ Open Package…"), self)
        self.empty.setAlignment(Qt.AlignCenter)
        self.empty.setWordWrap(True)
        self.pin_button = QPushButton(self.tr("Choose the studio's key…"), self)
        self.pin_button.clicked.connect(self._choose_studio_key)
        self.pin_button.hide()
        # who sent it, whose likeness, the licence
        self.sender, self.talent, self.licensee = QLabel(self), QLabel(self), QLabel(self)
        self.expires, self.uses, self.package_id = QLabel(self), QLabel(self), QLabel(self)
        for label in (self.sender, self.talent, self.licensee, self.expires, self.uses, self.package_id):
            label.setTextInteractionFlags(Qt.TextSelectableByMouse)
            label.setWordWrap(True)
        self.sender.setWordWrap(False)
        self.sender.setFont(QFontDatabase.systemFont(QFontDatabase.FixedFont))
        form = QFormLayout()
        form.setLabelAlignment(Qt.AlignRight)
        form.addRow(self.tr("Package"), self.package_id)
        form.addRow(self.tr("From studio key"), self.sender)
        form.addRow(self.tr("Likeness of"), self.talent)
        form.addRow(self.tr("Licensed to"), self.licensee)
        form.addRow(self.tr("Valid until"), self.expires)
        form.addRow(self.tr("Uses allowed"), self.uses)
        self.licence = QPlainTextEdit(self)
        self.licence.setReadOnly(True)
        self.licence.setAccessibleName(self.tr("Licence"))
        self.assets = QListWidget(self)
        self.assets.setAccessibleName(self.tr("Files in the package"))
        self.assets.currentItemChanged.connect(lambda item, _old: self._asset_selected(item))
        self.open_button = QPushButton(self.tr("Open into folder…"), self)
        self.open_button.clicked.connect(self._choose_folder)
        self.report_button = QPushButton(self.tr("Write usage report…"), self)
        self.report_button.clicked.connect(self.write_report)
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 1000)
        self.cancel_button = QPushButton(self.tr("Cancel"), self)
        self.cancel_button.clicked.connect(self.cancel)
        work = QHBoxLayout()
        work.addWidget(self.progress, 1)
        work.addWidget(self.cancel_button)
        self.work = QWidget(self)
        self.work.setLayout(work)
        self.work.hide()
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.report_button)
        buttons.addStretch(1)
        left = QWidget(self)
        col = QVBoxLayout(left)
        col.addLayout(form)
        col.addWidget(QLabel(self.tr("Licence"), self))
        col.addWidget(self.licence, 2)
        col.addWidget(QLabel(self.tr("Files"), self))
        col.addWidget(self.assets, 1)
        col.addLayout(buttons)
        # the selected file: a scan in the Open3D viewport, a voice take with its waveform
        self.scan = ScanDetail(self.scans, self.tasks, self)
        self.scan.viewer_button.hide()  # Open3D's own window reads a vault's asset
        self.voice = VoiceDetail(self)
        self.hint = QLabel(self)
        self.hint.setAlignment(Qt.AlignCenter)
        self.hint.setWordWrap(True)
        self.detail = QStackedWidget(self)
        for w in (self.hint, self.scan, self.voice):
            self.detail.addWidget(w)
        self.split = QSplitter(self)
        self.split.addWidget(left)
        self.split.addWidget(self.detail)
        self.split.setStretchFactor(1, 1)
        self.split.setSizes([460, 640])
        central = QWidget(self)
        lay = QVBoxLayout(central)
        lay.addWidget(self.banner)
        lay.addWidget(self.pin_button, 0, Qt.AlignLeft)
        lay.addWidget(self.work)
        lay.addWidget(self.empty, 1)
        lay.addWidget(self.split, 1)
        self.setCentralWidget(central)
        self.banner.hide()
        self.statusBar().showMessage(self.tr("Your brand's keys: {folder}").format(folder=self.folder))

    def _show_empty(self) -> None:
        self.split.setVisible(self.view is not None)
        self.empty.setVisible(self.view is None)
        has = self.view is not None
        busy = self.task is not None
        for w in (self.open_button, self.open_into_action):
            w.setEnabled(has and not busy)
        can_report = has and self.identity.signing_key is not None and not busy
        for w in (self.report_button, self.report_action):
            w.setEnabled(can_report)
        self.open_action.setEnabled(not busy)

    # -- a package ----------------------------------------------------------------------------------
    def _choose_package(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(self, self.tr("Open a twin package"), str(Path.home()),
                                                self.tr("Twin packages (*.twinpkg)"))
        if chosen:
            self.load_package(Path(chosen))

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt API)
        if self._dropped(event) is not None:
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        path = self._dropped(event)
        if path is not None:
            event.acceptProposedAction()
            self.load_package(path)

    @staticmethod
    def _dropped(event) -> Path | None:
        urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
        files = [Path(u.toLocalFile()) for u in urls if u.isLocalFile()]
        return files[0] if len(files) == 1 and files[0].suffix.lower() == PACKAGE_SUFFIX else None

    def load_package(self, path: Path) -> None:
        """Verify ``path`` on a worker and show it (or say why it is refused)."""
        if self.task is not None:
            return
        self.banner.hide()
        self.pin_button.hide()
        folder, identity = self.folder, self.identity

        def check(task: Task) -> PackageView | str:
            sender = named_sender(path)
            key = pinned_key(folder, sender)
            if key is None:
                return sender  # ask for the studio's key first
            return inspect_package(path, identity, key, progress=task.report, cancel=task.token)

        self._start(self.tr("Verifying {name}…").format(name=Path(path).name))
        self.task = self.tasks.read(check, lambda result: self._checked(Path(path), result), self._failed,
                                    what=self.tr("Verifying the package"), owner=self, progress=self._progress)
        self._show_empty()

    def _checked(self, path: Path, result: PackageView | str) -> None:
        self._stop()
        if isinstance(result, str):
            self.pending_sender, self.path = result, path
            self.banner.show_message(self.tr(
                "This package says it comes from studio key {fingerprint}, which you have not pinned. Ask the "
                "studio for its key file (twin-studio studio-key export) on a channel you trust, compare the "
                "fingerprint, and choose it.").format(fingerprint=result), "warning")
            self.pin_button.show()
            self.refused.emit(self.banner.text())
            return
        self._show_package(path, result)

    def _show_package(self, path: Path, view: PackageView) -> None:
        self._clear_opened()
        self.path, self.view, self.pending_sender = path, view, None
        m = view.manifest
        self.package_id.setText(m["package_id"])
        self.sender.setText(self.tr("{fingerprint}\nsignature valid, no byte altered").format(
            fingerprint=_two_lines(view.sender)))
        self.sender.setToolTip(view.sender)
        self.talent.setText(self.tr("{name} ({id})").format(name=view.talent_name, id=view.talent_id)
                            if view.talent_name else
                            self.tr("talent {id} (the studio did not give the name)").format(id=view.talent_id))
        self.licensee.setText(m["brand"]["name"])
        self.expires.setText(view.expires)
        self.uses.setText(self.tr("{n} in all (each reported use counts)").format(n=view.max_uses)
                          if view.max_uses is not None else self.tr("not limited"))
        self.licence.setPlainText(view.licence)
        self.assets.clear()
        for a in view.assets:
            kind = {"mesh": self.tr("scan (mesh)"), "point_cloud": self.tr("scan (point cloud)"),
                    "voice": self.tr("voice take")}.get(a["kind"], self.tr("companion file"))
            size = self.locale().formattedDataSize(a["size"])
            item = QListWidgetItem(f"{Path(a['path']).name}  ·  {kind}  ·  {size}")
            item.setToolTip(a["path"])
            item.setData(ROLE_ASSET, a)
            self.assets.addItem(item)
        self._hint(self.tr("Open the package into a folder to preview its scans and play its voice takes."))
        self.setWindowTitle(self.tr("{package} — Twin Studio — brand").format(package=m["package_id"]))
        self.banner.show_message(self.tr("Verified: signed by the studio key you pinned, addressed to you, "
                                         "valid until {date}.").format(date=view.expires), "info")
        self._show_empty()
        self.packageShown.emit(view)

    def _failed(self, exc: BaseException) -> None:
        self._stop()
        if isinstance(exc, Cancelled):
            self.banner.show_message(self.tr("Cancelled: nothing was written."), "info")
            return
        self.banner.show_error(exc)
        self.refused.emit(self.banner.text())

    # -- the studio's key -------------------------------------------------------------------------------
    def _choose_studio_key(self) -> None:
        chosen, _ = QFileDialog.getOpenFileName(self, self.tr("The studio's public key"), str(Path.home()),
                                                self.tr("Public keys (*.pem)"))
        if not chosen:
            return
        try:
            _key, fingerprint = read_studio_key(Path(chosen))
        except Exception as exc:  # noqa: BLE001 — a typed error's message, else its type
            self.banner.show_error(exc)
            return
        answer = QMessageBox.question(self, self.tr("Pin this studio key?"), self.tr(
            "Its fingerprint is\n{fingerprint}\n\nCompare it with the one the studio gave you. Packages signed "
            "with it will be trusted as theirs.").format(fingerprint=fingerprint))
        if answer == QMessageBox.Yes:
            self.pin_studio_key(Path(chosen))

    def pin_studio_key(self, pem: Path) -> None:
        """Pin the studio key in ``pem`` (once the user compared its fingerprint), then verify the
        package that asked for it again."""
        folder = self.folder
        self.tasks.read(lambda _task: pin_studio_key(folder, pem), self._pinned, self._failed,
                        what=self.tr("Pinning the studio's key"), owner=self)

    def _pinned(self, fingerprint: str) -> None:
        self.statusBar().showMessage(self.tr("Studio key {fingerprint} pinned.").format(fingerprint=fingerprint),
                                     8000)
        if self.pending_sender is not None and self.path is not None:
            if fingerprint != self.pending_sender:
                self.banner.show_message(self.tr("That key is {pinned}; the package names {named}. It was pinned, "
                                                 "but this package still cannot be checked.").format(
                                                     pinned=fingerprint, named=self.pending_sender), "warning")
                return
            self.load_package(self.path)

    # -- opening into a folder -------------------------------------------------------------------------
    def _choose_folder(self) -> None:
        if self.view is None:
            return
        chosen = QFileDialog.getExistingDirectory(self, self.tr("Open the package into…"), str(Path.home()))
        if chosen:
            self.open_into(Path(chosen))

    def open_into(self, out: Path) -> None:
        """Verify, decrypt and write the package into ``out`` on a worker (progress, *Cancel*)."""
        if self.view is None or self.path is None or self.task is not None:
            return
        path, identity, folder, sender = self.path, self.identity, self.folder, self.view.sender
        self.banner.hide()

        def work(task: Task) -> OpenResult:
            key = pinned_key(folder, sender)
            if key is None:
                raise PackageRefused(f"the studio key {sender} is no longer pinned in {folder}")
            return open_package(path, identity, key, out, progress=task.report, cancel=task.token)

        self._start(self.tr("Opening into {folder}…").format(folder=out))
        self.task = self.tasks.read(work, self._opened, self._failed, what=self.tr("Opening the package"),
                                    owner=self, progress=self._progress)
        self._show_empty()

    def _opened(self, result: OpenResult) -> None:
        self._stop()
        self._clear_opened()
        self.opened = result
        for i in range(self.assets.count()):
            item = self.assets.item(i)
            a = item.data(ROLE_ASSET)
            if a["kind"] in ("mesh", "point_cloud"):
                self.scans.add(self._key(a), result.out / a["path"], a["kind"], a["format"])
        self.banner.show_message(self.tr("Opened into {folder}. Read LICENSE.txt there before using the files.")
                                 .format(folder=result.out), "info")
        self._hint(self.tr("Select a scan to preview it, or a voice take to play it."))
        first = next((i for i in range(self.assets.count())
                      if self.assets.item(i).data(ROLE_ASSET)["kind"] in ("mesh", "point_cloud", "voice")), None)
        if first is not None:
            if self.assets.currentRow() == first:
                self._asset_selected(self.assets.item(first))
            else:
                self.assets.setCurrentRow(first)
        self.packageOpened.emit(result.out)

    def _key(self, asset: dict) -> str:
        return f"{self.view.package_id if self.view else ''}:{asset['path']}"

    def _clear_opened(self) -> None:
        self.opened = None
        self.scans = FileScans()
        self.scan.viewport.vault = self.scans
        self.scan.clear()
        self.voice.clear()

    # -- a file -------------------------------------------------------------------------------------
    def _hint(self, text: str) -> None:
        self.hint.setText(text)
        self.detail.setCurrentWidget(self.hint)

    def _asset_selected(self, item: QListWidgetItem | None) -> None:
        if item is None or self.opened is None:
            return
        self.scan.viewport.show_asset(None)
        a = item.data(ROLE_ASSET)
        path = self.opened.out / a["path"]
        if a["kind"] in ("mesh", "point_cloud"):
            self.voice.clear()
            self.detail.setCurrentWidget(self.scan)
            self.scan.show_file(self._key(a), a["kind"] == "mesh")
        elif a["kind"] == "voice":
            self.scan.clear()
            fmt, media_type, title = a["format"], a["media_type"], Path(a["path"]).name
            self._hint(self.tr("Reading {name}…").format(name=title))
            self.tasks.read(lambda _task: voice_file(path, fmt),
                            lambda take: self._show_take(item, title, media_type, take), self._failed,
                            what=self.tr("Reading the voice take"), owner=self)
        else:
            self._hint(self.tr("{name} is a file a scan needs (a material, a texture); it has no preview of its "
                               "own.").format(name=Path(a["path"]).name))

    def _show_take(self, item: QListWidgetItem, title: str, media_type: str, take: VoiceFile) -> None:
        if self.assets.currentItem() is not item:
            return  # another file was selected while this one was read
        self.detail.setCurrentWidget(self.voice)
        self.voice.show_take(title, take.audio, media_type, take.waveform, take.metrics, take.warnings)

    # -- the report ----------------------------------------------------------------------------------
    def report_dialog(self, out: Path | None = None) -> ReportDialog | None:
        if self.view is None or self.path is None:
            return None
        if out is None and self.opened is not None:
            out = self.opened.out / f"usage-report-{self.view.package_id}.json"
        dialog = ReportDialog(self.path, self.view.manifest, self.identity, self.tasks, self, out)
        dialog.accepted.connect(lambda: self._reported(dialog))
        return dialog

    def write_report(self) -> None:
        dialog = self.report_dialog()
        if dialog is not None:
            dialog.open()

    def _reported(self, dialog: ReportDialog) -> None:
        if dialog.written is not None:
            self.statusBar().showMessage(self.tr("Usage report written to {path}: send it to the studio.")
                                         .format(path=dialog.written), 10000)
            self.reportWritten.emit(dialog.written)

    # -- work in progress ----------------------------------------------------------------------------
    def _start(self, text: str) -> None:
        self.progress.setRange(0, 0)
        self.progress.setFormat(text)
        self.progress.setTextVisible(True)
        self.work.show()
        self.cancel_button.setEnabled(True)

    def _progress(self, p: Progress) -> None:
        if p.fraction is not None:
            self.progress.setRange(0, 1000)
            self.progress.setValue(int(p.fraction * 1000))

    def _stop(self) -> None:
        self.task = None
        self.work.hide()
        self._show_empty()

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()
            self.cancel_button.setEnabled(False)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt API)
        for dialog in self.findChildren(QDialog):
            dialog.close()
        self.cancel()
        self.scan.shutdown()
        self.voice.shutdown()
        if self._owns_tasks:
            self.tasks.shutdown()
        super().closeEvent(event)
