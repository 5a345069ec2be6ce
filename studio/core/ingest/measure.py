"""Geometry figures shared by meshes and point clouds: bounding box with a unit guess, height,
and watertightness."""

from __future__ import annotations

import numpy as np

from studio.core.errors import InvalidFile


def require_finite(points: np.ndarray, what: str = "vertices") -> None:
    bad = ~np.isfinite(points).all(axis=1)
    n = int(bad.sum())
    if n:
        raise InvalidFile(f"NaN or infinite coordinates in {n:,} {what}")


def bbox_metrics(points: np.ndarray) -> tuple[dict, float, str]:
    """Bounding box in metres with the unit guessed from the largest extent.

    People are 0.2–2.5 m across (a head to a whole body): a largest extent of at most 3.5 is
    taken as metres, up to 350 as centimetres, above that as millimetres. ``scale_to_m`` says
    what was assumed, so a wrong guess is visible and correctable.
    """
    lo = points.min(axis=0).astype(float)
    hi = points.max(axis=0).astype(float)
    extent = hi - lo
    largest = float(extent.max())
    unit, scale = ("m", 1.0) if largest <= 3.5 else ("cm", 0.01) if largest <= 350 else ("mm", 0.001)
    r = lambda a: [round(float(x) * scale, 5) for x in a]  # noqa: E731
    bbox = {"min": r(lo), "max": r(hi), "size": r(extent), "unit_guess": unit, "scale_to_m": scale}
    axis = "xyz"[int(extent.argmax())]
    return bbox, round(largest * scale, 5), axis


def is_watertight(faces: np.ndarray, n_vertices: int) -> bool:
    """Every undirected edge is shared by exactly two faces."""
    if len(faces) == 0:
        return False
    edges = faces[:, [0, 1, 1, 2, 2, 0]].reshape(-1, 2)
    edges.sort(axis=1)
    keys = edges[:, 0].astype(np.int64) * np.int64(n_vertices) + edges[:, 1]
    keys.sort()
    # run lengths of equal keys
    change = np.flatnonzero(np.diff(keys)) + 1
    runs = np.diff(np.concatenate(([0], change, [len(keys)])))
    return bool((runs == 2).all())


def surface_area(vertices: np.ndarray, faces: np.ndarray) -> float:
    a = vertices[faces[:, 0]]
    area = np.cross(vertices[faces[:, 1]] - a, vertices[faces[:, 2]] - a)
    return float(0.5 * np.linalg.norm(area, axis=1).sum())
