"""Measurements shared by meshes and point clouds: bounding box and units, edge topology."""

from __future__ import annotations

import numpy as np

from studio.core.errors import InvalidFile


def r4(x: float) -> float:
    return round(float(x), 4)


def guess_unit(largest_extent: float) -> tuple[str, float]:
    """Guess the unit of a scan of a person from its largest extent (in file units).

    Scanners and exporters rarely record units, but the subject is a human body or part of one
    (a head is ~0.25 m, a body ~1.8 m). So: a largest extent up to 3.5 is metres; up to 350 is
    centimetres (a 180 cm body); anything larger is millimetres (a 1800 mm body).
    Returns (unit, factor that converts file units to metres).
    """
    if largest_extent <= 3.5:
        return "m", 1.0
    if largest_extent <= 350.0:
        return "cm", 0.01
    return "mm", 0.001


def bbox_metrics(points: np.ndarray) -> dict:
    """``bbox_m`` (min, max, size in metres, unit guess, scale), ``height_m`` and ``up_axis``.

    ``points`` must be finite. ``height_m`` is the largest extent in metres and ``up_axis`` the
    axis it lies along (a standing person is tallest along their up axis).
    """
    lo = points.min(axis=0)
    hi = points.max(axis=0)
    size = hi - lo
    axis = int(np.argmax(size))
    unit, scale = guess_unit(float(size[axis]))
    return {
        "bbox_m": {"min": [r4(v * scale) for v in lo], "max": [r4(v * scale) for v in hi],
                   "size": [r4(v * scale) for v in size], "unit_guess": unit, "scale_to_m": scale},
        "height_m": r4(size[axis] * scale),
        "up_axis": "xyz"[axis],
    }


def count_nonfinite_rows(points: np.ndarray) -> int:
    return int(len(points) - np.count_nonzero(np.isfinite(points).all(axis=1)))


def require_finite(vertices: np.ndarray) -> None:
    bad = count_nonfinite_rows(vertices)
    if bad:
        raise InvalidFile(f"NaN or infinite coordinates in {bad:,} of {len(vertices):,} vertices")


def require_valid_indices(faces: np.ndarray, n_vertices: int) -> None:
    if len(faces) == 0:
        return
    lo, hi = int(faces.min()), int(faces.max())
    if hi >= n_vertices or lo < 0:
        bad = hi if hi >= n_vertices else lo
        rows = int(np.count_nonzero(((faces >= n_vertices) | (faces < 0)).any(axis=1)))
        raise InvalidFile(f"faces index vertex {bad} but the mesh has {n_vertices:,} vertices "
                          f"({rows:,} of {len(faces):,} faces affected)")


def edge_topology(faces: np.ndarray, n_vertices: int) -> dict:
    """``watertight`` (every edge shared by exactly two faces), ``boundary_edges`` (edges of one
    face: the rims of holes) and ``non_manifold_edges`` (edges of three or more faces).

    Pure numpy: each undirected edge becomes one int64 key (low × n + high), keys are sorted and
    runs counted from neighbour comparisons. Memory: the keys (8 bytes × 3 a face) and one
    boolean a key beside them; no int64 copy of the faces (DR024). About 0.1 s for a million
    faces in scan order.
    """
    m = len(faces)
    if m == 0:
        return {"watertight": False, "boundary_edges": 0, "non_manifold_edges": 0}
    keys = np.empty((m, 3), np.int64)  # a face's three edges side by side: scan order survives
    for k in range(3):  # one edge of every face at a time: temporaries of one column
        a = faces[:, k].astype(np.int64)
        b = faces[:, (k + 1) % 3].astype(np.int64)
        out = keys[:, k]
        np.minimum(a, b, out=out)
        out *= n_vertices
        np.maximum(a, b, out=a)
        out += a
        del a, b
    keys = keys.ravel()
    # timsort: scans list faces in spatially coherent runs, which it merges instead of
    # re-sorting (0.55 s against 3.8 s for quicksort on a 10 M-face scan, DR024)
    keys.sort(kind="stable")
    same = keys[1:] == keys[:-1]  # key i equals key i + 1
    del keys
    # a key stands alone (a boundary edge) when it equals neither neighbour
    alone = np.ones(len(same) + 1, bool)
    alone[1:] &= ~same
    alone[:-1] &= ~same
    boundary = int(np.count_nonzero(alone))
    del alone
    # an edge of three or more faces: a run of >= 3 equal keys, counted once at its first triple
    triple = same[:-1] & same[1:]
    triple[1:] &= ~same[:-2]
    non_manifold = int(np.count_nonzero(triple))
    return {"watertight": boundary == 0 and non_manifold == 0, "boundary_edges": boundary,
            "non_manifold_edges": non_manifold}
