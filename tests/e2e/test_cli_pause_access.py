"""`talent pause|resume` and `talent access-export` from the command line (issue 13, DR050): the
talent's passphrase signs; a wrong one changes nothing; `talent list` and `consent list` say what
is paused; exports refuse while paused."""

from __future__ import annotations

import json

import pytest

from studio.core.talents import list_talents
from tests.conftest import CLI, snapshot
from tests.e2e.exporting import make_export_setup


@pytest.fixture
def setup(tmp_path, passphrase_file):
    s = make_export_setup(tmp_path, passphrase_file, vertices=2_000)
    with s.open() as v:
        (t,) = list_talents(v)
    right, wrong = tmp_path / "talent.txt", tmp_path / "wrong.txt"
    right.write_text("the talent's phrase\n")
    wrong.write_text("not the talent's phrase\n")
    return s, CLI(s.root, passphrase_file), t.id, right, wrong


def test_when_the_talent_pauses_from_the_command_line_then_exports_refuse_until_they_resume(setup, tmp_path):
    s, cli, tid, right, wrong = setup
    before = snapshot(s.root)

    refused = cli("talent", "pause", tid, "--talent-passphrase-file", str(wrong))
    assert refused.returncode != 0 and "wrong passphrase" in refused.stderr
    assert snapshot(s.root) == before and "paused" not in cli("talent", "list", check=True).stdout

    paused = cli("talent", "pause", tid, "--talent-passphrase-file", str(right), "--json", check=True)
    assert "packages already delivered are not affected" in paused.stderr
    (listed,) = cli.json("talent", "list")
    assert [p["grant"] for p in listed["exports_paused"]] == [None]
    assert f"exports paused since {listed['exports_paused'][0]['since']}" in cli("talent", "list", check=True).stdout
    (grant,) = cli.json("consent", "list", "--talent", tid)
    assert grant["paused_since"] == listed["exports_paused"][0]["since"]
    assert "paused since" in cli("consent", "list", check=True).stdout

    again = cli("talent", "pause", tid, "--talent-passphrase-file", str(right))
    assert again.returncode != 0 and "already paused" in again.stderr
    export = cli.run(*s.cmd[3:], "--out", str(tmp_path / "p.twinpkg"))
    assert export.returncode != 0 and f"talent {tid}'s likeness are paused by the talent since" in export.stderr
    assert not (tmp_path / "p.twinpkg").exists()

    not_resumed = cli("talent", "resume", tid, "--talent-passphrase-file", str(wrong))
    assert not_resumed.returncode != 0 and "wrong passphrase" in not_resumed.stderr
    assert cli.json("talent", "list")[0]["exports_paused"] != []
    cli("talent", "resume", tid, "--talent-passphrase-file", str(right), check=True)
    assert cli.json("talent", "list")[0]["exports_paused"] == []
    cli.run(*s.cmd[3:], "--out", str(tmp_path / "p.twinpkg"), check=True)
    assert (tmp_path / "p.twinpkg").is_file()


def test_when_one_grant_is_paused_from_the_command_line_then_only_it_is_shown_paused(setup):
    s, cli, tid, right, wrong = setup
    cli("talent", "pause", tid, "--grant", s.grant_id, "--talent-passphrase-file", str(right), check=True)
    assert cli.json("talent", "list")[0]["exports_paused"][0]["grant"] == s.grant_id
    nothing = cli("talent", "resume", tid, "--talent-passphrase-file", str(right))
    assert nothing.returncode != 0 and "not paused" in nothing.stderr
    cli("talent", "resume", tid, "--grant", s.grant_id, "--talent-passphrase-file", str(right), check=True)


def test_when_the_studio_makes_an_access_copy_from_the_command_line_then_only_the_talent_opens_it(setup, tmp_path):
    import io
    import tarfile

    import pyrage

    s, cli, tid, right, wrong = setup
    me = pyrage.x25519.Identity.generate()
    out = tmp_path / "copy.tar.age"
    missing = cli("talent", "access-export", tid, "--out", str(out))
    assert missing.returncode != 0 and "--recipient" in missing.stderr and not out.exists()

    done = cli("talent", "access-export", tid, "--out", str(out), "--recipient", str(me.to_public()), "--json",
               check=True)

    report = json.loads(done.stdout)
    with tarfile.open(fileobj=io.BytesIO(pyrage.decrypt(out.read_bytes(), [me])), mode="r:") as tar:
        names = tar.getnames()
    assert set(report["files"]) | {"SHA256SUMS"} == set(names) and "README.txt" in names
    with pytest.raises(pyrage.DecryptError):
        pyrage.decrypt(out.read_bytes(), [pyrage.x25519.Identity.generate()])
