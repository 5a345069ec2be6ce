"""Starting the desktop app: create or unlock the vault, then the main window."""

from __future__ import annotations

import gc
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QLibraryInfo, QLocale, QTimer
from PySide6.QtWidgets import QApplication, QDialog

from studio.core.package.brand_keys import BrandIdentity
from studio.core.vault import Vault, vault_exists
from studio.core.vault.location import SharedLocation
from studio.resources import APP_ID
from studio.ui.icon import app_icon
from studio.ui.languages import CATALOGUE, I18N, install_translator  # noqa: F401 (the app's; tests use them here)
from studio.ui.tasks import TaskManager
from studio.ui.vault_dialogs import SWITCH, CreateVaultDialog, UnlockDialog

APP_NAME = "Twin Studio"
SMOKE_TIMEOUT_S = 120.0  # `twin-studio gui --smoke-test`: how long the window may take to appear


def application(language: str = "") -> QApplication:
    """The app, its names and icon, and its translation: ``language`` (a locale name such as
    "de", from the preferences), else the system's."""
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setOrganizationName("TwinStudio")
    app.setDesktopFileName(APP_ID)  # packaging/io.twinstudio.TwinStudio.desktop: how a desktop matches the window
    app.setWindowIcon(app_icon())
    locale = QLocale(language) if language else None
    if install_translator(app, locale):  # Qt's own texts (OK, Cancel) in the same language, not in a mix
        install_translator(app, locale, folder=Path(QLibraryInfo.path(QLibraryInfo.TranslationsPath)),
                           catalogue="qtbase")
    return app


def vault_dialog(where: Path | SharedLocation, tasks: TaskManager) -> QDialog:
    """The dialog the app opens with: unlock an existing vault, or create one. A shared vault is
    always offered for unlocking (whether its store holds one is known only once it is reached,
    on the worker thread; when it holds none, the dialog offers to create one there)."""
    if isinstance(where, SharedLocation) or vault_exists(where):
        return UnlockDialog(where, tasks)
    return CreateVaultDialog(where, tasks, offer_brand=True)


@dataclass(frozen=True)
class BrandChosen:
    """The first-run dialog's *I received a package*: the brand's keys folder, and the keys when
    they were made there (else the brand's passphrase is asked next)."""

    folder: Path
    identity: BrandIdentity | None


@dataclass(frozen=True)
class TalentStart:
    """The first-run dialog's "I am the talent…": the talent's window on the keys in ``folder``."""

    folder: Path


def choose_vault(where: Path | SharedLocation, tasks: TaskManager) -> Vault | BrandChosen | TalentStart | None:
    """Runs the vault dialogs until a vault is open (None: the user cancelled), or the user said
    they are a brand with a package (:class:`BrandChosen`) or the talent with a review kit
    (:class:`TalentStart`). The create dialog can hand over to the unlock dialog ("Open an
    existing vault…") and back."""
    dialog = vault_dialog(where, tasks)
    while True:
        result = dialog.exec()
        if result == SWITCH and dialog.switch is not None and dialog.switch[0] == "talent":
            return TalentStart(dialog.switch[1])
        if result == SWITCH and dialog.switch is not None:
            kind, where = dialog.switch
            dialog.deleteLater()
            if kind == "brand":
                return BrandChosen(Path(where), dialog.brand_identity)
            dialog = UnlockDialog(where, tasks) if kind == "unlock" else CreateVaultDialog(where, tasks,
                                                                                          offer_brand=True)
            continue
        return dialog.vault if result == QDialog.Accepted else None


def settle_heap() -> None:
    """Move what the app has made by now (Qt's, Open3D's and our modules, the window) out of the
    garbage collector's sight: a full collection then walks only what came since, not millions
    of start-up objects. One in a worker thread otherwise held every thread, the GUI's too, for
    100 ms and more while a 10,000-asset talent loaded (DR026)."""
    gc.collect()
    gc.freeze()


def exit_once_shown(app: QApplication, window, timeout_s: float = SMOKE_TIMEOUT_S) -> QTimer:
    """End the app's event loop with 0 once ``window`` is on screen (its native window exposed),
    or with 1 when it is not within ``timeout_s``: ``twin-studio gui --smoke-test`` (DR042)."""
    deadline = time.monotonic() + timeout_s
    timer = QTimer(window)
    timer.setInterval(50)

    def poll() -> None:
        handle = window.windowHandle()
        if window.isVisible() and handle is not None and handle.isExposed():
            timer.stop()
            app.exit(0)
        elif time.monotonic() > deadline:
            timer.stop()
            print(f"twin-studio: the main window was not shown within {timeout_s:.0f} s", file=sys.stderr)
            app.exit(1)

    timer.timeout.connect(poll)
    timer.start()
    return timer


def run_brand_app(folder: Path, identity: BrandIdentity | None = None, smoke_test: bool = False) -> int:
    """``twin-studio gui --brand DIR``: the brand's window on the keys in ``folder``, no vault
    (DR048). ``identity``: unlocked already (``--passphrase-file``); else a dialog asks."""
    from studio.ui.settings import Settings
    from studio.ui.theme import apply_theme

    settings = Settings()
    app = application(settings.language)
    apply_theme(app, settings.theme)
    tasks = TaskManager()
    try:
        return _brand_session(app, tasks, Path(folder), identity, smoke_test)
    finally:
        tasks.shutdown()


def _brand_session(app: QApplication, tasks: TaskManager, folder: Path, identity: BrandIdentity | None,
                   smoke_test: bool = False) -> int:
    from studio.ui.brand_dialogs import BrandUnlockDialog
    from studio.ui.brand_window import BrandWindow

    if identity is None:
        dialog = BrandUnlockDialog(folder, tasks)
        if dialog.exec() != QDialog.Accepted or dialog.identity is None:
            return 0
        identity = dialog.identity
    window = BrandWindow(folder, identity, tasks)
    window.show()
    if smoke_test:
        exit_once_shown(app, window)
    try:
        return app.exec()
    finally:
        tasks.shutdown()


def run_app(where: Path | SharedLocation | None = None, vault: Vault | None = None, smoke_test: bool = False) -> int:
    """The app on the vault at ``where``: a folder (default: the preferences' folder for new
    vaults, else the user data folder's) or a shared vault (``twin-studio gui --catalog URL
    --store URL``). The session then opens other vaults, locks and unlocks (studio.ui.session).
    ``vault``: already open (no dialog asks for its passphrase). ``smoke_test``: exit once the
    main window is on screen (:func:`exit_once_shown`)."""
    from studio.ui.session import Session
    from studio.ui.settings import Settings
    from studio.ui.theme import apply_theme

    settings = Settings()
    app = application(settings.language)
    apply_theme(app, settings.theme)
    if where is None:
        where = settings.vault_folder()
    elif not isinstance(where, SharedLocation):
        where = Path(where).expanduser()
    tasks = TaskManager()  # the one manager for the vault: every window and dialog is handed it
    session = Session(tasks, settings)
    try:
        if vault is None:
            chosen = choose_vault(where, tasks)
            if isinstance(chosen, BrandChosen):
                return _brand_session(app, tasks, chosen.folder, chosen.identity)
            vault = chosen
        if vault is None:
            return 0
        if isinstance(vault, TalentStart):
            from studio.ui.talent_window import run_talent_window

            tasks.shutdown()
            return run_talent_window(vault.folder)
        session.ended.connect(app.quit)
        window = session.start(vault)
        settle_heap()
        if smoke_test:
            exit_once_shown(app, window)
        try:
            return app.exec()
        finally:
            tasks.shutdown()  # background work, render children, Open3D viewer windows
            session.close()
    finally:
        tasks.shutdown()
