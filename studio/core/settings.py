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

Never secrets: passphrases are not remembered, and the recent vaults (v3) are their folders or
their catalog and store URLs only — an entry carrying a password or other credential is refused
on the way in and dropped on the way out. Qt-free: window geometry and state are the bytes Qt
saves, kept here as base64 text.

Version 4 (issue 15, DR040) adds what the Preferences dialog sets: the vault folder the app
starts on (or offers to create) and the idle minutes before the vault locks (``vaults``), the preview's quality and LOD sizes
(``preview``), the thumbnails held (``library``), the theme and the language (``interface``).
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
from urllib.parse import parse_qsl, urlsplit

from studio.core import paths
from studio.core.errors import InvalidInput
from studio.core.ids import TalentId

log = logging.getLogger(__name__)

SETTINGS_VERSION = 4
SETTINGS_FILE = "settings.json"
VIEW_MODES = ("grid", "list")
RECENT_MAX = 10  # recent vaults kept, newest first
THEMES = ("system", "light", "dark")
AUTO_LOCK_MINUTES = 15         # the default idle time before the vault locks; 0: never
AUTO_LOCK_MAX = 24 * 60
THUMBNAILS_HELD = 256          # decoded thumbnails the library keeps (DR026)
THUMBNAILS_RANGE = (64, 4096)
MOTION_SCALES = (0.25, 0.5, 0.75, 1.0)  # the preview's resolution while it turns, of the full size
LOD_FACES = 100_000            # the coarse preview LOD of a big scan, in triangles (DR024)
LOD_FACES_RANGE = (20_000, 500_000)
LOD_FINE_FACES = 1_000_000     # the fine preview LOD of a very big scan
LOD_FINE_FACES_RANGE = (250_000, 4_000_000)


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
    import_folder: str = ""  # where Import… last took files or a folder from (absolute), or ""
    thumbnails_held: int = THUMBNAILS_HELD  # decoded thumbnails kept in memory, at least (v4)


@dataclass(frozen=True)
class RecentVault:
    """A vault this station opened: a ``folder``, or a shared vault's ``catalog`` and ``store``
    URLs and its store's ``endpoint`` ("": AWS's own) — never a password or key (the catalog's
    password lives in ~/.pgpass, the store's keys in the AWS config)."""

    folder: str = ""
    catalog: str = ""
    store: str = ""
    endpoint: str = ""
    opened: str = ""  # when this station last opened it: UTC, ISO 8601

    @property
    def shared(self) -> bool:
        return bool(self.catalog)

    def key(self) -> tuple[str, str, str, str]:
        """What makes two entries the same vault (when it was opened does not)."""
        return (self.folder, self.catalog, self.store, self.endpoint)


@dataclass
class VaultsSettings:
    recent: list[RecentVault] = field(default_factory=list)  # newest first, at most RECENT_MAX
    location: str = ""   # the vault folder the app starts on (absolute); "": the user data folder's (v4)
    auto_lock_minutes: int = AUTO_LOCK_MINUTES  # idle minutes before the open vault locks; 0: never (v4)


@dataclass
class PreviewSettings:
    """How scans are previewed (v4). The LOD sizes are made at ingest: they apply to scans
    imported after a change, not to those already in the vault."""

    motion_scale: float = 0.5          # the resolution while the preview turns; one of MOTION_SCALES
    lod_faces: int = LOD_FACES         # the coarse LOD's triangles
    lod_fine_faces: int = LOD_FINE_FACES  # the fine LOD's triangles (scans above twice this)


@dataclass
class InterfaceSettings:
    theme: str = "system"   # one of THEMES
    language: str = ""      # "": the system's; else a translation's locale name ("de", "pt_BR")


@dataclass
class Settings:
    window: WindowSettings = field(default_factory=WindowSettings)
    library: LibrarySettings = field(default_factory=LibrarySettings)
    vaults: VaultsSettings = field(default_factory=VaultsSettings)
    preview: PreviewSettings = field(default_factory=PreviewSettings)
    interface: InterfaceSettings = field(default_factory=InterfaceSettings)

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


def recent_vault_problem(entry: RecentVault) -> str | None:
    """Why ``entry`` cannot be kept in the recent list (a credential in a URL, a half-named
    vault …), or None. The full URL checks are the vault's (studio.core.vault.location); this
    is the settings file's own guard that nothing secret is written to it."""
    if not all(isinstance(getattr(entry, f.name), str) for f in fields(entry)):
        return "its values must be text"
    if entry.folder:
        if entry.catalog or entry.store or entry.endpoint:
            return "it names both a folder and a shared vault"
        return None if Path(entry.folder).is_absolute() else f"the folder {entry.folder!r} is not an absolute path"
    if not (entry.catalog and entry.store):
        return "a shared vault needs both its catalog and its store"
    try:
        catalog, store = urlsplit(entry.catalog), urlsplit(entry.store)
        endpoint = urlsplit(entry.endpoint) if entry.endpoint else None
    except ValueError as exc:
        return f"a URL is not valid ({exc})"
    if catalog.scheme != "postgresql" or catalog.password is not None or catalog.fragment:
        return "the catalog must be a postgresql:// URL without a password"
    if any("pass" in name.lower() for name, _ in parse_qsl(catalog.query, keep_blank_values=True)):
        return "the catalog URL must not carry a password option"
    if store.scheme != "s3" or "@" in store.netloc or store.query or store.fragment:
        return "the store must be an s3:// URL naming only a bucket and a prefix"
    if endpoint is not None and (endpoint.scheme not in ("http", "https") or "@" in endpoint.netloc
                                 or endpoint.query or endpoint.fragment):
        return "the endpoint must be an http(s):// URL without credentials"
    return None


def _read_recent(value: Any) -> list[RecentVault]:
    """The stored recent list: entries that are not well-formed, or carry a credential, are
    dropped (each on its own); the same vault twice is kept once, newest first."""
    if not isinstance(value, list):
        return []
    kept: list[RecentVault] = []
    names = {f.name for f in fields(RecentVault)}
    for item in value:
        if not isinstance(item, dict) or not set(item) <= names:
            continue
        entry = RecentVault(**item)
        if recent_vault_problem(entry) is None and all(entry.key() != k.key() for k in kept):
            kept.append(entry)
    return kept[:RECENT_MAX]


def remember_vault(settings: Settings, entry: RecentVault, now: dt.datetime | None = None) -> RecentVault:
    """Put ``entry`` first in the recent list (an earlier entry for the same vault goes), stamped
    with ``now``; the list keeps :data:`RECENT_MAX`. An entry with a credential in it is refused
    (:class:`InvalidInput`) and the list is left as it was."""
    problem = recent_vault_problem(entry)
    if problem:
        raise InvalidInput(f"this vault cannot be remembered: {problem}")
    when = (now or dt.datetime.now(dt.timezone.utc)).astimezone(dt.timezone.utc)
    stamped = RecentVault(entry.folder, entry.catalog, entry.store, entry.endpoint,
                          when.strftime("%Y-%m-%dT%H:%M:%SZ"))
    others = [e for e in settings.vaults.recent if e.key() != entry.key()]
    settings.vaults.recent = [stamped, *others][:RECENT_MAX]
    return stamped


def forget_vault(settings: Settings, entry: RecentVault) -> bool:
    """Take ``entry``'s vault off the recent list; False when it was not on it."""
    before = len(settings.vaults.recent)
    settings.vaults.recent = [e for e in settings.vaults.recent if e.key() != entry.key()]
    return len(settings.vaults.recent) != before


#: Extra checks a value must pass beyond its type; one that fails falls back to its default.
CHECKS: dict[tuple[str, str], Callable[[Any], bool]] = {
    ("window", "geometry"): _is_base64, ("window", "state"): _is_base64, ("window", "splitter"): _is_base64,
    ("library", "view"): lambda v: v in VIEW_MODES, ("library", "last_talent"): _is_talent_id,
    ("library", "import_folder"): lambda v: v == "" or Path(v).is_absolute(),
    ("library", "thumbnails_held"): lambda v: _whole_in(v, THUMBNAILS_RANGE),
    ("vaults", "location"): lambda v: v == "" or Path(v).is_absolute(),
    ("vaults", "auto_lock_minutes"): lambda v: _whole_in(v, (0, AUTO_LOCK_MAX)),
    ("preview", "motion_scale"): lambda v: v in MOTION_SCALES,
    ("preview", "lod_faces"): lambda v: _whole_in(v, LOD_FACES_RANGE),
    ("preview", "lod_fine_faces"): lambda v: _whole_in(v, LOD_FINE_FACES_RANGE),
    ("interface", "theme"): lambda v: v in THEMES,
    ("interface", "language"): lambda v: v == "" or _is_locale_name(v),
}


def _whole_in(value: Any, bounds: tuple[int, int]) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and bounds[0] <= value <= bounds[1]


def _is_locale_name(value: str) -> bool:
    """A locale name as translations are named: ``de``, ``pt_BR``."""
    lang, _, region = value.partition("_")
    return (2 <= len(lang) <= 3 and lang.isascii() and lang.isalpha() and lang.islower()
            and (not region or (region.isascii() and region.isalpha() and region.isupper() and len(region) == 2)))


def check_preferences(settings: Settings) -> None:
    """Every value the Preferences dialog sets, checked as reading checks it: the first that is
    out of range is an :class:`InvalidInput` saying which and what is allowed (nothing is saved)."""
    problems = {
        ("vaults", "location"): "the vault location must be an absolute folder path",
        ("vaults", "auto_lock_minutes"): f"the idle minutes before locking must be a whole number from 0 to {AUTO_LOCK_MAX}",
        ("library", "thumbnails_held"): (f"the thumbnails kept must be a whole number from {THUMBNAILS_RANGE[0]} "
                                         f"to {THUMBNAILS_RANGE[1]}"),
        ("preview", "motion_scale"): f"the preview's quality while turning must be one of {MOTION_SCALES}",
        ("preview", "lod_faces"): (f"the preview LOD must have from {LOD_FACES_RANGE[0]:,} to "
                                   f"{LOD_FACES_RANGE[1]:,} triangles"),
        ("preview", "lod_fine_faces"): (f"the fine preview LOD must have from {LOD_FINE_FACES_RANGE[0]:,} to "
                                        f"{LOD_FINE_FACES_RANGE[1]:,} triangles"),
        ("interface", "theme"): f"the theme must be one of {', '.join(THEMES)}",
        ("interface", "language"): "the language must be the system's or a translation's name (such as de or pt_BR)",
    }
    for (section, name), why in problems.items():
        value = getattr(getattr(settings, section), name)
        if not CHECKS[(section, name)](value):
            raise InvalidInput(f"{why}, not {value!r}")
    if settings.preview.lod_fine_faces <= settings.preview.lod_faces:
        raise InvalidInput("the fine preview LOD must have more triangles than the coarse one")


def vault_folder(settings: Settings) -> Path:
    """The vault the app opens, or offers to create, when it starts with none named: the one in
    ``STUDIO_VAULT`` when that is set, else the chosen location, else the user data folder's."""
    if settings.vaults.location and not os.environ.get("STUDIO_VAULT", "").strip():
        return Path(settings.vaults.location)
    return paths.vault_dir()


def import_start(settings: Settings) -> Path:
    """Where Import… opens: the folder it last took from while that is still a folder, else the
    user's Documents folder (home when there is none), never the process's working folder."""
    remembered = settings.library.import_folder
    if remembered and Path(remembered).is_dir():
        return Path(remembered)
    return paths.documents_dir()


def remember_import(settings: Settings, chosen: list[Path]) -> bool:
    """Remember where an import took ``chosen`` from (the folder holding the first: a file's
    folder, or the folder a chosen folder sits in), for the next Import…; False when nothing
    changed (no paths, or the same place)."""
    if not chosen:
        return False
    where = str(Path(chosen[0]).expanduser().absolute().parent)
    if where == settings.library.import_folder:
        return False
    settings.library.import_folder = where
    return True


# -- migrations: each takes the JSON object of version N and returns that of version N + 1 ----------
def _v1_to_v2(old: dict) -> dict:
    """v1 was the old QSettings file's flat keys (``window/geometry`` …, ``library/talent``)."""
    return {"version": 2,
            "window": {"geometry": old.get("window/geometry", ""), "state": old.get("window/state", ""),
                       "splitter": old.get("window/splitter", "")},
            "library": {"view": old.get("library/view", "grid"), "last_talent": old.get("library/talent", "")}}


def _v2_to_v3(old: dict) -> dict:
    """v3 adds the recent vaults (issue 12): none yet."""
    return {**old, "version": 3, "vaults": {"recent": []}}


def _v3_to_v4(old: dict) -> dict:
    """v4 adds the preferences (issue 15, DR040), each at the value that was built in before, so
    the app behaves as it did until the user changes one; every v3 value is kept as it was."""
    vaults = old.get("vaults") if isinstance(old.get("vaults"), dict) else {}
    library = old.get("library") if isinstance(old.get("library"), dict) else {}
    return {**old, "version": 4,
            "vaults": {**vaults, "location": "", "auto_lock_minutes": AUTO_LOCK_MINUTES},
            "library": {**library, "thumbnails_held": THUMBNAILS_HELD},
            "preview": {"motion_scale": 0.5, "lod_faces": LOD_FACES, "lod_fine_faces": LOD_FINE_FACES},
            "interface": {"theme": "system", "language": ""}}


#: Values read by a function of their own (a list of records): it returns what is kept.
READERS: dict[tuple[str, str], Callable[[Any], Any]] = {("vaults", "recent"): _read_recent}

MIGRATIONS: dict[int, Callable[[dict], dict]] = {1: _v1_to_v2, 2: _v2_to_v3, 3: _v3_to_v4}


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
            reader = READERS.get((section_field.name, f.name))
            if reader is not None:
                setattr(section, f.name, reader(value))
                continue
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
