"""Point clouds: PCD (Open3D, after the header is checked against the data size), XYZ text
(numpy), and PLY files without faces (see :mod:`.ply`), measured the same way.

Organised clouds (a depth camera frame) mark invalid pixels as NaN: those points are kept in
``points_total``, left out of ``points`` and the bounding box, and reported as a warning.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from studio.core.errors import InvalidFile
from studio.core.ingest.headers import pcd_header
from studio.core.ingest.limits import MAX_POINTS, MAX_TEXT_GEOMETRY_BYTES
from studio.core.ingest.measure import bbox_metrics
from studio.core.ingest.model import PointData


def read_pcd(path: Path, size: int) -> PointData:
    header = pcd_header(path, size)  # before importing Open3D: a lying header is refused at once
    import open3d as o3d

    with o3d.utility.VerbosityContextManager(o3d.utility.VerbosityLevel.Error):
        cloud = o3d.io.read_point_cloud(str(path), format="pcd", remove_nan_points=False,
                                        remove_infinite_points=False)
    points = np.asarray(cloud.points)
    if len(points) != header.points:
        raise InvalidFile(f"PCD header declares {header.points:,} points but {len(points):,} could be read: "
                          "truncated or corrupted data")
    return PointData(points.copy(), has_colors=cloud.has_colors(), has_normals=cloud.has_normals())


def read_xyz(path: Path, size: int) -> PointData:
    """Rows of at least three numbers (x y z, then optional colour / normal columns)."""
    if size > MAX_TEXT_GEOMETRY_BYTES:
        raise InvalidFile(f"XYZ files above {MAX_TEXT_GEOMETRY_BYTES // 2**30} GiB are not read; use PLY or PCD")
    with open(path, "rb") as f:
        lines = f.read(64 * 1024).decode("utf-8", errors="replace").splitlines()
    data_lines = [(i, ln) for i, ln in enumerate(lines) if ln.strip() and not ln.lstrip().startswith(("#", "//"))]
    first_at, first = data_lines[0] if data_lines else (0, "")
    delimiter = "," if "," in first else ";" if ";" in first else None
    skip = 0
    if first and not _numeric_row(first, delimiter) and len(data_lines) > 1:
        skip = first_at + 1  # a column title row such as "X Y Z R G B"
        delimiter = "," if "," in data_lines[1][1] else ";" if ";" in data_lines[1][1] else None
    try:
        data = np.loadtxt(path, comments=("#", "//"), delimiter=delimiter, ndmin=2, dtype=np.float64,
                          encoding="utf-8", skiprows=skip)
    except ValueError as exc:
        detail = re.sub(r";? ?use `usecols`.*$", "", str(exc).splitlines()[0] if str(exc) else "")
        raise InvalidFile(f"XYZ data is malformed: {detail}") from exc
    if data.size == 0:
        raise InvalidFile("point cloud has no points (the XYZ file has no numeric rows)")
    if data.shape[1] < 3:
        raise InvalidFile(f"XYZ rows have {data.shape[1]} columns; x, y and z are needed")
    if len(data) > MAX_POINTS:
        raise InvalidFile(f"XYZ file has {len(data):,} points; the limit is {MAX_POINTS:,}")
    extra = data[:, 3:]
    has_colors = has_normals = False
    for start in range(0, extra.shape[1] - 2, 3):
        triple = extra[:, start:start + 3]
        finite = triple[np.isfinite(triple).all(axis=1)]
        if not len(finite):
            continue
        if np.all(finite == np.round(finite)) and finite.min() >= 0 and finite.max() <= 255:
            has_colors = True
        elif 0.9 < float(np.median(np.linalg.norm(finite, axis=1))) < 1.1:
            has_normals = True
    points = np.ascontiguousarray(data[:, :3])
    del data, extra
    return PointData(points, has_colors=has_colors, has_normals=has_normals)


def _numeric_row(line: str, delimiter: str | None) -> bool:
    try:
        [float(x) for x in line.split(delimiter)]
    except ValueError:
        return False
    return True


def point_metrics(cloud: PointData) -> tuple[dict, list[str]]:
    total = len(cloud.points)
    if total == 0:
        raise InvalidFile("point cloud has no points")
    finite = np.isfinite(cloud.points).all(axis=1)
    valid = int(np.count_nonzero(finite))
    if valid == 0:
        raise InvalidFile(f"point cloud has no valid points: all {total:,} are NaN or infinite")
    warnings = list(cloud.warnings)
    points = cloud.points if valid == total else cloud.points[finite]
    if valid < total:
        warnings.append(f"{total - valid:,} of {total:,} points are invalid (NaN or infinite, e.g. pixels "
                        "without depth) and were left out of the measurements")
    metrics = {"points": valid, "points_total": total, **bbox_metrics(points),
               "has_colors": bool(cloud.has_colors), "has_normals": bool(cloud.has_normals)}
    return metrics, warnings
