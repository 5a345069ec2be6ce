"""``ingest``: a generated ~1.3 M-triangle binary PLY into a fresh vault, next to what a user would
otherwise do with the same file — ``open3d.io.read_triangle_mesh`` plus a SHA-256 — each in its
own process: wall time and peak memory (VmHWM growth during the measured step)."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from benchmarks.harness import PASSPHRASE, best, peak_kib, reset_peak, rss_kib, run_child
from tests.generators import body_scan_ply


# -- the two sides, each in its own child process ---------------------------------------------

def child_baseline(path: str) -> dict:
    import hashlib

    import open3d as o3d

    reset_peak()
    start_rss = rss_kib()
    t = time.perf_counter()
    mesh = o3d.io.read_triangle_mesh(path)
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    wall = time.perf_counter() - t
    n = len(mesh.triangles)
    return {"wall_s": wall, "peak_mib": (peak_kib() - start_rss) / 1024, "faces": n}


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
    reset_peak()
    start_rss = rss_kib()
    t = time.perf_counter()
    (result,) = ingest_paths(vault, talent.id, [Path(path)])
    wall = time.perf_counter() - t
    peak = (peak_kib() - start_rss) / 1024
    assert result.status == "ingested", result.reason
    return {"wall_s": wall, "peak_mib": peak, "asset_id": result.asset_id}


# -- the parent -------------------------------------------------------------------------------

def bench(repeats: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        ply = Path(tmp) / "body.ply"
        info = body_scan_ply(ply)
        base, ours = [], []
        for i in range(repeats):
            base.append(run_child(child_baseline, str(ply)))
            work = Path(tmp) / f"w{i}"
            work.mkdir()
            ours.append(run_child(child_ingest, str(ply), str(work)))
    res = {
        "input": info,
        "baseline_wall_s": best(base, "wall_s"), "ingest_wall_s": best(ours, "wall_s"),
        "baseline_peak_mib": best(base, "peak_mib"), "ingest_peak_mib": best(ours, "peak_mib"),
    }
    res["time_ratio"] = res["ingest_wall_s"] / res["baseline_wall_s"]
    res["memory_vs_mesh"] = res["ingest_peak_mib"] / info["mesh_in_memory_mib"]
    print_table(res, repeats)
    return res


def print_table(res: dict, repeats: int) -> None:
    info = res["input"]
    print(f"\ningest of a {info['faces']:,}-triangle binary PLY ({info['file_mib']:.1f} MiB; "
          f"in-memory mesh {info['mesh_in_memory_mib']:.1f} MiB), best of {repeats}:")
    print(f"  {'':34}{'wall s':>10}{'peak MiB':>12}")
    print(f"  {'open3d read_triangle_mesh + sha256':34}{res['baseline_wall_s']:>10.2f}{res['baseline_peak_mib']:>12.1f}")
    print(f"  {'twin-studio ingest':34}{res['ingest_wall_s']:>10.2f}{res['ingest_peak_mib']:>12.1f}")
    print(f"  ratio ingest / baseline: time {res['time_ratio']:.2f}x (target <= 3x); "
          f"peak memory {res['memory_vs_mesh']:.2f}x the in-memory mesh (target <= 3x)")
