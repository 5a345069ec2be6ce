"""Edit ▸ Preferences… (Ctrl+,): the settings a studio sets once for its workstation, over the one
typed settings file (:mod:`studio.core.settings`, v4, DR040).

What applies at once: the theme, the idle minutes before the vault locks, the thumbnails kept,
the preview's quality while turning. The LOD sizes apply to scans imported from then on; the
language and the folder for new vaults when Twin Studio next starts (each says so beside it).
A value out of range is an inline banner and nothing is saved."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QGroupBox,
                               QHBoxLayout, QLabel, QLineEdit, QPushButton, QSpinBox, QVBoxLayout, QWidget)

from studio.core import settings as core
from studio.core.errors import StudioError
from studio.ui.banner import Banner
from studio.ui.languages import available_languages, language_name
from studio.ui.settings import Settings
from studio.ui.vault_dialogs import grow_to_fit


def _short(path: Path) -> str:
    """``path`` with the home folder as ~ (as a file manager shows it)."""
    try:
        return str(Path("~") / path.relative_to(Path.home()))
    except ValueError:
        return str(path)


def _note(text: str, parent: QWidget) -> QLabel:
    label = QLabel(text, parent)
    label.setWordWrap(True)
    label.setEnabled(False)  # drawn as a quiet hint
    return label


class PreferencesDialog(QDialog):
    """``applied`` is emitted once the preferences are saved (the window applies them)."""

    applied = Signal()

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Preferences — Twin Studio"))
        self.setMinimumWidth(600)
        self.settings = settings
        values = settings.values()
        self.banner = Banner(self)

        # -- vaults
        self.location = QLineEdit(values.vaults.location, self)
        self.location.setPlaceholderText(_short(core.paths.vault_dir()))  # blank: the user data folder's
        self.location.setAccessibleName(self.tr("Vault folder"))
        browse = QPushButton(self.tr("Browse…"), self)
        browse.setAutoDefault(False)
        browse.clicked.connect(self._browse)
        where = QHBoxLayout()
        where.addWidget(self.location, 1)
        where.addWidget(browse)
        self.auto_lock = QSpinBox(self)
        self.auto_lock.setRange(0, core.AUTO_LOCK_MAX)
        self.auto_lock.setSuffix(self.tr(" min"))
        self.auto_lock.setSpecialValueText(self.tr("Never"))
        self.auto_lock.setValue(values.vaults.auto_lock_minutes)
        self.auto_lock.setAccessibleName(self.tr("Lock the vault after this many idle minutes"))
        vaults = QGroupBox(self.tr("Vaults"), self)
        vaults_form = QFormLayout(vaults)
        vaults_form.addRow(self.tr("Vault folder"), where)
        vaults_form.addRow("", _note(self.tr("The vault Twin Studio opens, or offers to create, when it starts "
                                             "(blank: the one in your user data folder). From the next start."),
                                     vaults))
        vaults_form.addRow(self.tr("Lock when idle for"), self.auto_lock)
        vaults_form.addRow("", _note(self.tr("No key press or mouse use for this long locks the vault, as "
                                             "File ▸ Lock Vault (Ctrl+L) does."), vaults))

        # -- preview and library
        self.motion_scale = QComboBox(self)
        for scale in core.MOTION_SCALES:
            self.motion_scale.addItem(self.tr("{percent}% of full resolution").format(percent=round(scale * 100)),
                                      scale)
        self.motion_scale.setCurrentIndex(max(0, self.motion_scale.findData(values.preview.motion_scale)))
        self.lod_faces = self._faces(core.LOD_FACES_RANGE, values.preview.lod_faces,
                                     self.tr("Triangles of the preview LOD"))
        self.lod_fine_faces = self._faces(core.LOD_FINE_FACES_RANGE, values.preview.lod_fine_faces,
                                          self.tr("Triangles of the fine preview LOD"))
        self.thumbnails = QSpinBox(self)
        self.thumbnails.setRange(*core.THUMBNAILS_RANGE)
        self.thumbnails.setSingleStep(64)
        self.thumbnails.setValue(values.library.thumbnails_held)
        self.thumbnails.setAccessibleName(self.tr("Thumbnails kept in memory"))
        preview = QGroupBox(self.tr("Preview and library"), self)
        preview_form = QFormLayout(preview)
        preview_form.addRow(self.tr("Quality while turning"), self.motion_scale)
        preview_form.addRow(self.tr("Preview LOD"), self.lod_faces)
        preview_form.addRow(self.tr("Fine preview LOD"), self.lod_fine_faces)
        preview_form.addRow("", _note(self.tr("The LOD sizes apply to scans imported from now on; scans "
                                              "already in the vault keep theirs."), preview))
        preview_form.addRow(self.tr("Thumbnails kept in memory"), self.thumbnails)

        # -- appearance
        self.theme = QComboBox(self)
        for key, label in (("system", self.tr("As the system")), ("light", self.tr("Light")),
                           ("dark", self.tr("Dark"))):
            self.theme.addItem(label, key)
        self.theme.setCurrentIndex(max(0, self.theme.findData(values.interface.theme)))
        self.language = QComboBox(self)
        self.language.addItem(self.tr("As the system"), "")
        for name in available_languages():
            self.language.addItem(language_name(name), name)
        if values.interface.language and self.language.findData(values.interface.language) < 0:
            self.language.addItem(values.interface.language, values.interface.language)  # chosen, since removed
        self.language.setCurrentIndex(max(0, self.language.findData(values.interface.language)))
        appearance = QGroupBox(self.tr("Appearance"), self)
        appearance_form = QFormLayout(appearance)
        appearance_form.addRow(self.tr("Theme"), self.theme)
        appearance_form.addRow(self.tr("Language"), self.language)
        appearance_form.addRow("", _note(self.tr("A new language shows when Twin Studio next starts."), appearance))

        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel
                                        | QDialogButtonBox.RestoreDefaults, self)
        self.buttons.accepted.connect(self._save)
        self.buttons.rejected.connect(self.reject)
        self.buttons.button(QDialogButtonBox.RestoreDefaults).clicked.connect(self._defaults)
        lay = QVBoxLayout(self)
        lay.addWidget(self.banner)
        if settings.refused:
            self.banner.show_message(self.tr("These preferences hold until Twin Studio closes: the settings file "
                                             "is from a newer Twin Studio and is left as it is."), "warning")
        lay.addWidget(vaults)
        lay.addWidget(preview)
        lay.addWidget(appearance)
        lay.addWidget(self.buttons)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        grow_to_fit(self)  # the notes' wrapped lines: Qt does not count them in the first size

    def _faces(self, bounds: tuple[int, int], value: int, name: str) -> QSpinBox:
        box = QSpinBox(self)
        box.setRange(*bounds)
        box.setSingleStep(10_000 if bounds[1] <= 1_000_000 else 250_000)
        box.setGroupSeparatorShown(True)
        box.setSuffix(self.tr(" triangles"))
        box.setValue(value)
        box.setAccessibleName(name)
        return box

    def _browse(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, self.tr("Vault folder"),
                                                  self.location.text() or str(self.settings.vault_folder()))
        if chosen:
            self.location.setText(chosen)

    def _defaults(self) -> None:
        made = core.Settings()
        self.location.clear()
        self.auto_lock.setValue(made.vaults.auto_lock_minutes)
        self.motion_scale.setCurrentIndex(self.motion_scale.findData(made.preview.motion_scale))
        self.lod_faces.setValue(made.preview.lod_faces)
        self.lod_fine_faces.setValue(made.preview.lod_fine_faces)
        self.thumbnails.setValue(made.library.thumbnails_held)
        self.theme.setCurrentIndex(self.theme.findData(made.interface.theme))
        self.language.setCurrentIndex(self.language.findData(made.interface.language))

    def edited(self):
        """Every setting, with the dialog's values in place of the preferences."""
        values = self.settings.values()
        values.vaults.location = self.location.text().strip()
        values.vaults.auto_lock_minutes = self.auto_lock.value()
        values.preview.motion_scale = self.motion_scale.currentData()
        values.preview.lod_faces = self.lod_faces.value()
        values.preview.lod_fine_faces = self.lod_fine_faces.value()
        values.library.thumbnails_held = self.thumbnails.value()
        values.interface.theme = self.theme.currentData()
        values.interface.language = self.language.currentData()
        return values

    def _save(self) -> None:
        try:
            self.settings.save_preferences(self.edited())
        except StudioError as exc:
            self.banner.show_error(exc)
            return
        except OSError as exc:  # the config folder cannot be written: said, and the dialog stays
            self.banner.show_message(self.tr("The preferences could not be saved: {reason}").format(
                reason=exc.strerror or exc))
            return
        self.applied.emit()
        self.accept()
