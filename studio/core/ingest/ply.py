"""PLY meshes and point clouds for ingest: the data comes from :mod:`studio.core.formats.ply`;
this adds what ingest measures on top (texture images beside the file)."""

from __future__ import annotations

from pathlib import Path

from studio.core.formats import ply
from studio.core.formats.paths import inside
from studio.core.formats.ply import PlyHeader
from studio.core.ingest.model import MeshData, PointData


def _texture(path: Path, header: PlyHeader, names: set[str]) -> tuple[bool, list[Path], list[str]]:
    """A texture counts when there are UVs (per vertex or per face) and the image named by a
    ``comment TextureFile`` exists next to the PLY."""
    face = header.element("face")
    has_uv = any(set(pair) <= names for pair in ply.UV_NAMES) or (
        face is not None and any(p.name == "texcoord" for p in face.properties))
    companions, warnings = [], []
    for name in ply.texture_files(header):
        found = inside(path.parent, name)
        if found is not None and found.is_file():
            companions.append(found)
        else:
            warnings.append(f"texture image not found next to the file: {name}")
    return has_uv and bool(companions), companions, warnings


def read_ply_mesh(path: Path, header: PlyHeader) -> MeshData:
    content = ply.read(path, header, compact=True)  # float32 / int32 as stored: half the memory (DR024)
    has_texture, companions, tex_warnings = _texture(path, header, content.names)
    return MeshData(content.vertices, content.faces, colors=content.colors, has_colors=content.colors is not None,
                    has_normals=content.has_normals, has_texture=has_texture,
                    companions=companions, warnings=content.warnings + tex_warnings)


def read_ply_points(path: Path, header: PlyHeader) -> PointData:
    content = ply.read(path, header, compact=True)
    return PointData(content.vertices, has_colors=content.has_colors, has_normals=content.has_normals)
