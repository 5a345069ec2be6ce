"""Benchmarks, side by side with the peer tool. One command:

    .venv/bin/python benchmarks/run.py            # all
    .venv/bin/python benchmarks/run.py ingest     # one

``ingest``: ingest a generated ~1.3 M-triangle binary PLY into a fresh vault, next to what a user
would otherwise do with the same file — ``open3d.io.read_triangle_mesh`` plus a SHA-256 — each in
its own process, wall time and peak memory (VmHWM growth during the measured step).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
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
    return {"wall_s": wall, "peak_mib": peak}


# -- the parent -----------------------------------------------------------------------------

def make_body_ply(path: Path) -> dict:
    """A scan-like closed surface of 1,310,720 triangles, 1.8 m tall, with normals and colours."""
    import numpy as np
    import trimesh

    sphere = trimesh.creation.icosphere(subdivisions=8)
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


def _run_child(fn: str, *args: str) -> dict:
    code = f"import json,sys; sys.path.insert(0,{str(HERE)!r}); import run; print(json.dumps(run.{fn}(*sys.argv[1:])))"
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=REPO)
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("which", nargs="*", help="benchmarks to run: ingest (default: all)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", metavar="FILE", help="also write the figures to FILE")
    args = parser.parse_args()
    print(f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    results = {}
    which = args.which or ["ingest"]
    unknown = set(which) - {"ingest"}
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    if "ingest" in which:
        results["ingest"] = bench_ingest(args.repeats)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
