"""Point clouds: PCD and XYZ (read by :mod:`studio.core.formats`), and PLY files without faces
(see :mod:`.ply`), measured the same way.

Organised clouds (a depth camera frame) mark invalid pixels as NaN: those points are kept in
``points_total``, left out of ``points`` and the bounding box, and reported as a warning.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from studio.core.errors import InvalidFile
from studio.core.formats import pcd, xyz
from studio.core.ingest.measure import bbox_metrics
from studio.core.ingest.model import PointData


def read_pcd(path: Path, size: int) -> PointData:
    header = pcd.read_header(path, size)  # before reading the data: a lying header is refused at once
    cloud = pcd.read_points(path, header)
    return PointData(cloud.points, has_colors=cloud.has_colors, has_normals=cloud.has_normals)


def read_xyz(path: Path, size: int) -> PointData:
    cloud = xyz.read(path)
    return PointData(cloud.points, has_colors=cloud.has_colors, has_normals=cloud.has_normals)


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
