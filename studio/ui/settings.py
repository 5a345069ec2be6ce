"""The app's settings: one typed place, versioned, stored where the platform keeps settings
(``STUDIO_CONFIG_DIR`` overrides it; tests point it at a temporary folder)."""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, QStandardPaths

VERSION = 1


def config_dir() -> Path:
    env = os.environ.get("STUDIO_CONFIG_DIR")
    if env:
        return Path(env).expanduser()
    return Path(QStandardPaths.writableLocation(QStandardPaths.GenericConfigLocation)) / "TwinStudio"


class Settings:
    """Window layout and view choices. Never secrets: passphrases are not remembered."""

    def __init__(self) -> None:
        folder = config_dir()
        folder.mkdir(parents=True, exist_ok=True)
        self._q = QSettings(str(folder / "twin-studio.ini"), QSettings.IniFormat)
        if int(self._q.value("version", 0) or 0) != VERSION:
            self._q.clear()
            self._q.setValue("version", VERSION)

    def _bytes(self, key: str) -> QByteArray | None:
        value = self._q.value(key)
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def window_geometry(self) -> QByteArray | None:
        return self._bytes("window/geometry")

    def window_state(self) -> QByteArray | None:
        return self._bytes("window/state")

    def splitter_state(self) -> QByteArray | None:
        return self._bytes("window/splitter")

    def save_window(self, geometry: QByteArray, state: QByteArray, splitter: QByteArray) -> None:
        self._q.setValue("window/geometry", geometry)
        self._q.setValue("window/state", state)
        self._q.setValue("window/splitter", splitter)

    @property
    def library_view(self) -> str:
        value = str(self._q.value("library/view", "grid"))
        return value if value in ("grid", "list") else "grid"

    @library_view.setter
    def library_view(self, value: str) -> None:
        self._q.setValue("library/view", value)

    @property
    def last_talent(self) -> str:
        return str(self._q.value("library/talent", "") or "")

    @last_talent.setter
    def last_talent(self, value: str) -> None:
        self._q.setValue("library/talent", value)

    def sync(self) -> None:
        self._q.sync()
