"""Set or change a talent's own passphrase (the GUI twin of `twin-studio talent
set-passphrase`). The talent types it; the current one is asked when they already have a key."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QVBoxLayout, QWidget

from studio.core.consent.talent_keys import check_talent_passphrase, set_talent_passphrase
from studio.core.errors import StudioError
from studio.core.talents import TalentRecord
from studio.core.vault import Vault
from studio.ui.banner import Banner
from studio.ui.tasks import TaskManager


class TalentPassphraseDialog(QDialog):
    def __init__(self, vault: Vault, tasks: TaskManager, talent: TalentRecord, has_key: bool,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("{name}'s passphrase").format(name=talent.name))
        self.setMinimumWidth(440)
        self.vault, self.tasks, self.talent, self.has_key = vault, tasks, talent, has_key
        self.fingerprint: str | None = None
        self.banner = Banner(self)
        text = QLabel(self.tr("<b>{name}</b> types this, not the studio. It locks their own signing key; "
                              "the studio's passphrase cannot open it.").format(name=talent.name) +
                      (self.tr(" Changing it keeps the same key and every signature made with it.") if has_key else ""),
                      self)
        text.setWordWrap(True)
        self.current = QLineEdit(self)
        self.new = QLineEdit(self)
        self.repeat = QLineEdit(self)
        for w in (self.current, self.new, self.repeat):
            w.setEchoMode(QLineEdit.Password)
        form = QFormLayout()
        if has_key:
            form.addRow(self.tr("Current passphrase"), self.current)
        form.addRow(self.tr("New passphrase"), self.new)
        form.addRow(self.tr("Repeat it"), self.repeat)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel, self)
        self.buttons.button(QDialogButtonBox.Ok).setText(self.tr("Change passphrase") if has_key else self.tr("Create key"))
        self.buttons.accepted.connect(self._save)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(text)
        lay.addWidget(self.banner)
        lay.addLayout(form)
        lay.addWidget(self.buttons)

    def _save(self) -> None:
        new, old = self.new.text(), (self.current.text() if self.has_key else None)
        try:
            if new != self.repeat.text():
                raise StudioError(self.tr("the two entries differ"))
            check_talent_passphrase(new)
        except StudioError as exc:
            self.banner.show_message(str(exc))
            return
        self.buttons.setEnabled(False)
        self.tasks.write(lambda _task: set_talent_passphrase(self.vault, self.talent.id, new, old), self._done,
                         self._failed, what=self.tr("Setting the talent's passphrase"), owner=self)

    def _done(self, fingerprint: str) -> None:
        self.fingerprint = fingerprint
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.buttons.setEnabled(True)
        self.banner.show_error(exc)
