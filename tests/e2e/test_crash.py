"""Kill `twin-studio ingest` and `twin-studio export` (SIGKILL) at many moments: the vault must
stay consistent, every asset committed before the kill must be intact byte for byte, and every
counted use must have its package (DR002, DR018)."""

from __future__ import annotations

import hashlib
import io
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from studio.core.assets import list_assets
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


# -- many kills: ingest (50) and export (20), each followed by check and a byte comparison --

INGEST_KILLS = 50
EXPORT_KILLS = 20


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _assets_intact(v, sources: dict[str, Path], listed_before: dict[str, str]) -> dict[str, str]:
    """Every asset listed before the kill is still there; every asset extracts byte for byte
    equal to the file it was ingested from. Returns asset id → SHA-256 as listed now."""
    now = {a.id: a.sha256 for a in list_assets(v)}
    assert listed_before.items() <= now.items(), "an asset committed before the kill was lost"
    for asset_id, sha in now.items():
        plain = io.BytesIO()
        v.blobs.decrypt_to(sha, plain)  # what extract writes, without a file and its fsync per asset
        assert plain.getvalue() == sources[sha].read_bytes(), f"asset {asset_id} is not the file ingested"
    return now


def _wal_size(root: Path) -> int:
    try:
        return (root / "catalog.sqlite-wal").stat().st_size
    except OSError:
        return 0


def _crash_vault(folder: Path):
    """A fresh vault in ``folder`` with one talent: (its opener, the talent's id). Made one at a
    time (creating a vault runs its migrations, which are not made to run in two threads)."""
    from studio.core.talents import add_talent
    from tests.e2e.exporting import ExportSetup

    root = folder / "vault"
    with Vault.create(root, PASSPHRASE) as v:
        keys = v._keys
        talent = add_talent(v, "Crash Test").id
    return ExportSetup(root, keys, "", {}, []), talent  # opens the vault with its unwrapped key


def _ingest_kill_rounds(folder: Path, vault, talent: str, passphrase_file: Path, kills_wanted: int, seed: int):
    """Rounds on one vault until ``kills_wanted`` kills landed, each followed by ``check`` and a
    byte comparison. Returns (sources, listed)."""
    from tests.generators import random_ply, voice_wav

    root = vault.root
    rng = random.Random(seed)
    sources: dict[str, Path] = {}
    listed: dict[str, str] = {}
    kills = rounds = 0
    while kills < kills_wanted:
        rounds += 1
        assert rounds <= 3 * kills_wanted, f"only {kills} kills landed while ingest ran"
        batch = folder / f"batch{rounds}"
        batch.mkdir()
        for i in range(3):
            random_ply(batch / f"scan{i}.ply", rng.randint(1500, 4000), 6000, seed=rng.getrandbits(32))
        voice_wav(batch / "take.wav", rng.randint(96_000, 200_000), seed=rng.getrandbits(32))
        for f in batch.iterdir():
            sources[_sha(f)] = f
        before, wal = len(listed), _wal_size(root)
        by_count, target = rng.random() < 0.5, rng.randint(0, 2)
        wal_target = wal + rng.randint(1, 64 * 1024)
        proc = subprocess.Popen([sys.executable, "-m", "studio.cli", "ingest", "--talent", talent, "--vault",
                                 str(root), "--passphrase-file", str(passphrase_file), str(batch)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=REPO)
        while proc.poll() is None:
            count = _asset_count(root)
            if count >= before + 3 or (count >= before + target if by_count else _wal_size(root) >= wal_target):
                break
            time.sleep(0.003)  # polling only: leave the CPU to the ingest
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait()
        with vault.open() as v:
            rep = check_vault(v)
            assert rep.ok, f"{folder.name}, round {rounds}: {rep.problems}"
            listed = _assets_intact(v, sources, listed)
    return sources, listed


@pytest.mark.slow
def test_when_ingest_is_killed_fifty_times_at_random_moments_then_every_check_passes_and_every_asset_is_byte_identical(
        tmp_path, passphrase_file):
    """Each round ingests a fresh batch of small real files (three scans, one take) and is killed
    at a moment chosen from the outside: once the catalog holds a random number of the batch's
    assets, or once its write-ahead log has grown by a random number of bytes — inside an
    intent's commit, a blob's rename or the rows' commit. Two vaults take half the kills each, side
    by side (each round's ingest is mostly a process starting and a key derivation: one core each)."""
    from concurrent.futures import ThreadPoolExecutor

    folders = [tmp_path / f"v{k}" for k in range(2)]
    made = []
    for folder in folders:
        folder.mkdir()
        made.append(_crash_vault(folder))
    with ThreadPoolExecutor(2) as pool:
        futures = [pool.submit(_ingest_kill_rounds, folder, *made[k], passphrase_file, INGEST_KILLS // 2,
                               20261201 + k) for k, folder in enumerate(folders)]
        halves = [f.result() for f in futures]
    (vault, talent), (sources, listed) = made[0], halves[0]
    root = vault.root
    # a last run, not killed, ingests the real test data after all those kills: nothing left behind
    batch = [TESTDATA / "scans", TESTDATA / "voice"]
    real = [f for f in collect_files(batch) if f.suffix != ".md"]
    sources.update({_sha(f): f for f in real})
    done = subprocess.run([sys.executable, "-m", "studio.cli", "ingest", "--talent", talent, "--vault", str(root),
                           "--passphrase-file", str(passphrase_file), *map(str, batch)],
                          capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 1, done.stdout + done.stderr  # the licence note in scans/ is rejected, all else kept
    with vault.open() as v:
        rep = check_vault(v)
        assert rep.ok and not rep.notes, (rep.problems, rep.notes)
        assert len(_assets_intact(v, sources, listed)) == len(listed) + len(real)


@pytest.mark.slow
def test_when_export_is_killed_twenty_times_at_random_moments_then_every_counted_use_has_its_package(
        tmp_path, passphrase_file):
    """Each export is killed once its temp file holds a random number of bytes, or — past the
    package's size — once the package appears at its name (between publish and commit, or just
    after). After every kill: ``check`` passes or names only the uncounted package the next export
    removes; every counted package is at its name, byte for byte; the scan extracts intact."""
    from studio.core.consent.grants import get_grant
    from studio.core.package import intents
    from tests.e2e.exporting import counted_packages, make_export_setup, visible_packages

    setup = make_export_setup(tmp_path, passphrase_file, vertices=50_000)
    (asset_id, asset_sha), = setup.asset_sha256.items()
    sources = {asset_sha: tmp_path / "body.ply"}
    out = tmp_path / "out"
    out.mkdir()
    assert setup.export(out / "first.twinpkg").wait() == 0
    size = (out / "first.twinpkg").stat().st_size
    rng = random.Random(20261202)
    kills = rounds = 0
    while kills < EXPORT_KILLS:
        rounds += 1
        assert rounds <= 3 * EXPORT_KILLS, f"only {kills} kills landed while export ran"
        target = out / f"p{rounds}.twinpkg"
        offset = rng.randint(0, size + size // 4)
        proc = setup.export(target)
        while proc.poll() is None:
            temps = [p for p in out.glob(".tmp-*") if p.name.endswith(target.name)]
            try:
                if (offset <= size and temps and temps[0].stat().st_size >= offset) or target.exists():
                    break
            except OSError:
                pass  # the temp file was renamed away meanwhile
            time.sleep(0.002)  # polling only: leave the CPU to the export
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait()
        with setup.open() as v:
            rep = check_vault(v)
            counted = counted_packages(v)
            uses = get_grant(v, setup.grant_id).uses
            waiting, unreadable = intents.pending(v)
            _assets_intact(v, sources, {asset_id: asset_sha})
        visible = visible_packages(out)
        assert not unreadable
        assert uses == len(counted), "every counted use is a package row"
        assert set(counted.values()) <= set(visible), f"round {rounds}: a counted use has no package"
        uncounted = set(visible) - set(counted.values())
        assert uncounted <= {i.file_sha256 for i in waiting}, (
            f"round {rounds}: an uncounted package nobody will remove: {[visible[u] for u in uncounted]} "
            f"offset {offset} of {size}; {sorted(p.name for p in out.iterdir())}; {waiting}; {rep.problems}")
        assert all("never counted" in p for p in rep.problems), rep.problems
        assert bool(rep.problems) == bool(uncounted or [p for p in out.glob(".tmp-*")
                                                         if any(i.temp == p for i in waiting)])
    for temp in out.glob(".tmp-*"):  # what killed exports left mid-write: old enough to be removed
        os.utime(temp, (time.time() - 3600, time.time() - 3600))
    assert setup.export(out / "last.twinpkg").wait() == 0
    assert not list(out.glob(".tmp-*"))
    with setup.open() as v:
        rep = check_vault(v)
        assert rep.ok and not rep.notes, (rep.problems, rep.notes)
        counted = counted_packages(v)
        assert get_grant(v, setup.grant_id).uses == len(counted)
    assert sorted(counted.values()) == sorted(visible_packages(out)), "exactly the counted packages remain"
