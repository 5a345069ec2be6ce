"""The `twin-studio` command as scripts use it: ids on the last line, --json, exit codes, one-line errors."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import PASSPHRASE, TESTDATA

SCAN = TESTDATA / "scans" / "stanford-bunny_zipper_res2.ply"
VOICE = TESTDATA / "voice" / "cmu_arctic_us_axb_a0005.wav"
BROKEN = TESTDATA / "malformed" / "assimp" / "invalid" / "OutOfMemory.off"


def _no_traceback(proc) -> None:
    assert "Traceback" not in proc.stderr, proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr


@pytest.fixture
def studio(cli):
    """A vault made through the CLI, with one talent."""
    proc = cli("init", check=True)
    assert proc.stdout.strip().splitlines()[-1].startswith("vlt_")
    talent = cli("talent", "add", "--name", "Mina Okafor", "--agency", "Lagos Faces", check=True)
    return cli, talent.stdout.strip().splitlines()[-1]


def test_when_a_studio_ingests_real_files_then_json_results_and_metrics_are_reported(studio, tmp_path):
    cli, talent = studio
    assert talent.startswith("tal_")
    proc = cli("ingest", "--talent", talent, str(SCAN), str(VOICE), str(BROKEN), "--json")
    assert proc.returncode == 1, proc.stderr  # one file rejected, the others kept
    results = {Path(r["path"]).name: r for r in json.loads(proc.stdout)}
    assert set(results) == {SCAN.name, VOICE.name, BROKEN.name}
    for r in results.values():
        assert set(r) >= {"path", "status", "asset_id", "reason"}
    assert results[SCAN.name]["status"] == "ingested" and results[VOICE.name]["status"] == "ingested"
    assert results[BROKEN.name]["status"] == "rejected" and results[BROKEN.name]["asset_id"] is None
    assert "declares 353,535,235,358 vertices" in results[BROKEN.name]["reason"]

    listed = cli.json("assets", "list", "--talent", talent)
    assert {a["id"] for a in listed} == {results[SCAN.name]["asset_id"], results[VOICE.name]["asset_id"]}

    mesh = cli.json("assets", "show", results[SCAN.name]["asset_id"])
    for key in ("id", "talent_id", "kind", "sha256", "size", "original_name", "format", "status", "warnings", "metrics"):
        assert key in mesh
    assert mesh["kind"] == "mesh" and mesh["status"] == "pending_review" and mesh["talent_id"] == talent
    assert mesh["sha256"] == hashlib.sha256(SCAN.read_bytes()).hexdigest() and mesh["size"] == SCAN.stat().st_size
    assert mesh["original_name"] == SCAN.name
    for key in ("vertices", "faces", "bbox_m", "height_m", "watertight", "has_colors", "has_texture"):
        assert key in mesh["metrics"]

    voice = cli.json("assets", "show", results[VOICE.name]["asset_id"])
    assert voice["kind"] == "voice"
    for key in ("duration_s", "sample_rate", "channels", "bit_depth", "peak_dbfs", "rms_dbfs", "clipping_ratio", "snr_db"):
        assert key in voice["metrics"]

    # the originals come back byte for byte
    out = tmp_path / "back.ply"
    cli("assets", "extract", mesh["id"], "--out", str(out), check=True)
    assert out.read_bytes() == SCAN.read_bytes()
    again = cli("assets", "extract", mesh["id"], "--out", str(out))
    assert again.returncode != 0 and "already exists" in again.stderr
    _no_traceback(again)

    # re-ingesting the same content creates nothing
    before = cli.json("audit", "list")
    dup = cli("ingest", "--talent", talent, str(SCAN), "--json")
    assert dup.returncode == 0
    (r,) = json.loads(dup.stdout)
    assert r["status"] == "duplicate" and r["asset_id"] == mesh["id"]
    assert cli.json("audit", "list") == before

    check = cli("check")
    assert check.returncode == 0 and "consistent" in check.stdout


def test_when_json_is_asked_then_creating_commands_print_an_id_object(cli):
    made = json.loads(cli("init", "--json", check=True).stdout)
    assert made["id"].startswith("vlt_")
    added = json.loads(cli("talent", "add", "--name", "Ana", "--json", check=True).stdout)
    assert added["id"].startswith("tal_")
    talents = cli.json("talent", "list")
    assert [t["id"] for t in talents] == [added["id"]] and talents[0]["name"] == "Ana"


def test_when_environment_names_vault_and_passphrase_then_no_options_are_needed(tmp_path, cli):
    env = {"STUDIO_VAULT": str(tmp_path / "envvault"), "STUDIO_PASSPHRASE": PASSPHRASE}
    assert cli.run("init", env=env).returncode == 0
    assert (tmp_path / "envvault" / "twin-vault.json").is_file()
    proc = cli.run("talent", "add", "--name", "Env Person", env=env)
    assert proc.returncode == 0 and proc.stdout.strip().startswith("tal_")


def test_when_the_default_vault_is_used_then_it_lives_in_the_user_data_folder(tmp_path, cli):
    env = {"STUDIO_PASSPHRASE": PASSPHRASE}
    assert cli.run("init", env=env).returncode == 0
    made = list((tmp_path / "xdg-data").rglob("twin-vault.json"))
    assert len(made) == 1 and "TwinStudio" in str(made[0])


@pytest.mark.parametrize("args, message", [
    (("talent", "list"), "no passphrase given"),
    (("assets", "show", "not-an-id"), "not an asset id"),
    (("assets", "show", "ast_0123456789abcdef"), "no asset ast_0123456789abcdef"),
    (("ingest", "--talent", "tal_0123456789abcdef", "x.ply"), "no talent tal_0123456789abcdef"),
])
def test_when_a_user_error_happens_then_one_line_and_nonzero_exit(studio, args, message):
    cli, _ = studio
    proc = cli.run(*args, "--vault", str(cli.vault)) if args == ("talent", "list") else cli(*args)
    assert proc.returncode != 0
    assert message in proc.stderr
    _no_traceback(proc)


def test_when_the_passphrase_is_wrong_or_the_vault_missing_then_one_line(studio, tmp_path):
    cli, _ = studio
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("definitely wrong")
    proc = cli.run("talent", "list", "--vault", str(cli.vault), "--passphrase-file", str(wrong))
    assert proc.returncode != 0 and "wrong passphrase" in proc.stderr
    _no_traceback(proc)
    proc = cli.run("talent", "list", "--vault", str(tmp_path / "nowhere"), "--passphrase-file", str(wrong))
    assert proc.returncode != 0 and "no vault" in proc.stderr
    _no_traceback(proc)


def test_when_init_targets_a_nonempty_folder_then_it_refuses_and_leaves_it(cli, tmp_path):
    folder = tmp_path / "occupied"
    folder.mkdir()
    (folder / "keep.txt").write_text("mine")
    proc = cli.run("init", "--vault", str(folder), "--passphrase-file", str(cli.passphrase_file))
    assert proc.returncode != 0 and "non-empty" in proc.stderr
    assert [p.name for p in folder.iterdir()] == ["keep.txt"]


def test_when_a_studio_renders_a_scan_then_a_png_of_the_asked_size_is_written(studio, tmp_path):
    from PIL import Image

    cli, talent = studio
    (r,) = json.loads(cli("ingest", "--talent", talent, str(SCAN), "--json", check=True).stdout)
    out = tmp_path / "sheet-side.png"
    proc = cli("render", r["asset_id"], "--out", str(out), "--size", "320x240", "--view", "side")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == str(out)
    with Image.open(out) as im:
        assert im.size == (320, 240)
        assert len(np.unique(np.asarray(im.convert("L")))) > 20  # shaded, not blank
    again = cli("render", r["asset_id"], "--out", str(out))
    assert again.returncode != 0 and "already exists" in again.stderr
    _no_traceback(again)
