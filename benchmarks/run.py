"""Benchmarks, side by side with the peer tool. One command:

    .venv/bin/python benchmarks/run.py            # all
    .venv/bin/python benchmarks/run.py ingest     # one
    .venv/bin/python benchmarks/run.py preview

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("which", nargs="*", help="benchmarks to run: ingest, preview (default: all)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", metavar="FILE", help="also write the figures to FILE")
    args = parser.parse_args()
    print(f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    results = {}
    which = args.which or ["ingest", "preview"]
    unknown = set(which) - {"ingest", "preview"}
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    if "ingest" in which:
        results["ingest"] = bench_ingest(args.repeats)
    if "preview" in which:
        results["preview"] = bench_preview(args.repeats)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
