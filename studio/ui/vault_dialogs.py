"""First run and every run after: create the vault, or unlock it.

Unlocking runs the passphrase's scrypt (about a second) on a worker thread, so the dialog keeps
painting; a wrong passphrase is an inline banner, not a modal box.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel,
                               QLineEdit, QProgressBar, QPushButton, QVBoxLayout, QWidget)

from studio.core.errors import StudioError
from studio.core.vault import Vault, check_can_create, check_new_passphrase
from studio.ui.banner import Banner
from studio.ui.tasks import TaskManager

translate = QCoreApplication.translate  # lupdate reads translate("Context", "text") calls


def strength(passphrase: str) -> tuple[int, str]:
    """A rough hint (0–4) and its words. Length matters most for a passphrase."""
    n = len(passphrase)
    words = len(passphrase.split())
    classes = sum(any(f(c) for c in passphrase) for f in (str.islower, str.isupper, str.isdigit,
                                                          lambda c: not c.isalnum()))
    if n == 0:
        return 0, translate("CreateVaultDialog", "A phrase of several words is best (at least 8 characters)")
    if n < 8:
        return 0, translate("CreateVaultDialog", "Too short — at least 8 characters")
    if n >= 20 or words >= 4:
        return 4, translate("CreateVaultDialog", "Strong")
    if n >= 14 or (n >= 12 and classes >= 3):
        return 3, translate("CreateVaultDialog", "Good")
    if n >= 10 or classes >= 3:
        return 2, translate("CreateVaultDialog", "Fair — a few more words make it much stronger")
    return 1, translate("CreateVaultDialog", "Weak — use a longer phrase of several words")


class _VaultDialog(QDialog):
    def __init__(self, title: str, tasks: TaskManager, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(480)
        self.tasks = tasks  # the app's one manager: it goes on to the main window
        self.vault: Vault | None = None
        self.banner = Banner(self)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel, self)
        self.buttons.rejected.connect(self.reject)
        self.busy = QProgressBar(self)
        self.busy.setRange(0, 0)
        self.busy.setMaximumHeight(6)
        self.busy.setTextVisible(False)
        self.busy.hide()

    def _working(self, on: bool) -> None:
        self.busy.setVisible(on)
        self.buttons.setEnabled(not on)

    def _open_done(self, vault: Vault) -> None:
        self._working(False)
        self.vault = vault
        self.accept()

    def _open_failed(self, exc: BaseException) -> None:
        self._working(False)
        self.banner.show_error(exc)



class CreateVaultDialog(_VaultDialog):
    def __init__(self, folder: Path, tasks: TaskManager, parent: QWidget | None = None) -> None:
        super().__init__(translate("CreateVaultDialog", "Create a vault — Twin Studio"), tasks, parent)
        intro = QLabel(self.tr("Twin Studio keeps scans, voice takes and consent in an encrypted vault. "
                               "Choose where it lives and a passphrase. <b>Without the passphrase nobody — "
                               "not even you — can open it.</b>"), self)
        intro.setWordWrap(True)
        self.folder = QLineEdit(str(folder), self)
        browse = QPushButton(self.tr("Browse…"), self)
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.folder, 1)
        row.addWidget(browse)
        self.passphrase = QLineEdit(self)
        self.passphrase.setEchoMode(QLineEdit.Password)
        self.passphrase.setAccessibleName(self.tr("Passphrase"))
        self.repeat = QLineEdit(self)
        self.repeat.setEchoMode(QLineEdit.Password)
        self.repeat.setAccessibleName(self.tr("Repeat passphrase"))
        self.meter = QProgressBar(self)
        self.meter.setRange(0, 4)
        self.meter.setTextVisible(False)
        self.meter.setMaximumHeight(6)
        self.hint = QLabel(self)
        self.passphrase.textChanged.connect(self._update)
        self.repeat.textChanged.connect(self._update)
        form = QFormLayout()
        form.addRow(self.tr("Vault folder"), row)
        form.addRow(self.tr("Passphrase"), self.passphrase)
        form.addRow("", self.meter)
        form.addRow("", self.hint)
        form.addRow(self.tr("Repeat"), self.repeat)
        ok = self.buttons.button(QDialogButtonBox.Ok)
        ok.setText(self.tr("Create vault"))
        self.buttons.accepted.connect(self._create)
        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addWidget(self.banner)
        lay.addLayout(form)
        lay.addWidget(self.busy)
        lay.addWidget(self.buttons)
        self._update()
        self.passphrase.setFocus()

    def _browse(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, self.tr("Folder for the vault"), self.folder.text())
        if chosen:
            self.folder.setText(chosen)

    def _update(self) -> None:
        score, words = strength(self.passphrase.text())
        self.meter.setValue(score)
        same = self.passphrase.text() == self.repeat.text()
        self.hint.setText(words if same or not self.repeat.text() else
                          self.tr("{hint} · the two entries differ").format(hint=words))
        self.buttons.button(QDialogButtonBox.Ok).setEnabled(score > 0 and same)

    def _create(self) -> None:
        folder = Path(self.folder.text()).expanduser()
        passphrase = self.passphrase.text()
        try:
            check_new_passphrase(passphrase)
            check_can_create(folder)
        except StudioError as exc:
            self.banner.show_message(str(exc))
            return
        self.banner.hide()
        self._working(True)
        self.tasks.write(lambda _task: Vault.create(folder, passphrase), self._open_done, self._open_failed,
                         what=self.tr("Creating the vault"), owner=self)


class UnlockDialog(_VaultDialog):
    def __init__(self, folder: Path, tasks: TaskManager, parent: QWidget | None = None) -> None:
        super().__init__(translate("UnlockDialog", "Unlock the vault — Twin Studio"), tasks, parent)
        self.folder = Path(folder)
        where = QLabel(self.tr("Vault: <code>{folder}</code>").format(folder=self.folder), self)
        where.setTextInteractionFlags(Qt.TextSelectableByMouse)
        where.setWordWrap(True)
        self.passphrase = QLineEdit(self)
        self.passphrase.setEchoMode(QLineEdit.Password)
        self.passphrase.setAccessibleName(self.tr("Passphrase"))
        self.passphrase.setPlaceholderText(self.tr("Passphrase"))
        self.buttons.button(QDialogButtonBox.Ok).setText(self.tr("Unlock"))
        self.buttons.accepted.connect(self._unlock)
        lay = QVBoxLayout(self)
        lay.addWidget(where)
        lay.addWidget(self.banner)
        lay.addWidget(self.passphrase)
        lay.addWidget(self.busy)
        lay.addWidget(self.buttons)
        self.passphrase.setFocus()

    def _unlock(self) -> None:
        passphrase = self.passphrase.text()
        if not passphrase:
            self.banner.show_message(self.tr("Enter the vault's passphrase."))
            return
        self.banner.hide()
        self._working(True)
        self.tasks.read(lambda _task: Vault.open(self.folder, passphrase), self._open_done, self._wrong,
                        what=self.tr("Unlocking the vault"), owner=self)

    def _wrong(self, exc: BaseException) -> None:
        self._open_failed(exc)
        self.passphrase.selectAll()
        self.passphrase.setFocus()
