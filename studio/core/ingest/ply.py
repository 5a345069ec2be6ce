"""PLY meshes and point clouds, read with plyfile (including faces stored as ``tristrips``).

Binary triangle (or quad) lists are memory-mapped by plyfile (``known_list_len``), so a
multi-million-face scan loads in milliseconds; other lists go through plyfile's row reader.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
from plyfile import PlyData, PlyElementParseError, PlyListProperty

from studio.core.errors import InvalidFile
from studio.core.ingest.headers import PlyHeader
from studio.core.ingest.model import MeshData, PointData

_INDEX_NAMES = ("vertex_indices", "vertex_index")
_COLOR_NAMES = (("red", "green", "blue"), ("r", "g", "b"), ("diffuse_red", "diffuse_green", "diffuse_blue"))
_UV_NAMES = (("u", "v"), ("s", "t"), ("texture_u", "texture_v"), ("texture_s", "texture_t"))


def is_mesh(header: PlyHeader) -> bool:
    """A PLY is a mesh when it has faces or triangle strips; otherwise its vertices are a point cloud."""
    return any(header.element(name) is not None and header.element(name).count > 0 for name in ("face", "tristrips"))


def _vertex_element(header: PlyHeader):
    vertex = header.element("vertex")
    if vertex is None:
        raise InvalidFile("PLY file has no vertex element")
    names = {p.name for p in vertex.properties}
    if not {"x", "y", "z"} <= names:
        raise InvalidFile("PLY vertex element has no x, y, z properties")
    if vertex.count == 0:
        raise InvalidFile("PLY file has no vertices (its header declares 0)")
    return vertex, names


def _read(path: Path, header: PlyHeader, face_len: int | None) -> PlyData:
    known = {}
    face = header.element("face")
    if face_len and face is not None:
        lists = [p.name for p in face.properties if isinstance(p, PlyListProperty)]
        known = {"face": {name: face_len for name in lists}}
    if header.fixed is not None:  # mixed line ends in the header: give plyfile a clean copy
        with open(path, "rb") as f:
            f.seek(header.length)
            source = io.BytesIO(header.fixed + f.read())
        return PlyData.read(source, known_list_len=known)
    return PlyData.read(str(path), known_list_len=known)


def _load(path: Path, header: PlyHeader) -> PlyData:
    """Read the data; for binary faces try the fast fixed-length paths (triangles, quads) first."""
    face = header.element("face")
    if not header.ply.text and face is not None and face.count > 0:
        for n in (3, 4):
            try:
                return _read(path, header, n)
            except PlyElementParseError:
                pass  # not all faces have n corners: try the next way
    try:
        return _read(path, header, None)
    except PlyElementParseError as exc:
        element = getattr(exc, "element", None)
        where = f" at row {exc.row:,} of {element.count:,} of element '{element.name}'" if element is not None \
            and getattr(exc, "row", None) is not None else ""
        if "early end-of-file" in str(exc):
            raise InvalidFile(f"truncated: the PLY data ends early{where}") from exc
        raise InvalidFile(f"PLY data does not match its header ({exc})") from exc


def _xyz(vertex) -> np.ndarray:
    data = vertex.data
    return np.column_stack([np.asarray(data["x"], np.float64), np.asarray(data["y"], np.float64),
                            np.asarray(data["z"], np.float64)])


def _colors(vertex, names: set[str]) -> np.ndarray | None:
    for triple in _COLOR_NAMES:
        if set(triple) <= names:
            c = np.column_stack([np.asarray(vertex.data[n], np.float64) for n in triple])
            if np.issubdtype(vertex.data[triple[0]].dtype, np.integer) or (c.size and np.nanmax(c) > 1.0):
                c = c / 255.0
            return np.clip(np.nan_to_num(c), 0.0, 1.0)
    return None


def _faces_from_lists(lists) -> tuple[np.ndarray, int]:
    """Triangulate polygon rows (a fan per polygon). Returns (triangles, rows with < 3 corners)."""
    if isinstance(lists, np.ndarray) and lists.dtype != object and lists.ndim == 2:
        polys = {lists.shape[1]: np.asarray(lists, np.int64)}
        short = 0 if lists.shape[1] >= 3 else len(lists)
    else:
        lengths = np.fromiter((len(r) for r in lists), np.int64, len(lists))
        polys, short = {}, int((lengths < 3).sum())
        for k in np.unique(lengths[lengths >= 3]):
            polys[int(k)] = np.stack([np.asarray(r, np.int64) for r in lists[lengths == k]])
    if set(polys) == {3}:
        return polys[3], short  # all triangles: no fan needed, no copy
    tris = [np.stack([p[:, 0], p[:, j], p[:, j + 1]], axis=1) for k, p in polys.items() if k >= 3
            for j in range(1, k - 1)]
    return (np.concatenate(tris) if tris else np.zeros((0, 3), np.int64)), short


def strips_to_triangles(indices: np.ndarray) -> np.ndarray:
    """Decode triangle strips separated by -1; every other triangle flips so winding is consistent.
    Degenerate triangles (repeated corners, used to stitch strips) are dropped."""
    idx = np.asarray(indices, np.int64)
    n = len(idx)
    if n < 3:
        return np.zeros((0, 3), np.int64)
    sep = idx == -1
    last_sep = np.maximum.accumulate(np.where(sep, np.arange(n), -1))
    pos = np.arange(n) - last_sep - 1  # position of each index inside its strip
    tris = np.stack([idx[:-2], idx[1:-1], idx[2:]], axis=1)
    keep = ~(sep[:-2] | sep[1:-1] | sep[2:])
    odd = (pos[:-2] % 2 == 1) & keep
    tris[odd] = tris[odd][:, [1, 0, 2]]
    tris = tris[keep]
    proper = (tris[:, 0] != tris[:, 1]) & (tris[:, 1] != tris[:, 2]) & (tris[:, 0] != tris[:, 2])
    return tris[proper]


def _texture(path: Path, header: PlyHeader, names: set[str], face) -> tuple[bool, list[Path], list[str]]:
    """A texture counts when there are UVs (per vertex or per face) and the image named by a
    ``comment TextureFile`` exists next to the PLY."""
    has_uv = any(set(pair) <= names for pair in _UV_NAMES) or (
        face is not None and any(p.name == "texcoord" for p in face.properties))
    companions, warnings = [], []
    for comment in header.ply.comments:
        m = re.match(r"TextureFile\s+(.+)$", comment.strip())
        if m:
            name = m.group(1).strip()
            from studio.core.ingest.companions import inside

            found = inside(path.parent, name)
            if found is not None and found.is_file():
                companions.append(found)
            else:
                warnings.append(f"texture image not found next to the file: {name}")
    return has_uv and bool(companions), companions, warnings


def read_ply_mesh(path: Path, header: PlyHeader) -> MeshData:
    vertex_el, names = _vertex_element(header)
    data = _load(path, header)
    vertex = data["vertex"]
    vertices = _xyz(vertex)
    colors = _colors(vertex, names)
    warnings: list[str] = []
    parts = []
    if header.element("face") is not None and header.element("face").count > 0:
        face = data["face"]
        prop = next((p.name for p in face.properties if p.name in _INDEX_NAMES), None)
        if prop is None:
            prop = next((p.name for p in face.properties if isinstance(p, PlyListProperty)), None)
        if prop is None:
            raise InvalidFile("PLY face element has no vertex_indices list")
        tris, short = _faces_from_lists(face.data[prop])
        if short:
            warnings.append(f"{short:,} faces with fewer than 3 corners were ignored")
        parts.append(tris)
    if header.element("tristrips") is not None and header.element("tristrips").count > 0:
        strips = data["tristrips"]
        prop = next((p.name for p in strips.properties if isinstance(p, PlyListProperty)), None)
        if prop is None:
            raise InvalidFile("PLY tristrips element has no index list")
        rows = [np.asarray(r, np.int64) for r in strips.data[prop]]
        joined = np.concatenate([np.append(r, -1) for r in rows]) if rows else np.zeros(0, np.int64)
        parts.append(strips_to_triangles(joined))
    faces = np.concatenate(parts) if parts else np.zeros((0, 3), np.int64)
    has_texture, companions, tex_warnings = _texture(path, header, names, header.element("face"))
    del data
    return MeshData(vertices, faces, colors=colors, has_colors=colors is not None,
                    has_normals={"nx", "ny", "nz"} <= names, has_texture=has_texture,
                    companions=companions, warnings=warnings + tex_warnings)


def read_ply_points(path: Path, header: PlyHeader) -> PointData:
    _, names = _vertex_element(header)
    data = _load(path, header)
    points = _xyz(data["vertex"])
    has_colors = any(set(t) <= names for t in _COLOR_NAMES)
    return PointData(points, has_colors=has_colors, has_normals={"nx", "ny", "nz"} <= names)
