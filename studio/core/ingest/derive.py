"""Derived previews: decimated LODs for large meshes (the waveform is made in :mod:`.voice`).

Levels (DR024): a mesh of more than ``LOD_THRESHOLD_FACES`` gets a coarse LOD of about
``LOD_TARGET_FACES`` (role ``lod``), the preview's first frame and its orbiting; one of more than
``LOD_FINE_THRESHOLD_FACES`` also gets a fine LOD of about ``LOD_FINE_TARGET_FACES`` (role
``lod_fine``) for the preview to step up to. The full mesh is clustered once, to the fine level;
the coarse level is clustered from the fine one (a pass over a tenth of the data).

Each LOD comes from vertex clustering: every vertex in a voxel merges into the voxel's mean,
faces that collapse are dropped, duplicates removed. Quadric decimation gives nicer triangles
but took 11.7 s for a 1.3 M-triangle mesh on the 2-core reference machine (Open3D), Open3D's
own clustering 0.3 s, and this numpy version about 0.1 s; the preview only has to turn
smoothly, the original keeps every detail. The voxel size is estimated from the surface area
(a clustered surface has about 2 × area / voxel² triangles, measured on a sample of faces)
and corrected once or twice if the result misses the target. Voxels are numbered through a
dense table where the grid is small enough (no sort), else by ``np.unique``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from studio.core.ingest.limits import (LOD_FINE_TARGET_FACES, LodSizes, LOD_FINE_THRESHOLD_FACES, LOD_TARGET_FACES,
                                       LOD_THRESHOLD_FACES)
from studio.core.ingest.model import MeshData

_TRIANGLES_PER_AREA = 2.0
_ACCEPT = (0.6, 1.5)  # of the target
_ACCEPT_FINE = (0.5, 2.0)  # the fine level only has to sit between the coarse one and the scan
_AREA_SAMPLE = 65_536
_DENSE_CELLS = 1 << 25  # voxel grids up to this many cells are numbered by a table (int32: 128 MiB)


@dataclass(frozen=True)
class Level:
    """One stored level of detail: its file role, its binary PLY and its triangle count."""

    role: str  # "lod" | "lod_fine"
    data: bytes
    faces: int


def needs_lod(mesh: MeshData, sizes: LodSizes | None = None) -> bool:
    return len(mesh.faces) > (sizes.coarse_threshold if sizes else LOD_THRESHOLD_FACES)


def needs_fine_lod(faces: int, sizes: LodSizes | None = None) -> bool:
    return faces > (sizes.fine_threshold if sizes else LOD_FINE_THRESHOLD_FACES)


def _surface_area(vertices: np.ndarray, faces: np.ndarray) -> float:
    step = max(1, len(faces) // _AREA_SAMPLE)
    f = faces[::step]
    a = vertices[f[:, 0]].astype(np.float64)
    cross = np.cross(vertices[f[:, 1]] - a, vertices[f[:, 2]] - a)
    return float(0.5 * np.linalg.norm(cross, axis=1).sum()) * (len(faces) / max(len(f), 1))


def _voxel_ids(vertices: np.ndarray, voxel: float) -> tuple[np.ndarray, int]:
    """(voxel number of each vertex, numbered 0..n-1 in key order, as int32; n)."""
    lo = vertices.min(axis=0).astype(np.float64)
    cells = []
    for k in range(3):  # one column at a time: no (n, 3) float64 temporary
        c = np.floor((vertices[:, k] - lo[k]) / voxel).astype(np.int64)
        cells.append(c)
    dims = [int(c.max()) + 1 for c in cells]
    keys = cells[0]
    keys *= dims[1]
    keys += cells[1]
    keys *= dims[2]
    keys += cells[2]
    del cells
    total = dims[0] * dims[1] * dims[2]
    if total <= _DENSE_CELLS:
        occupied = np.zeros(total, bool)
        occupied[keys] = True
        table = np.cumsum(occupied, dtype=np.int32)
        n = int(table[-1])
        del occupied
        table -= 1
        return table[keys], n
    _, inverse = np.unique(keys, return_inverse=True)
    return inverse.astype(np.int32).ravel(), int(inverse.max()) + 1


def cluster(vertices: np.ndarray, faces: np.ndarray, colors: np.ndarray | None, voxel: float
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """One clustering pass: (vertices, triangles, colours or None) of the merged mesh."""
    inverse, n = _voxel_ids(vertices, voxel)
    counts = np.bincount(inverse, minlength=n)

    def mean(column: np.ndarray) -> np.ndarray:
        return np.bincount(inverse, weights=column, minlength=n) / counts

    merged = np.column_stack([mean(vertices[:, k]) for k in range(3)])
    merged_colors = None
    if colors is not None:
        merged_colors = np.column_stack([mean(colors[:, k]) for k in range(3)])
    tri = inverse[faces]
    del inverse
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
    used = np.zeros(n, bool)  # the voxels that still have a face, renumbered in order (no sort)
    used[tri] = True
    remap = np.cumsum(used, dtype=np.int32) - 1
    return merged[used], remap[tri], (merged_colors[used] if merged_colors is not None else None)


def _reduce(vertices, faces, colors, target: int, accept: tuple[float, float]):
    """Cluster to about ``target`` faces: (vertices, triangles, colours) or None if it cannot."""
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
        if accept[0] * target <= n <= accept[1] * target:
            break
        voxel *= math.sqrt(n / target) if n else 0.5
    if len(best[1]) == 0 or len(best[1]) >= len(faces):
        return None
    return best


def ply_bytes(vertices: np.ndarray, triangles: np.ndarray, colors: np.ndarray | None) -> bytes:
    """A binary little-endian PLY: float32 x, y, z (and uchar red, green, blue), uchar-list int32
    triangles — fixed-size records, which every PLY reader of ours views without parsing."""
    n, m = len(vertices), len(triangles)
    fields = [("x", "<f4"), ("y", "<f4"), ("z", "<f4")]
    if colors is not None:
        fields += [("red", "u1"), ("green", "u1"), ("blue", "u1")]
    vrec = np.empty(n, fields)
    for k, a in enumerate("xyz"):
        vrec[a] = vertices[:, k]
    if colors is not None:
        scale = 255.0 if colors.size and colors.max() > 1.0 else 1.0  # 0..1 floats or 0..255
        c = (np.clip(colors / scale, 0, 1) * 255).round().astype(np.uint8)
        vrec["red"], vrec["green"], vrec["blue"] = c[:, 0], c[:, 1], c[:, 2]
    frec = np.empty(m, [("n", "u1"), ("v", "<i4", (3,))])
    frec["n"] = 3
    frec["v"] = triangles
    props = "".join(f"property float {a}\n" for a in "xyz")
    if colors is not None:
        props += "property uchar red\nproperty uchar green\nproperty uchar blue\n"
    header = (f"ply\nformat binary_little_endian 1.0\ncomment twin-studio lod\nelement vertex {n}\n{props}"
              f"element face {m}\nproperty list uchar int vertex_indices\nend_header\n").encode()
    return header + vrec.tobytes() + frec.tobytes()


def lods(mesh: MeshData, sizes: LodSizes | None = None) -> list[Level]:
    """The LODs of a large mesh, finest first: the fine one (``lod_fine``) for meshes above
    ``LOD_FINE_THRESHOLD_FACES``, and the coarse one (``lod``); an empty list if clustering
    cannot reduce the mesh. Works on the arrays in place (no second full copy) and releases the
    mesh's arrays once the first pass is done."""
    vertices, faces = mesh.vertices, mesh.faces
    colors = mesh.colors[:, :3] if mesh.colors is not None else None
    n_faces = len(faces)
    mesh.vertices = mesh.faces = mesh.colors = None
    levels: list[Level] = []
    if needs_fine_lod(n_faces, sizes):
        fine = _reduce(vertices, faces, colors, sizes.fine if sizes else LOD_FINE_TARGET_FACES, _ACCEPT_FINE)
        del vertices, faces, colors
        if fine is None:
            return []
        levels.append(Level("lod_fine", ply_bytes(*fine), len(fine[1])))
        vertices, faces, colors = fine
    coarse = _reduce(vertices, faces, colors, sizes.coarse if sizes else LOD_TARGET_FACES, _ACCEPT)
    if coarse is not None:
        levels.append(Level("lod", ply_bytes(*coarse), len(coarse[1])))
    return levels


def lod_ply(mesh: MeshData, target: int = LOD_TARGET_FACES) -> bytes | None:
    """A binary little-endian PLY of about ``target`` faces, or None if clustering cannot reduce
    the mesh (one level only; :func:`lods` makes every level a scan gets)."""
    vertices, faces = mesh.vertices, mesh.faces
    colors = mesh.colors[:, :3] if mesh.colors is not None else None
    mesh.vertices = mesh.faces = mesh.colors = None
    best = _reduce(vertices, faces, colors, target, _ACCEPT)
    return ply_bytes(*best) if best is not None else None
