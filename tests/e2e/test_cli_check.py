"""`twin-studio check` on a big vault (DR025): `--read-data-subset PERCENT`, a refusal of a share
that is not one, and Ctrl-C while it runs (a clean line, exit 130, nothing changed)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import REPO, TESTDATA, snapshot

WAIT = 300


@pytest.fixture
def two_takes(new_vault, talent):
    from studio.core.intake import ingest_paths

    results = ingest_paths(new_vault, talent.id, [TESTDATA / "voice" / "vctk_p225_001.wav",
                                                  TESTDATA / "voice" / "vctk_p226_001.wav"])
    assert [r.status for r in results] == ["ingested", "ingested"]
    return new_vault  # four blobs: two originals, two waveforms


def test_when_a_subset_is_asked_then_check_says_how_many_blobs_it_read(two_takes, cli):
    proc = cli("check", "--read-data-subset", "50%")
    assert proc.returncode == 0, proc.stderr
    assert "vault consistent: 2 of 4 blobs" in proc.stdout and "a random 50%" in proc.stdout
    full = cli("check", "--read-data-subset", "100", "--json")
    assert full.returncode == 0, full.stderr
    assert '"blobs_checked": 4' in full.stdout


@pytest.mark.parametrize("value", ["0", "150%", "most"])
def test_when_the_subset_is_not_a_percentage_then_check_refuses_in_one_line(value, cli, tmp_path):
    proc = cli("check", "--read-data-subset", value)  # refused before the vault is even looked for
    assert proc.returncode == 2
    [line] = proc.stderr.strip().splitlines()
    assert line == ("twin-studio: error: the share of blobs to read must be a percentage above 0 and at most 100 "
                    f"(such as 10% or 2.5), not {value!r}")


@pytest.mark.skipif(os.name == "nt", reason="SIGINT to a child process is POSIX")
def test_when_check_is_interrupted_with_ctrl_c_then_it_stops_cleanly_and_changes_nothing(two_takes, cli, tmp_path):
    points = tmp_path / "points"
    points.mkdir()
    before = snapshot(two_takes.root)
    proc = subprocess.Popen(
        [sys.executable, "-m", "studio.cli", "check", "--vault", str(cli.vault), "--passphrase-file",
         str(cli.passphrase_file)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO,
        env={**os.environ, "STUDIO_TEST_PAUSE_AT": f"check.blobs={points}"})
    try:
        deadline = time.monotonic() + WAIT
        while not (points / "check.blobs.reached").exists():  # about to read its first blob
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "check never reached its blobs"
            time.sleep(0.02)
        proc.send_signal(signal.SIGINT)
        (points / "check.blobs.go").touch()
        out, err = proc.communicate(timeout=WAIT)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130
    assert "Traceback" not in err and out == ""
    assert err.strip().splitlines()[-1] == ("twin-studio: check cancelled after 0 of 4 blobs; nothing was changed "
                                            "and nothing was concluded")
    assert snapshot(two_takes.root) == before
