"""The window's settings over the core's settings file: the old QSettings file is imported once,
and a settings file from a newer Twin Studio is left exactly as it was."""

from __future__ import annotations

import json
import os
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from studio.core.settings import SETTINGS_VERSION
from studio.ui.settings import Settings

TALENT = "tal_0123456789abcdef"


def _config() -> Path:
    return Path(os.environ["STUDIO_CONFIG_DIR"])


def _old_ini(version: int) -> Path:
    path = _config() / "twin-studio.ini"
    q = QSettings(str(path), QSettings.IniFormat)
    q.setValue("version", version)
    q.setValue("window/geometry", QByteArray(bytes(range(40))))
    q.setValue("window/splitter", QByteArray(b"\x00\xff\x00\xff"))
    q.setValue("library/view", "list")
    q.setValue("library/talent", TALENT)
    q.sync()
    return path


def test_when_the_old_settings_file_exists_then_its_values_are_imported_once():
    ini = _old_ini(1)
    before = ini.read_bytes()

    settings = Settings()

    assert settings.window_geometry() == QByteArray(bytes(range(40)))
    assert settings.splitter_state() == QByteArray(b"\x00\xff\x00\xff") and settings.window_state() is None
    assert settings.library_view == "list" and settings.last_talent == TALENT
    assert json.loads((_config() / "settings.json").read_text())["version"] == SETTINGS_VERSION
    assert ini.read_bytes() == before
    settings.library_view = "grid"
    assert Settings().library_view == "grid"  # settings.json wins over the old file from now on


def test_when_the_old_settings_file_is_of_another_version_then_it_is_not_imported():
    _old_ini(7)
    settings = Settings()
    assert settings.window_geometry() is None and settings.library_view == "grid" and settings.last_talent == ""


def test_when_settings_are_from_a_newer_version_then_the_window_opens_and_closing_keeps_the_file(make_window):
    path = _config() / "settings.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    newer = json.dumps({"version": SETTINGS_VERSION + 1, "library": {"view": "list"}}).encode()
    path.write_bytes(newer)

    window = make_window()
    assert window.settings.refused and window.library.view_mode == "grid"
    window.set_library_view("list")
    window.close()

    assert path.read_bytes() == newer
