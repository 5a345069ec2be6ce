"""Package format version 2 (DR058): one age file per payload file, sealed and opened in worker
processes. These tests turn the workers on for small packages (``STUDIO_PACKAGE_WORKERS``), so
the code a 1 GB export runs is the code they run: the package opens and every file is the one
the manifest names; a flipped byte in one file is refused by the workers and nothing is written;
a cancel stops every worker and leaves no package, no temp file and no counted use; a worker's
failure comes back as the error it raised; no worker starts with a secret in its environment."""

from __future__ import annotations

import hashlib
import os
import zipfile

import pyrage
import pytest

from studio.core.consent.grants import get_grant
from studio.core.errors import Cancelled, PackageRefused
from studio.core.package.export import export_package
from studio.core.package.unpack import open_package
from studio.core.package.verify import verify_package
from studio.core.package.workers import run_in_order, worker_count
from studio.core.package.zip_layout import entry_name
from studio.core.progress import CancelToken
from tests.core.helpers import BRAND, active_grant, brand, studio_key


@pytest.fixture
def workers(monkeypatch):
    monkeypatch.setenv("STUDIO_PACKAGE_WORKERS", "2")


def _export(world, tmp_path, **kw):
    vault, talent, key, assets = world
    g = active_grant(vault, talent, key, assets)
    keys = brand(vault)
    out = tmp_path / "p.twinpkg"
    return vault, g, keys, out, export_package(vault, g.id, BRAND, out, **kw)


def _leftovers(folder):
    return [p.name for p in folder.iterdir() if p.name.startswith(".tmp-")]


def test_when_workers_seal_and_open_a_package_then_each_file_is_its_own_age_file_and_opens_as_signed(
        world, tmp_path, workers):
    vault, g, keys, out, result = _export(world, tmp_path)
    m = result.manifest
    assert m["format_version"] == 2 and len(m["assets"]) >= 2
    with zipfile.ZipFile(out) as zf:
        assert zf.testzip() is None  # any ZIP reader agrees with the framing
        names = zf.namelist()
        assert names == [entry_name(i) for i in range(len(m["assets"]))] + ["manifest.json", "manifest.json.sig"]
        for i, a in enumerate(m["assets"]):
            stored = zf.read(entry_name(i))
            assert hashlib.sha256(stored).hexdigest() == a["stored"]["sha256"] and len(stored) == a["stored"]["size"]
            plain = pyrage.decrypt(stored, [keys.identity])  # each file alone, with age itself
            assert hashlib.sha256(plain).hexdigest() == a["sha256"]
    assert sum(a["stored"]["size"] for a in m["assets"]) == m["payload"]["size"]
    assert _leftovers(tmp_path) == []

    info = verify_package(out, studio_key(vault))
    assert info.file_sha256 == hashlib.sha256(out.read_bytes()).hexdigest() == result.file_sha256
    done = []
    opened = open_package(out, keys, studio_key(vault), tmp_path / "opened", progress=done.append)
    for a in m["assets"]:
        data = (tmp_path / "opened" / a["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == a["sha256"]
    assert len(opened.files) == len(m["assets"]) + 2
    assert done and done[-1].done == sum(a["size"] for a in m["assets"])


def test_when_a_byte_of_one_file_changes_then_the_workers_refuse_the_package_and_write_nothing(
        world, tmp_path, workers):
    vault, g, keys, out, result = _export(world, tmp_path)
    data = out.read_bytes()
    with zipfile.ZipFile(out) as zf:
        infos = zf.infolist()
    last = infos[len(result.manifest["assets"]) - 1]
    for where in (last.header_offset + 200, last.header_offset + 60 + last.file_size // 2):  # its age header, its body
        bad = bytearray(data)
        bad[where] ^= 0x01
        (tmp_path / "bad.twinpkg").write_bytes(bad)
        with pytest.raises(PackageRefused):
            open_package(tmp_path / "bad.twinpkg", keys, studio_key(vault), tmp_path / "out")
        assert not (tmp_path / "out").exists()
        with pytest.raises(PackageRefused):
            verify_package(tmp_path / "bad.twinpkg", studio_key(vault))


def test_when_a_worker_export_is_cancelled_then_no_package_no_temp_file_and_no_use_remain(world, tmp_path, workers):
    cancel = CancelToken()
    with pytest.raises(Cancelled):
        _export(world, tmp_path, progress=lambda p: cancel.cancel(), cancel=cancel)
    vault, talent, key, assets = world
    assert not (tmp_path / "p.twinpkg").exists() and _leftovers(tmp_path) == []
    grant = [g for g in vault_grants(vault)][0]
    assert get_grant(vault, grant).uses == 0


def vault_grants(vault):
    from studio.core.consent.grants import list_grants

    return [g.id for g in list_grants(vault)]


def test_when_an_open_is_cancelled_in_the_workers_then_nothing_is_written(world, tmp_path, workers):
    vault, g, keys, out, result = _export(world, tmp_path)
    cancel = CancelToken()
    with pytest.raises(Cancelled):
        open_package(out, keys, studio_key(vault), tmp_path / "opened", progress=lambda p: cancel.cancel(),
                     cancel=cancel)
    assert not (tmp_path / "opened").exists()


# -- the worker pool itself: order, errors, environment --------------------------------------------

def _job(job, cancel, on_bytes):
    """Runs in a worker: what it sees of the environment, or the error it is asked to raise."""
    if job == "fail":
        raise PackageRefused("a worker's own refusal")
    on_bytes(1000)
    return job, os.getpid(), sorted(k for k in os.environ if k in ("STUDIO_PASSPHRASE", "CLOUD_SECRET_KEY"))


def test_when_jobs_run_in_workers_then_results_come_in_order_without_secrets_in_their_environment(monkeypatch):
    monkeypatch.setenv("STUDIO_PASSPHRASE", "never in a child")
    monkeypatch.setenv("CLOUD_SECRET_KEY", "nor this")
    heard = []
    results = list(run_in_order(_job, list(range(7)), 2, on_bytes=heard.append))
    assert [r[0] for r in results] == list(range(7))
    pids = {r[1] for r in results}  # one worker may take every job when the other starts late (busy machine)
    assert 1 <= len(pids) <= 2 and os.getpid() not in pids
    assert [r[2] for r in results] == [[]] * 7
    assert sum(heard) == 7000
    assert os.environ["CLOUD_SECRET_KEY"] == "nor this"  # someone else's secret is back for this process


def test_when_a_worker_raises_then_the_caller_gets_its_error():
    with pytest.raises(PackageRefused, match="a worker's own refusal"):
        list(run_in_order(_job, [1, 2, "fail", 4, 5], 2))


def test_how_many_workers():
    assert worker_count(10 << 20, 10, None) == 0  # small: here
    assert worker_count(1 << 30, 1, None) == 0  # one file: here
    assert worker_count(1 << 30, 10, 3) == 3 and worker_count(1, 10, 1) == 0 and worker_count(1, 2, 8) == 2
    if (os.cpu_count() or 1) > 1:
        assert worker_count(1 << 30, 10, None) == min(os.cpu_count(), 8)
