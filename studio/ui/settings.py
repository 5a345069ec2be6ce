"""The window's view of the app's settings: Qt types over :mod:`studio.core.settings`, which keeps
them typed, versioned and migrated in ``settings.json`` in the config folder (``STUDIO_CONFIG_DIR``
overrides it; tests point it at a temporary folder).

The settings of Twin Studio before that file existed (a QSettings INI file, version 1) are
imported once, when there is no ``settings.json`` yet; the INI file is left as it was."""

from __future__ import annotations

import copy
import os
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, QStandardPaths

from studio.core import settings as core
from studio.core.errors import InvalidInput
from studio.core.settings import RecentVault, SettingsFile
from studio.core.vault.location import SharedLocation, parse_catalog, parse_endpoint, parse_store

LEGACY_INI = "twin-studio.ini"
LEGACY_VERSION = 1
LEGACY_BYTES = ("window/geometry", "window/state", "window/splitter")
LEGACY_TEXT = ("library/view", "library/talent")


def legacy_ini_path() -> Path:
    """Where Twin Studio kept its QSettings file before ``settings.json``."""
    env = os.environ.get("STUDIO_CONFIG_DIR")
    if env:
        return Path(env).expanduser() / LEGACY_INI
    return Path(QStandardPaths.writableLocation(QStandardPaths.GenericConfigLocation)) / "TwinStudio" / LEGACY_INI


def legacy_values(path: Path | None = None) -> dict | None:
    """The old INI file's values as a settings v1 JSON object (Qt's bytes as base64), or None
    when there is no such file or it is not version 1."""
    path = path or legacy_ini_path()
    if not path.is_file():
        return None
    q = QSettings(str(path), QSettings.IniFormat)
    if str(q.value("version", "")) != str(LEGACY_VERSION):
        return None
    data: dict = {"version": LEGACY_VERSION}
    for key in LEGACY_BYTES:
        value = q.value(key)
        if isinstance(value, QByteArray) and not value.isEmpty():
            data[key] = bytes(value.toBase64().data()).decode("ascii")
    for key in LEGACY_TEXT:
        value = q.value(key)
        if isinstance(value, str) and value:
            data[key] = value
    return data


def _to_bytes(text: str) -> QByteArray | None:
    return QByteArray.fromBase64(text.encode("ascii")) if text else None


def _to_text(value: QByteArray) -> str:
    return bytes(value.toBase64().data()).decode("ascii")


class Settings:
    """Window layout, view choices and the recent vaults. Never secrets: passphrases are not
    remembered, nor any credential of a shared vault."""

    def __init__(self, folder: Path | None = None) -> None:
        self._file = SettingsFile.open(folder, legacy=legacy_values)

    @property
    def refused(self) -> str | None:
        """Why the settings file is left alone (one from a newer Twin Studio), or None."""
        return self._file.refused

    def window_geometry(self) -> QByteArray | None:
        return _to_bytes(self._file.settings.window.geometry)

    def window_state(self) -> QByteArray | None:
        return _to_bytes(self._file.settings.window.state)

    def splitter_state(self) -> QByteArray | None:
        return _to_bytes(self._file.settings.window.splitter)

    def save_window(self, geometry: QByteArray, state: QByteArray, splitter: QByteArray) -> None:
        window = self._file.settings.window
        window.geometry, window.state, window.splitter = _to_text(geometry), _to_text(state), _to_text(splitter)

    @property
    def library_view(self) -> str:
        return self._file.settings.library.view

    @library_view.setter
    def library_view(self, value: str) -> None:
        library = self._file.settings.library
        if value in core.VIEW_MODES and value != library.view:
            library.view = value
            self._file.save()

    @property
    def last_talent(self) -> str:
        return self._file.settings.library.last_talent

    @last_talent.setter
    def last_talent(self, value: str) -> None:
        library = self._file.settings.library
        if value != library.last_talent and core.CHECKS[("library", "last_talent")](value):
            library.last_talent = value
            self._file.save()

    def import_start(self) -> Path:
        """Where Import… opens: the last place it took from, else Documents (or home)."""
        return core.import_start(self._file.settings)

    def remember_import(self, chosen: list[Path]) -> None:
        if core.remember_import(self._file.settings, chosen):
            self._file.save()

    # -- recent vaults: folders and shared vaults this station opened, newest first ------------
    def recent_vaults(self) -> list[Path | SharedLocation]:
        """Each one as the location it names (an entry that no longer parses is left out)."""
        found: list[Path | SharedLocation] = []
        for entry in self._file.settings.vaults.recent:
            where = location_of(entry)
            if where is not None:
                found.append(where)
        return found

    def remember_vault(self, where: Path | SharedLocation) -> None:
        """Put ``where`` first on the recent list and save (a URL is stored without credentials:
        :mod:`studio.core.vault.location` refuses one that has them)."""
        core.remember_vault(self._file.settings, entry_of(where))
        self._file.save()

    def forget_vault(self, where: Path | SharedLocation) -> None:
        if core.forget_vault(self._file.settings, entry_of(where)):
            self._file.save()

    # -- preferences (settings v4, DR040) ---------------------------------------------------------
    def values(self) -> core.Settings:
        """A copy of every setting, for the Preferences dialog to edit."""
        return copy.deepcopy(self._file.settings)

    def save_preferences(self, edited: core.Settings) -> bool:
        """Take the preferences from ``edited`` (checked first: :class:`InvalidInput` names the
        value out of range and nothing changes) and save; False when the file is one that is
        never written (from a newer Twin Studio: the values hold for this session)."""
        core.check_preferences(edited)
        mine = self._file.settings
        mine.vaults.location, mine.vaults.auto_lock_minutes = edited.vaults.location, edited.vaults.auto_lock_minutes
        mine.library.thumbnails_held = edited.library.thumbnails_held
        mine.preview = copy.deepcopy(edited.preview)
        mine.interface = copy.deepcopy(edited.interface)
        return self._file.save()

    @property
    def auto_lock_minutes(self) -> int:
        return self._file.settings.vaults.auto_lock_minutes

    @property
    def theme(self) -> str:
        return self._file.settings.interface.theme

    @property
    def language(self) -> str:
        return self._file.settings.interface.language

    @property
    def thumbnails_held(self) -> int:
        return self._file.settings.library.thumbnails_held

    @property
    def motion_scale(self) -> float:
        return self._file.settings.preview.motion_scale

    def lod_sizes(self):
        """The preview LODs' sizes for the next import."""
        from studio.core.ingest.limits import LodSizes

        preview = self._file.settings.preview
        return LodSizes(coarse=preview.lod_faces, fine=preview.lod_fine_faces)

    def vault_folder(self) -> Path:
        """The vault the app starts on when none is named (STUDIO_VAULT, the preference, the default)."""
        return core.vault_folder(self._file.settings)

    def clear_recent_vaults(self) -> None:
        if self._file.settings.vaults.recent:
            self._file.settings.vaults.recent = []
            self._file.save()

    def sync(self) -> None:
        self._file.save()


def entry_of(where: Path | SharedLocation) -> RecentVault:
    if isinstance(where, SharedLocation):
        return RecentVault(catalog=where.catalog, store=where.store, endpoint=where.endpoint or "")
    return RecentVault(folder=str(Path(where).expanduser().absolute()))


def location_of(entry: RecentVault) -> Path | SharedLocation | None:
    if not entry.shared:
        return Path(entry.folder)
    try:
        bucket, prefix = parse_store(entry.store)
        return SharedLocation(parse_catalog(entry.catalog), bucket, prefix, parse_endpoint(entry.endpoint))
    except InvalidInput:
        return None
