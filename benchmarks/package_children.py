"""What the ``package`` benchmark runs in its child processes: the setup (a vault with the assets
ingested, approved and covered by an active grant; a brand with its keys), our export and our
open, and each step of ours alone (``child_package_phases``). Their figures go back to
``benchmarks.package`` as JSON."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from benchmarks.harness import PASSPHRASE, Nowhere, cpu_s, peak_kib, reset_peak, rss_kib

PEER_IDENTITY = "peer-identity.txt"

PKG_BRAND = "Maison Lumière"
PKG_TALENT_PASS = "the talent's own long phrase"


def where_from(arg: str):
    """A vault folder, or a shared vault given as JSON ``{"catalog", "store", "endpoint"}``."""
    if not arg.startswith("{"):
        return Path(arg)
    from studio.core.vault.location import shared_location

    raw = json.loads(arg)
    return shared_location(raw["catalog"], raw["store"], raw.get("endpoint"))


def child_package_setup(workdir: str, *paths: str) -> dict:
    """Setup for ``package`` (not measured): a vault with the assets ingested and approved, an
    active grant covering them, a brand with its keys (``workdir/brand``, locked by the tests'
    brand passphrase; and ``workdir/brand/peer-identity.txt``, the same age identity in clear for
    the peer's ``age -d -i``, which cannot be given a passphrase but at a terminal — DR046) and the
    studio's public key (``workdir/studio.pem``)."""
    return child_package_setup_at(workdir, str(Path(workdir) / "vault"), *paths)


def child_package_setup_at(workdir: str, where: str, *paths: str) -> dict:
    """:func:`child_package_setup` for the vault at ``where`` (see :func:`where_from`)."""
    from studio.core.consent.review import review_asset
    from studio.core.consent.talent_keys import set_talent_passphrase, unlock_talent_key
    from studio.core.intake import ingest_paths
    from studio.core.talents import add_talent
    from studio.core.vault.opening import create_vault
    from studio.core.keyfiles import write_private_new
    from tests.core.helpers import BRAND, active_grant, brand_folder, studio_pem, unlock

    assert BRAND == PKG_BRAND
    work = Path(workdir)
    vault = create_vault(where_from(where), PASSPHRASE)
    talent = add_talent(vault, "Benchmark Talent")
    set_talent_passphrase(vault, talent.id, PKG_TALENT_PASS)
    key = unlock_talent_key(vault, talent.id, PKG_TALENT_PASS)
    t = time.perf_counter()
    results = ingest_paths(vault, talent.id, [Path(p) for p in paths])
    ingest_s = time.perf_counter() - t
    for r in results:
        assert r.status == "ingested", r.reason
    ids = [r.asset_id for r in results]
    for a in ids:
        review_asset(vault, a, "approve", key)
    grant = active_grant(vault, talent, key, ids, max_uses=100)
    keys = unlock(brand_folder(vault, work / "brand"), signing=False)
    write_private_new(work / "brand" / PEER_IDENTITY, f"{keys.identity}\n".encode(), "the peer's copy")
    studio_pem(vault, work / "studio.pem")
    vault.close()
    return {"grant_id": grant.id, "asset_ids": ids, "recipient": keys.recipient, "ingest_s": ingest_s}


def _import_package_modules() -> None:
    """Imports are not part of the measured step (the app has them loaded)."""
    import numpy  # noqa: F401
    import pyrage  # noqa: F401

    import studio.core.package.export  # noqa: F401
    import studio.core.package.unpack  # noqa: F401
    import studio.core.package.watermark_audio  # noqa: F401
    import studio.core.package.watermark_mesh  # noqa: F401


def child_package_export(vault_dir: str, grant_id: str, out: str) -> dict:
    from studio.core.package.export import export_package
    from studio.core.vault.opening import open_vault

    _import_package_modules()
    vault = open_vault(where_from(vault_dir), PASSPHRASE)
    try:
        reset_peak()
        start_rss = rss_kib()
        t = time.perf_counter()
        cpu = cpu_s()
        result = export_package(vault, grant_id, PKG_BRAND, Path(out))
        wall = time.perf_counter() - t
        cpu = cpu_s() - cpu
        peak = peak_kib() - start_rss
    finally:
        vault.close()
    marks = sorted({a.get("watermark", {}).get("method", "-") for a in result.manifest["assets"]})
    return {"wall_s": wall, "cpu_s": cpu, "peak_kib": peak, "start_rss_kib": start_rss,
            "bytes": Path(out).stat().st_size, "marks": marks}


def child_package_open(pkg: str, identity_dir: str, pem: str, out_dir: str) -> dict:
    """``open_package`` with the brand's keys unlocked beforehand (the unlock, one scrypt
    derivation, is not measured: nor is the peer's, whose identity is in clear)."""
    from studio.core.package.unpack import open_package
    from studio.core.package.verify import load_studio_key
    from tests.core.helpers import unlock

    _import_package_modules()
    studio_key = load_studio_key(Path(pem))
    identity = unlock(Path(identity_dir), signing=False)
    reset_peak()
    start_rss = rss_kib()
    t = time.perf_counter()
    cpu = cpu_s()
    result = open_package(Path(pkg), identity, studio_key, Path(out_dir))
    wall = time.perf_counter() - t
    cpu = cpu_s() - cpu
    peak = peak_kib() - start_rss
    return {"wall_s": wall, "cpu_s": cpu, "peak_kib": peak, "start_rss_kib": start_rss, "files": len(result.files)}


def child_package_phases(vault_dir: str, grant_id: str, workdir: str, pem: str, identity_dir: str) -> dict:
    """Where the package's time goes: each step alone in one process, into nowhere, then a real
    export and open (their own wall time here), then the primitives on the package file."""
    import hashlib
    import shutil
    import zlib

    import pyrage

    from studio.core.ids import new_id
    from studio.core.package.container import PAYLOAD, open_zip
    from studio.core.package.export import _Exporter, export_package, plan_export
    from studio.core.package.streams import produced
    from studio.core.package.unpack import open_package
    from studio.core.package.verify import load_studio_key, verify_package
    from studio.core.vault import Vault
    from studio.core.vault.blobs import HashingSink
    from tests.core.helpers import unlock

    _import_package_modules()
    work = Path(workdir)
    pkg, copy, out = work / "phases.twinpkg", work / "phases.copy", work / "phases-opened"
    vault = Vault.open(Path(vault_dir), PASSPHRASE)
    steps: dict = {}

    def timed(name: str, fn) -> None:
        cpu = cpu_s()
        t = time.perf_counter()
        fn()
        steps[name] = {"wall_s": time.perf_counter() - t, "cpu_s": cpu_s() - cpu}

    def read_all(path: Path, update=None) -> None:
        with open(path, "rb", buffering=0) as f:
            buf = bytearray(1 << 20)
            view = memoryview(buf)
            while n := f.readinto(buf):
                if update is not None:
                    update(view[:n])

    try:
        plan = plan_export(vault, grant_id, PKG_BRAND)
        exp = _Exporter(vault, plan, new_id("package"), None, None)  # benchmark-only use of the exporter
        recipient = pyrage.x25519.Recipient.from_str(plan.brand.recipient)
        timed("decrypt_blobs", lambda: [vault.blobs.decrypt_to(i.sha256, None) for i in exp.items])

        def decide_all():
            return [exp._decide(i)[0] for i in exp.items]
        timed("decide_heads", decide_all)
        marks = decide_all()

        def decrypt_mark():
            for item, mark in zip(exp.items, marks):
                exp._emit(item, HashingSink(None), mark)
        timed("decrypt_mark_sha", decrypt_mark)
        timed("tar_stream", lambda: exp.write_tar(Nowhere()))

        def tar_age():
            with produced(exp.write_tar) as stream:
                pyrage.encrypt_io(stream, Nowhere(), [recipient])
        timed("tar_stream_age", tar_age)
        timed("export", lambda: export_package(vault, grant_id, PKG_BRAND, pkg))
        size = pkg.stat().st_size
        steps["package_bytes"] = size
        timed("read_file", lambda: read_all(pkg))
        timed("read_sha256", lambda: read_all(pkg, hashlib.sha256().update))
        crc = [0]

        def crc32(data) -> None:
            crc[0] = zlib.crc32(data, crc[0])
        timed("read_crc32", lambda: read_all(pkg, crc32))

        def age_encrypt():
            with open(pkg, "rb") as f:
                pyrage.encrypt_io(f, Nowhere(), [recipient])
        timed("age_encrypt_file", age_encrypt)

        def write_copy():
            with open(pkg, "rb") as src, open(copy, "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
        timed("write_copy", write_copy)

        def fsync_copy():
            fd = os.open(copy, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        timed("fsync_copy", fsync_copy)
        copy.unlink()

        studio_key = load_studio_key(Path(pem))
        keys = unlock(Path(identity_dir), signing=False)
        identity = keys.identity
        timed("verify", lambda: verify_package(pkg, studio_key))

        def payload_decrypt():
            with open_zip(pkg) as zf, zf.open(PAYLOAD) as src:
                pyrage.decrypt_io(src, Nowhere(), [identity])
        timed("payload_decrypt", payload_decrypt)
        timed("open", lambda: open_package(pkg, keys, studio_key, out))
    finally:
        vault.close()
        pkg.unlink(missing_ok=True)
        copy.unlink(missing_ok=True)
        shutil.rmtree(out, ignore_errors=True)
    return steps
