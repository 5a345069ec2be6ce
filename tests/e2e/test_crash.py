"""Kill `twin-studio ingest` (SIGKILL) at many moments: the vault must stay consistent and every
asset committed before the kill must be intact."""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from studio.core.assets import extract_asset, list_assets
from studio.core.intake import collect_files
from studio.core.vault import Vault
from studio.core.check import check_vault
from tests.conftest import PASSPHRASE, REPO, TESTDATA

pytestmark = pytest.mark.skipif(os.name == "nt", reason="SIGKILL is POSIX")


def _asset_count(root: Path) -> int:
    try:
        db = sqlite3.connect(f"file:{root / 'catalog.sqlite'}?mode=ro", uri=True, timeout=0.2)
        try:
            return db.execute("SELECT count(*) FROM assets").fetchone()[0]
        finally:
            db.close()
    except sqlite3.Error:
        return -1


def test_when_ingest_is_killed_at_any_moment_then_check_passes_and_committed_assets_are_intact(
        tmp_path, passphrase_file):
    root = tmp_path / "vault"
    with Vault.create(root, PASSPHRASE) as v:
        from studio.core.talents import add_talent

        talent = add_talent(v, "Crash Test").id
    batch = [TESTDATA / "scans", TESTDATA / "voice"]
    total = len([f for f in collect_files(batch) if f.suffix != ".md"])
    rng = random.Random(20261124)
    cmd = [sys.executable, "-m", "studio.cli", "ingest", "--talent", talent, "--vault", str(root),
           "--passphrase-file", str(passphrase_file), *map(str, batch)]
    kills = 0
    for round_ in range(8):
        before = max(_asset_count(root), 0)
        if before >= total:
            break
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO)
        # wait until this run has committed at least one more asset, then kill it a random
        # moment later: somewhere inside the next file's analyse / encrypt / commit
        deadline = time.monotonic() + 120
        while _asset_count(root) <= before and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(rng.uniform(0.0, 0.6))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait()
        with Vault.open(root, PASSPHRASE) as v:
            rep = check_vault(v)
            assert rep.ok, f"round {round_}: {rep.problems}"
            for a in list_assets(v):
                out = tmp_path / "x"
                extract_asset(v, a.id, out, overwrite=True)  # re-hashes while decrypting
                assert out.stat().st_size == a.size
    assert kills >= 3, "the kills must land while ingest was running"
    # a final run finishes the batch and leaves nothing behind
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 1  # the licence note in scans/ is rejected, everything else kept
    with Vault.open(root, PASSPHRASE) as v:
        rep = check_vault(v)
        assert rep.ok and not rep.notes, (rep.problems, rep.notes)
        assert len(list_assets(v)) == total
