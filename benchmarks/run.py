"""Benchmarks, side by side with the peer tool. One command:

    .venv/bin/python benchmarks/run.py            # all
    .venv/bin/python benchmarks/run.py ingest     # one
    .venv/bin/python benchmarks/run.py preview
    .venv/bin/python benchmarks/run.py package [--size-mb 1024]

``ingest``: ingest a generated ~1.3 M-triangle binary PLY into a fresh vault, next to what a user
would otherwise do with the same file — ``open3d.io.read_triangle_mesh`` plus a SHA-256 — each in
its own process, wall time and peak memory (VmHWM growth during the measured step).

``preview``: with the same scan ingested, the time from "asset selected" to the first preview
frame in a running app — for the first scan selected after launch (the render children start on
demand) and for any later scan (a warm spare child with Open3D imported takes it) — next to the
cold path a user would otherwise take — ``open3d.io.read_triangle_mesh`` of the original plus a first
``render_to_image`` — with Open3D's default renderer and with post-processing off as our render
child sets it; then the frame time while orbiting (LOD, half size) and when still (full scan),
800×600, each side in its own process.

``package``: ~1 GB of generated assets (four ~246 MB binary PLY body scans, three 16-bit WAV
voice takes) ingested, approved and covered by an active grant (setup, not measured); then
``export_package`` and the brand's ``open_package``, each in its own process, next to the peer
on the original files — ``tar -c | age -r`` and ``age -d -i | tar -x``: wall time, CPU time and
peak memory; again at a quarter of the size (is memory flat?); then each step alone.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

PASSPHRASE = "benchmark passphrase"


# -- helpers run inside a child process -----------------------------------------------------

LISTED_PAUSE_S = 1.0  # the operator's moment between seeing the grid and clicking a scan


def _rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def _peak_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def _reset_peak() -> None:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def child_baseline(path: str) -> dict:
    import hashlib

    import open3d as o3d

    _reset_peak()
    start_rss = _rss_kib()
    t = time.perf_counter()
    mesh = o3d.io.read_triangle_mesh(path)
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    wall = time.perf_counter() - t
    n = len(mesh.triangles)
    return {"wall_s": wall, "peak_mib": (_peak_kib() - start_rss) / 1024, "faces": n}


def child_ingest(path: str, workdir: str) -> dict:
    from studio.core.intake import ingest_paths
    from studio.core.talents import add_talent
    from studio.core.vault import Vault
    import studio.core.ingest  # noqa: F401  (imports are not part of the measured step)
    import open3d  # noqa: F401
    import trimesh  # noqa: F401
    import plyfile  # noqa: F401
    import soundfile  # noqa: F401

    vault = Vault.create(Path(workdir) / "vault", PASSPHRASE)
    talent = add_talent(vault, "Benchmark")
    _reset_peak()
    start_rss = _rss_kib()
    t = time.perf_counter()
    (result,) = ingest_paths(vault, talent.id, [Path(path)])
    wall = time.perf_counter() - t
    peak = (_peak_kib() - start_rss) / 1024
    assert result.status == "ingested", result.reason
    return {"wall_s": wall, "peak_mib": peak, "asset_id": result.asset_id}


def child_setup_vault(workdir: str, *paths: str) -> dict:
    """Setup for ``preview`` (not measured): a fresh vault with ``paths`` ingested, their ids."""
    from studio.core.intake import ingest_paths
    from studio.core.talents import add_talent
    from studio.core.vault import Vault

    vault = Vault.create(Path(workdir) / "vault", PASSPHRASE)
    talent = add_talent(vault, "Benchmark")
    results = ingest_paths(vault, talent.id, [Path(p) for p in paths])
    for r in results:
        assert r.status == "ingested", r.reason
    vault.close()
    return {"asset_ids": [r.asset_id for r in results]}


PREVIEW_SIZE = (800, 600)
ORBIT_FRAMES = 20
STILL_FRAMES = 10


def _drawn(image) -> float:
    """The fraction of pixels that are not the background (a frame that drew nothing is an error)."""
    import numpy as np

    corner = image[0, 0].astype(int)
    return float((np.abs(image.astype(int) - corner).sum(axis=2) > 12).mean())


def _ms_stats(seconds: list[float]) -> dict:
    import numpy as np

    ms = np.asarray(seconds) * 1000
    return {"median_ms": float(np.median(ms)), "p90_ms": float(np.percentile(ms, 90)),
            "min_ms": float(ms.min()), "max_ms": float(ms.max()), "n": len(ms)}


def _wait_for_spares(preview) -> None:
    """Block until the spare children a first frame starts have Open3D imported (so that the
    orbit and still figures are the steady state, not two cores shared with a start-up)."""
    for service in (preview.motion, preview.still):
        spare = service._spare  # benchmark-only peek at the service's spare (proc, conn)
        if spare is not None and spare[0].is_alive():
            spare[1].send(("ping",))
            spare[1].poll(120)
            spare[1].recv()


def child_preview(vault_dir: str, asset_id: str, case: str, small_id: str = "", frames: str = "1") -> dict:
    """The running app, vault unlocked, ``Preview(spare=True)`` as the viewport's render thread
    holds it. ``case``:

    - ``"first"`` — the first scan selected after launch: no ``warm()`` (the app no longer calls
      it), so both render children start on demand, inside the measured time;
    - ``"listed"`` — the first scan after launch as the app does it: the children are started
      when the talent's scans are listed, and the scan is clicked one second later;
    - ``"warm"`` — any later scan: the app's state after it has shown one scan. A small scan
      (``small_id``) is previewed first, one moving and one still frame, as the viewport asks
      for them; then we wait until the spare child each service starts after its first frame
      answers a ping (Open3D imported). Selecting the big scan then takes the warm spares.

    Measured: asset selected -> first (LOD, half-size) frame -> first full-detail frame; then,
    when ``frames`` is "1", orbiting and still frame times."""
    from studio.core.render.preview import Preview, open_scene
    from studio.core.vault import Vault

    # trimesh and plyfile (the LOD's and the original's readers) are not imported before t0 in
    # the "first" case: the first selection pays for them, as it would in an app that has not
    # ingested anything since it started. In the "warm" case the small scan imported them.
    vault = Vault.open(Path(vault_dir), PASSPHRASE)
    preview = Preview(spare=True)
    try:
        size = PREVIEW_SIZE
        if case == "warm":
            small = open_scene(vault, small_id)
            preview.frame(vault, small, small.home, "shaded", size, moving=True)
            preview.frame(vault, small, small.home, "shaded", size, moving=False)
            _wait_for_spares(preview)
        elif case == "listed":
            # the app starts both render children when a talent's scans are listed
            # (MainWindow._assets_loaded → RenderThread.warm); the operator clicks a scan a
            # moment later — one second here, without waiting for the children to be ready
            preview.warm()
            time.sleep(LISTED_PAUSE_S)
        elif case != "first":
            raise ValueError(f"unknown case {case!r}")

        t0 = time.perf_counter()
        scene = open_scene(vault, asset_id)
        t_scene = time.perf_counter()
        first = preview.frame(vault, scene, scene.home, "shaded", size, moving=True)
        t_first = time.perf_counter()
        full = preview.frame(vault, scene, scene.home, "shaded", size, moving=False)
        t_full = time.perf_counter()
        res = {
            "case": case, "open_scene_s": t_scene - t0, "first_frame_s": t_first - t0,
            "first_full_frame_s": t_full - t0,
            "first_frame_shape": list(first.shape), "full_frame_shape": list(full.shape),
            "lod_faces": int(len(scene.motion.triangles)), "full_faces": int(len(scene.full.triangles)),
        }
        drawn = min(_drawn(first), _drawn(full))
        if frames == "1":
            _wait_for_spares(preview)
            orbit, still = [], []
            for i in range(1, ORBIT_FRAMES + 1):
                t = time.perf_counter()
                img = preview.frame(vault, scene, scene.home.orbit(5 * i, 0), "shaded", size, moving=True)
                orbit.append(time.perf_counter() - t)
            for i in range(1, STILL_FRAMES + 1):
                t = time.perf_counter()
                img = preview.frame(vault, scene, scene.home.orbit(36 * i, 0), "shaded", size, moving=False)
                still.append(time.perf_counter() - t)
            drawn = min(drawn, _drawn(img))
            res.update(orbit=_ms_stats(orbit), still=_ms_stats(still))
        if drawn < 0.01:
            raise RuntimeError(f"a preview frame drew nothing ({drawn:.3%} of the pixels)")
        res["drawn_fraction"] = drawn
        return res
    finally:
        preview.close()
        vault.close()


def child_spawn() -> dict:
    """A render child's start-up alone: spawn, import Open3D, answer a ping (what the first
    selection after launch waits for, once per service, before its first load)."""
    from studio.core.render.service import RenderService

    service = RenderService()
    try:
        t = time.perf_counter()
        service.start()
        service.ping()
        return {"spawn_s": time.perf_counter() - t}
    finally:
        service.close()


def child_preview_steps(vault_dir: str, asset_id: str, detail: str) -> dict:
    """Where the preview's time goes, each step on its own in one process: decrypt, parse,
    renderer creation, load (normals, wire-frame, points, add_geometry), first and next render —
    what the render child does, without the pipe."""
    from studio.core.assets import get_asset
    from studio.core.render.geometry import _lod_geometry, _ply_geometry
    from studio.core.render.preview import motion_size
    from studio.core.render.views import FOV_DEG, camera_for
    from studio.core.render.worker import _Renderer
    from studio.core.vault import Vault
    import numpy as np
    import open3d  # noqa: F401
    import plyfile  # noqa: F401
    import trimesh  # noqa: F401

    vault = Vault.open(Path(vault_dir), PASSPHRASE)
    asset = get_asset(vault, asset_id)
    steps = {}
    t = time.perf_counter()
    if detail == "lod":
        data = vault.derived.read_bytes(asset.file("lod").sha256)
        steps["decrypt_s"] = time.perf_counter() - t
        t = time.perf_counter()
        geometry = _lod_geometry(data)
        size = motion_size(*PREVIEW_SIZE)
    else:
        data = vault.blobs.read_bytes(asset.sha256)
        steps["decrypt_s"] = time.perf_counter() - t
        t = time.perf_counter()
        geometry = _ply_geometry(data)
        size = PREVIEW_SIZE
    steps["parse_s"] = time.perf_counter() - t
    wire = None
    if detail != "lod":
        # the still child draws the wire-frame from the LOD the motion child already holds
        # (Preview.frame's ``wire=``), decrypted and parsed by open_scene before: not counted here
        lod = _lod_geometry(vault.derived.read_bytes(asset.file("lod").sha256))
        wire = (np.ascontiguousarray(lod.positions, np.float32), np.ascontiguousarray(lod.triangles, np.int32))
    center, eye, up = camera_for(*geometry.bounds(), "front").eye_and_up()
    t = time.perf_counter()
    renderer = _Renderer(*size)
    steps["renderer_create_s"] = time.perf_counter() - t
    t = time.perf_counter()
    renderer.load(asset_id, geometry.positions, geometry.triangles, geometry.colors, wire)
    steps["load_s"] = time.perf_counter() - t
    t = time.perf_counter()
    image = renderer.render(asset_id, *size, center, eye, up, FOV_DEG, "shaded")
    steps["first_render_s"] = time.perf_counter() - t
    t = time.perf_counter()
    renderer.render(asset_id, *size, center, eye, up, FOV_DEG, "shaded")
    steps["second_render_s"] = time.perf_counter() - t
    steps["faces"] = int(len(geometry.triangles))
    steps["size"] = list(size)
    steps["payload_mib"] = (geometry.positions.nbytes + geometry.triangles.nbytes
                            + (geometry.colors.nbytes if geometry.colors is not None else 0)) / 2**20
    steps["drawn_fraction"] = _drawn(image)
    return steps


def child_cold(path: str, post_processing: str, n_frames: str = "0") -> dict:
    """What a user would otherwise do in a Python session with Open3D imported: read the
    original, normals, an 800x600 OffscreenRenderer, a defaultLit mesh, a camera that fits the
    bounds, the first render_to_image. ``post_processing="off"`` turns post-processing, AO,
    antialiasing and shadows off, as the app's render child does. Then ``n_frames`` more frames
    at other angles, timed (the peer's frame time for the full scan)."""
    import numpy as np
    import open3d as o3d

    from studio.core.render.views import FOV_DEG, camera_for  # a few lines of arithmetic

    rendering = o3d.visualization.rendering
    steps = {}
    t0 = t = time.perf_counter()
    mesh = o3d.io.read_triangle_mesh(path)
    steps["read_s"] = time.perf_counter() - t
    t = time.perf_counter()
    mesh.compute_vertex_normals()
    steps["normals_s"] = time.perf_counter() - t
    t = time.perf_counter()
    r = rendering.OffscreenRenderer(*PREVIEW_SIZE)
    if post_processing == "off":
        view = r.scene.view
        view.set_post_processing(False)
        view.set_ambient_occlusion(False)
        view.set_antialiasing(False)
        view.set_shadowing(False)
    steps["renderer_create_s"] = time.perf_counter() - t
    t = time.perf_counter()
    mat = rendering.MaterialRecord()
    mat.shader = "defaultLit"
    r.scene.add_geometry("scan", mesh, mat)
    center, eye, up = camera_for(mesh.get_min_bound(), mesh.get_max_bound(), "front").eye_and_up()
    r.setup_camera(FOV_DEG, center, eye, up)  # the app's front view, so both frames show the same
    steps["add_geometry_s"] = time.perf_counter() - t
    t = time.perf_counter()
    image = np.asarray(r.render_to_image())
    t1 = time.perf_counter()
    steps["first_render_s"] = t1 - t
    steps["wall_s"] = t1 - t0
    steps["faces"] = len(mesh.triangles)
    steps["drawn_fraction"] = _drawn(image)
    steps["open3d"] = o3d.__version__
    # then the frame time of the same renderer turning the full scan (what "still" costs there)
    home, frames = camera_for(mesh.get_min_bound(), mesh.get_max_bound(), "front"), []
    for i in range(1, int(n_frames) + 1):
        r.setup_camera(FOV_DEG, *home.orbit(36 * i, 0).eye_and_up())
        t = time.perf_counter()
        r.render_to_image()
        frames.append(time.perf_counter() - t)
    if frames:
        steps["frames"] = _ms_stats(frames)
    return steps


# -- package: export and open of ~1 GB of assets, next to tar | age ---------------------------

PKG_BRAND = "Maison Lumière"
PKG_TALENT_PASS = "the talent's own long phrase"


def child_package_setup(workdir: str, *paths: str) -> dict:
    """Setup for ``package`` (not measured): a vault with the assets ingested and approved, an
    active grant covering them, a brand with its keys (``workdir/brand``) and the studio's public
    key (``workdir/studio.pem``)."""
    from studio.core.consent.review import review_asset
    from studio.core.consent.talent_keys import set_talent_passphrase, unlock_talent_key
    from studio.core.intake import ingest_paths
    from studio.core.talents import add_talent
    from studio.core.vault import Vault
    from tests.core.helpers import BRAND, active_grant, brand, studio_pem

    assert BRAND == PKG_BRAND
    work = Path(workdir)
    vault = Vault.create(work / "vault", PASSPHRASE)
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
    card = brand(vault, work / "brand")
    studio_pem(vault, work / "studio.pem")
    vault.close()
    return {"grant_id": grant.id, "asset_ids": ids, "recipient": card.recipient, "ingest_s": ingest_s}


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
    from studio.core.vault import Vault

    _import_package_modules()
    vault = Vault.open(Path(vault_dir), PASSPHRASE)
    try:
        _reset_peak()
        start_rss = _rss_kib()
        t = time.perf_counter()
        cpu = _cpu_s()
        result = export_package(vault, grant_id, PKG_BRAND, Path(out))
        wall = time.perf_counter() - t
        cpu = _cpu_s() - cpu
        peak = _peak_kib() - start_rss
    finally:
        vault.close()
    marks = sorted({a.get("watermark", {}).get("method", "-") for a in result.manifest["assets"]})
    return {"wall_s": wall, "cpu_s": cpu, "peak_kib": peak, "start_rss_kib": start_rss,
            "bytes": Path(out).stat().st_size, "marks": marks}


def child_package_open(pkg: str, identity_dir: str, pem: str, out_dir: str) -> dict:
    from studio.core.package.unpack import open_package
    from studio.core.package.verify import load_studio_key

    _import_package_modules()
    studio_key = load_studio_key(Path(pem))
    _reset_peak()
    start_rss = _rss_kib()
    t = time.perf_counter()
    cpu = _cpu_s()
    result = open_package(Path(pkg), Path(identity_dir), studio_key, Path(out_dir))
    wall = time.perf_counter() - t
    cpu = _cpu_s() - cpu
    peak = _peak_kib() - start_rss
    return {"wall_s": wall, "cpu_s": cpu, "peak_kib": peak, "start_rss_kib": start_rss, "files": len(result.files)}


def _cpu_s() -> float:
    """User + system CPU seconds of this process, all its threads."""
    t = os.times()
    return t.user + t.system


class _Nowhere:
    """A writable that drops what it is given (for timing one step alone)."""

    def write(self, data) -> int:
        return len(data)

    def flush(self) -> None:
        pass


def child_package_phases(vault_dir: str, grant_id: str, workdir: str, pem: str, identity_dir: str) -> dict:
    """Where the package's time goes: each step alone in one process, into nowhere, then a real
    export and open (their own wall time here), then the primitives on the package file."""
    import hashlib
    import shutil
    import zlib

    import pyrage

    from studio.core.ids import new_id
    from studio.core.package.brand_keys import load_identity
    from studio.core.package.container import PAYLOAD, open_zip
    from studio.core.package.export import _Exporter, export_package, plan_export
    from studio.core.package.streams import produced
    from studio.core.package.unpack import open_package
    from studio.core.package.verify import load_studio_key, verify_package
    from studio.core.vault import Vault
    from studio.core.vault.blobs import HashingSink

    _import_package_modules()
    work = Path(workdir)
    pkg, copy, out = work / "phases.twinpkg", work / "phases.copy", work / "phases-opened"
    vault = Vault.open(Path(vault_dir), PASSPHRASE)
    steps: dict = {}

    def timed(name: str, fn) -> None:
        cpu = _cpu_s()
        t = time.perf_counter()
        fn()
        steps[name] = {"wall_s": time.perf_counter() - t, "cpu_s": _cpu_s() - cpu}

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
        timed("tar_stream", lambda: exp.write_tar(_Nowhere()))

        def tar_age():
            with produced(exp.write_tar) as stream:
                pyrage.encrypt_io(stream, _Nowhere(), [recipient])
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
                pyrage.encrypt_io(f, _Nowhere(), [recipient])
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
        identity = load_identity(Path(identity_dir)).identity
        timed("verify", lambda: verify_package(pkg, studio_key))

        def payload_decrypt():
            with open_zip(pkg) as zf, zf.open(PAYLOAD) as src:
                pyrage.decrypt_io(src, _Nowhere(), [identity])
        timed("payload_decrypt", payload_decrypt)
        timed("open", lambda: open_package(pkg, Path(identity_dir), studio_key, out))
    finally:
        vault.close()
        pkg.unlink(missing_ok=True)
        copy.unlink(missing_ok=True)
        shutil.rmtree(out, ignore_errors=True)
    return steps


# -- the parent -----------------------------------------------------------------------------

def make_body_ply(path: Path, subdivisions: int = 8) -> dict:
    """A scan-like closed surface of 1,310,720 triangles (20 * 4**subdivisions), 1.8 m tall, with
    normals and colours."""
    import numpy as np
    import trimesh

    sphere = trimesh.creation.icosphere(subdivisions=subdivisions)
    v = sphere.vertices * np.array([0.25, 0.9, 0.15])  # metres: a body-sized ellipsoid
    rng = np.random.default_rng(7)
    unit = sphere.vertices  # the unit sphere's points are its normals
    v = v + unit * rng.normal(0, 0.0015, (len(v), 1))  # scanner noise
    normals = unit / np.array([0.25, 0.9, 0.15])
    normals /= np.linalg.norm(normals, axis=1, keepdims=True)
    colors = np.clip(180 + rng.normal(0, 10, (len(v), 3)), 0, 255).astype(np.uint8)
    mesh = trimesh.Trimesh(v, sphere.faces, vertex_normals=normals, vertex_colors=colors, process=False)
    path.write_bytes(trimesh.exchange.ply.export_ply(mesh, encoding="binary", vertex_normal=True))
    in_memory = len(v) * 3 * 8 * 3 + len(sphere.faces) * 3 * 4  # Open3D: xyz, normals, colours (f64), int32 faces
    return {"faces": len(sphere.faces), "vertices": len(v), "file_mib": path.stat().st_size / 2**20,
            "mesh_in_memory_mib": in_memory / 2**20}


def _run_child(fn: str, *args: str, timeout: float | None = None, log: list | None = None) -> dict | None:
    """Run ``fn`` in a fresh interpreter; its JSON answer comes back on the original stdout, while
    whatever the libraries print (Filament logs to stdout) goes to stderr — appended to ``log``.
    ``None`` when it ran past ``timeout`` seconds."""
    code = (f"import json,os,sys; sys.path.insert(0,{str(HERE)!r}); out=os.dup(1); os.dup2(2,1); import run; "
            f"os.write(out, (json.dumps(run.{fn}(*sys.argv[1:])) + '\\n').encode())")
    try:
        out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=REPO,
                             timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    if log is not None:
        log.append(out.stderr)
    if out.returncode != 0:
        raise SystemExit(f"{fn} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def bench_ingest(repeats: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        ply = Path(tmp) / "body.ply"
        info = make_body_ply(ply)
        base, ours = [], []
        for i in range(repeats):
            base.append(_run_child("child_baseline", str(ply)))
            work = Path(tmp) / f"w{i}"
            work.mkdir()
            ours.append(_run_child("child_ingest", str(ply), str(work)))
    best = lambda rows, k: min(r[k] for r in rows)  # noqa: E731
    res = {
        "input": info,
        "baseline_wall_s": best(base, "wall_s"), "ingest_wall_s": best(ours, "wall_s"),
        "baseline_peak_mib": best(base, "peak_mib"), "ingest_peak_mib": best(ours, "peak_mib"),
    }
    res["time_ratio"] = res["ingest_wall_s"] / res["baseline_wall_s"]
    res["memory_vs_mesh"] = res["ingest_peak_mib"] / info["mesh_in_memory_mib"]
    print(f"\ningest of a {info['faces']:,}-triangle binary PLY ({info['file_mib']:.1f} MiB; "
          f"in-memory mesh {info['mesh_in_memory_mib']:.1f} MiB), best of {repeats}:")
    print(f"  {'':34}{'wall s':>10}{'peak MiB':>12}")
    print(f"  {'open3d read_triangle_mesh + sha256':34}{res['baseline_wall_s']:>10.2f}{res['baseline_peak_mib']:>12.1f}")
    print(f"  {'twin-studio ingest':34}{res['ingest_wall_s']:>10.2f}{res['ingest_peak_mib']:>12.1f}")
    print(f"  ratio ingest / baseline: time {res['time_ratio']:.2f}x (target <= 3x); "
          f"peak memory {res['memory_vs_mesh']:.2f}x the in-memory mesh (target <= 3x)")
    return res


COLD_DEFAULT_TIMEOUT_S = 120.0  # Open3D's default post-processing on llvmpipe: 3-10 s a frame


def _machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or platform.machine())
    mem = next((int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal:")), 0)
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(mem / 2**20, 1),
            "python": platform.python_version(), "system": platform.platform()}


def _vulkan_device(logs: list[str]) -> str:
    """The device Filament picked, from its log (e.g. llvmpipe)."""
    for text in logs:
        for line in text.splitlines():
            if line.startswith("Selected physical device"):
                return line.split("'")[1] if "'" in line else line
            if "Vulkan device driver:" in line:
                return line.split(":", 1)[1].strip()
    return "unknown"


def bench_preview(repeats: int) -> dict:
    logs: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        ply = Path(tmp) / "body.ply"
        info = make_body_ply(ply)
        small_ply = Path(tmp) / "small.ply"  # the scan shown before, for the warm case (has a LOD too)
        small_info = make_body_ply(small_ply, subdivisions=7)
        work = Path(tmp) / "app"
        work.mkdir()
        asset_id, small_id = _run_child("child_setup_vault", str(work), str(ply), str(small_ply))["asset_ids"]
        vault = str(work / "vault")
        cold, first, listed, warm = [], [], [], []
        for _ in range(repeats):  # interleaved, so that a slow spell of a shared VM hits all three
            cold.append(_run_child("child_cold", str(ply), "off", "10", log=logs))
            first.append(_run_child("child_preview", vault, asset_id, "first", "", "0"))
            listed.append(_run_child("child_preview", vault, asset_id, "listed", "", "0"))
            warm.append(_run_child("child_preview", vault, asset_id, "warm", small_id, "1"))
        cold_default = _run_child("child_cold", str(ply), "default", "3", timeout=COLD_DEFAULT_TIMEOUT_S, log=logs)
        steps_lod = _run_child("child_preview_steps", vault, asset_id, "lod", log=logs)
        steps_full = _run_child("child_preview_steps", vault, asset_id, "full", log=logs)
        spawn = [_run_child("child_spawn") for _ in range(3)]

    best = lambda rows, k: min(r[k] for r in rows)  # noqa: E731
    median = lambda rows, k: statistics.median(r[k] for r in rows)  # noqa: E731
    pooled = lambda rows, k: _pool([r[k] for r in rows])  # noqa: E731
    res = {
        "input": info, "warm_up_input": small_info, "machine": _machine(), "open3d": cold[0]["open3d"],
        "vulkan_device": _vulkan_device(logs), "size": list(PREVIEW_SIZE), "repeats": repeats,
        "cold_default_s": cold_default["wall_s"] if cold_default else None,
        "cold_default_timed_out_s": None if cold_default else COLD_DEFAULT_TIMEOUT_S,
        "cold_default": cold_default,
        "cold_off_s": best(cold, "wall_s"), "cold_off_median_s": median(cold, "wall_s"),
        "orbit": pooled(warm, "orbit"), "still": pooled(warm, "still"),
        "cold_off_frames": pooled(cold, "frames"),
        "lod_faces": warm[0]["lod_faces"], "motion_size": warm[0]["first_frame_shape"][1::-1],
        "spawn_s": best(spawn, "spawn_s"),
        "runs": {"cold_off": cold, "first": first, "listed": listed, "warm": warm, "spawn": spawn},
        "steps": {"lod": steps_lod, "full": steps_full},
    }
    for case, rows in (("first", first), ("listed", listed), ("warm", warm)):
        c = res[case] = {"first_frame_s": best(rows, "first_frame_s"),
                         "first_full_frame_s": best(rows, "first_full_frame_s"),
                         "first_frame_median_s": median(rows, "first_frame_s"),
                         "first_full_frame_median_s": median(rows, "first_full_frame_s")}
        c["first_frame_ratio"] = c["first_frame_s"] / res["cold_off_s"]
        c["first_full_frame_ratio"] = c["first_full_frame_s"] / res["cold_off_s"]
        c["run_ratios"] = [r["first_frame_s"] / k["wall_s"] for r, k in zip(rows, cold)]
        c["target_met"] = c["first_frame_ratio"] <= 0.5
    _print_preview(res)
    return res


def _pool(stats: list[dict]) -> dict:
    """Frame times of several runs as one: median of the runs' medians, worst p90."""
    return {"median_ms": statistics.median(s["median_ms"] for s in stats),
            "p90_ms": max(s["p90_ms"] for s in stats), "n": sum(s["n"] for s in stats)}


def _print_preview(res: dict) -> None:
    m, info = res["machine"], res["input"]
    w, h = res["size"]
    mw, mh = res["motion_size"]
    print(f"\npreview of the ingested {info['faces']:,}-triangle scan at {w}x{h}, best of {res['repeats']} "
          f"(cold with Open3D's defaults: one run)")
    print(f"  {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB; Open3D {res['open3d']}; "
          f"Vulkan device: {res['vulkan_device']}")
    row = lambda label, s: print(f"  {label:76}{s:>10}")  # noqa: E731
    row("", "s")
    if res["cold_default_s"] is not None:
        row("cold: read_triangle_mesh + first render_to_image, Open3D defaults", f"{res['cold_default_s']:.2f}")
    else:
        row("cold: read_triangle_mesh + first render_to_image, Open3D defaults", f"> {res['cold_default_timed_out_s']:.0f}")
    row("cold: the same, post-processing / AO / AA / shadows off", f"{res['cold_off_s']:.2f}")
    labels = {"first": "first scan after launch, cold children", "listed": "first scan, clicked 1 s after listing",
              "warm": "any later scan (warm spare)"}
    for case in ("first", "listed", "warm"):
        c = res[case]
        row(f"{labels[case]}: selected -> first frame (LOD, {res['lod_faces']:,} tri, {mw}x{mh})",
            f"{c['first_frame_s']:.2f}")
        row(f"{labels[case]}: selected -> first full-detail frame ({w}x{h})", f"{c['first_full_frame_s']:.2f}")
    for case in ("first", "listed", "warm"):
        c = res[case]
        verdict = "met" if c["target_met"] else "NOT met"
        print(f"  {labels[case]}: first frame / cold (post-processing off) {c['first_frame_ratio']:.2f}x "
              f"(target <= 0.5x: {verdict}; run by run "
              + ", ".join(f"{x:.2f}" for x in c["run_ratios"]) + f"); first full-detail frame "
              f"{c['first_full_frame_ratio']:.2f}x")
        if res["cold_default_s"] is not None:
            print(f"    (against Open3D's defaults: {c['first_frame_s'] / res['cold_default_s']:.2f}x and "
                  f"{c['first_full_frame_s'] / res['cold_default_s']:.2f}x)")
    print(f"  medians of the runs, s: cold (off) {res['cold_off_median_s']:.2f}; "
          + "; ".join(f"{case}: first frame {res[case]['first_frame_median_s']:.2f}, full "
                      f"{res[case]['first_full_frame_median_s']:.2f}" for case in ("first", "listed", "warm")))
    o, st, c = res["orbit"], res["still"], res["cold_off_frames"]
    cd = (res["cold_default"] or {}).get("frames")
    frames = [(f"twin-studio orbiting (LOD, {mw}x{mh}), {o['n']} frames", o),
              (f"twin-studio still (full scan, {w}x{h}), {st['n']} frames", st),
              (f"cold renderer, post-processing off (full scan), {c['n']} frames", c)]
    if cd:
        frames.append((f"cold renderer, Open3D defaults (full scan), {cd['n']} frames", cd))
    print(f"  {'frame time, ms':76}{'median':>10}{'p90':>8}")
    for label, f in frames:
        print(f"  {label:76}{f['median_ms']:>10.0f}{f['p90_ms']:>8.0f}")
    print(f"  where the time goes, s (each step alone in one process, as the render child does it); "
          f"a render child's start-up (spawn, import Open3D, ping): {res['spawn_s']:.2f}")
    cols = ["decrypt", "parse/read", "renderer", "load", "1st render", "next"]
    print(f"    {'':12}" + "".join(f"{x:>12}" for x in cols))
    for which in ("lod", "full"):
        x = res["steps"][which]
        vals = [x["decrypt_s"], x["parse_s"], x["renderer_create_s"], x["load_s"], x["first_render_s"],
                x["second_render_s"]]
        print(f"    {which:12}" + "".join(f"{v:>12.3f}" for v in vals))
    x = res["runs"]["cold_off"][0]
    vals = [x["read_s"] + x["normals_s"], x["renderer_create_s"], x["add_geometry_s"], x["first_render_s"],
            x["frames"]["median_ms"] / 1000]
    print(f"    {'cold (off)':12}{'':>12}" + "".join(f"{v:>12.3f}" for v in vals))
    for case in ("first", "listed", "warm"):
        r = min(res["runs"][case], key=lambda r: r["first_frame_s"])
        print(f"    {case} (its best run): open_scene {r['open_scene_s']:.3f}, first frame {r['first_frame_s']:.3f}, "
              f"first full frame {r['first_full_frame_s']:.3f}")


# -- package --------------------------------------------------------------------------------

PKG_MESHES = 4  # big scans per asset set
PKG_TAKES = 3  # voice takes per asset set
PKG_VOICE_SHARE = 0.04  # of the total size: ~41 MB of voice at 1024 MB
PKG_SMALL_DIVISOR = 4  # the second, smaller size that shows whether memory stays flat
PKG_TARGET_RATIO = 1.3
PKG_TARGET_PEAK_MB = 300.0
MB = 1e6


def make_big_body_ply(path: Path, target_bytes: int, seed: int) -> dict:
    """A closed, body-sized surface (an ellipsoid 1.8 m tall, 0.5 m wide, 0.3 m deep, in metres,
    with 1.5 mm of scanner noise) as a binary little-endian PLY: float32 x, y, z vertices and
    uchar-list faces of int32 indices, about ``target_bytes`` long. A latitude-longitude grid
    (a pole vertex at each end) written row block by row block, so memory stays small."""
    import numpy as np

    cols = 2048
    rows = max(4, round(target_bytes / (38 * cols)))  # 12 bytes a vertex + 2 faces of 13 bytes each
    nv, nf = rows * cols + 2, 2 * rows * cols
    rng = np.random.default_rng(seed)
    axes = np.array([0.25, 0.9, 0.15])
    face_t = np.dtype([("n", "u1"), ("v", "<i4", (3,))])
    header = (f"ply\nformat binary_little_endian 1.0\ncomment twin-studio benchmark body {seed}\n"
              f"element vertex {nv}\nproperty float x\nproperty float y\nproperty float z\n"
              f"element face {nf}\nproperty list uchar int vertex_indices\nend_header\n").encode()
    block = 256
    col = np.arange(cols)
    with open(path, "wb") as f:
        f.write(header)
        f.write(np.array([[0, 0.9 + 0.9, 0]], "<f4").tobytes())  # the north pole (feet at y = 0)
        for r0 in range(0, rows, block):
            r = np.arange(r0, min(rows, r0 + block))
            theta = np.pi * (r[:, None] + 1) / (rows + 1) + rng.normal(0, 0.1 / rows, (len(r), cols))
            phi = 2 * np.pi * (col[None, :] + rng.uniform(-0.25, 0.25, (len(r), cols))) / cols
            unit = np.stack([np.sin(theta) * np.cos(phi), np.cos(theta), np.sin(theta) * np.sin(phi)], axis=-1)
            v = unit * axes * (1 + rng.normal(0, 0.0015, (len(r), cols, 1)) / axes.mean())
            v[..., 1] += 0.9
            f.write(v.reshape(-1, 3).astype("<f4").tobytes())
        f.write(np.array([[0, 0.0, 0]], "<f4").tobytes())  # the south pole
        south = nv - 1
        top = np.empty(cols, face_t)
        top["n"] = 3
        top["v"] = np.stack([np.zeros(cols, int), 1 + (col + 1) % cols, 1 + col], axis=1)
        f.write(top.tobytes())
        for r0 in range(0, rows - 1, block):
            r = np.arange(r0, min(rows - 1, r0 + block))[:, None]
            a = 1 + r * cols + col[None, :]
            e = 1 + r * cols + (col[None, :] + 1) % cols
            b, d = a + cols, e + cols
            quads = np.empty((len(r), cols, 2), face_t)
            quads["n"] = 3
            quads["v"][:, :, 0] = np.stack([a, e, d], axis=-1)
            quads["v"][:, :, 1] = np.stack([a, d, b], axis=-1)
            f.write(quads.tobytes())
        last = 1 + (rows - 1) * cols
        bottom = np.empty(cols, face_t)
        bottom["n"] = 3
        bottom["v"] = np.stack([np.full(cols, south), last + col, last + (col + 1) % cols], axis=1)
        f.write(bottom.tobytes())
    return {"vertices": nv, "faces": nf, "bytes": path.stat().st_size}


def make_voice_wav(path: Path, target_bytes: int, seed: int, rate: int = 48_000) -> dict:
    """A mono 16-bit PCM WAV take of about ``target_bytes``: band-limited noise (a voice-like
    300–3400 Hz band) under a slowly gliding tone, with syllable-rate loudness changes and pauses."""
    import wave

    import numpy as np

    rng = np.random.default_rng(seed)
    frames = max(rate, (target_bytes - 44) // 2)
    freqs = np.fft.rfftfreq(rate, 1 / rate)
    band = (freqs > 300) & (freqs < 3400)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        done = 0
        while done < frames:
            n = min(rate, frames - done)
            spectrum = np.fft.rfft(rng.normal(0, 1, rate)) * band
            noise = np.fft.irfft(spectrum, rate)[:n]
            noise /= noise.std() + 1e-9
            t = (done + np.arange(n)) / rate
            tone = np.sin(2 * np.pi * (140 + 30 * np.sin(2 * np.pi * 0.3 * t)) * t)
            envelope = np.clip(np.sin(2 * np.pi * 3.1 * t) + 0.3, 0, None) * (rng.random() > 0.15)
            x = 0.08 * envelope * (0.6 * noise + 0.8 * tone)
            w.writeframes((np.clip(x, -1, 1) * 32767).astype("<i2").tobytes())
            done += n
    return {"seconds": frames / rate, "bytes": path.stat().st_size}


def make_package_assets(folder: Path, size_mb: float) -> list[Path]:
    total = int(size_mb * MB)
    voice = int(total * PKG_VOICE_SHARE)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(PKG_MESHES):
        p = folder / f"body_scan_{i + 1}.ply"
        make_big_body_ply(p, (total - voice) // PKG_MESHES, seed=100 + i)
        paths.append(p)
    for i in range(PKG_TAKES):
        p = folder / f"voice_take_{i + 1}.wav"
        make_voice_wav(p, voice // PKG_TAKES, seed=200 + i)
        paths.append(p)
    return paths


def _timed_pipeline(script: str, env: dict) -> dict:
    """Run ``script`` (a bash pipeline whose commands are each wrapped in ``/usr/bin/time -o
    "$TIMES/<name>" -f "%M %U %S"``): wall time, each process's peak RSS (KiB) and the CPU time
    of all, from those files (one file each: the processes end at the same moment, and lines on a
    shared stderr mix)."""
    with tempfile.TemporaryDirectory() as times:
        t = time.perf_counter()
        out = subprocess.run(["bash", "-c", "set -o pipefail; " + script], capture_output=True, text=True,
                             env={**os.environ, **env, "TIMES": times})
        wall = time.perf_counter() - t
        if out.returncode != 0:
            raise SystemExit(f"peer pipeline failed ({out.returncode}):\n{script}\n{out.stderr}")
        fields = {p.name: p.read_text().split()[-3:] for p in Path(times).iterdir()}
    peaks = {name: int(f[0]) for name, f in fields.items()}
    cpu = sum(float(f[1]) + float(f[2]) for f in fields.values())
    return {"wall_s": wall, "cpu_s": cpu, "peak_kib": max(peaks.values()), "peaks_kib": peaks}


def _peer(kind: str, src: Path, names: list[str], recipient: str, identity: Path, pkg: Path, out_dir: Path) -> dict:
    """The peer: ``tar -c | age -r`` (export) or ``age -d -i | tar -x`` (open), on the original files."""
    env = {"SRC": str(src), "RECIPIENT": recipient, "IDENTITY": str(identity), "PKG": str(pkg), "OUTDIR": str(out_dir)}
    files = " ".join(f"'{n}'" for n in names)  # generated names: no quotes in them
    timed = '/usr/bin/time -o "$TIMES/{}" -f "%M %U %S" '
    if kind == "export":
        script = (timed.format("tar") + f'tar -c -C "$SRC" {files} | '
                  + timed.format("age") + 'age -r "$RECIPIENT" > "$PKG"')
    elif kind == "open":
        script = (timed.format("age") + 'age -d -i "$IDENTITY" "$PKG" | '
                  + timed.format("tar") + 'tar -x -C "$OUTDIR"')
    # the peer's steps alone, for "where the time goes" (PKG is then a finished tar.age)
    elif kind == "tar-c":
        # through cat: GNU tar writing to /dev/null itself skips reading the files
        script = timed.format("tar") + f'tar -c -C "$SRC" {files} | cat > /dev/null'
    elif kind == "age-r":
        script = timed.format("age") + 'age -r "$RECIPIENT" < "$PKG" > /dev/null'
    elif kind == "age-d":
        script = timed.format("age") + 'age -d -i "$IDENTITY" "$PKG" > /dev/null'
    else:
        raise ValueError(kind)
    return _timed_pipeline(script, env)


def _package_round(side: str, folder: Path, setup: dict, names: list[str]) -> dict:
    """One export and one open by ``side`` ("ours" or "peer"); their outputs are removed after."""
    import shutil

    app = folder / "app"
    pkg, out = folder / f"{side}.out", folder / f"{side}-opened"
    try:
        os.sync()  # the previous step's writeback is not this one's
        if side == "ours":
            export = _run_child("child_package_export", str(app / "vault"), setup["grant_id"], str(pkg))
            os.sync()
            opened = _run_child("child_package_open", str(pkg), str(app / "brand"), str(app / "studio.pem"), str(out))
        else:
            identity = app / "brand" / "identity.txt"
            export = _peer("export", folder / "assets", names, setup["recipient"], identity, pkg, out)
            export["bytes"] = pkg.stat().st_size
            os.sync()
            out.mkdir()
            opened = _peer("open", folder / "assets", names, setup["recipient"], identity, pkg, out)
        return {"export": export, "open": opened}
    finally:
        pkg.unlink(missing_ok=True)
        shutil.rmtree(out, ignore_errors=True)


def _package_phases(folder: Path, setup: dict, names: list[str]) -> dict:
    """Each step alone, ours (in one child) and the peer's (tar to nowhere, age on a finished file)."""
    app = folder / "app"
    os.sync()
    ours = _run_child("child_package_phases", str(app / "vault"), setup["grant_id"], str(folder), str(app / "studio.pem"),
                      str(app / "brand"))
    identity, pkg = app / "brand" / "identity.txt", folder / "peer-phases.tar.age"
    peer = {}
    try:
        _peer("export", folder / "assets", names, setup["recipient"], identity, pkg, folder)
        os.sync()
        for kind in ("tar-c", "age-r", "age-d"):
            peer[kind] = _peer(kind, folder / "assets", names, setup["recipient"], identity, pkg, folder)
    finally:
        pkg.unlink(missing_ok=True)
    return {"ours": ours, "peer": peer}


def _package_at(tmp: Path, size_mb: float, repeats: int, phases: bool) -> dict:
    import shutil

    folder = tmp / f"size-{size_mb:g}"
    t = time.perf_counter()
    paths = make_package_assets(folder / "assets", size_mb)
    generate_s = time.perf_counter() - t
    setup = _run_child("child_package_setup", str(folder / "app"), *map(str, paths))
    names = [p.name for p in paths]
    files = [{"name": p.name, "bytes": p.stat().st_size} for p in paths]
    runs: dict[str, list] = {"ours": [], "peer": []}
    for i in range(-1, repeats):  # round -1: a warm-up of both sides, not counted
        order = ("ours", "peer") if i % 2 == 0 or i < 0 else ("peer", "ours")  # alternate who goes first
        for side in order:
            r = _package_round(side, folder, setup, names)
            if i >= 0:
                runs[side].append(r)
    steps = _package_phases(folder, setup, names) if phases else None
    shutil.rmtree(folder, ignore_errors=True)
    res = {"size_mb": size_mb, "files": files, "total_bytes": sum(f["bytes"] for f in files),
           "generate_s": generate_s, "ingest_s": setup["ingest_s"], "runs": runs,
           "marks": runs["ours"][0]["export"]["marks"], "steps": steps}
    for side in ("ours", "peer"):
        for step in ("export", "open"):
            walls = [r[step]["wall_s"] for r in runs[side]]
            res[f"{side}_{step}"] = {"best_s": min(walls), "median_s": statistics.median(walls),
                                     "walls_s": walls, "cpu_s": min(r[step]["cpu_s"] for r in runs[side]),
                                     "peak_mb": max(r[step]["peak_kib"] for r in runs[side]) * 1024 / MB}
    for step in ("export", "open"):
        o, p = res[f"ours_{step}"], res[f"peer_{step}"]
        res[f"{step}_ratio"] = o["best_s"] / p["best_s"]
        res[f"{step}_ratio_median"] = o["median_s"] / p["median_s"]
    return res


def bench_package(repeats: int, size_mb: float = 1024) -> dict:
    sizes = [size_mb, size_mb / PKG_SMALL_DIVISOR]
    with tempfile.TemporaryDirectory(prefix="twin-bench-package-") as tmp:
        at = [_package_at(Path(tmp), s, repeats, phases=s == size_mb) for s in sizes]
    res = {"machine": _machine(), "repeats": repeats, "sizes": at,
           "age": subprocess.run(["age", "--version"], capture_output=True, text=True).stdout.strip(),
           "tar": subprocess.run(["tar", "--version"], capture_output=True, text=True).stdout.splitlines()[0]}
    big = at[0]
    res["ratio_met"] = all(big[f"{s}_ratio"] <= PKG_TARGET_RATIO for s in ("export", "open"))
    res["memory_met"] = all(x[f"ours_{s}"]["peak_mb"] < PKG_TARGET_PEAK_MB for x in at for s in ("export", "open"))
    _print_package(res)
    return res


def _print_package(res: dict) -> None:
    m = res["machine"]
    print(f"\npackage: export and open, twin-studio next to tar | age on the same files, best of "
          f"{res['repeats']} (median), after one warm-up round; order alternates")
    print(f"  {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB; {res['age']}, {res['tar']}")
    for x in res["sizes"]:
        meshes = [f for f in x["files"] if f["name"].endswith(".ply")]
        voice = [f for f in x["files"] if f["name"].endswith(".wav")]
        print(f"  {x['size_mb']:g} MB set: {x['total_bytes'] / MB:.0f} MB = {len(meshes)} binary PLY scans of "
              f"~{meshes[0]['bytes'] / MB:.0f} MB + {len(voice)} WAV takes ({sum(f['bytes'] for f in voice) / MB:.0f} MB); "
              f"marks: {', '.join(x['marks'])}; setup ingest {x['ingest_s']:.0f} s")
    print(f"  {'wall s: best (median)':22}{'ours':>16}{'peer':>16}{'ratio':>14}{'ours MB':>10}{'peer MB':>10}"
          f"{'CPU s ours':>12}{'peer':>7}")
    for x in res["sizes"]:
        for step in ("export", "open"):
            o, p = x[f"ours_{step}"], x[f"peer_{step}"]
            print(f"  {step + ' ' + format(x['size_mb'], 'g') + ' MB':22}"
                  f"{o['best_s']:>8.2f} ({o['median_s']:5.2f})"
                  f"{p['best_s']:>8.2f} ({p['median_s']:5.2f})"
                  f"{x[step + '_ratio']:>6.2f}x ({x[step + '_ratio_median']:.2f})"
                  f"{o['peak_mb']:>10.0f}{p['peak_mb']:>10.0f}{o['cpu_s']:>12.2f}{p['cpu_s']:>7.2f}")
    big, small = res["sizes"]
    print(f"  peak memory (ours; the process's VmHWM growth during the call, worst run; peer: the larger of "
          f"its two processes): export {small['ours_export']['peak_mb']:.0f} MB at {small['size_mb']:g} MB, "
          f"{big['ours_export']['peak_mb']:.0f} MB at {big['size_mb']:g} MB; open "
          f"{small['ours_open']['peak_mb']:.0f} / {big['ours_open']['peak_mb']:.0f} MB")
    print(f"  targets: ratio <= {PKG_TARGET_RATIO}x: {'met' if res['ratio_met'] else 'NOT met'}; peak memory < "
          f"{PKG_TARGET_PEAK_MB:.0f} MB at both sizes: {'met' if res['memory_met'] else 'NOT met'}")
    steps = big.get("steps")
    if steps:
        o, p = steps["ours"], steps["peer"]
        gb = o["package_bytes"] / MB
        print(f"  where the time goes at {big['size_mb']:g} MB (each step alone, one process, output to nowhere "
              f"unless said; wall s / CPU s):")
        rows = [
            ("ours: decrypt every blob from the vault (age + SHA-256 check)", o["decrypt_blobs"]),
            ("ours: read the heads to choose marks (_decide)", o["decide_heads"]),
            ("ours: decrypt + mark + SHA-256 of each file", o["decrypt_mark_sha"]),
            ("ours: the whole tar stream (the above + tar headers)", o["tar_stream"]),
            ("ours: tar stream -> pipe -> pyrage encrypt", o["tar_stream_age"]),
            ("ours: export_package (the above + zip, 2 more SHA-256, file, fsync)", o["export"]),
            (f"  pyrage encrypt of the {gb:.0f} MB package file", o["age_encrypt_file"]),
            (f"  read the package file ({gb:.0f} MB, cached)", o["read_file"]),
            ("  read + SHA-256", o["read_sha256"]),
            ("  read + CRC-32", o["read_crc32"]),
            ("  copy to a new file (no fsync)", o["write_copy"]),
            ("  fsync of that copy", o["fsync_copy"]),
            ("ours: verify_package", o["verify"]),
            ("ours: decrypt the payload (zip entry -> pyrage)", o["payload_decrypt"]),
            ("ours: open_package (verify + decrypt + untar + SHA-256 + write + fsync)", o["open"]),
            ("peer: tar -c of the originals (| cat > /dev/null)", p["tar-c"]),
            ("peer: age -r of the tar.age file", p["age-r"]),
            ("peer: age -d of the tar.age file", p["age-d"]),
        ]
        for label, r in rows:
            print(f"    {label:76}{r['wall_s']:>8.2f}{r['cpu_s']:>8.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("which", nargs="*", help="benchmarks to run: ingest, preview, package (default: all)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--size-mb", type=float, default=1024,
                        help="package: the size of the generated asset set, MB (default 1024; also run at a quarter)")
    parser.add_argument("--json", metavar="FILE", help="also write the figures to FILE")
    args = parser.parse_args()
    print(f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    results = {}
    which = args.which or ["ingest", "preview", "package"]
    unknown = set(which) - {"ingest", "preview", "package"}
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    if "ingest" in which:
        results["ingest"] = bench_ingest(args.repeats)
    if "preview" in which:
        results["preview"] = bench_preview(args.repeats)
    if "package" in which:
        results["package"] = bench_package(args.repeats, args.size_mb)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
