"""Derived previews: a decimated LOD for large meshes (the waveform is made in :mod:`.voice`).

The LOD comes from vertex clustering: every vertex in a voxel merges into the voxel's mean,
faces that collapse are dropped, duplicates removed. Quadric decimation gives nicer triangles
but took 11.7 s for a 1.3 M-triangle mesh on the 2-core reference machine (Open3D), Open3D's
own clustering 0.3 s, and this numpy version about 0.1 s; the preview only has to turn
smoothly, the original keeps every detail. The voxel size is estimated from the surface area
(a clustered surface has about 2 × area / voxel² triangles, measured on a sample of faces)
and corrected once or twice if the result misses the target.
"""

from __future__ import annotations

import math

import numpy as np

from studio.core.ingest.limits import LOD_TARGET_FACES, LOD_THRESHOLD_FACES
from studio.core.ingest.model import MeshData

_TRIANGLES_PER_AREA = 2.0
_ACCEPT = (0.6, 1.5)  # of the target
_AREA_SAMPLE = 65_536


def needs_lod(mesh: MeshData) -> bool:
    return len(mesh.faces) > LOD_THRESHOLD_FACES


def _surface_area(vertices: np.ndarray, faces: np.ndarray) -> float:
    step = max(1, len(faces) // _AREA_SAMPLE)
    f = faces[::step]
    a = vertices[f[:, 0]]
    cross = np.cross(vertices[f[:, 1]] - a, vertices[f[:, 2]] - a)
    return float(0.5 * np.linalg.norm(cross, axis=1).sum()) * (len(faces) / max(len(f), 1))


def cluster(vertices: np.ndarray, faces: np.ndarray, colors: np.ndarray | None, voxel: float
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """One clustering pass: (vertices, triangles, colours or None) of the merged mesh."""
    cells = np.floor((vertices - vertices.min(axis=0)) / voxel).astype(np.int64)
    dims = cells.max(axis=0) + 1
    keys = (cells[:, 0] * dims[1] + cells[:, 1]) * dims[2] + cells[:, 2]
    del cells
    _, inverse, counts = np.unique(keys, return_inverse=True, return_counts=True)
    del keys
    n = len(counts)

    def mean(column: np.ndarray) -> np.ndarray:
        return np.bincount(inverse, weights=column, minlength=n) / counts

    merged = np.column_stack([mean(vertices[:, k]) for k in range(3)])
    merged_colors = None
    if colors is not None:
        merged_colors = np.column_stack([mean(colors[:, k].astype(np.float64)) for k in range(3)])
    tri = inverse.astype(np.int32)[faces]
    tri = tri[(tri[:, 0] != tri[:, 1]) & (tri[:, 1] != tri[:, 2]) & (tri[:, 0] != tri[:, 2])]
    if len(tri) == 0:
        return merged[:0], tri, None
    corners = np.sort(tri, axis=1).astype(np.int64)
    if n ** 3 < 2 ** 63:  # one int64 key a triangle: a numeric sort, which lets other threads run
        _, first = np.unique((corners[:, 0] * n + corners[:, 1]) * n + corners[:, 2], return_index=True)
    else:
        _, first = np.unique(corners, axis=0, return_index=True)
    del corners
    tri = tri[np.sort(first)]
    used, remap = np.unique(tri, return_inverse=True)
    return merged[used], remap.reshape(-1, 3).astype(np.int32), (merged_colors[used] if merged_colors is not None else None)


def lod_ply(mesh: MeshData, target: int = LOD_TARGET_FACES) -> bytes | None:
    """A binary little-endian PLY of about ``target`` faces, or None if clustering cannot reduce
    the mesh. Works on the arrays in place (no second full copy) and releases them when done."""
    import trimesh

    vertices = np.asarray(mesh.vertices, np.float64)
    faces = np.asarray(mesh.faces)
    colors = mesh.colors[:, :3] if mesh.colors is not None else None
    n_faces = len(faces)
    area = _surface_area(vertices, faces)
    if not math.isfinite(area) or area <= 0:
        return None
    voxel = math.sqrt(_TRIANGLES_PER_AREA * area / target)
    best = None
    for _ in range(4):
        result = cluster(vertices, faces, colors, voxel)
        n = len(result[1])
        if best is None or abs(n - target) < abs(len(best[1]) - target):
            best = result
        if _ACCEPT[0] * target <= n <= _ACCEPT[1] * target:
            break
        voxel *= math.sqrt(n / target) if n else 0.5
    mesh.vertices = mesh.faces = mesh.colors = None
    del vertices, faces
    verts, tris, cols = best
    if len(tris) == 0 or len(tris) >= n_faces:
        return None
    if cols is not None:
        scale = 255.0 if cols.max() > 1.0 else 1.0  # colours arrive as 0..1 floats or 0..255
        cols = (np.clip(cols / scale, 0, 1) * 255).astype(np.uint8)
    out = trimesh.Trimesh(verts, tris, vertex_colors=cols, process=False)
    return trimesh.exchange.ply.export_ply(out, encoding="binary", include_attributes=False)
