"""The app's open vault and its main window, one at a time (issue 15, DR040).

File ▸ Open Vault… and Open Recent ask for the other vault's passphrase first; once it is open,
the window on the current vault closes and the vault is locked, and a window on the new one
opens. Cancelling leaves everything as it was. File ▸ Lock Vault (Ctrl+L) and the idle lock close
the window, lock the vault (its catalog closed, its keys dropped: :meth:`Vault.lock`) and ask
for the same vault's passphrase again; a wrong one keeps it locked. The vault is locked only
once the work still running on it has ended (an import in progress is cancelled first)."""

from __future__ import annotations

import gc
import logging
import time
from pathlib import Path
from typing import Callable

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QDialog, QMessageBox, QWidget

from studio.core.vault import Vault
from studio.core.vault.location import SharedLocation
from studio.ui.banner import error_text
from studio.ui.idle import IdleWatch
from studio.ui.main_window import MainWindow
from studio.ui.settings import Settings
from studio.ui.tasks import TaskManager
from studio.ui.vault_dialogs import SWITCH, CreateVaultDialog, UnlockDialog

log = logging.getLogger(__name__)
Where = Path | SharedLocation
DRAIN_POLL_MS = 50


def where_of(vault: Vault) -> Where:
    """Where ``vault`` is: its folder, or a shared vault's location."""
    return vault.location if vault.shared else vault.root  # type: ignore[attr-defined]


class Session(QObject):
    """``ended`` is emitted when the vault dialog is cancelled with no window open (the app ends)."""

    ended = Signal()
    windowOpened = Signal(object)  # the new MainWindow

    def __init__(self, tasks: TaskManager, settings: Settings | None = None, parent: QObject | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(parent)
        self.tasks = tasks
        self.settings = settings or Settings()
        self.vault: Vault | None = None
        self.window: MainWindow | None = None
        self.dialog: QDialog | None = None  # the unlock (or create) dialog being shown
        self._retiring: list[tuple[MainWindow, Vault]] = []
        self.idle = IdleWatch(self, clock)
        self.idle.idle.connect(self.lock)
        self.tasks.on_error = self._show_error  # to whichever window is open, not the first one

    @property
    def locked(self) -> bool:
        return self.vault is None

    # -- opening --------------------------------------------------------------------------------
    def start(self, vault: Vault) -> MainWindow:
        """Open the main window on ``vault`` (unlocked), and watch for the idle lock."""
        self.vault = vault
        window = MainWindow(vault, self.tasks, self.settings)
        window.lockRequested.connect(self.lock)
        window.openRequested.connect(self.open)
        window.preferencesApplied.connect(lambda: self.idle.start(self.settings.auto_lock_minutes))
        self.window = window
        window.show()
        self.idle.start(self.settings.auto_lock_minutes)
        self.windowOpened.emit(window)
        return window

    def open(self, where: Where) -> None:
        """Open the vault at ``where`` in place of the current one, once its passphrase is given."""
        if self.vault is not None and where == where_of(self.vault):
            if self.window is not None:
                self.window.statusBar().showMessage(self.window.tr("That vault is the one open."), 5000)
            return
        self._ask(UnlockDialog(where, self.tasks, self.window, settings=self.settings))

    def lock(self) -> None:
        """Close the window, lock the vault and ask for its passphrase again."""
        if self.vault is None or self.window is None:
            return
        where, old = where_of(self.vault), (self.window, self.vault)
        self.window = self.vault = None
        self._ask(UnlockDialog(where, self.tasks, settings=self.settings))  # shown before the window goes
        self._retire(*old)

    # -- the dialogs ----------------------------------------------------------------------------
    def _ask(self, dialog: QDialog) -> None:
        self.dialog = dialog
        dialog.finished.connect(lambda result: self._answered(dialog, result))
        if dialog.parent() is not None:
            dialog.open()  # window-modal over the window it will replace
        else:
            dialog.show()
            dialog.raise_()
            dialog.activateWindow()

    def _answered(self, dialog: QDialog, result: int) -> None:
        parent = dialog.parent() if isinstance(dialog.parent(), QWidget) else None
        dialog.deleteLater()
        if result == SWITCH and dialog.switch is not None:  # type: ignore[attr-defined]
            kind, where = dialog.switch  # type: ignore[attr-defined]
            self._ask(UnlockDialog(where, self.tasks, parent, settings=self.settings) if kind == "unlock"
                      else CreateVaultDialog(where, self.tasks, parent, settings=self.settings))
            return
        self.dialog = None
        if result == QDialog.Accepted and dialog.vault is not None:  # type: ignore[attr-defined]
            old = (self.window, self.vault)
            self.start(dialog.vault)  # type: ignore[attr-defined]  # first: the app always has a window
            if old[0] is not None and old[1] is not None:
                self._retire(*old)
        elif self.vault is None:
            self.ended.emit()  # locked, and the user chose not to unlock: the app ends

    # -- closing --------------------------------------------------------------------------------
    def _retire(self, window: MainWindow, vault: Vault) -> None:
        """Close ``window`` and lock its ``vault`` once no work runs on it any more."""
        if self.vault is None:
            self.idle.stop()
        window.close()  # saves the layout, cancels an import, closes the window's dialogs
        self._retiring.append((window, vault))
        self._drain()

    def _drain(self) -> None:
        if self.tasks.busy and not self.tasks.closed:
            QTimer.singleShot(DRAIN_POLL_MS, self._drain)
            return
        retiring, self._retiring = self._retiring, []
        for window, vault in retiring:
            vault.lock()
            window.deleteLater()
        gc.collect()  # the key objects go now, not at some later collection

    @property
    def draining(self) -> bool:
        """Work on a vault being locked has not ended yet (its keys are still held)."""
        return bool(self._retiring)

    def close(self) -> None:
        """The app is ending: lock what is open (after the task manager has shut down)."""
        self.idle.stop()
        for _window, vault in self._retiring:
            vault.lock()
        self._retiring = []
        if self.vault is not None:
            self.vault.lock()
            self.vault = None

    def _show_error(self, what: str, exc: BaseException) -> None:
        if self.window is not None:
            self.window.show_error(what, exc)
        else:
            QMessageBox.warning(None, what or "Twin Studio", error_text(exc))
