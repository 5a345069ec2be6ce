"""The main window: talents | assets | detail, with the activity panel docked below."""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QDialog, QDockWidget, QMainWindow, QMessageBox, QSplitter, QStyle, QTabWidget

from studio.core.assets import get_asset, iter_assets
from studio.core.changes import Changes
from studio.core.errors import NotFound, StudioError
from studio.core.render.viewer import open_viewer, viewer_available
from studio.core.talents import TalentRecord
from studio.core.vault import Vault
from studio.ui.activity_panel import ActivityPanel
from studio.ui.banner import error_text
from studio.ui.consent_panel import ConsentPanel
from studio.ui.detail_pane import DetailPane
from studio.ui.elided import ElidedLabel
from studio.ui.exchange_actions import ExchangeActions
from studio.ui.ledger_panel import LedgerPanel
from studio.ui.library_panel import LibraryPanel
from studio.ui.tasks import TaskManager
from studio.ui.settings import Settings
from studio.ui.talent_actions import TalentActions
from studio.ui.talents_panel import TalentsPanel
from studio.ui.asset_model import make_rows
from studio.ui.thumbnail_fetcher import YIELD_S, ThumbnailFetcher

LISTING_CHUNK = 500   # assets to a chunk of a talent's listing (the first shows while the rest is read)


class MainWindow(TalentActions, ExchangeActions, QMainWindow):
    lockRequested = Signal()       # File ▸ Lock Vault: the app's session locks (studio.ui.session)
    openRequested = Signal(object)  # File ▸ Open Vault… / Open Recent: a folder or a SharedLocation
    preferencesApplied = Signal()

    def __init__(self, vault: Vault, tasks: TaskManager | None = None, settings: Settings | None = None) -> None:
        """``tasks``: the app's one task manager (made before the vault was opened). Without one
        the window makes it and ends it when it closes (tests, a window opened on its own)."""
        super().__init__()
        self.vault = vault
        self.settings = settings or Settings()
        # the app's name last, once: Qt appends the application's display name to a title that
        # does not already end with it (X11, Wayland, Windows), so "Twin Studio — vault" read twice
        self.setWindowTitle(self.tr("{vault} — Twin Studio").format(vault=vault.describe()))  # shared: catalog and store
        self._owns_tasks = tasks is None
        self.tasks = tasks or TaskManager()
        if self.tasks.on_error is None:
            self.tasks.on_error = self.show_error
        self._listing = 0                        # the latest listing's number: older chunks are dropped
        self.talent: TalentRecord | None = None

        self.talents = TalentsPanel(vault, self.tasks, self)
        self.library = LibraryPanel(self.settings, self)
        self.detail = DetailPane(vault, self.tasks, self)
        style = self.style()
        self.library.model.placeholders = {"voice": style.standardIcon(QStyle.SP_MediaVolume),
                                           "mesh": style.standardIcon(QStyle.SP_FileIcon),
                                           "point_cloud": style.standardIcon(QStyle.SP_FileIcon)}
        self.consent = ConsentPanel(vault, self.tasks, self)
        self.middle = QTabWidget(self)
        self.middle.setDocumentMode(True)
        self.middle.addTab(self.library, self.tr("Assets"))
        self.middle.addTab(self.consent, self.tr("Consent"))
        self.ledger = LedgerPanel(vault, self.tasks, self)
        self.middle.addTab(self.ledger, self.tr("Exports && Uses"))
        self.splitter = QSplitter(Qt.Horizontal, self)
        self.splitter.setObjectName("mainSplitter")
        for w in (self.talents, self.middle, self.detail):
            self.splitter.addWidget(w)
            self.splitter.setCollapsible(self.splitter.indexOf(w), False)
        self.splitter.setSizes([220, 560, 560])
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setStretchFactor(2, 1)
        self.splitter.setContentsMargins(8, 8, 8, 0)
        self.setCentralWidget(self.splitter)

        self.activity = ActivityPanel(vault, self.tasks, self)
        self.activity_dock = QDockWidget(self.tr("Activity"), self)
        self.activity_dock.setObjectName("activityDock")
        self.activity_dock.setWidget(self.activity)
        self.activity_dock.setFeatures(QDockWidget.DockWidgetClosable | QDockWidget.DockWidgetMovable)
        self.addDockWidget(Qt.BottomDockWidgetArea, self.activity_dock)
        self.resizeDocks([self.activity_dock], [180], Qt.Vertical)
        self.status_label = ElidedLabel("", self)  # a long vault path is elided, never widens the window
        self.statusBar().addWidget(self.status_label, 1)

        self.talents.talentSelected.connect(self._talent_selected)
        self.library.assetSelected.connect(self.detail.show_asset)
        self.library.filesDropped.connect(self.ingest)
        self.library.playRequested.connect(self.detail.toggle_take)
        self.library.menuAboutToShow.connect(self.asset_menu)
        self.thumbnails = ThumbnailFetcher(vault, self.tasks, self.library.model, self.library.grid, self)
        self.library.thumbnailsWanted.connect(self.thumbnails.request)
        self.tasks.changed.connect(self.on_changes)
        self.detail.scan.openInViewer.connect(self.open_in_viewer)
        self.ledger.exportRequested.connect(self.export_twin)
        self.ledger.brandsRequested.connect(self.open_brands)
        self._build_menus()
        self._build_help_menu()
        self._restore()
        self.apply_preferences()
        self.talents.refresh(select=self.settings.last_talent or None)

    # -- menus and shortcuts ----------------------------------------------------------------------
    def _action(self, menu, text: str, shortcut, slot, tip: str = "") -> QAction:
        action = QAction(text, self)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.setStatusTip(tip)
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _build_menus(self) -> None:
        bar = self.menuBar()
        file = bar.addMenu(self.tr("&File"))
        self._action(file, self.tr("&Open Vault…"), QKeySequence.Open, self.choose_vault,
                     self.tr("Open another vault: a folder or a shared vault"))
        self.recent_menu = file.addMenu(self.tr("Open &Recent"))
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self._fill_recent()
        self.lock_action = self._action(file, self.tr("&Lock Vault"), "Ctrl+L", self.lockRequested.emit,
                                        self.tr("Close the vault and ask for its passphrase again"))
        file.addSeparator()
        self._action(file, self.tr("Change &Passphrase…"), None, self.change_passphrase,
                     self.tr("Change the vault's passphrase"))
        self._action(file, self.tr("&Check Vault…"), None, self.check_vault,
                     self.tr("Decrypt and verify every blob, the catalog and the audit chain"))
        file.addSeparator()
        file.addAction(self.library.import_files_action)    # Ctrl+I
        file.addAction(self.library.import_folder_action)   # Ctrl+Shift+I
        self._action(file, self.tr("Import Talent &Decisions…"), None, self.choose_decisions,
                     self.tr("Apply the decisions a talent signed on their own device from a review kit"))
        self._action(file, self.tr("Import &Approval Request…"), None, self.choose_approval_request,
                     self.tr("A brand asks the talent to approve outputs it made with a package"))
        self._action(file, self.tr("Respond to Approval Re&quest…"), None, self.choose_response,
                     self.tr("Write the talent's decisions for the brand, with content credentials on each "
                             "approved output"))
        self.viewer_action = self._action(file, self.tr("Open in Open3D &viewer"), "Ctrl+Shift+O",
                                          self.open_in_viewer, self.tr("Open the selected scan in Open3D's own window"))
        self.extract_action = self._action(file, self.tr("E&xtract original…"), None, self.extract_original,
                                           self.tr("Write the selected asset's original file, decrypted, to a folder"))
        file.addSeparator()
        self._action(file, self.tr("&Quit"), QKeySequence.Quit, self.close)
        edit = bar.addMenu(self.tr("&Edit"))
        self._action(edit, self.tr("&Preferences…"), "Ctrl+,", self.open_preferences,
                     self.tr("Vault location, preview quality, thumbnails, theme, language, idle lock"))
        talent = bar.addMenu(self.tr("&Talent"))
        self._action(talent, self.tr("&Add talent…"), "Ctrl+N", self.talents.add_talent)
        self._action(talent, self.tr("Add talent from &card…"), None, lambda: self.talents.add_talent_from_card(),
                     self.tr("A talent who holds their own key: register the card their device made (recommended)"))
        self._action(talent, self.tr("&Find talent"), "Ctrl+Shift+F", self.talents.search.setFocus)
        self._action(talent, self.tr("Talent's &passphrase…"), None, self.talent_passphrase,
                     self.tr("Create the talent's own signing key, or change its passphrase"))
        self._action(talent, self.tr("&Link talent's own key…"), None, lambda: self.link_talent_key(),
                     self.tr("Switch the selected talent to the key on their card; the studio's copy is destroyed"))
        talent.addSeparator()
        self.review_action = self._action(
            talent, self.tr("&Review as talent…"), "Ctrl+R", self.review_as_talent,
            self.tr("Hand the workstation to the talent: their assets, their grants, their key"))
        self._action(talent, self.tr("New consent &draft…"), "Ctrl+D",
                     lambda: (self.middle.setCurrentWidget(self.consent), self.consent.open_editor(None)))
        talent.addSeparator()
        self.erase_action = self._action(
            talent, self.tr("&Erase talent…"), None, self.erase_talent,
            self.tr("Only on the talent's signed request: destroy their likeness key, then their files"))
        self.erase_action.setEnabled(False)  # enabled for a talent who asked for it (DR055)
        self.receipt_action = self._action(
            talent, self.tr("Save Erasure &Receipt…"), None, lambda: self.choose_erasure_receipt(),
            self.tr("Save the studio's signed receipt of an erased talent's erasure, for the talent"))
        self.receipt_action.setEnabled(False)  # enabled for an erased talent
        package = bar.addMenu(self.tr("&Package"))
        self._action(package, self.tr("&Export twin…"), "Ctrl+E", self.export_twin,
                     self.tr("Package a talent's approved assets for one brand, as an active grant allows"))
        self._action(package, self.tr("&Import usage report…"), "Ctrl+U",
                     lambda: (self.middle.setCurrentWidget(self.ledger), self.ledger.choose_report()))
        self._action(package, self.tr("&Brands…"), "Ctrl+B", self.open_brands,
                     self.tr("Brands a package can be addressed to"))
        self._action(package, self.tr("Export studio &key…"), None, self.export_studio_key,
                     self.tr("The public key brands pin to verify packages"))
        view = bar.addMenu(self.tr("&View"))
        self._action(view, self.tr("&Grid"), "Ctrl+1", lambda: self.set_library_view("grid"))
        self._action(view, self.tr("&List"), "Ctrl+2", lambda: self.set_library_view("list"))
        self._action(view, self.tr("&Filter assets"), "Ctrl+F", self.library.search.setFocus)
        view.addSeparator()
        toggle = self.activity_dock.toggleViewAction()
        toggle.setShortcut(QKeySequence("Ctrl+J"))
        view.addAction(toggle)
        reason = viewer_available()
        if reason:
            self.viewer_action.setEnabled(False)
            self.viewer_action.setStatusTip(self.tr("Not available: {reason}").format(reason=reason))
            self.detail.scan.viewer_button.setEnabled(False)
            self.detail.scan.viewer_button.setToolTip(
                self.tr("Open3D's viewer is not available: {reason}").format(reason=reason))

    def _build_help_menu(self) -> None:
        """Help: the guide shipped in the package, the window's shortcuts, About (DR039)."""
        menu = self.menuBar().addMenu(self.tr("&Help"))
        self._action(menu, self.tr("&User Guide"), QKeySequence.HelpContents, self.show_user_guide,
                     self.tr("A studio's day, the talent's review, the brand's side and troubleshooting"))
        self._action(menu, self.tr("&Keyboard Shortcuts"), "Ctrl+/", self.show_shortcuts,
                     self.tr("Every shortcut of this window"))
        menu.addSeparator()
        about = self._action(menu, self.tr("&About Twin Studio"), None, self.show_about,
                             self.tr("Version, components and their licences"))
        about.setMenuRole(QAction.AboutRole)
        about_qt = self._action(menu, self.tr("About &Qt"), None, lambda: QMessageBox.aboutQt(self))
        about_qt.setMenuRole(QAction.AboutQtRole)

    def _show_once(self, name: str, make) -> QDialog:
        """The help dialog kept as ``self.<name>``: made the first time, raised after."""
        dialog = getattr(self, name, None)
        if dialog is None:
            dialog = make()
            setattr(self, name, dialog)
        dialog.show()
        dialog.raise_()
        dialog.activateWindow()
        return dialog

    def show_user_guide(self) -> QDialog:
        from studio.ui.help_window import HelpWindow

        return self._show_once("help_window", lambda: HelpWindow(self.tasks, self))

    def show_shortcuts(self) -> QDialog:
        from studio.ui.shortcuts_dialog import ShortcutsDialog

        return self._show_once("shortcuts_dialog", lambda: ShortcutsDialog(self))

    def show_about(self) -> QDialog:
        from studio.ui.about_dialog import AboutDialog

        return self._show_once("about_dialog", lambda: AboutDialog(self.tasks, self))

    # -- the vault: open another, recent ones, passphrase, check; preferences (issue 15) -----------
    def _fill_recent(self) -> None:
        from studio.ui.vault_dialogs import describe

        menu = self.recent_menu
        menu.clear()
        current = self.vault.location if self.vault.shared else self.vault.root
        for where in self.settings.recent_vaults():
            action = menu.addAction(describe(where))
            action.setData(where)
            if where == current:
                action.setEnabled(False)  # the one open
            action.triggered.connect(lambda _checked=False, where=where: self.openRequested.emit(where))
        if menu.isEmpty():
            menu.addAction(self.tr("No recent vaults")).setEnabled(False)
        menu.addSeparator()
        menu.addAction(self.tr("Clear Recent"), self.settings.clear_recent_vaults)

    def choose_vault(self) -> None:
        from studio.ui.vault_dialogs import OpenVaultDialog

        chooser = OpenVaultDialog(self.settings, None, self)
        chooser.accepted.connect(lambda: self.openRequested.emit(chooser.location))
        chooser.finished.connect(chooser.deleteLater)
        self.chooser = chooser
        chooser.open()

    def change_passphrase(self) -> None:
        from studio.ui.vault_passphrase import VaultPassphraseDialog

        self.vault_passphrase_dialog = dialog = VaultPassphraseDialog(self.vault, self.tasks, self)
        dialog.accepted.connect(lambda: self.statusBar().showMessage(
            self.tr("The vault's passphrase is changed: the old one no longer opens it."), 10_000))
        dialog.setAttribute(Qt.WA_DeleteOnClose)
        dialog.open()

    def check_vault(self) -> None:
        from studio.ui.check_dialog import CheckDialog

        self.check_dialog = CheckDialog(self.vault, self.tasks, self)
        self.check_dialog.setAttribute(Qt.WA_DeleteOnClose)
        self.check_dialog.open()
        self.check_dialog.start()

    def open_preferences(self) -> None:
        from studio.ui.preferences_dialog import PreferencesDialog

        self.preferences_dialog = PreferencesDialog(self.settings, self)
        self.preferences_dialog.applied.connect(self.apply_preferences)
        self.preferences_dialog.setAttribute(Qt.WA_DeleteOnClose)
        self.preferences_dialog.open()

    def apply_preferences(self) -> None:
        """What the preferences set, in effect now: the theme, the thumbnails kept, the
        preview's quality while turning, the LOD sizes of the next import."""
        from PySide6.QtWidgets import QApplication

        from studio.ui.theme import apply_theme

        apply_theme(QApplication.instance(), self.settings.theme)
        self.library.model.thumbnails.limit = self.settings.thumbnails_held  # more while a large screen needs it
        self.library.request_visible_thumbnails()
        self.tasks.renders.set_motion_scale(self.settings.motion_scale)
        self.activity.lod_sizes = self.settings.lod_sizes()
        self.preferencesApplied.emit()

    def set_library_view(self, mode: str) -> None:
        self.library.set_view(mode)
        self.settings.library_view = mode

    # -- layout persistence -------------------------------------------------------------------------
    def _restore(self) -> None:
        self.resize(1400, 860)
        if (g := self.settings.window_geometry()) is not None:
            self.restoreGeometry(g)
        if (s := self.settings.window_state()) is not None:
            self.restoreState(s)
        if (sp := self.settings.splitter_state()) is not None:
            self.splitter.restoreState(sp)
        self.library.set_view(self.settings.library_view)

    def _save(self) -> None:
        self.settings.save_window(self.saveGeometry(), self.saveState(), self.splitter.saveState())
        self.settings.library_view = self.library.view_mode
        if self.talent is not None:
            self.settings.last_talent = self.talent.id
        self.settings.sync()

    # -- reacting to changes ------------------------------------------------------------------------
    def _talent_selected(self, talent: TalentRecord | None) -> None:
        same = talent is not None and self.talent is not None and talent.id == self.talent.id
        self.talent = talent  # a refreshed record (asset counts) of the same talent reloads nothing
        self._update_erase_action()  # a decisions file imported since may hold their request
        if same:
            return
        self.thumbnails.forget_failures()
        self.library.set_talent(talent.name if talent else None)
        self.consent.set_talent(talent)
        self.ledger.set_talent(talent)
        self.refresh_assets()

    def refresh_assets(self, select: str | None = None) -> None:
        """List the talent's assets in the background. A newly selected talent's list arrives in
        chunks, newest first, so the first screenful shows while the rest is read; a refresh of
        the talent shown replaces the list once, whole (DR026)."""
        talent = self.talent
        self._listing += 1
        listing = self._listing
        if talent is None:
            self.library.set_assets([])
            self._update_status(0)
            return
        fresh = self.library.talent_id != talent.id
        self.library.talent_id = talent.id

        def work(task) -> int:
            count, rows = 0, []
            for chunk in iter_assets(self.vault, talent.id, newest_first=True, chunk=LISTING_CHUNK):
                if task.cancelled or listing != self._listing or self.tasks.closed:
                    return -1  # another talent was chosen meanwhile
                made = make_rows(chunk)
                time.sleep(YIELD_S)  # the GUI thread's turn: it lays out what came before
                if fresh:
                    self.tasks.gui(lambda made=made, first=not count: self._assets_chunk(listing, made, first, select))
                else:
                    rows.extend(made)
                count += len(chunk)
            if not fresh or not count:  # a talent without assets: the list empties too
                self.tasks.gui(lambda: self._assets_chunk(listing, rows, True, select))
            return count

        self.tasks.read(work, lambda count: self._assets_loaded(listing, count), what=self.tr("Loading assets"))

    def _assets_chunk(self, listing: int, rows, first: bool, select: str | None) -> None:
        if listing != self._listing:
            return
        if first:
            self.library.set_assets(rows, select=select)
        else:
            self.library.add_assets(rows, select=select)
        self._update_status(self.library.model.rowCount())

    def _assets_loaded(self, listing: int, count: int) -> None:
        if listing != self._listing or count < 0:
            return
        self._update_status(count)
        if any(a.kind != "voice" for a in self.library.model.assets):
            self.tasks.renders.warm()  # the first scan opened then draws from warm children

    def _update_status(self, count: int) -> None:
        if self.talent is None:
            who = self.tr("No talent selected")
        else:  # English reads "1 asset", "2 assets"; each message has all plural forms
            who = (self.tr("{talent}: %n asset", "", count) if count == 1 else
                   self.tr("{talent}: %Ln assets", "", count)).format(talent=self.talent.name)
        self.status_label.setText(self.tr("{who}  ·  vault {vault}").format(who=who, vault=self.vault.describe()))

    def on_changes(self, changes: Changes) -> None:
        """The asset list follows new assets and review decisions (made here or in review mode).
        Assets it does not list yet (an ingest commits them one by one) are read and inserted
        where they sort; the selection stays where the user put it (DR035). Anything else about
        assets lists the talent's assets again."""
        if self.talent is not None and (changes.everything or self.talent.id in changes.talents):
            self._update_erase_action()  # a request signed in review mode, an erasure
        if not changes.touches("assets"):
            return
        model = self.library.model
        if changes.everything or any(model.has(aid) for aid in changes.assets):
            self.refresh_assets()
        elif self.talent is not None:
            self._insert_assets(self.talent.id, sorted(changes.assets))

    def _insert_assets(self, talent_id: str, asset_ids: list[str]) -> None:
        listing = self._listing

        def work(_task):
            records = []
            for aid in asset_ids:
                try:
                    record = get_asset(self.vault, aid)
                except NotFound:
                    continue  # gone again meanwhile
                if record.talent_id == talent_id:
                    records.append(record)
            return make_rows(records)

        def done(rows) -> None:
            if listing != self._listing or self.talent is None or self.talent.id != talent_id:
                return  # another talent, or a whole listing, came meanwhile (it has them)
            self.library.add_assets(rows)
            self._update_status(self.library.model.total)

        self.tasks.read(work, done, what=self.tr("Loading assets"))

    # -- actions ------------------------------------------------------------------------------------
    def ingest(self, paths: list[Path]) -> None:
        if self.talent is None:
            self.show_error(self.tr("Import"),
                            StudioError(self.tr("Choose or add a talent first: every asset belongs to a talent.")))
            return
        self.activity_dock.show()
        self.activity.ingest(self.talent.id, paths)

    def asset_menu(self, menu, asset) -> None:
        """The window's actions in an asset's right-click menu (no "Reveal": the vault holds only
        encrypted blobs, there is no file of the asset's to show; Extract original… makes one)."""
        if asset.kind != "voice":
            menu.addAction(self.viewer_action)
        menu.addAction(self.extract_action)
        menu.addSeparator()
        menu.addAction(self.review_action)  # approving or rejecting is the talent's, in review mode

    def extract_original(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        from studio.core.paths import documents_dir

        asset = self.library.current()
        if asset is None:
            self.show_error(self.tr("Extract original"), StudioError(self.tr("Select an asset first.")))
            return
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Extract {name}").format(name=asset.original_name),
                                              str(documents_dir() / asset.original_name))
        if path:  # the dialog has asked before replacing a file
            self.extract_to(asset, Path(path))

    def extract_to(self, asset, path: Path) -> None:
        """Write ``asset``'s original file to ``path`` (replacing it), off the GUI thread."""
        from studio.core.assets import extract_asset

        self.tasks.read(lambda _task: extract_asset(self.vault, asset.id, path, overwrite=True),
                        lambda written: self.statusBar().showMessage(
                            self.tr("Extracted {name} to {path}").format(name=asset.original_name, path=written)),
                        what=self.tr("Extract original"))

    def open_in_viewer(self) -> None:
        asset = self.library.current()
        if asset is None or asset.kind == "voice":
            self.show_error(self.tr("Open3D viewer"), StudioError(self.tr("Select a scan first.")))
            return
        renders = self.tasks.renders  # tracked on the worker: a viewer started as the app quits ends too
        self.tasks.read(lambda _task: renders.track_viewer(open_viewer(self.vault, asset.id)),
                        what=self.tr("Opening Open3D's viewer"))

    def export_twin(self) -> None:
        from studio.ui.export_wizard import ExportWizard

        self.wizard = ExportWizard(self.vault, self.tasks, self.talent.id if self.talent else None, self,
                                   open_brands=self.open_brands)
        self.wizard.setAttribute(Qt.WA_DeleteOnClose)
        self.wizard.open()

    def open_brands(self):
        from studio.ui.brands_dialog import BrandsDialog

        self.brands_dialog = BrandsDialog(self.vault, self.tasks, self)
        self.brands_dialog.setAttribute(Qt.WA_DeleteOnClose)
        self.brands_dialog.open()
        return self.brands_dialog

    def export_studio_key(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        from studio.core.package.studio_key import write_studio_key

        path, _ = QFileDialog.getSaveFileName(self, self.tr("Export studio key"), "studio-key.pem",
                                              self.tr("PEM (*.pem)"))
        if path:
            self.tasks.read(lambda _task: write_studio_key(self.vault, Path(path), overwrite=True),
                            lambda fp: QMessageBox.information(
                                self, self.tr("Studio key"),
                                self.tr("Written to {path}\n\nFingerprint:\n{fingerprint}\n\nRead the fingerprint out "
                                        "to the brand when you hand it over.").format(path=path, fingerprint=fp)),
                            what=self.tr("Exporting the studio key"))

    def show_error(self, what: str, exc: BaseException) -> None:
        QMessageBox.warning(self, self.tr("{what} failed").format(what=what or self.tr("Twin Studio")), error_text(exc))

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 (Qt API)
        for dialog in self.findChildren(QDialog):  # editors, review mode: they close with the window
            dialog.close()
        if self.activity.running:
            self.activity.cancel()
        self._save()
        self.detail.shutdown()
        if self._owns_tasks:
            self.tasks.shutdown()  # else the app ends it after the event loop
        super().closeEvent(event)
