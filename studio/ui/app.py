"""Starting the desktop app: create or unlock the vault, then the main window."""

from __future__ import annotations

import gc
import sys
from pathlib import Path

from PySide6.QtCore import QLibraryInfo, QLocale, Qt, QTranslator
from PySide6.QtWidgets import QApplication, QDialog

from studio.core.vault import Vault, default_vault_dir, vault_exists
from studio.core.vault.location import SharedLocation
from studio.resources import APP_ID
from studio.ui.icon import app_icon
from studio.ui.main_window import MainWindow
from studio.ui.tasks import TaskManager
from studio.ui.vault_dialogs import SWITCH, CreateVaultDialog, UnlockDialog

APP_NAME = "Twin Studio"
I18N = Path(__file__).resolve().parent / "i18n"  # twin_studio.ts, the source catalogue; twin_studio_<lang>.qm
CATALOGUE = "twin_studio"


def application() -> QApplication:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setOrganizationName("TwinStudio")
    app.setDesktopFileName(APP_ID)  # packaging/io.twinstudio.TwinStudio.desktop: how a desktop matches the window
    app.setWindowIcon(app_icon())
    if install_translator(app):  # Qt's own texts (OK, Cancel) in the same language, not in a mix
        install_translator(app, folder=Path(QLibraryInfo.path(QLibraryInfo.TranslationsPath)), catalogue="qtbase")
    return app


def install_translator(app: QApplication, locale: QLocale | None = None, folder: Path = I18N,
                       catalogue: str = CATALOGUE) -> QTranslator | None:
    """Install the compiled catalogue for ``locale`` (the system's by default), e.g.
    ``twin_studio_de.qm`` or ``twin_studio_pt_BR.qm``, when there is one; else the app stays in
    English (its source texts). Returns the installed translator, kept alive on the app."""
    translator = QTranslator(app)
    if not translator.load(locale or QLocale(), catalogue, "_", str(folder)):
        return None
    app.installTranslator(translator)
    return translator


def vault_dialog(where: Path | SharedLocation, tasks: TaskManager) -> QDialog:
    """The dialog the app opens with: unlock an existing vault, or create one. A shared vault is
    always offered for unlocking (whether its store holds one is known only once it is reached,
    on the worker thread; when it holds none, the dialog offers to create one there)."""
    if isinstance(where, SharedLocation) or vault_exists(where):
        return UnlockDialog(where, tasks)
    return CreateVaultDialog(where, tasks)


def choose_vault(where: Path | SharedLocation, tasks: TaskManager) -> Vault | None:
    """Runs the vault dialogs until a vault is open (None: the user cancelled). The create
    dialog can hand over to the unlock dialog ("Open an existing vault…") and back."""
    dialog = vault_dialog(where, tasks)
    while True:
        result = dialog.exec()
        if result == SWITCH and dialog.switch is not None:
            kind, where = dialog.switch
            dialog.deleteLater()
            dialog = UnlockDialog(where, tasks) if kind == "unlock" else CreateVaultDialog(where, tasks)
            continue
        return dialog.vault if result == QDialog.Accepted else None


def settle_heap() -> None:
    """Move what the app has made by now (Qt's, Open3D's and our modules, the window) out of the
    garbage collector's sight: a full collection then walks only what came since, not millions
    of start-up objects. One in a worker thread otherwise held every thread, the GUI's too, for
    100 ms and more while a 10,000-asset talent loaded (DR026)."""
    gc.collect()
    gc.freeze()


def run_app(where: Path | SharedLocation | None = None) -> int:
    """The app on the vault at ``where``: a folder (default: the user data folder's) or a shared
    vault (``twin-studio gui --catalog URL --store URL``)."""
    app = application()
    if where is None:
        where = default_vault_dir()
    elif not isinstance(where, SharedLocation):
        where = Path(where).expanduser()
    tasks = TaskManager()  # the one manager for the vault: every window and dialog is handed it
    try:
        vault = choose_vault(where, tasks)
        if vault is None:
            return 0
        window = MainWindow(vault, tasks)
        window.show()
        window.setAttribute(Qt.WA_DeleteOnClose)
        settle_heap()
        try:
            return app.exec()
        finally:
            tasks.shutdown()  # background work, render children, Open3D viewer windows
            vault.close()
    finally:
        tasks.shutdown()
