"""``ingest-scale``: ingest wall time and peak memory of big scans (DR024), each next to the
peer's read of the same file in the same run — Open3D's ``read_triangle_mesh`` /
``read_point_cloud`` plus a SHA-256 of the file — each in its own process.

Series 1: binary PLY body scans of about 1.3, 5, 10 and 20 M triangles
(``tests.generators.big_body_ply``). Series 2: one file a format at ``--scale-faces`` (default
5 M triangles, or as many points), written by Open3D from the same kind of body scan: ASCII PLY,
OBJ, STL (binary and ASCII), OFF, glTF binary (GLB), PCD (binary_compressed) and XYZ. A side
that fails or runs past its time limit is reported as such, with its reason.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from benchmarks.harness import PASSPHRASE, best, peak_kib, reset_peak, rss_kib, run_child
from tests.generators import big_body_ply

SERIES_FACES = (1_310_720, 5_000_000, 10_000_000, 20_000_000)
CHILD_TIMEOUT_S = 600
TARGET_TIME, TARGET_MEMORY = 3.0, 1.5


# -- children ---------------------------------------------------------------------------------

def child_peer(path: str, kind: str) -> dict:
    import hashlib

    import open3d as o3d

    reset_peak()
    start_rss = rss_kib()
    t = time.perf_counter()
    with o3d.utility.VerbosityContextManager(o3d.utility.VerbosityLevel.Error):
        if kind == "mesh":
            geometry = o3d.io.read_triangle_mesh(path)
            count = len(geometry.triangles)
        else:
            geometry = o3d.io.read_point_cloud(path)
            count = len(geometry.points)
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    wall = time.perf_counter() - t
    return {"wall_s": wall, "peak_mib": (peak_kib() - start_rss) / 1024, "count": count}


def child_ingest(path: str, workdir: str) -> dict:
    from studio.core.assets import get_asset
    from studio.core.intake import ingest_paths
    from studio.core.talents import add_talent
    from studio.core.vault import Vault
    import studio.core.ingest  # noqa: F401  (imports are not part of the measured step)
    import open3d  # noqa: F401
    import trimesh  # noqa: F401
    import plyfile  # noqa: F401

    vault = Vault.create(Path(workdir) / "vault", PASSPHRASE)
    talent = add_talent(vault, "Benchmark")
    reset_peak()
    start_rss = rss_kib()
    t = time.perf_counter()
    (result,) = ingest_paths(vault, talent.id, [Path(path)])
    wall = time.perf_counter() - t
    peak = (peak_kib() - start_rss) / 1024
    if result.status != "ingested":
        return {"wall_s": wall, "peak_mib": peak, "failed": result.reason}
    m = get_asset(vault, result.asset_id).metrics
    return {"wall_s": wall, "peak_mib": peak, "count": m.get("faces", m.get("points")), "lods": m.get("lods")}


def child_write_formats(ply: str, folder: str, only: str = "") -> dict:
    """Every other format (or the ``only`` ones, comma-separated names), written by Open3D from
    the binary PLY (setup, not measured)."""
    import open3d as o3d

    out = Path(folder)
    mesh = o3d.io.read_triangle_mesh(ply)
    wanted = set(only.split(",")) if only else None
    files = {}
    with o3d.utility.VerbosityContextManager(o3d.utility.VerbosityLevel.Error):
        if wanted is None or "body.glb" in wanted:  # trimesh: the buffer in the GLB's binary chunk (Open3D
            import numpy as np  # writes it as base64 text inside the JSON, which no scanner does)
            import trimesh

            glb = trimesh.Trimesh(np.asarray(mesh.vertices), np.asarray(mesh.triangles), process=False)
            (out / "body.glb").write_bytes(trimesh.Scene(glb).export(file_type="glb"))
            files["body.glb"] = "mesh"
        for name, ascii_ in (("ascii.ply", True), ("body.obj", True), ("binary.stl", False), ("body.off", True)):
            if wanted is not None and name not in wanted:
                continue
            mesh.compute_triangle_normals() if name.endswith(".stl") else None
            o3d.io.write_triangle_mesh(str(out / name), mesh, write_ascii=ascii_, write_vertex_normals=False,
                                       write_vertex_colors=False)
            files[name] = "mesh"
        if wanted is None or "ascii.stl" in wanted:
            mesh.compute_triangle_normals()
            _ascii_stl(out / "ascii.stl", mesh)  # Open3D writes binary STL only
            files["ascii.stl"] = "mesh"
        cloud = o3d.geometry.PointCloud(mesh.vertices)
        if wanted is None or "compressed.pcd" in wanted:
            o3d.io.write_point_cloud(str(out / "compressed.pcd"), cloud, compressed=True)
            files["compressed.pcd"] = "cloud"
        if wanted is None or "points.xyz" in wanted:
            o3d.io.write_point_cloud(str(out / "points.xyz"), cloud)
            files["points.xyz"] = "cloud"
    return files


def _ascii_stl(path: Path, mesh) -> None:
    import numpy as np

    v, f = np.asarray(mesh.vertices), np.asarray(mesh.triangles)
    rows = np.hstack([np.asarray(mesh.triangle_normals), v[f[:, 0]], v[f[:, 1]], v[f[:, 2]]])
    facet = ("facet normal %e %e %e\n outer loop\n  vertex %e %e %e\n  vertex %e %e %e\n  vertex %e %e %e\n"
             " endloop\nendfacet")
    with open(path, "w") as out:
        out.write("solid body\n")
        np.savetxt(out, rows, fmt=facet)
        out.write("endsolid body\n")


# -- the parent -------------------------------------------------------------------------------

def _pair(path: Path, kind: str, tmp: Path, repeats: int) -> dict:
    peer, ours = [], []
    for i in range(repeats):
        p = run_child(child_peer, str(path), kind, timeout=CHILD_TIMEOUT_S)
        if p is not None:
            peer.append(p)
        work = Path(tempfile.mkdtemp(dir=tmp))
        o = run_child(child_ingest, str(path), str(work), timeout=CHILD_TIMEOUT_S)
        ours.append(o if o is not None else {"wall_s": float(CHILD_TIMEOUT_S), "peak_mib": float("nan"),
                                             "failed": f"ran past {CHILD_TIMEOUT_S} s"})
        for f in work.rglob("*"):
            if f.is_file():
                f.unlink()
    row = {"file_mib": path.stat().st_size / 2**20}
    done = [o for o in ours if "failed" not in o]
    if done:
        row.update(ingest_wall_s=best(done, "wall_s"), ingest_peak_mib=best(done, "peak_mib"),
                   count=done[0]["count"], lods=done[0].get("lods"))
    else:
        row["failed"] = ours[0]["failed"]
    if peer:
        row.update(peer_wall_s=best(peer, "wall_s"), peer_peak_mib=best(peer, "peak_mib"), peer_count=peer[0]["count"])
        if done:
            row["time_ratio"] = row["ingest_wall_s"] / row["peer_wall_s"]
            row["memory_ratio"] = row["ingest_peak_mib"] / row["peer_peak_mib"]
    return row


def bench(repeats: int, scale_faces: int = 5_000_000, series: tuple[int, ...] = SERIES_FACES, only: str = "") -> dict:
    res: dict = {"series": {}, "formats": {}}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        for faces in series:
            ply = tmp / f"body-{faces}.ply"
            info = big_body_ply(ply, faces * 19, seed=faces)
            row = _pair(ply, "mesh", tmp, repeats)
            row["faces"] = info["faces"]
            res["series"][faces] = row
            print_row(f"binary PLY {info['faces']:,} tri", row)
            ply.unlink()
        ply = tmp / "base.ply"
        big_body_ply(ply, scale_faces * 19, seed=5)
        folder = tmp / "formats"
        folder.mkdir()
        files = run_child(child_write_formats, str(ply), str(folder), only)
        ply.unlink()
        for name, kind in files.items():
            path = folder / name
            row = _pair(path, "mesh" if kind == "mesh" else "cloud", tmp, repeats)
            res["formats"][name] = row
            print_row(name, row)
            path.unlink()
    return res


def print_row(label: str, row: dict) -> None:
    if "failed" in row and "peer_wall_s" in row:
        print(f"  {label:28} {row['file_mib']:8.0f} MiB  peer {row['peer_wall_s']:6.2f} s {row['peer_peak_mib']:7.0f} MiB"
              f"  ingest FAILED: {row['failed']}", flush=True)
        return
    if "failed" in row:
        print(f"  {label:28} ingest FAILED: {row['failed']}", flush=True)
        return
    peer = (f"peer {row['peer_wall_s']:6.2f} s {row['peer_peak_mib']:7.0f} MiB" if "peer_wall_s" in row
            else "peer failed")
    ratios = (f"  time {row['time_ratio']:4.2f}x{'' if row['time_ratio'] <= TARGET_TIME else ' (MISSED)'}"
              f"  memory {row['memory_ratio']:4.2f}x{'' if row['memory_ratio'] <= TARGET_MEMORY else ' (MISSED)'}"
              if "time_ratio" in row else "")
    print(f"  {label:28} {row['file_mib']:8.0f} MiB  {peer}  ingest {row['ingest_wall_s']:6.2f} s "
          f"{row['ingest_peak_mib']:7.0f} MiB{ratios}", flush=True)
