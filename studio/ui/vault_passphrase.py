"""File ▸ Change Passphrase…: the vault's passphrase, current, new and repeated (issue 15). The
change runs on the vault's writer (two scrypt runs: a second or two); a wrong current passphrase
or a new one too short is an inline banner, the fields cleared where they were wrong."""

from __future__ import annotations

from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QProgressBar, QVBoxLayout,
                               QWidget)

from studio.core.errors import InvalidInput, StudioError, WrongPassphrase
from studio.core.vault import Vault, check_new_passphrase
from studio.core.vault.passphrase import change_passphrase
from studio.ui.banner import Banner
from studio.ui.tasks import TaskManager
from studio.ui.vault_dialogs import strength


class VaultPassphraseDialog(QDialog):
    def __init__(self, vault: Vault, tasks: TaskManager, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Change the vault's passphrase — Twin Studio"))
        self.setMinimumWidth(480)
        self.vault, self.tasks = vault, tasks
        intro = QLabel(self.tr("Everyone who opens this vault will need the new passphrase. The data is not "
                               "re-encrypted: only the key that opens it is locked anew."), self)
        intro.setWordWrap(True)
        self.banner = Banner(self)
        self.current, self.new, self.repeat = QLineEdit(self), QLineEdit(self), QLineEdit(self)
        for edit, name in ((self.current, self.tr("Current passphrase")), (self.new, self.tr("New passphrase")),
                           (self.repeat, self.tr("Repeat the new passphrase"))):
            edit.setEchoMode(QLineEdit.Password)
            edit.setAccessibleName(name)
        self.meter = QProgressBar(self)
        self.meter.setRange(0, 4)
        self.meter.setTextVisible(False)
        self.meter.setMaximumHeight(6)
        self.hint = QLabel(self)
        self.new.textChanged.connect(self._update)
        self.repeat.textChanged.connect(self._update)
        form = QFormLayout()
        form.addRow(self.tr("Current passphrase"), self.current)
        form.addRow(self.tr("New passphrase"), self.new)
        form.addRow("", self.meter)
        form.addRow("", self.hint)
        form.addRow(self.tr("Repeat it"), self.repeat)
        self.busy = QProgressBar(self)
        self.busy.setRange(0, 0)
        self.busy.setMaximumHeight(6)
        self.busy.setTextVisible(False)
        self.busy.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel, self)
        self.buttons.button(QDialogButtonBox.Ok).setText(self.tr("Change passphrase"))
        self.buttons.accepted.connect(self._save)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addWidget(self.banner)
        lay.addLayout(form)
        lay.addWidget(self.busy)
        lay.addWidget(self.buttons)
        self._update()
        self.current.setFocus()

    def _update(self) -> None:
        score, words = strength(self.new.text())
        self.meter.setValue(score)
        differ = bool(self.repeat.text()) and self.repeat.text() != self.new.text()
        self.hint.setText(self.tr("{hint} · the two entries differ").format(hint=words) if differ else words)

    def _save(self) -> None:
        current, new = self.current.text(), self.new.text()
        try:
            if not current:
                raise InvalidInput(self.tr("Enter the current passphrase."))
            if new != self.repeat.text():
                raise InvalidInput(self.tr("The two entries of the new passphrase differ."))
            check_new_passphrase(new)
        except StudioError as exc:
            self.banner.show_error(exc)
            return
        self.banner.hide()
        self._working(True)
        self.tasks.write(lambda _task: change_passphrase(self.vault, current, new), lambda _none: self.accept(),
                         self._failed, what=self.tr("Changing the vault's passphrase"), owner=self)

    def _working(self, on: bool) -> None:
        self.busy.setVisible(on)
        self.buttons.setEnabled(not on)
        for edit in (self.current, self.new, self.repeat):
            edit.setEnabled(not on)

    def _failed(self, exc: BaseException) -> None:
        self._working(False)
        self.banner.show_error(exc)
        wrong = self.current if isinstance(exc, WrongPassphrase) else self.new
        if wrong is self.new:
            self.repeat.clear()
        wrong.clear()
        wrong.setFocus()
