"""Meshes read with trimesh: OBJ (+MTL and textures), STL, OFF, glTF / GLB.

Each is loaded as a scene without processing (so nothing is merged, dropped or re-indexed),
every geometry's raw faces and vertices are checked, and the scene is flattened into one
triangle list with each instance's transform applied.

``has_normals`` means the file provides per-vertex normals (OBJ ``vn``, glTF ``NORMAL``):
STL's per-facet normals and OFF files do not count. STL stores every triangle's corners
separately; identical corners are merged so vertex counts and watertightness describe the surface.
"""

from __future__ import annotations

import contextlib
import logging
import re
from pathlib import Path

import numpy as np
import trimesh

from studio.core.errors import InvalidFile
from studio.core.formats import gltf, obj, off, stl
from studio.core.formats.limits import MAX_FACES, MAX_TEXT_GEOMETRY_BYTES, MAX_VERTICES
from studio.core.ingest.companions import RecordingResolver
from studio.core.ingest.limits import LOD_THRESHOLD_FACES
from studio.core.ingest.measure import require_finite, require_valid_indices
from studio.core.ingest.model import MeshData
from studio.core.ingest.texture_colors import sampled_colors

_NUMPY_INDEX = re.compile(r"index (-?\d+) is out of bounds for axis \d+ with size (\d+)")


@contextlib.contextmanager
def _quiet_trimesh():
    """trimesh logs what it skips in odd files; our result reports what matters."""
    logger = logging.getLogger("trimesh")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _load_scene(path: Path, fmt: str, resolver: RecordingResolver) -> trimesh.Scene:
    label = fmt.upper()
    try:
        with _quiet_trimesh():
            return trimesh.load_scene(str(path), file_type=fmt, resolver=resolver, process=False)
    except FileNotFoundError as exc:
        raise InvalidFile(f"missing file {Path(str(exc.args[0] if exc.args else exc)).name} referred to by "
                          f"the {label}") from exc
    except IndexError as exc:
        m = _NUMPY_INDEX.search(str(exc))
        if m:
            index, n = int(m.group(1)), int(m.group(2))
            shown = index + 1 if fmt == "obj" and index >= 0 else index
            note = " (OBJ numbering, from 1)" if fmt == "obj" else ""
            raise InvalidFile(f"faces index vertex {shown}{note} but the mesh has {n:,} vertices") from exc
        raise InvalidFile(f"faces refer to vertices that do not exist ({exc})") from exc
    except MemoryError:
        raise
    except Exception as exc:  # trimesh raises many kinds of errors on broken input
        detail = str(exc).strip() or type(exc).__name__
        raise InvalidFile(f"{label} could not be read: {detail}") from exc


def _texture_image(visual) -> bool:
    material = getattr(visual, "material", None)
    if material is None or getattr(visual, "uv", None) is None:
        return False
    return any(getattr(material, name, None) is not None for name in ("image", "baseColorTexture"))


def _flatten(scene: trimesh.Scene, fmt: str) -> MeshData:
    verts, faces, colors = [], [], []
    offset = 0
    has_colors = has_texture = False
    other = 0
    for node in scene.graph.nodes_geometry:
        transform, name = scene.graph[node]
        geom = scene.geometry.get(name)
        if not isinstance(geom, trimesh.Trimesh) or len(geom.faces) == 0:
            other += len(getattr(geom, "vertices", ()))
            continue
        require_valid_indices(np.asarray(geom.faces), len(geom.vertices))
        require_finite(np.asarray(geom.vertices))
        if fmt == "stl":  # STL repeats each corner per triangle: merge identical corners into one vertex
            geom.merge_vertices(merge_tex=True, merge_norm=True)
        f = np.asarray(geom.faces)
        v = np.asarray(geom.vertices, np.float64)
        if not np.allclose(transform, np.eye(4)):
            v = trimesh.transformations.transform_points(v, transform)
        kind = getattr(geom.visual, "kind", None)
        has_colors |= kind in ("vertex", "face")
        has_texture |= kind == "texture" and _texture_image(geom.visual)
        colors.append(np.asarray(geom.visual.vertex_colors, np.float64)[:, :3] / 255.0 if kind == "vertex"
                      else geom.visual if kind == "texture" else None)  # a texture is sampled below if needed
        verts.append(v)
        faces.append(f + offset if offset else f)
        offset += len(v)
        if offset > MAX_VERTICES or sum(len(x) for x in faces) > MAX_FACES:
            raise InvalidFile(f"the flattened scene exceeds the limit of {MAX_VERTICES:,} vertices / {MAX_FACES:,} faces")
    if not faces:
        if fmt in ("gltf", "glb"):
            raise InvalidFile("mesh has no faces: the glTF scene places no triangle meshes (empty scene)")
        if other:
            raise InvalidFile(f"{fmt.upper()} has vertices but no faces ({other:,} vertices: points or lines only)")
        raise InvalidFile(f"mesh has no faces: the {fmt.upper()} holds no geometry")
    if any(not isinstance(c, np.ndarray) and c is not None for c in colors):
        # textured: the LODs carry the texture's colours per vertex (they keep no UVs); a mesh
        # too small for a LOD does not pay for decoding its image
        needed = sum(len(f) for f in faces) > LOD_THRESHOLD_FACES
        colors = [c if isinstance(c, np.ndarray) or c is None else (sampled_colors(c) if needed else None)
                  for c in colors]
    vertex_colors = (colors[0] if len(colors) == 1 else np.concatenate(colors)) \
        if all(c is not None for c in colors) else None
    # one geometry (a scan): its own arrays, no concatenated copy; int32 corners where they fit (DR024)
    index = np.int32 if offset < 2**31 else np.int64
    all_faces = faces[0].astype(index) if len(faces) == 1 else np.concatenate(faces).astype(index)
    del faces
    return MeshData(verts[0] if len(verts) == 1 else np.concatenate(verts), all_faces, colors=vertex_colors,
                    has_colors=has_colors, has_texture=has_texture)


def merge_corners(corners: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(vertices, int32 triangles) of a triangle soup (STL: three corners a triangle, in order),
    identical corners merged into one vertex, numbered in order of their first appearance."""
    order = np.lexsort((corners[:, 2], corners[:, 1], corners[:, 0]))
    ranked = corners[order]
    new = np.empty(len(ranked), bool)
    new[0] = True
    new[1:] = (ranked[1:] != ranked[:-1]).any(axis=1)
    group = np.cumsum(new, dtype=np.int64) - 1
    del ranked, new
    ids = np.empty(len(corners), np.int64)
    ids[order] = group
    del group
    first = np.full(int(ids.max()) + 1, len(corners), np.int64)  # each vertex's first corner
    np.minimum.at(first, ids, np.arange(len(corners)))
    renumber = np.empty(len(first), np.int32)
    renumber[np.argsort(first, kind="stable")] = np.arange(len(first), dtype=np.int32)
    vertices = corners[np.sort(first)]
    return vertices, renumber[ids].reshape(-1, 3)


def read_trimesh_mesh(path: Path, fmt: str, size: int) -> MeshData:
    info = None
    has_normals = False
    if fmt in ("obj", "off", "stl") and size > MAX_TEXT_GEOMETRY_BYTES:
        raise InvalidFile(f"{fmt.upper()} files above {MAX_TEXT_GEOMETRY_BYTES // 2**30} GiB are not read; "
                          "convert the scan to binary PLY")
    if fmt == "stl":
        header = stl.read_header(path, size)
        corners = stl.read_binary_corners(path, header) if header.binary else stl.read_ascii_corners(path)
        if corners is not None:  # read as one array (DR024); identical corners merged as trimesh did
            return MeshData(*merge_corners(corners))
    elif fmt == "off":
        tables = off.read_tables(path, off.read_header(path, size))
        if tables is not None:  # a plain OFF, read as two tables (DR024)
            return MeshData(*tables)
    elif fmt in ("gltf", "glb"):
        info = gltf.inspect(path, size, fmt)
        if info.meshes == 0:
            raise InvalidFile("mesh has no faces: the glTF file contains no meshes")
        has_normals = info.has_normals
    elif fmt == "obj":
        has_normals = obj.scan(path)
    resolver = RecordingResolver(path)
    scene = _load_scene(path, fmt, resolver)
    mesh = _flatten(scene, fmt)
    del scene
    mesh.has_normals = has_normals
    mesh.has_colors = mesh.has_colors or bool(info and info.has_colors)
    # trimesh invents a 2×2 placeholder image to keep UVs that have no texture: only a real image counts
    if info is not None:
        mesh.has_texture = mesh.has_texture and info.has_images
    else:
        mesh.has_texture = mesh.has_texture and any(p.suffix.lower() != ".mtl" for p in resolver.found)
    if not mesh.has_texture and not mesh.has_colors:
        mesh.colors = None  # sampled from trimesh's placeholder image, not a texture of the file
    found = list(resolver.found) + (info.companions if info else [])
    mesh.companions = sorted(set(found) - {path.resolve()})
    if info:
        mesh.warnings.extend(info.warnings)
        mesh.embedded_images = [(path, offset, length) for offset, length in info.embedded_images]
    elif resolver.missing:
        mesh.warnings.extend(f"referenced file not found next to the {fmt.upper()}: {name}" for name in resolver.missing)
    return mesh
