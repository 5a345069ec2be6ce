"""`talent request-erasure|erase|erasure-receipt` and `receipt verify` of an erasure receipt from the
command line, as processes (issue 13, DR055): refused without the talent's signed request or a
confirmation; afterwards the files of a backup put back are strays no key opens, `check` is clean,
a re-run removes them, and the receipt verifies with the studio key."""

from __future__ import annotations

import json
import shutil

from studio.core.talents import list_talents
from tests.conftest import CLI, snapshot
from tests.e2e.exporting import make_export_setup


def test_when_the_talent_asks_and_the_studio_erases_then_backups_are_strays_and_the_receipt_verifies(
        tmp_path, passphrase_file):
    s = make_export_setup(tmp_path, passphrase_file, vertices=2_000)
    with s.open() as v:
        (t,) = list_talents(v)
    tid, right = t.id, tmp_path / "talent.txt"
    right.write_text("the talent's phrase\n")
    cli = CLI(s.root, passphrase_file)
    cli.run(*s.cmd[3:], "--out", str(tmp_path / "delivered.twinpkg"), check=True)
    before = snapshot(s.root)

    refused = cli("talent", "erase", tid, "--yes")
    assert refused.returncode == 1 and "has not asked for erasure" in refused.stderr
    assert snapshot(s.root) == before

    at_once = cli("talent", "erase", tid, "--talent-passphrase-file", str(right), stdin="")  # no --yes, no terminal
    assert at_once.returncode != 0 and "add --yes to confirm" in at_once.stderr
    cli("talent", "request-erasure", tid, "--talent-passphrase-file", str(right), check=True)
    backup = tmp_path / "backup"
    for store in ("blobs", "derived"):
        shutil.copytree(s.root / store, backup / store)
    unconfirmed = cli("talent", "erase", tid, "--receipt", str(tmp_path / "r.json"), stdin="")
    assert unconfirmed.returncode != 0 and "add --yes to confirm" in unconfirmed.stderr
    assert "already delivered: 1 package(s)" in unconfirmed.stderr and not (tmp_path / "r.json").exists()

    done = cli.json("talent", "erase", tid, "--yes", "--receipt", str(tmp_path / "r.json"))

    assert done["removed"] > 0 and not done["already"]
    cli("studio-key", "export", "--out", str(tmp_path / "studio.pem"), check=True)
    verified = cli.run("receipt", "verify", str(tmp_path / "r.json"), "--studio-key", str(tmp_path / "studio.pem"),
                       check=True)
    assert f"erasure of talent {tid}" in verified.stdout and "delivered before: package" in verified.stdout
    assert "links since your last kit: from event" in verified.stdout and "WARNING" not in verified.stderr
    receipt = json.loads((tmp_path / "r.json").read_text())
    cli("talent", "erasure-receipt", tid, "--out", str(tmp_path / "again.json"), check=True)
    assert json.loads((tmp_path / "again.json").read_text())["destroyed"] == receipt["destroyed"]

    for store in ("blobs", "derived"):  # the backup put back
        shutil.copytree(backup / store, s.root / store, dirs_exist_ok=True)
    checked = cli.json("check")
    assert checked["ok"], checked["problems"]
    assert len([n for n in checked["notes"] if "of an erased talent: no key" in n]) == done["removed"]
    again = cli.json("talent", "erase", tid, "--yes")
    assert again["already"] and again["removed"] == done["removed"]
    checked = cli.json("check")
    assert checked["ok"] and not [n for n in checked["notes"] if "erased talent" in n]
