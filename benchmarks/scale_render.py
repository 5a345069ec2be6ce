"""``scale_render``: big scans in the renderer (DR023). At 1.3 M, 5 M, 10 M and 20 M triangles
(generated body-sized binary PLYs, ingested into a fresh vault: setup, not measured):

- ``twin-studio render`` of an 800×600 still, as a user runs it (vault unlock included), and the
  same still with the vault already open (``render_still`` alone);
- the app's preview: first (LOD, half-size) frame, first full-detail frame, orbit frame time;

each with the peak memory of the whole process tree (parent and render children, summed RSS
sampled every 50 ms), next to Open3D's own cold path on the same file (``read_triangle_mesh``,
normals, an 800×600 OffscreenRenderer with post-processing off, first ``render_to_image``), with
ratios. Targets: wall ≤ 1× and memory ≤ 1.5× Open3D's at every size.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.harness import PASSPHRASE, REPO, machine

SIZES_M = (1.3, 5.0, 10.0, 20.0)
STILL_SIZE = (800, 600)
ORBIT_FRAMES = 5


def _tree_run(cmd: list[str], env: dict | None = None, timeout: float = 1800) -> dict:
    """Run ``cmd``; wall time, the peak of its process tree's summed RSS, its last stdout line."""
    import psutil

    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO,
                            env={**os.environ, **(env or {})})
    root, peak = psutil.Process(proc.pid), 0
    while proc.poll() is None:
        try:
            peak = max(peak, sum(p.memory_info().rss for p in [root, *root.children(recursive=True)]))
        except psutil.Error:
            pass
        time.sleep(0.05)
        if time.perf_counter() - t > timeout:
            proc.kill()
    out, err = proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"{cmd[:4]} failed ({proc.returncode}):\n{err[-3000:]}")
    last = out.strip().splitlines()[-1] if out.strip() else ""
    return {"wall_s": time.perf_counter() - t, "peak_mib": peak / 2**20, "stdout": last, "stderr": err[-500:]}


def _child(fn: str, *args: str) -> dict:
    """A function of this module in a fresh interpreter, measured as a process tree."""
    code = (f"import json,os,sys; sys.path.insert(0,{str(REPO)!r}); out=os.dup(1); os.dup2(2,1); "
            f"from benchmarks import scale_render as m; "
            f"os.write(out, (json.dumps(m.{fn}(*sys.argv[1:])) + '\\n').encode())")
    run = _tree_run([sys.executable, "-c", code, *args])
    return {**json.loads(run["stdout"]), "tree_wall_s": run["wall_s"], "peak_mib": run["peak_mib"]}


def child_still(vault_dir: str, asset_id: str, out: str) -> dict:
    """``render_still`` with the vault already open (the CLI without its unlock)."""
    from studio.core.render.still import render_still
    from studio.core.vault import Vault

    vault = Vault.open(Path(vault_dir), PASSPHRASE)
    notes: list[str] = []
    t = time.perf_counter()
    render_still(vault, asset_id, Path(out), STILL_SIZE, overwrite=True, on_reduced=notes.append)
    return {"still_s": time.perf_counter() - t, "reduced": notes[0] if notes else None}


def child_preview(vault_dir: str, asset_id: str) -> dict:
    """The app's preview of a scan: first frame, the intermediate still where the preview steps
    up (DR023), the first full-detail frame, then orbit frames."""
    from studio.core.render.preview import Preview, open_scene
    from studio.core.vault import Vault

    vault = Vault.open(Path(vault_dir), PASSPHRASE)
    preview = Preview(spare=False)
    try:
        t0 = time.perf_counter()
        scene = open_scene(vault, asset_id)
        preview.frame(vault, scene, scene.home, "shaded", STILL_SIZE, moving=True)
        t1 = time.perf_counter()
        preview.frame(vault, scene, scene.home, "shaded", STILL_SIZE, moving=False)
        t_step = time.perf_counter()
        stepped = scene.finer_follows  # that still was the ~1 M-face level; the finest follows (DR023)
        if stepped:
            preview.frame(vault, scene, scene.home, "shaded", STILL_SIZE, moving=False)
        t2 = time.perf_counter()
        orbit = []
        for i in range(1, ORBIT_FRAMES + 1):
            t = time.perf_counter()
            preview.frame(vault, scene, scene.home.orbit(5 * i, 0), "shaded", STILL_SIZE, moving=True)
            orbit.append(time.perf_counter() - t)
        orbit.sort()
        return {"first_frame_s": t1 - t0, "first_full_frame_s": t2 - t0,
                "step_frame_s": (t_step - t0) if stepped else None,
                "orbit_median_ms": orbit[len(orbit) // 2] * 1000, "reduced": scene.reduced}
    finally:
        preview.close()
        vault.close()


def _row(millions: float, tmp: Path) -> dict:
    from benchmarks.harness import run_child
    from benchmarks.preview_children import child_setup_vault
    from tests.generators import big_body_ply

    ply = tmp / f"body-{millions}m.ply"
    info = big_body_ply(ply, int(millions * 1e6 * 19), seed=int(millions * 10))
    work = tmp / f"w{millions}"
    work.mkdir()
    (asset_id,) = run_child(child_setup_vault, str(work), str(ply))["asset_ids"]
    vault = str(work / "vault")
    cold_code = (f"import json,sys; sys.path.insert(0,{str(REPO)!r}); "
                 "from benchmarks.preview_children import child_cold; "
                 "print(json.dumps(child_cold(sys.argv[1], 'off', '0')))")
    cold_run = _tree_run([sys.executable, "-c", cold_code, str(ply)])
    cold = {**json.loads(cold_run["stdout"]), "peak_mib": cold_run["peak_mib"], "tree_wall_s": cold_run["wall_s"]}
    pp = tmp / "pp.txt"
    pp.write_text(PASSPHRASE + "\n")
    cli = _tree_run([sys.executable, "-m", "studio.cli", "render", asset_id, "--out", str(tmp / "cli.png"), "--force",
                     "--size", "x".join(map(str, STILL_SIZE)), "--vault", vault, "--passphrase-file", str(pp)])
    still = _child("child_still", vault, asset_id, str(tmp / "still.png"))
    prev = _child("child_preview", vault, asset_id)
    ply.unlink()
    row = {"triangles": info["faces"], "file_mb": info["bytes"] / 1e6,
           "cold_s": cold["wall_s"], "cold_first_render_s": cold["first_render_s"], "cold_peak_mib": cold["peak_mib"],
           "cli_s": cli["wall_s"], "cli_peak_mib": cli["peak_mib"], "cli_note": cli["stderr"].strip() or None,
           "still_s": still["still_s"], "still_peak_mib": still["peak_mib"],
           "first_frame_s": prev["first_frame_s"], "first_full_frame_s": prev["first_full_frame_s"],
           "step_frame_s": prev.get("step_frame_s"), "orbit_median_ms": prev["orbit_median_ms"], "preview_peak_mib": prev["peak_mib"],
           "preview_reduced": prev["reduced"]}
    for k in ("cli_s", "still_s", "first_full_frame_s"):
        row[k.replace("_s", "") + "_time_ratio"] = row[k] / row["cold_s"]
    for k in ("cli_peak_mib", "still_peak_mib", "preview_peak_mib"):
        row[k.replace("_peak_mib", "") + "_memory_ratio"] = row[k] / row["cold_peak_mib"]
    print(json.dumps(row), flush=True)
    return row


def bench(sizes=SIZES_M) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        rows = [_row(m, Path(tmp)) for m in sizes]
    res = {"machine": machine(), "load_before": os.getloadavg(), "rows": rows}
    print_table(res)
    return res


def print_table(res: dict) -> None:
    print(f"\nscale_render — {res['machine']['cores']} cores, {res['machine']['memory_gib']} GiB")
    print(f"{'triangles':>11} {'O3D s':>7} {'O3D MiB':>8} | {'CLI s':>6} {'×':>5} {'CLI MiB':>8} {'×':>5} | "
          f"{'still s':>7} {'×':>5} {'MiB':>6} {'×':>5} | {'1st s':>6} {'step s':>6} {'full s':>6} {'×':>5} {'orbit ms':>8} "
          f"{'MiB':>6} {'×':>5}")
    for r in res["rows"]:
        print(f"{r['triangles']:>11,} {r['cold_s']:>7.1f} {r['cold_peak_mib']:>8.0f} | {r['cli_s']:>6.1f} "
              f"{r['cli_time_ratio']:>5.2f} {r['cli_peak_mib']:>8.0f} {r['cli_memory_ratio']:>5.2f} | "
              f"{r['still_s']:>7.1f} {r['still_time_ratio']:>5.2f} {r['still_peak_mib']:>6.0f} "
              f"{r['still_memory_ratio']:>5.2f} | "
              f"{r['first_frame_s']:>6.1f} {(r.get('step_frame_s') or float('nan')):>6.1f} {r['first_full_frame_s']:>6.1f} {r['first_full_frame_time_ratio']:>5.2f} "
              f"{r['orbit_median_ms']:>8.0f} {r['preview_peak_mib']:>6.0f} {r['preview_memory_ratio']:>5.2f}")


FORMAT_FILES = ("body.obj", "binary.stl", "body.off", "body.glb", "ascii.ply")


def bench_formats(millions: float = 5.0) -> dict:
    """``twin-studio render`` of the same body scan written in every other mesh format, each next
    to Open3D's own read + first render of that file (the formats not read as binary PLY go
    through trimesh in the renderer's parent)."""
    from benchmarks.harness import run_child
    from benchmarks.ingest_scale import child_write_formats
    from benchmarks.preview_children import child_setup_vault
    from tests.generators import big_body_ply

    rows = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        ply = tmp / "body.ply"
        big_body_ply(ply, int(millions * 1e6 * 19), seed=5)
        run_child(child_write_formats, str(ply), str(tmp), ",".join(FORMAT_FILES))
        ply.unlink()
        pp = tmp / "pp.txt"
        pp.write_text(PASSPHRASE + "\n")
        for name in FORMAT_FILES:
            path = tmp / name
            work = tmp / f"w-{name}"
            work.mkdir()
            (asset_id,) = run_child(child_setup_vault, str(work), str(path))["asset_ids"]
            cold_code = (f"import json,sys; sys.path.insert(0,{str(REPO)!r}); "
                         "from benchmarks.preview_children import child_cold; "
                         "print(json.dumps(child_cold(sys.argv[1], 'off', '0')))")
            cold = _tree_run([sys.executable, "-c", cold_code, str(path)])
            cli = _tree_run([sys.executable, "-m", "studio.cli", "render", asset_id, "--out", str(tmp / "cli.png"),
                             "--force", "--size", "x".join(map(str, STILL_SIZE)), "--vault", str(work / "vault"),
                             "--passphrase-file", str(pp)])
            row = {"format": name, "file_mb": path.stat().st_size / 1e6, "cold_s": cold["wall_s"],
                   "cold_peak_mib": cold["peak_mib"], "cli_s": cli["wall_s"], "cli_peak_mib": cli["peak_mib"],
                   "cli_note": cli["stderr"].strip() or None}
            row["time_ratio"], row["memory_ratio"] = row["cli_s"] / row["cold_s"], row["cli_peak_mib"] / row["cold_peak_mib"]
            print(json.dumps(row), flush=True)
            rows.append(row)
            path.unlink()
    res = {"machine": machine(), "load_before": os.getloadavg(), "millions": millions, "rows": rows}
    print(f"\nscale-render-formats — {millions:g} M triangles, 800×600")
    print(f"{'file':>12} {'MB':>7} | {'O3D s':>6} {'MiB':>6} | {'CLI s':>6} {'×':>5} {'MiB':>6} {'×':>5}")
    for r in rows:
        print(f"{r['format']:>12} {r['file_mb']:>7.0f} | {r['cold_s']:>6.1f} {r['cold_peak_mib']:>6.0f} | "
              f"{r['cli_s']:>6.1f} {r['time_ratio']:>5.2f} {r['cli_peak_mib']:>6.0f} {r['memory_ratio']:>5.2f}")
    return res
