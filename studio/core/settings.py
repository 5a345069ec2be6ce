"""The app's settings: one typed schema with defaults and a version, kept as JSON in the config
folder (:func:`studio.core.paths.config_dir`, ``STUDIO_CONFIG_DIR``).

- An older file is migrated step by step (v1 → v2 → …), never wiped; its bytes are kept beside
  it as ``settings.v<N>.json`` the first time.
- A file from a newer Twin Studio is refused: the defaults are used and the file is never
  written (``SettingsFile.refused`` says why), so going back to an older version loses nothing.
- A file that is not readable JSON of the expected shape is moved aside to
  ``settings.corrupt-<time>.json`` and the defaults are used; a single value of the wrong type or
  out of range falls back to its own default.
- Writes are atomic (temp file, fsync, rename) and private (0600 where the platform has modes).

Never secrets: passphrases are not remembered. Qt-free: window geometry and state are the bytes
Qt saves, kept here as base64 text.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import logging
import os
import secrets
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Callable

from studio.core import paths
from studio.core.errors import InvalidInput
from studio.core.ids import TalentId

log = logging.getLogger(__name__)

SETTINGS_VERSION = 2
SETTINGS_FILE = "settings.json"
VIEW_MODES = ("grid", "list")


@dataclass
class WindowSettings:
    """The main window's layout, as Qt saved it (base64; empty: Qt's own default)."""

    geometry: str = ""  # QWidget.saveGeometry()
    state: str = ""     # QMainWindow.saveState(): docks and toolbars
    splitter: str = ""  # the library / detail splitter's saveState()


@dataclass
class LibrarySettings:
    view: str = "grid"      # one of VIEW_MODES
    last_talent: str = ""   # the talent id selected when the window closed, or ""


@dataclass
class Settings:
    window: WindowSettings = field(default_factory=WindowSettings)
    library: LibrarySettings = field(default_factory=LibrarySettings)

    def to_json(self) -> dict:
        return {"version": SETTINGS_VERSION, **asdict(self)}


def _is_base64(value: str) -> bool:
    try:
        base64.b64decode(value, validate=True)
        return True
    except (binascii.Error, ValueError):
        return False


def _is_talent_id(value: str) -> bool:
    try:
        return value == "" or TalentId(value) == value
    except InvalidInput:
        return False


#: Extra checks a value must pass beyond its type; one that fails falls back to its default.
CHECKS: dict[tuple[str, str], Callable[[Any], bool]] = {
    ("window", "geometry"): _is_base64, ("window", "state"): _is_base64, ("window", "splitter"): _is_base64,
    ("library", "view"): lambda v: v in VIEW_MODES, ("library", "last_talent"): _is_talent_id,
}


# -- migrations: each takes the JSON object of version N and returns that of version N + 1 ----------
def _v1_to_v2(old: dict) -> dict:
    """v1 was the old QSettings file's flat keys (``window/geometry`` …, ``library/talent``)."""
    return {"version": 2,
            "window": {"geometry": old.get("window/geometry", ""), "state": old.get("window/state", ""),
                       "splitter": old.get("window/splitter", "")},
            "library": {"view": old.get("library/view", "grid"), "last_talent": old.get("library/talent", "")}}


MIGRATIONS: dict[int, Callable[[dict], dict]] = {1: _v1_to_v2}


class Corrupt(ValueError):
    """The file is not a settings file this program can read."""


def migrate(data: dict) -> dict:
    """``data`` (any known version) brought to :data:`SETTINGS_VERSION`, one step at a time."""
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise Corrupt(f"its version is {version!r}, not a whole number from 1 up")
    while version < SETTINGS_VERSION:
        data = MIGRATIONS[version](data)
        if data.get("version") != version + 1:
            raise AssertionError(f"settings migration from v{version} did not give v{version + 1}")
        version += 1
    return data


def from_json(data: dict) -> Settings:
    """A current-version JSON object as settings; a missing, mistyped or invalid value is its default."""
    made = Settings()
    for section_field in fields(Settings):
        section = getattr(made, section_field.name)
        given = data.get(section_field.name)
        if not isinstance(given, dict):
            continue
        for f in fields(section):
            value = given.get(f.name)
            check = CHECKS.get((section_field.name, f.name), lambda v: True)
            if isinstance(value, type(getattr(section, f.name))) and check(value):
                setattr(section, f.name, value)
    return made


def _write_private(path: Path, data: bytes) -> None:
    """Atomically replace ``path`` with ``data``, readable by the user only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".tmp-{secrets.token_hex(8)}-{path.name}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _aside(path: Path, label: str) -> Path:
    """A free name beside ``path`` for a copy labelled ``label``."""
    candidate = path.with_name(f"{path.stem}.{label}{path.suffix}")
    n = 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.stem}.{label}-{n}{path.suffix}")
    return candidate


@dataclass
class SettingsFile:
    """The settings and the file they came from. ``refused`` is why the file is left alone (a
    newer version's); ``notes`` says what happened on opening (migrated, backed up, …)."""

    path: Path
    settings: Settings
    refused: str | None = None
    notes: list[str] = field(default_factory=list)

    @classmethod
    def open(cls, folder: Path | None = None, legacy: Callable[[], dict | None] | None = None) -> SettingsFile:
        """Reads ``settings.json`` in ``folder`` (default: the config folder). When there is none,
        ``legacy`` may supply an older version's JSON object (the old QSettings values), which is
        migrated and saved."""
        path = Path(folder or paths.config_dir()) / SETTINGS_FILE
        if not path.exists():
            old = legacy() if legacy else None
            if not old:
                return cls(path, Settings())
            try:
                made = cls(path, from_json(migrate(old)), notes=[f"imported settings v{old.get('version')}"])
            except (Corrupt, KeyError, TypeError, AttributeError) as exc:
                log.warning("earlier settings not imported: %s", exc)
                return cls(path, Settings())
            made.save()
            return made
        try:
            raw = path.read_bytes()
        except OSError as exc:  # a folder, no permission, …: not ours to move or overwrite
            why = f"{path} cannot be read ({exc.strerror or exc}): the defaults are used and nothing is saved"
            log.warning("%s", why)
            return cls(path, Settings(), refused=why)
        try:
            data = json.loads(raw.decode("utf-8"))
            if not isinstance(data, dict):
                raise Corrupt("it is not a JSON object")
            version = data.get("version")
            if isinstance(version, int) and not isinstance(version, bool) and version > SETTINGS_VERSION:
                why = (f"{path} was written by a newer Twin Studio (settings version {version}; this one "
                       f"reads up to {SETTINGS_VERSION}): it is left as it is and nothing is saved to it")
                log.warning("%s", why)
                return cls(path, Settings(), refused=why)
            current = migrate(data)
        except (UnicodeDecodeError, json.JSONDecodeError, Corrupt, KeyError, TypeError, AttributeError) as exc:
            backup = _aside(path, f"corrupt-{dt.datetime.now(dt.timezone.utc):%Y%m%dT%H%M%SZ}")
            os.replace(path, backup)
            note = f"unreadable settings ({exc}) moved to {backup.name}; the defaults are used"
            log.warning("%s", note)
            return cls(path, Settings(), notes=[note])
        made = cls(path, from_json(current))
        if version != SETTINGS_VERSION:
            backup = path.with_name(f"{path.stem}.v{version}{path.suffix}")
            if not backup.exists():
                _write_private(backup, raw)
            made.notes.append(f"migrated settings v{version} to v{SETTINGS_VERSION} (the old file: {backup.name})")
        return made

    def save(self) -> bool:
        """Writes the settings; False (and nothing written) when the file was refused."""
        if self.refused:
            return False
        text = json.dumps(self.settings.to_json(), indent=2, sort_keys=True) + "\n"
        _write_private(self.path, text.encode("utf-8"))
        return True
