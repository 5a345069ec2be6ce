"""*Explore a sample vault* on the first-run dialog (issue 15, DR041): builds the sample vault on
the writer with a progress bar, beside the default vault in the user data folder (or opens the
one already there), then tells the user its passphrases before the main window opens on it."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QMessageBox, QPushButton

from studio.core.demo import DEMO_PASSPHRASE, DEMO_TALENT_PASSPHRASE, STEPS, TALENT, build_demo, sample_vault_dir
from studio.core.errors import WrongPassphrase
from studio.core.progress import Progress
from studio.core.vault import Vault, vault_exists
from studio.core.vault.opening import open_vault
from studio.ui.tasks import Task


class SampleVault(QObject):
    """The button's work, for a :class:`~studio.ui.vault_dialogs.CreateVaultDialog` (``dialog``):
    its task manager, banner, busy bar and the way it hands an open vault on."""

    def __init__(self, dialog, button: QPushButton) -> None:
        super().__init__(dialog)
        self.dialog = dialog
        self.button = button
        self.folder: Path | None = None
        self.task: Task | None = None
        self.notice: QMessageBox | None = None  # the passphrases, once the vault is open
        # the core's step labels, in the user's language (STEPS order)
        self.steps = (self.tr("Creating the vault"), self.tr("Adding the talent"), self.tr("Importing the samples"),
                      self.tr("The talent approves them"), self.tr("The talent signs a grant"),
                      self.tr("Registering a brand"), self.tr("Exporting a package"), self.tr("Recording a use"))
        button.setToolTip(self.tr("A vault with a made-up talent, approved scans and voice takes, a signed grant, "
                                  "a brand and an exported package, to see every screen working"))
        button.clicked.connect(self.start)

    def start(self) -> None:
        """Build the sample vault (or open the one already there) and open it."""
        d = self.dialog
        folder = self.folder = sample_vault_dir()
        d.where = folder
        d._working(True)
        if vault_exists(folder):
            d.banner.show_message(self.tr("Opening the sample vault in {folder}…").format(folder=folder), "info")
            self.task = d.tasks.read(lambda _task: open_vault(folder, DEMO_PASSPHRASE), self._ready, self._failed,
                                     what=self.tr("Opening the sample vault"), owner=d)
            return
        d.banner.show_message(self.tr("Building a sample vault in {folder}. Its passphrase is “{passphrase}”.")
                              .format(folder=folder, passphrase=DEMO_PASSPHRASE), "info")
        d.busy.setRange(0, len(STEPS))
        d.busy.setValue(0)

        def build(task: Task) -> Vault:
            build_demo(folder, DEMO_PASSPHRASE, progress=task.report, cancel=task.token)
            return open_vault(folder, DEMO_PASSPHRASE)

        self.task = d.tasks.write(build, self._ready, self._failed, what=self.tr("Building the sample vault"),
                                  owner=d, progress=self._progress)

    def cancel(self) -> None:
        """The dialog is closing: a build stops at its next step and leaves no vault behind."""
        if self.task is not None:
            self.task.cancel()

    def _progress(self, p: Progress) -> None:
        step = int(p.done)
        self.dialog.busy.setValue(step)
        if step < len(self.steps):
            self.dialog.busy.setAccessibleDescription(self.steps[step])
            self.dialog.busy.setToolTip(self.steps[step])

    def _failed(self, exc: BaseException) -> None:
        self.task = None
        self.dialog.busy.setRange(0, 0)
        if isinstance(exc, WrongPassphrase) and self.folder is not None:
            self.dialog._switch("unlock", self.folder)  # its passphrase was changed: the user types it
            return
        self.dialog._open_failed(exc)

    def _ready(self, vault: Vault) -> None:
        """Tell the passphrases (window-modal), then hand the vault on as the dialog does."""
        self.task = None
        d = self.dialog
        d.busy.setRange(0, 0)
        d.banner.hide()
        box = self.notice = QMessageBox(QMessageBox.Information, self.tr("The sample vault — Twin Studio"),
                                        self.tr("The sample vault is open."), QMessageBox.Ok, d)
        box.setInformativeText(self.tr(
            "It shows {talent}, a made-up talent, with a body scan and two voice takes they approved, a grant they "
            "signed, a brand, a package exported to it and a use it reported.\n\n"
            "Its passphrase is “{passphrase}”: Twin Studio asks for it when the vault is locked. {talent}'s own "
            "passphrase, asked for in review mode, is “{talent_passphrase}”.\n\n"
            "It is kept in {folder}. The next time Twin Studio starts, it offers to create your own vault "
            "again.").format(
                talent=TALENT["name"], passphrase=DEMO_PASSPHRASE, talent_passphrase=DEMO_TALENT_PASSPHRASE,
                folder=self.folder))
        box.finished.connect(lambda _result: d._open_done(vault))
        box.open()
