"""Point clouds: PLY (vertices only), PCD (Open3D reads it after our header checks), XYZ."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from studio.core.errors import InvalidFile
from studio.core.ingest.headers import PlyHeader, read_pcd_header
from studio.core.ingest.measure import bbox_metrics


@dataclass
class LoadedCloud:
    points: np.ndarray  # all points, NaN included
    has_colors: bool
    has_normals: bool


def _load_ply(path: Path, header: PlyHeader) -> LoadedCloud:
    from plyfile import PlyData

    if header.element("vertex") is None:
        raise InvalidFile("PLY declares no vertex element")
    try:
        v = PlyData.read(str(path))["vertex"]
        pts = np.column_stack([v["x"], v["y"], v["z"]]).astype(np.float64)
    except Exception as exc:
        raise InvalidFile(f"cannot read the PLY vertices: {exc}") from exc
    names = header.element("vertex").prop_names()
    return LoadedCloud(pts, bool({"red", "green", "blue"} <= names or {"r", "g", "b"} <= names),
                       bool({"nx", "ny", "nz"} <= names))


def _load_pcd(path: Path, size: int) -> LoadedCloud:
    import open3d as o3d

    h = read_pcd_header(path, size)
    cloud = o3d.io.read_point_cloud(str(path), format="pcd", remove_nan_points=False, remove_infinite_points=False)
    pts = np.asarray(cloud.points)
    if len(pts) != h.points:
        raise InvalidFile(f"PCD declares {h.points:,} points but {len(pts):,} could be read")
    return LoadedCloud(pts, bool(cloud.has_colors()), bool(cloud.has_normals()))


def _load_xyz(path: Path) -> LoadedCloud:
    with open(path, "r", encoding="utf-8", errors="replace") as fh:
        first = next((ln for ln in fh if ln.strip() and not ln.lstrip().startswith("#")), "")
    delimiter = "," if "," in first else (";" if ";" in first else None)
    try:
        table = np.loadtxt(path, comments="#", delimiter=delimiter, ndmin=2, dtype=np.float64)
    except ValueError as exc:
        raise InvalidFile(f"XYZ rows are not all numbers ({exc})") from exc
    if table.shape[1] < 3:
        raise InvalidFile("XYZ rows have fewer than 3 columns")
    extra = table[:, 3:]
    colors = normals = False
    if extra.shape[1] >= 3:
        rgb = extra[:, :3]
        finite = np.isfinite(rgb).all()
        if finite and (rgb >= 0).all() and (rgb <= 255).all() and np.allclose(rgb, np.round(rgb)):
            colors = True
        elif finite and np.allclose(np.linalg.norm(rgb, axis=1), 1.0, atol=0.02):
            normals = True
        if extra.shape[1] >= 6 and not normals:
            nrm = extra[:, 3:6]
            normals = bool(np.isfinite(nrm).all() and np.allclose(np.linalg.norm(nrm, axis=1), 1.0, atol=0.02))
    return LoadedCloud(table[:, :3].copy(), colors, normals)


def load_cloud(path: Path, fmt: str, size: int, ply: PlyHeader | None) -> LoadedCloud:
    if fmt == "ply":
        cloud = _load_ply(path, ply)  # type: ignore[arg-type]
    elif fmt == "pcd":
        cloud = _load_pcd(path, size)
    else:
        cloud = _load_xyz(path)
    if len(cloud.points) == 0:
        raise InvalidFile("point cloud has no points")
    return cloud


def cloud_metrics(cloud: LoadedCloud) -> tuple[dict, list[str]]:
    finite = np.isfinite(cloud.points).all(axis=1)
    n = int(finite.sum())
    if n == 0:
        raise InvalidFile("point cloud has no finite points (all are NaN or infinite)")
    warnings = []
    if n < len(cloud.points):
        warnings.append(f"{len(cloud.points) - n:,} of {len(cloud.points):,} points are invalid (NaN), "
                        "as depth cameras write for pixels without a measurement")
    bbox, height, axis = bbox_metrics(cloud.points[finite])
    return ({"points": n, "points_total": int(len(cloud.points)), "bbox_m": bbox, "height_m": height,
             "up_axis": axis, "has_colors": cloud.has_colors, "has_normals": cloud.has_normals}, warnings)
