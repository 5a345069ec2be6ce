"""What the ``preview`` benchmark runs in its child processes: the running app's preview
(``child_preview``), a render child's start-up alone, the preview's steps one by one, and the cold
path a user would otherwise take with Open3D alone (``child_cold``). Their figures go back to
``benchmarks.preview`` as JSON."""

from __future__ import annotations

import time
from pathlib import Path

from benchmarks.harness import PASSPHRASE, ms_stats

LISTED_PAUSE_S = 1.0  # the operator's moment between seeing the grid and clicking a scan
PREVIEW_SIZE = (800, 600)
ORBIT_FRAMES = 20
STILL_FRAMES = 10


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


def _drawn(image) -> float:
    """The fraction of pixels that are not the background (a frame that drew nothing is an error)."""
    import numpy as np

    corner = image[0, 0].astype(int)
    return float((np.abs(image.astype(int) - corner).sum(axis=2) > 12).mean())


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
            "lod_faces": int(len(scene.motion.triangles)), "full_faces": int(scene.asset.metrics["faces"]),
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
            res.update(orbit=ms_stats(orbit), still=ms_stats(still))
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
    arrays = {"positions": geometry.positions, "triangles": geometry.triangles}
    if geometry.colors is not None:
        arrays["colors"] = geometry.colors
    if wire is not None:
        arrays["wire_positions"], arrays["wire_triangles"] = wire
    renderer.load(asset_id, arrays)
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
        steps["frames"] = ms_stats(frames)
    return steps
