"""What the ``package`` benchmark runs in its child processes: the setup (a vault with the assets
ingested, approved and covered by an active grant; a brand with its keys; for the peer, the
vault's blob files and keys in clear), our export and our open (with or without worker
processes). Their figures go back to ``benchmarks.package`` as JSON."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from benchmarks.harness import PASSPHRASE, cpu_s, peak_kib, reset_peak, rss_kib

PEER_IDENTITY = "peer-identity.txt"
PEER_VAULT_IDENTITY = "peer-vault-identity.txt"

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
    # the peer decrypts the vault's blobs with age: their files, and the likeness key in clear
    from studio.core.assets import get_asset

    blobs, identity = [], None
    for a, path in zip(ids, paths):
        source = vault.blobs.local_source(get_asset(vault, a).sha256)
        if source is not None:
            blobs.append([str(source[0]), Path(path).name])
            identity = source[1][0]
    if identity is not None:
        write_private_new(work / PEER_VAULT_IDENTITY, f"{identity}\n".encode(), "the peer's copy")
    vault.close()
    return {"grant_id": grant.id, "asset_ids": ids, "recipient": keys.recipient, "ingest_s": ingest_s,
            "blobs": blobs}


def _import_package_modules() -> None:
    """Imports are not part of the measured step (the app has them loaded)."""
    import numpy  # noqa: F401
    import pyrage  # noqa: F401

    import studio.core.package.export  # noqa: F401
    import studio.core.package.unpack  # noqa: F401
    import studio.core.package.watermark_audio  # noqa: F401
    import studio.core.package.watermark_mesh  # noqa: F401


def _children_peak_kib() -> int:
    """The largest resident peak of the worker processes this process has ended (0: none ran)."""
    import resource

    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss


def _children_cpu_s() -> float:
    t = os.times()
    return t.children_user + t.children_system


def child_package_export(vault_dir: str, grant_id: str, out: str, workers: str = "") -> dict:
    from studio.core.package.export import export_package
    from studio.core.vault.opening import open_vault

    if workers:
        os.environ["STUDIO_PACKAGE_WORKERS"] = workers
    _import_package_modules()
    vault = open_vault(where_from(vault_dir), PASSPHRASE)
    try:
        reset_peak()
        start_rss = rss_kib()
        t = time.perf_counter()
        cpu = cpu_s()
        result = export_package(vault, grant_id, PKG_BRAND, Path(out))
        wall = time.perf_counter() - t
        cpu = cpu_s() - cpu + _children_cpu_s()
        peak = peak_kib() - start_rss
    finally:
        vault.close()
    marks = sorted({a.get("watermark", {}).get("method", "-") for a in result.manifest["assets"]})
    return {"wall_s": wall, "cpu_s": cpu, "peak_kib": peak, "start_rss_kib": start_rss,
            "worker_peak_kib": _children_peak_kib(), "bytes": Path(out).stat().st_size, "marks": marks,
            "format_version": result.manifest["format_version"]}


def child_package_open(pkg: str, identity_dir: str, pem: str, out_dir: str, workers: str = "") -> dict:
    """``open_package`` with the brand's keys unlocked beforehand (the unlock, one scrypt
    derivation, is not measured: nor is the peer's, whose identity is in clear)."""
    from studio.core.package.unpack import open_package
    from studio.core.package.verify import load_studio_key
    from tests.core.helpers import unlock

    if workers:
        os.environ["STUDIO_PACKAGE_WORKERS"] = workers
    _import_package_modules()
    studio_key = load_studio_key(Path(pem))
    identity = unlock(Path(identity_dir), signing=False)
    reset_peak()
    start_rss = rss_kib()
    t = time.perf_counter()
    cpu = cpu_s()
    result = open_package(Path(pkg), identity, studio_key, Path(out_dir))
    wall = time.perf_counter() - t
    cpu = cpu_s() - cpu + _children_cpu_s()
    peak = peak_kib() - start_rss
    return {"wall_s": wall, "cpu_s": cpu, "peak_kib": peak, "start_rss_kib": start_rss,
            "worker_peak_kib": _children_peak_kib(), "files": len(result.files)}
