"""The settings file: typed defaults, a round trip, older versions migrated (never wiped), a newer
version refused and left as it is, a corrupt file moved aside; and the one paths module with its
STUDIO_* overrides."""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import stat
from pathlib import Path

import pytest

from studio.core import paths
from studio.core.errors import InvalidInput
from studio.core.settings import (RECENT_MAX, SETTINGS_FILE, SETTINGS_VERSION, RecentVault, Settings, SettingsFile,
                                  check_preferences, forget_vault, import_start, vault_folder, remember_import,
                                  remember_vault)

GEOMETRY = base64.b64encode(bytes(range(256))).decode()
TALENT = "tal_0123456789abcdef"
V1 = {"version": 1, "window/geometry": GEOMETRY, "window/state": "AAAA/w==", "window/splitter": "AAEC",
      "library/view": "list", "library/talent": TALENT}


def _kept(s: Settings) -> tuple:
    return (s.window.geometry, s.window.state, s.window.splitter, s.library.view, s.library.last_talent)


def test_when_nothing_was_saved_then_the_defaults_are_used_and_no_file_is_made(tmp_path):
    opened = SettingsFile.open(tmp_path / "config")
    assert opened.settings == Settings() and opened.settings.library.view == "grid"
    assert opened.refused is None and not (tmp_path / "config").exists()


def test_when_settings_are_saved_then_they_read_back_the_same_from_a_private_file(tmp_path):
    opened = SettingsFile.open(tmp_path)
    opened.settings.window.geometry, opened.settings.library.view = GEOMETRY, "list"
    opened.settings.library.last_talent = TALENT
    assert opened.save()

    again = SettingsFile.open(tmp_path)
    assert again.settings == opened.settings and again.notes == []
    on_disk = json.loads((tmp_path / "settings.json").read_text())
    assert on_disk["version"] == SETTINGS_VERSION and on_disk["library"]["view"] == "list"
    assert [p.name for p in tmp_path.iterdir()] == ["settings.json"]  # no temp file left behind
    if os.name == "posix":
        assert stat.S_IMODE((tmp_path / "settings.json").stat().st_mode) == 0o600


def test_when_the_file_is_version_1_then_it_is_migrated_keeping_every_value_and_the_old_bytes(tmp_path):
    old = json.dumps(V1).encode()
    (tmp_path / "settings.json").write_bytes(old)

    opened = SettingsFile.open(tmp_path)

    assert _kept(opened.settings) == (GEOMETRY, "AAAA/w==", "AAEC", "list", TALENT)
    assert opened.refused is None and f"migrated settings v1 to v{SETTINGS_VERSION}" in opened.notes[0]
    assert (tmp_path / "settings.v1.json").read_bytes() == old
    assert opened.save()
    assert json.loads((tmp_path / "settings.json").read_text())["version"] == SETTINGS_VERSION
    assert _kept(SettingsFile.open(tmp_path).settings) == _kept(opened.settings)


def test_when_there_is_no_file_but_earlier_settings_then_they_are_imported_once(tmp_path):
    calls = []

    def earlier():
        calls.append(1)
        return dict(V1)

    opened = SettingsFile.open(tmp_path, legacy=earlier)
    assert _kept(opened.settings) == (GEOMETRY, "AAAA/w==", "AAEC", "list", TALENT)
    assert (tmp_path / "settings.json").is_file()
    again = SettingsFile.open(tmp_path, legacy=earlier)
    assert len(calls) == 1 and _kept(again.settings) == _kept(opened.settings)


def test_when_the_file_is_from_a_newer_version_then_it_is_refused_and_never_overwritten(tmp_path):
    newer = json.dumps({"version": SETTINGS_VERSION + 1, "library": {"view": "list"}, "shiny": True}).encode()
    (tmp_path / "settings.json").write_bytes(newer)

    opened = SettingsFile.open(tmp_path)
    assert opened.settings == Settings()
    assert "newer Twin Studio" in opened.refused and f"version {SETTINGS_VERSION + 1}" in opened.refused
    opened.settings.library.view = "list"
    assert opened.save() is False
    assert (tmp_path / "settings.json").read_bytes() == newer
    assert [p.name for p in tmp_path.iterdir()] == ["settings.json"]


@pytest.mark.parametrize("content", [
    b"{ not json", b"\xff\xfe\x00garbage", b"[1, 2, 3]", b'{"version": "two"}', b'{"version": 0}',
    b'{"version": true}', b"", b'{"window": {}}',
], ids=["not-json", "not-utf8", "a-list", "version-text", "version-0", "version-bool", "empty", "no-version"])
def test_when_the_file_is_corrupt_then_the_defaults_are_used_and_the_file_is_kept_aside(tmp_path, content):
    (tmp_path / "settings.json").write_bytes(content)

    opened = SettingsFile.open(tmp_path)

    assert opened.settings == Settings() and opened.refused is None
    backups = list(tmp_path.glob("settings.corrupt-*.json"))
    assert len(backups) == 1 and backups[0].read_bytes() == content
    assert backups[0].name in opened.notes[0]
    opened.settings.library.view = "list"
    assert opened.save() and SettingsFile.open(tmp_path).settings.library.view == "list"
    assert backups[0].read_bytes() == content


def test_when_single_values_are_wrong_then_only_those_fall_back_to_their_defaults(tmp_path):
    (tmp_path / "settings.json").write_text(json.dumps({
        "version": SETTINGS_VERSION, "window": {"geometry": "not base64!", "state": 7, "splitter": "AAEC"},
        "library": {"view": "mosaic", "last_talent": TALENT}, "unknown": {"x": 1}}))

    s = SettingsFile.open(tmp_path).settings

    assert _kept(s) == ("", "", "AAEC", "grid", TALENT)
    assert list(tmp_path.glob("settings.corrupt-*")) == []


def test_when_the_settings_path_cannot_be_read_then_nothing_is_moved_or_written(tmp_path):
    (tmp_path / "settings.json").mkdir()
    opened = SettingsFile.open(tmp_path)
    assert opened.settings == Settings() and "cannot be read" in opened.refused
    assert opened.save() is False and (tmp_path / "settings.json").is_dir()


def test_when_no_folder_is_given_then_settings_live_in_the_config_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("STUDIO_CONFIG_DIR", str(tmp_path / "elsewhere"))
    opened = SettingsFile.open()
    assert opened.save() and opened.path == tmp_path / "elsewhere" / "settings.json"


def test_when_tests_run_then_every_studio_folder_is_inside_the_tests_tmp_path(tmp_path):
    for folder in (paths.data_dir(), paths.vault_dir(), paths.config_dir(), paths.cache_dir()):
        assert folder.is_relative_to(tmp_path)


def test_when_overrides_are_set_then_each_folder_follows_its_own(tmp_path, monkeypatch):
    for name in paths.OVERRIDES:
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    assert paths.vault_dir() == tmp_path / "studio_vault"
    assert paths.data_dir() == tmp_path / "studio_data_dir"
    assert paths.config_dir() == tmp_path / "studio_config_dir"
    assert paths.cache_dir() == tmp_path / "studio_cache_dir"
    monkeypatch.setenv("STUDIO_VAULT", "  ")  # blank: as if unset
    assert paths.vault_dir() == tmp_path / "studio_data_dir" / "vault"
    monkeypatch.setenv("STUDIO_CONFIG_DIR", "~/twin-config")
    assert paths.config_dir() == Path.home() / "twin-config"


def test_when_no_overrides_are_set_then_the_platform_folders_are_used(tmp_path, monkeypatch):
    for name in paths.OVERRIDES:
        monkeypatch.delenv(name, raising=False)
    for folder in (paths.data_dir(), paths.config_dir(), paths.cache_dir()):
        assert folder.name == paths.APP_NAME or paths.APP_NAME in folder.parts
    assert paths.vault_dir() == paths.data_dir() / "vault"
    assert paths.cache_dir() != paths.config_dir()  # (data and config may be one folder: macOS, Windows)


# -- the recent vaults (v3, issue 12): folders and shared vaults' URLs, never a credential --------

SHARED = RecentVault(catalog="postgresql://studio@db.example.net:5432/twin", store="s3://studio-vaults/main",
                     endpoint="https://s3.example.net")


def test_when_vaults_are_remembered_then_the_newest_is_first_once_and_the_list_is_capped(tmp_path):
    opened = SettingsFile.open(tmp_path)
    folders = [RecentVault(folder=str(tmp_path / f"vault-{i}")) for i in range(RECENT_MAX + 2)]
    for entry in folders:
        remember_vault(opened.settings, entry)
    remember_vault(opened.settings, SHARED, now=dt.datetime(2026, 5, 1, 12, 0, tzinfo=dt.timezone.utc))
    remember_vault(opened.settings, folders[-1])  # opened again: moves to the front, not added twice
    assert opened.save()

    recent = SettingsFile.open(tmp_path).settings.vaults.recent
    assert [e.key() for e in recent] == [e.key() for e in [folders[-1], SHARED, *reversed(folders[-9:-1])]]
    assert len(recent) == RECENT_MAX and recent[1].opened == "2026-05-01T12:00:00Z"
    assert forget_vault(opened.settings, SHARED) and not forget_vault(opened.settings, SHARED)
    assert SHARED.key() not in [e.key() for e in opened.settings.vaults.recent]


@pytest.mark.parametrize("entry", [
    RecentVault(catalog="postgresql://studio:hunter2@db/twin", store="s3://studio-vaults/main"),
    RecentVault(catalog="postgresql://studio@db/twin?password=hunter2", store="s3://studio-vaults/main"),
    RecentVault(catalog="postgresql://studio@db/twin", store="s3://AKIAKEY:hunter2@studio-vaults/main"),
    RecentVault(catalog="postgresql://studio@db/twin", store="s3://studio-vaults/main",
                endpoint="https://AKIAKEY:hunter2@s3.example.net"),
    RecentVault(catalog="postgresql://studio@db/twin"),
    RecentVault(folder="relative/vault"),
    RecentVault(folder="/srv/vault", store="s3://studio-vaults/main"),
], ids=["catalog-password", "catalog-password-option", "store-keys", "endpoint-keys", "no-store", "relative",
        "folder-and-store"])
def test_when_an_entry_carries_a_credential_or_is_half_made_then_it_is_refused_and_dropped(tmp_path, entry):
    opened = SettingsFile.open(tmp_path)
    remember_vault(opened.settings, SHARED)
    with pytest.raises(InvalidInput, match="cannot be remembered"):
        remember_vault(opened.settings, entry)
    assert [e.key() for e in opened.settings.vaults.recent] == [SHARED.key()]

    # written by hand (or by a tool): the bad entry is dropped on reading, the good one kept
    (tmp_path / "settings.json").write_text(json.dumps({
        "version": SETTINGS_VERSION, "vaults": {"recent": [
            {k: v for k, v in vars(entry).items()}, vars(SHARED), {"folder": 7}, "not an entry",
            {"folder": "/srv/vault", "colour": "red"}]}}))
    assert [e.key() for e in SettingsFile.open(tmp_path).settings.vaults.recent] == [SHARED.key()]


def test_when_the_file_is_version_2_then_it_gains_an_empty_recent_list_and_keeps_the_rest(tmp_path):
    v2 = {"version": 2, "window": {"geometry": GEOMETRY, "state": "", "splitter": ""},
          "library": {"view": "list", "last_talent": TALENT}}
    (tmp_path / "settings.json").write_text(json.dumps(v2))
    opened = SettingsFile.open(tmp_path)
    assert _kept(opened.settings) == (GEOMETRY, "", "", "list", TALENT)
    assert opened.settings.vaults.recent == [] and f"migrated settings v2 to v{SETTINGS_VERSION}" in opened.notes[0]
    assert json.loads((tmp_path / "settings.v2.json").read_text()) == v2


# -- where Import… opens (issue 16 item 9): the last place it took from, never the working folder --

def test_when_an_import_is_remembered_then_import_opens_there_until_the_folder_is_gone(tmp_path):
    opened = SettingsFile.open(tmp_path / "config")
    assert import_start(opened.settings) == paths.documents_dir() != Path.cwd()
    session = tmp_path / "captures" / "session-1"
    session.mkdir(parents=True)
    assert remember_import(opened.settings, [session]) and opened.save()
    assert not remember_import(opened.settings, [tmp_path / "captures" / "take.wav"])  # the same place
    assert not remember_import(opened.settings, [])
    again = SettingsFile.open(tmp_path / "config").settings
    assert import_start(again) == tmp_path / "captures"
    session.rmdir()
    (tmp_path / "captures").rmdir()
    assert import_start(again) == paths.documents_dir()


def test_when_the_stored_import_folder_is_not_absolute_then_it_is_dropped(tmp_path):
    (tmp_path / SETTINGS_FILE).write_text(json.dumps(
        {"version": SETTINGS_VERSION, "library": {"view": "list", "import_folder": "relative/place"}}))
    opened = SettingsFile.open(tmp_path)
    assert opened.settings.library.import_folder == "" and opened.settings.library.view == "list"


# -- settings v4: the preferences (issue 15, DR040) ---------------------------------------------

V3 = {"version": 3, "window": {"geometry": GEOMETRY, "state": "AAAA/w==", "splitter": "AAEC"},
      "library": {"view": "list", "last_talent": TALENT, "import_folder": "/srv/captures"},
      "vaults": {"recent": [{"folder": "/srv/vault-a", "catalog": "", "store": "", "endpoint": "",
                             "opened": "2026-11-30T09:00:00Z"},
                            {"folder": "", "catalog": "postgresql://studio@db.example/twins",
                             "store": "s3://twins/main", "endpoint": "https://s3.example:8333",
                             "opened": "2026-11-29T17:30:00Z"}]}}


def _prefs(s: Settings) -> tuple:
    return (s.vaults.location, s.vaults.auto_lock_minutes, s.library.thumbnails_held, s.preview.motion_scale,
            s.preview.lod_faces, s.preview.lod_fine_faces, s.interface.theme, s.interface.language)


DEFAULT_PREFS = ("", 15, 256, 0.5, 100_000, 1_000_000, "system", "")


def test_when_the_file_is_version_3_then_it_becomes_version_4_keeping_every_value(tmp_path):
    (tmp_path / SETTINGS_FILE).write_text(json.dumps(V3))

    opened = SettingsFile.open(tmp_path)

    s = opened.settings
    assert _kept(s) == (GEOMETRY, "AAAA/w==", "AAEC", "list", TALENT) and s.library.import_folder == "/srv/captures"
    assert [vars(e) for e in s.vaults.recent] == V3["vaults"]["recent"]
    assert _prefs(s) == DEFAULT_PREFS  # the new values are what was built in before
    assert "migrated settings v3 to v4" in opened.notes[0]
    assert json.loads((tmp_path / "settings.v3.json").read_text()) == V3
    assert opened.save()
    on_disk = json.loads((tmp_path / SETTINGS_FILE).read_text())
    assert on_disk["version"] == 4 and on_disk["vaults"]["recent"] == V3["vaults"]["recent"]
    assert on_disk["library"]["import_folder"] == "/srv/captures" and on_disk["interface"]["theme"] == "system"


@pytest.mark.parametrize("old", [V1, {"version": 2, "window": V3["window"], "library": {"view": "list",
                                                                                       "last_talent": TALENT}}],
                         ids=["v1", "v2"])
def test_when_an_older_file_is_read_then_it_is_migrated_step_by_step_to_version_4(tmp_path, old):
    (tmp_path / SETTINGS_FILE).write_text(json.dumps(old))
    s = SettingsFile.open(tmp_path).settings
    assert _kept(s) == (GEOMETRY, "AAAA/w==", "AAEC", "list", TALENT)
    assert s.vaults.recent == [] and _prefs(s) == DEFAULT_PREFS


def test_when_preferences_are_saved_then_they_read_back_and_a_bad_one_alone_falls_back(tmp_path):
    opened = SettingsFile.open(tmp_path)
    s = opened.settings
    s.vaults.location, s.vaults.auto_lock_minutes, s.library.thumbnails_held = str(tmp_path / "vaults"), 5, 1024
    s.preview.motion_scale, s.preview.lod_faces, s.preview.lod_fine_faces = 0.75, 50_000, 2_000_000
    s.interface.theme, s.interface.language = "dark", "pt_BR"
    check_preferences(s)
    assert opened.save()
    assert _prefs(SettingsFile.open(tmp_path).settings) == (str(tmp_path / "vaults"), 5, 1024, 0.75, 50_000,
                                                            2_000_000, "dark", "pt_BR")
    data = json.loads((tmp_path / SETTINGS_FILE).read_text())
    data["preview"]["motion_scale"], data["interface"]["theme"] = 0.3, "purple"
    data["vaults"]["auto_lock_minutes"] = True
    (tmp_path / SETTINGS_FILE).write_text(json.dumps(data))
    again = SettingsFile.open(tmp_path).settings
    assert _prefs(again) == (str(tmp_path / "vaults"), 15, 1024, 0.5, 50_000, 2_000_000, "system", "pt_BR")


@pytest.mark.parametrize("section, name, value, words", [
    ("vaults", "auto_lock_minutes", -1, "idle minutes"), ("vaults", "location", "relative/vaults", "absolute"),
    ("library", "thumbnails_held", 10, "thumbnails"), ("preview", "motion_scale", 2.0, "quality"),
    ("preview", "lod_faces", 900_000, "preview LOD"), ("interface", "theme", "purple", "theme"),
    ("interface", "language", "../../etc", "language"), ("preview", "lod_fine_faces", 250_000, "more triangles"),
])
def test_when_a_preference_is_out_of_range_then_the_check_says_which(section, name, value, words):
    s = Settings()
    if name == "lod_fine_faces":
        s.preview.lod_faces = 300_000
    setattr(getattr(s, section), name, value)
    with pytest.raises(InvalidInput, match=words):
        check_preferences(s)


def test_the_app_starts_on_the_chosen_vault_folder_unless_studio_vault_names_one(tmp_path, monkeypatch):
    s = Settings()
    assert vault_folder(s) == paths.vault_dir() == tmp_path / "xdg-data" / "TwinStudio" / "vault"
    s.vaults.location = str(tmp_path / "studio-vault")
    assert vault_folder(s) == tmp_path / "studio-vault"
    monkeypatch.setenv("STUDIO_VAULT", str(tmp_path / "from-env"))
    assert vault_folder(s) == tmp_path / "from-env"
