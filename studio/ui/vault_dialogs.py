"""First run and every run after: create the vault, or unlock it — a folder on this computer or
a shared vault (a catalog in PostgreSQL and an S3 object store, DR027).

Unlocking runs the passphrase's scrypt (about a second) and, for a shared vault, the first trips
to its catalog and store on a worker thread, so the dialog keeps painting; a wrong passphrase, a
bad URL or an unreachable catalog or store is an inline banner, not a modal box.

Each vault the station opens goes first on the recent list (settings.json: folders and URLs,
never a password or key); :class:`OpenVaultDialog` offers it again.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (QButtonGroup, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QHBoxLayout,
                               QLabel, QLineEdit, QListWidget, QListWidgetItem, QProgressBar, QPushButton,
                               QRadioButton, QStyle, QVBoxLayout, QWidget)

from studio.core.errors import InvalidInput, StudioError, VaultNotFound
from studio.core.vault import Vault, check_new_passphrase, vault_exists
from studio.core.vault.location import (CATALOG_ENV, ENDPOINT_ENV, STORE_ENV, SharedLocation, parse_catalog,
                                        parse_endpoint, parse_store)
from studio.core.vault.opening import check_can_create_at, create_vault, open_vault
from studio.ui.banner import Banner
from studio.ui.sample_vault import SampleVault
from studio.ui.settings import Settings
from studio.ui.tasks import TaskManager

log = logging.getLogger(__name__)
translate = QCoreApplication.translate  # lupdate reads translate("Context", "text") calls

Where = Path | SharedLocation
SWITCH = 2  # a dialog's result when the user asked for the other dialog (see ``switch``)


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



def describe(where: Where) -> str:
    """A vault's place as the dialogs show it: its folder, or its catalog and store."""
    return where.describe() if isinstance(where, SharedLocation) else str(where)


class LocationForm(QWidget):
    """Where a vault is: a folder on this computer, or a shared vault's catalog URL, store URL and
    (for a store that is not AWS) endpoint. :meth:`location` checks what was typed with the
    vault's own URL rules (no password in a URL)."""

    changed = Signal()

    def __init__(self, where: Where | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.as_folder = QRadioButton(self.tr("A folder on this computer"), self)
        self.as_shared = QRadioButton(self.tr("A shared vault (PostgreSQL catalog and S3 store)"), self)
        kinds = QButtonGroup(self)
        kinds.addButton(self.as_folder)
        kinds.addButton(self.as_shared)
        self.folder = QLineEdit(self)
        self.folder.setAccessibleName(self.tr("Vault folder"))
        self.browse = QPushButton(self.tr("Browse…"), self)
        self.browse.clicked.connect(self._browse)
        self.catalog = QLineEdit(self)
        self.catalog.setPlaceholderText(self.tr("postgresql://USER@HOST/DATABASE"))
        self.catalog.setAccessibleName(self.tr("Catalog URL"))
        self.store = QLineEdit(self)
        self.store.setPlaceholderText(self.tr("s3://BUCKET/PREFIX"))
        self.store.setAccessibleName(self.tr("Store URL"))
        self.endpoint = QLineEdit(self)
        self.endpoint.setPlaceholderText(self.tr("https://HOST:PORT — blank for AWS"))
        self.endpoint.setAccessibleName(self.tr("Store endpoint"))
        self.note = QLabel(self.tr("Passwords and keys are not typed here: the catalog's comes from ~/.pgpass "
                                   "(or PGPASSFILE), the store's from the AWS environment or ~/.aws."), self)
        self.note.setWordWrap(True)
        self.note.setEnabled(False)  # drawn as a quiet hint
        indent = self.style().pixelMetric(QStyle.PM_ExclusiveIndicatorWidth) + 8  # under the radio's text
        self.folder_fields = QWidget(self)
        folder_row = QHBoxLayout(self.folder_fields)
        folder_row.setContentsMargins(indent, 0, 0, 4)
        folder_row.addWidget(self.folder, 1)
        folder_row.addWidget(self.browse)
        self.shared_fields = QWidget(self)
        shared_form = QFormLayout()
        shared_form.addRow(self.tr("Catalog"), self.catalog)
        shared_form.addRow(self.tr("Store"), self.store)
        shared_form.addRow(self.tr("Endpoint"), self.endpoint)
        shared_column = QVBoxLayout(self.shared_fields)
        shared_column.setContentsMargins(indent, 0, 0, 0)
        shared_column.addLayout(shared_form)
        shared_column.addWidget(self.note)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.as_folder)
        lay.addWidget(self.folder_fields)
        lay.addWidget(self.as_shared)
        lay.addWidget(self.shared_fields)
        self.as_folder.toggled.connect(self._kind_changed)
        for edit in (self.folder, self.catalog, self.store, self.endpoint):
            edit.textChanged.connect(self.changed)
        # a shared vault's fields start from the environment the command line reads too
        self.catalog.setText(os.environ.get(CATALOG_ENV, ""))
        self.store.setText(os.environ.get(STORE_ENV, ""))
        self.endpoint.setText(os.environ.get(ENDPOINT_ENV, ""))
        self.set_location(where)

    def set_location(self, where: Where | None) -> None:
        if isinstance(where, SharedLocation):
            self.catalog.setText(where.catalog)
            self.store.setText(where.store)
            self.endpoint.setText(where.endpoint or "")
            self.as_shared.setChecked(True)
        else:
            if where is not None:
                self.folder.setText(str(where))
            self.as_folder.setChecked(True)
        self._kind_changed()

    def shared(self) -> bool:
        return self.as_shared.isChecked()

    def _kind_changed(self) -> None:
        # both stay in place (the dialog does not jump); the one not chosen is greyed out
        self.folder_fields.setEnabled(not self.shared())
        self.shared_fields.setEnabled(self.shared())
        self.changed.emit()

    def _browse(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, self.tr("Vault folder"), self.folder.text())
        if chosen:
            self.folder.setText(chosen)

    def location(self) -> Where:
        """What the fields name; :class:`InvalidInput` says what is wrong with them."""
        if not self.shared():
            text = self.folder.text().strip()
            if not text:
                raise InvalidInput(self.tr("Choose the vault's folder."))
            return Path(text).expanduser().absolute()
        catalog, store = self.catalog.text().strip(), self.store.text().strip()
        if not catalog:
            raise InvalidInput(self.tr("Enter the catalog's URL: postgresql://USER@HOST/DATABASE."))
        if not store:
            raise InvalidInput(self.tr("Enter the store's URL: s3://BUCKET/PREFIX."))
        bucket, prefix = parse_store(store)
        return SharedLocation(parse_catalog(catalog), bucket, prefix, parse_endpoint(self.endpoint.text()))


class _VaultDialog(QDialog):
    def __init__(self, title: str, tasks: TaskManager, settings: Settings | None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(520)
        self.tasks = tasks  # the app's one manager: it goes on to the main window
        self.settings = settings if settings is not None else Settings()
        self.vault: Vault | None = None
        self.where: Where | None = None
        self.switch: tuple[str, Where] | None = None  # ("create" | "unlock", where) with result SWITCH
        self.chooser: OpenVaultDialog | None = None
        self.banner = Banner(self)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel, self)
        self.buttons.rejected.connect(self.reject)
        self.busy = QProgressBar(self)
        self.busy.setRange(0, 0)
        self.busy.setMaximumHeight(6)
        self.busy.setTextVisible(False)
        self.busy.hide()
        self.actions = QHBoxLayout()  # the dialog's other ways on, left; then OK and Cancel
        self.actions.addStretch(1)
        self.actions.addWidget(self.buttons)

    def _action(self, text: str) -> QPushButton:
        button = QPushButton(text, self)
        button.setAutoDefault(False)
        self.actions.insertWidget(self.actions.count() - 2, button)
        return button

    def _working(self, on: bool) -> None:
        self.busy.setVisible(on)
        for i in range(self.actions.count()):
            if (w := self.actions.itemAt(i).widget()) is not None:
                w.setEnabled(not on)

    def _open_done(self, vault: Vault) -> None:
        self._working(False)
        self.vault = vault
        if self.where is not None:
            try:  # the recent list is a convenience: a settings file that cannot be written does not stop the app
                self.settings.remember_vault(self.where)
            except (OSError, StudioError) as exc:
                log.warning("the vault is not added to the recent vaults: %s", exc)
        self.accept()

    def _open_failed(self, exc: BaseException) -> None:
        self._working(False)
        self.banner.show_error(exc)
        grow_to_fit(self)

    def _switch(self, kind: str, where: Where) -> None:
        """Close, asking the app for the other dialog (``kind``) on ``where``."""
        self.switch = (kind, where)
        self.done(SWITCH)

    def _choose(self, accepted) -> OpenVaultDialog:
        """The window-modal chooser of another vault; ``accepted(location)`` when one is picked."""
        chooser = OpenVaultDialog(self.settings, self.where, self)
        chooser.accepted.connect(lambda: accepted(chooser.location))
        chooser.finished.connect(chooser.deleteLater)
        self.chooser = chooser
        chooser.open()
        return chooser


class CreateVaultDialog(_VaultDialog):
    """``offer_brand`` (the first-run dialog): *I received a package…* leads a brand to its keys
    and the brand's window instead (``switch`` is then ``("brand", folder)`` and ``brand_identity``
    the keys when they were made here, DR048)."""

    def __init__(self, where: Where, tasks: TaskManager, parent: QWidget | None = None, *,
                 settings: Settings | None = None, offer_brand: bool = False) -> None:
        super().__init__(translate("CreateVaultDialog", "Create a vault — Twin Studio"), tasks, settings, parent)
        intro = QLabel(self.tr("Twin Studio keeps scans, voice takes and consent in an encrypted vault. "
                               "Choose where it lives and a passphrase. <b>Without the passphrase nobody — "
                               "not even you — can open it.</b>"), self)
        intro.setWordWrap(True)
        self.where = where
        self.place = LocationForm(where, self)
        self.folder = self.place.folder
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
        form.addRow(self.tr("Passphrase"), self.passphrase)
        form.addRow("", self.meter)
        form.addRow("", self.hint)
        form.addRow(self.tr("Repeat"), self.repeat)
        ok = self.buttons.button(QDialogButtonBox.Ok)
        ok.setText(self.tr("Create vault"))
        self.open_other = self._action(self.tr("Open an existing vault…"))
        self.open_other.clicked.connect(lambda: self._choose(lambda where: self._switch("unlock", where)))
        self.explore = self._action(self.tr("Explore a sample vault"))  # DR041: every screen working in a minute
        self.sample = SampleVault(self, self.explore)
        self.brand_identity = None
        self.received = None
        # who needs no vault: a brand a studio sent a package to (DR048), the talent on their own
        # laptop with a review kit (DR052) -- a row of its own, the vault's buttons keep their room
        others = QHBoxLayout()
        others.addWidget(QLabel(self.tr("Not a studio?"), self))
        if offer_brand:
            self.received = QPushButton(self.tr("I received a package…"), self)
            self.received.setAutoDefault(False)
            self.received.setToolTip(self.tr("You are a brand a studio sent a twin package to: open it with your "
                                             "brand's keys, no vault needed"))
            self.received.clicked.connect(self._received)
            others.addWidget(self.received)
        self.talent_button = QPushButton(self.tr("I am the talent: open my review kit…"), self)
        self.talent_button.setAutoDefault(False)
        self.talent_button.setToolTip(self.tr("Open my review kit with my own keys (from `twin-studio talent "
                                              "keygen`): no vault is made"))
        self.talent_button.clicked.connect(self._choose_talent_keys)
        others.addWidget(self.talent_button)
        others.addStretch(1)
        self.open_here = self._action(self.tr("Open this vault"))  # offered when the folder already holds one
        self.open_here.clicked.connect(lambda: self._switch("unlock", self._existing))
        self._existing: Path | None = None
        self.open_here.hide()
        self.place.changed.connect(self._update)
        self.buttons.accepted.connect(self._create)
        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addWidget(self.banner)
        lay.addWidget(self.place)
        lay.addSpacing(8)
        lay.addLayout(form)
        lay.addWidget(self.busy)
        lay.addLayout(others)
        lay.addLayout(self.actions)
        self._update()
        self.passphrase.setFocus()

    def _received(self) -> None:
        from studio.ui.brand_dialogs import BrandIdentityDialog

        chooser = BrandIdentityDialog(self.tasks, self)
        chooser.accepted.connect(lambda: self._brand_chosen(chooser))
        chooser.finished.connect(chooser.deleteLater)
        self.brand_chooser = chooser
        chooser.open()

    def _brand_chosen(self, chooser) -> None:
        self.brand_identity = chooser.identity
        self._switch("brand", chooser.folder)

    def _choose_talent_keys(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("Your keys' folder (from talent keygen)"))
        if folder:
            self._switch("talent", Path(folder))

    def reject(self) -> None:
        self.sample.cancel()  # a sample vault being built stops and leaves nothing behind
        super().reject()

    def _update(self) -> None:
        score, words = strength(self.passphrase.text())
        self.meter.setValue(score)
        same = self.passphrase.text() == self.repeat.text()
        self.hint.setText(words if same or not self.repeat.text() else
                          self.tr("{hint} · the two entries differ").format(hint=words))
        self._look_for_vault()
        self.buttons.button(QDialogButtonBox.Ok).setEnabled(score > 0 and same and self._existing is None)

    def _look_for_vault(self) -> None:
        """A folder that already holds a vault: say so and offer to open it instead."""
        text = self.place.folder.text().strip()
        found = Path(text).expanduser().absolute() if text and not self.place.shared() else None
        existing = found if found is not None and vault_exists(found) else None
        if existing == self._existing:
            return
        self._existing = existing
        self.open_here.setVisible(existing is not None)
        if existing is not None:
            self.banner.show_message(self.tr("{folder} already holds a vault: open it, or choose another folder "
                                             "for a new one.").format(folder=existing), "info")
            grow_to_fit(self)
        elif self.banner.level == "info":
            self.banner.hide()

    def _create(self) -> None:
        passphrase = self.passphrase.text()
        try:
            where = self.place.location()
            check_new_passphrase(passphrase)
            check_can_create_at(where)
        except StudioError as exc:
            self.banner.show_message(str(exc))
            grow_to_fit(self)
            return
        self.banner.hide()
        self.where = where
        self._working(True)
        self.tasks.write(lambda _task: create_vault(where, passphrase), self._open_done, self._open_failed,
                         what=self.tr("Creating the vault"), owner=self)


class UnlockDialog(_VaultDialog):
    def __init__(self, where: Where, tasks: TaskManager, parent: QWidget | None = None, *,
                 settings: Settings | None = None) -> None:
        super().__init__(translate("UnlockDialog", "Unlock the vault — Twin Studio"), tasks, settings, parent)
        self.place = QLabel(self)
        self.place.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.place.setWordWrap(True)
        self.passphrase = QLineEdit(self)
        self.passphrase.setEchoMode(QLineEdit.Password)
        self.passphrase.setAccessibleName(self.tr("Passphrase"))
        self.passphrase.setPlaceholderText(self.tr("Passphrase"))
        self.buttons.button(QDialogButtonBox.Ok).setText(self.tr("Unlock"))
        self.open_other = self._action(self.tr("Open another vault…"))
        self.open_other.clicked.connect(lambda: self._choose(self.set_where))
        self.create_here = self._action(self.tr("Create a vault here…"))
        self.create_here.clicked.connect(lambda: self._switch("create", self.where))
        self.create_here.hide()  # offered when there is no vault where the dialog looked
        self.buttons.accepted.connect(self._unlock)
        lay = QVBoxLayout(self)
        lay.addWidget(self.place)
        lay.addWidget(self.banner)
        lay.addWidget(self.passphrase)
        lay.addWidget(self.busy)
        lay.addLayout(self.actions)
        self.set_where(where)

    @property
    def folder(self) -> Path | None:
        return self.where if isinstance(self.where, Path) else None

    def set_where(self, where: Where) -> None:
        """Unlock the vault at ``where`` from now on (one picked in the chooser)."""
        self.where = where if isinstance(where, SharedLocation) else Path(where)
        label = (self.tr("Shared vault: <code>{where}</code>") if isinstance(where, SharedLocation)
                 else self.tr("Vault: <code>{where}</code>"))
        self.place.setText(label.format(where=_html(describe(self.where))))
        self.banner.hide()
        self.create_here.hide()
        self.passphrase.clear()
        self.passphrase.setFocus()

    def _unlock(self) -> None:
        passphrase = self.passphrase.text()
        if not passphrase:
            self.banner.show_message(self.tr("Enter the vault's passphrase."))
            return
        self.banner.hide()
        self.create_here.hide()
        self._working(True)
        where = self.where
        self.tasks.read(lambda _task: open_vault(where, passphrase), self._open_done, self._wrong,
                        what=self.tr("Unlocking the vault"), owner=self)

    def _wrong(self, exc: BaseException) -> None:
        self._open_failed(exc)
        self.create_here.setVisible(isinstance(exc, VaultNotFound))
        self.passphrase.selectAll()
        self.passphrase.setFocus()


class OpenVaultDialog(QDialog):
    """Another vault: one of the recent vaults, a folder, or a shared vault's URLs. Nothing is
    opened here: the chosen :attr:`location` goes back to the dialog that asked (a folder must
    hold a vault; a shared vault's catalog and store are reached when it is unlocked)."""

    def __init__(self, settings: Settings, where: Where | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Open a vault — Twin Studio"))
        self.setMinimumWidth(560)
        self.settings = settings
        self.location: Where | None = None
        self.banner = Banner(self)
        recent_label = QLabel(self.tr("Recent vaults"), self)
        self.recent = QListWidget(self)
        self.recent.setAccessibleName(self.tr("Recent vaults"))
        self.recent.setMaximumHeight(150)
        self.forget = QPushButton(self.tr("Remove from list"), self)
        self.forget.setEnabled(False)
        self.forget.clicked.connect(self._forget)
        recent_label.setBuddy(self.recent)
        self.place = LocationForm(where, self)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel, self)
        self.buttons.button(QDialogButtonBox.Ok).setText(self.tr("Open"))
        self.buttons.accepted.connect(self._open)
        self.buttons.rejected.connect(self.reject)
        self.recent.currentItemChanged.connect(self._picked)
        self.recent.itemClicked.connect(self._picked)  # the same one again, after the fields were edited
        self.recent.itemActivated.connect(lambda _item: self._open())
        self.place.changed.connect(self.banner.hide)
        forget_row = QHBoxLayout()
        forget_row.addStretch(1)
        forget_row.addWidget(self.forget)
        lay = QVBoxLayout(self)
        lay.addWidget(recent_label)
        lay.addWidget(self.recent)
        lay.addLayout(forget_row)
        lay.addWidget(self.banner)
        lay.addWidget(self.place)
        lay.addStretch(1)
        lay.addWidget(self.buttons)
        self._fill()
        # the vault the asking dialog is on is picked when it is on the list; else the fields have the
        # focus (a list given the focus makes its first item current, and that would fill the fields)
        rows = [self.recent.item(i).data(Qt.UserRole) for i in range(self.recent.count())]
        if where is not None and where in rows:
            self.recent.setCurrentRow(rows.index(where))
        else:
            (self.place.catalog if self.place.shared() else self.place.folder).setFocus()

    def _fill(self) -> None:
        """The recent list, nothing picked: the fields keep what they show until one is."""
        blocked = self.recent.blockSignals(True)  # a list's first item becomes current by itself
        self.recent.clear()
        style = self.style()
        for where in self.settings.recent_vaults():
            shared = isinstance(where, SharedLocation)
            item = QListWidgetItem(style.standardIcon(QStyle.SP_DriveNetIcon if shared else QStyle.SP_DirIcon),
                                   describe(where), self.recent)
            item.setData(Qt.UserRole, where)
            item.setToolTip(self.tr("Shared vault: {where}").format(where=describe(where)) if shared
                            else self.tr("Vault folder: {where}").format(where=describe(where)))
        self.recent.setEnabled(self.recent.count() > 0)
        if not self.recent.count():
            QListWidgetItem(self.tr("None yet: the vaults this computer opens are listed here"), self.recent)
        self.recent.setCurrentRow(-1)
        self.recent.blockSignals(blocked)
        self.forget.setEnabled(False)

    def _picked(self, item: QListWidgetItem | None) -> None:
        where = item.data(Qt.UserRole) if item is not None else None
        self.forget.setEnabled(where is not None)
        if where is not None:
            self.place.set_location(where)

    def _forget(self) -> None:
        item = self.recent.currentItem()
        where = item.data(Qt.UserRole) if item is not None else None
        if where is not None:
            self.settings.forget_vault(where)
            self._fill()

    def _open(self) -> None:
        try:
            where = self.place.location()
        except StudioError as exc:
            self.banner.show_error(exc)
            grow_to_fit(self)
            return
        if isinstance(where, Path) and not vault_exists(where):
            self.banner.show_message(self.tr("There is no vault in {folder}.").format(folder=where))
            grow_to_fit(self)
            return
        self.location = where
        self.accept()


def grow_to_fit(dialog: QDialog) -> None:
    """Make ``dialog`` tall enough for what it now shows (a banner's wrapped lines): Qt does not
    grow a window for a label's height-for-width by itself."""
    lay = dialog.layout()
    lay.activate()
    height = lay.totalHeightForWidth(dialog.width()) if lay.hasHeightForWidth() else lay.totalSizeHint().height()
    if height > dialog.height():
        dialog.resize(dialog.width(), height)


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
