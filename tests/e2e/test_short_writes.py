"""The writer lock is held only to commit (DR025): while one `twin-studio ingest` is provably past
its analysis, hashing and encryption but not yet committing (held at the test point
``ingest.staged``), a second command takes the lock without waiting at all
(``STUDIO_LOCK_TIMEOUT=0``), its clean-up leaves the paused writer's staged files alone, and the
paused ingest then finishes. A writer killed at that point leaves staged files that `check`
notes and the next write removes. Two ingests of the same file make one asset."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from studio.core.assets import list_assets
from studio.core.check import check_vault
from tests.conftest import REPO, TESTDATA

pytestmark = pytest.mark.skipif(os.name == "nt", reason="the paused process is stopped with SIGKILL")

VOICE_A = TESTDATA / "voice" / "vctk_p225_001.wav"
VOICE_B = TESTDATA / "voice" / "vctk_p226_001.wav"
WAIT = 300  # seconds a step may take on a very busy machine before the test gives up


class Paused:
    """A `twin-studio` command (by default `ingest`) held at a test point until :meth:`go`."""

    def __init__(self, cli, talent_id: str, path: Path | None, folder: Path, point: str = "ingest.staged",
                 kill: bool = False, args: tuple[str, ...] | None = None) -> None:
        self.folder, self.point = folder, point
        folder.mkdir(exist_ok=True)
        env = {**os.environ, ("STUDIO_TEST_KILL_AT" if kill else "STUDIO_TEST_PAUSE_AT"):
               point if kill else f"{point}={folder}"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "studio.cli", *(args or ("ingest", "--talent", talent_id, str(path))),
             "--vault", str(cli.vault), "--passphrase-file", str(cli.passphrase_file)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=REPO)

    def wait_reached(self) -> None:
        deadline = time.monotonic() + WAIT
        reached = self.folder / f"{self.point}.reached"
        while not reached.exists():
            assert self.proc.poll() is None, f"the ingest ended before {self.point}: {self.proc.communicate()}"
            assert time.monotonic() < deadline, f"the ingest never reached {self.point}"
            time.sleep(0.02)

    def go(self) -> tuple[int, str, str]:
        (self.folder / f"{self.point}.go").touch()
        out, err = self.proc.communicate(timeout=WAIT)
        return self.proc.returncode, out, err

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.communicate()


@pytest.fixture
def paused(cli, talent, tmp_path):
    made: list[Paused] = []

    def start(path: Path | None, **kw) -> Paused:
        p = Paused(cli, talent.id, path, tmp_path / f"points{len(made)}", **kw)
        made.append(p)
        return p

    yield start
    for p in made:
        p.stop()


def _staged(root: Path) -> list[Path]:
    return sorted(p for p in (root / "staging").rglob("*") if p.is_file() and not p.name.endswith(".owner"))


def test_when_an_ingest_is_past_its_analysis_then_another_command_writes_without_waiting_and_both_land(
        new_vault, talent, cli, paused):
    a = paused(VOICE_A)
    a.wait_reached()
    staged = _staged(new_vault.root)
    assert staged, "the paused ingest has staged (hashed, encrypted) its files before taking the lock"

    b = cli("ingest", "--talent", talent.id, str(VOICE_B), env={"STUDIO_LOCK_TIMEOUT": "0"})
    assert b.returncode == 0, b.stderr  # the lock was free: it is not held during analysis or staging
    assert b.stdout.startswith("ingested")
    assert _staged(new_vault.root) == staged  # its clean-up left the live writer's staged files alone

    code, out, err = a.go()
    assert code == 0, err
    assert out.startswith("ingested")
    assert len(list_assets(new_vault)) == 2
    rep = check_vault(new_vault)
    assert rep.ok and not rep.notes, (rep.problems, rep.notes)
    assert _staged(new_vault.root) == [] and not list((new_vault.root / "staging").iterdir())


def test_when_the_same_file_is_ingested_twice_at_once_then_one_asset_and_the_later_says_already_in_the_vault(
        new_vault, talent, cli, paused):
    a = paused(VOICE_A)
    a.wait_reached()  # staged, and found not to be in the vault yet
    b = cli("ingest", "--talent", talent.id, str(VOICE_A), "--json", env={"STUDIO_LOCK_TIMEOUT": "0"})
    assert b.returncode == 0, b.stderr
    (asset,) = list_assets(new_vault)

    code, out, err = a.go()
    assert code == 0, err
    assert out.startswith("duplicate") and f"already in the vault as {asset.id}" in out
    assert [x.id for x in list_assets(new_vault)] == [asset.id]
    rep = check_vault(new_vault)
    assert rep.ok and not rep.notes, (rep.problems, rep.notes)


def test_when_an_ingest_is_killed_with_its_files_staged_then_check_notes_them_and_the_next_write_removes_them(
        new_vault, talent, cli, paused):
    a = paused(VOICE_A, kill=True)
    assert a.proc.wait(WAIT) == -signal.SIGKILL
    assert _staged(new_vault.root), "killed after staging, before its commit"
    rep = check_vault(new_vault)
    assert rep.ok, rep.problems
    assert any("staged file(s) of a write that was interrupted" in n for n in rep.notes), rep.notes
    assert list_assets(new_vault) == []

    b = cli("ingest", "--talent", talent.id, str(VOICE_B), env={"STUDIO_LOCK_TIMEOUT": "0"})
    assert b.returncode == 0, b.stderr
    assert _staged(new_vault.root) == [] and not list((new_vault.root / "staging").iterdir())
    rep = check_vault(new_vault)
    assert rep.ok and not rep.notes, (rep.problems, rep.notes)


def test_when_a_talent_key_is_being_derived_then_another_command_commits_and_the_first_refuses_to_overwrite(
        new_vault, talent, cli, paused, tmp_path):
    """The scrypt derivations of `talent set-passphrase` run outside the catalog transaction:
    another command sets the key meanwhile; the first then sees it and changes nothing."""
    from studio.core.consent.talent_keys import unlock_talent_key
    from studio.core.errors import WrongPassphrase

    first, second = tmp_path / "first.txt", tmp_path / "second.txt"
    first.write_text("first passphrase\n")
    second.write_text("second passphrase\n")
    a = paused(None, point="talent_key.derived",
               args=("talent", "set-passphrase", talent.id, "--talent-passphrase-file", str(first)))
    a.wait_reached()  # its key derived and wrapped; nothing stored yet
    b = cli("talent", "set-passphrase", talent.id, "--talent-passphrase-file", str(second))
    assert b.returncode == 0, b.stderr

    code, _, err = a.go()
    assert code == 2
    assert err.strip().splitlines()[-1] == (f"twin-studio: error: the key of talent {talent.id} was set or changed "
                                            "by another window or command meanwhile: nothing was changed; try again")
    assert unlock_talent_key(new_vault, talent.id, "second passphrase").talent_id == talent.id
    with pytest.raises(WrongPassphrase):
        unlock_talent_key(new_vault, talent.id, "first passphrase")
