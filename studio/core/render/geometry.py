"""Renderable geometry from the vault, decrypted in memory: positions, triangles, colours.

``detail="preview"`` uses the stored LOD when the scan has one (fast to turn); ``"full"`` reads
the original. Nothing is written to disk.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np

from studio.core.assets import AssetRecord, get_asset
from studio.core.errors import InvalidFile, InvalidInput, StudioError, UnsupportedFormat
from studio.core.formats import pcd, ply, xyz
from studio.core.formats.limits import MAX_HEADER_BYTES
from studio.core.vault import Vault

MAX_POINTS = 2_000_000  # a preview of a bigger cloud shows an even subsample


@dataclass
class Geometry:
    positions: np.ndarray            # (n, 3) float32
    triangles: np.ndarray | None     # (m, 3) int32; None for a point cloud
    colors: np.ndarray | None        # (n, 3) float32 in 0..1

    @property
    def is_mesh(self) -> bool:
        return self.triangles is not None

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        return self.positions.min(axis=0), self.positions.max(axis=0)


def _ply_geometry(data: bytes) -> Geometry:
    content = ply.read(data)
    colors = content.colors.astype(np.float32) if content.colors is not None else None
    tris = content.faces.astype(np.int32) if len(content.faces) else None
    return Geometry(content.vertices.astype(np.float32), tris, colors)


def _lod_geometry(data: bytes) -> Geometry:
    """The LOD is our own binary PLY of triangles: read as any PLY in memory."""
    return _ply_geometry(data)


class _MemoryResolver:
    """Lets trimesh find a glTF's buffers and an OBJ's materials among the stored companions."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = files

    def get(self, name: str) -> bytes:
        key = name.replace("\\", "/").split("/")[-1]
        for stored, data in self.files.items():
            if stored.split("/")[-1] == key:
                return data
        raise FileNotFoundError(name)

    def __getitem__(self, name: str) -> bytes:  # trimesh's glTF loader asks for buffers this way
        return self.get(name)

    def get_base(self):
        return self

    def namespaced(self, namespace):
        return self

    def write(self, name, data):
        raise OSError("read-only")

    def keys(self):
        return self.files.keys()


def _trimesh_geometry(data: bytes, fmt: str, companions: dict[str, bytes]) -> Geometry:
    import trimesh

    loaded = trimesh.load(io.BytesIO(data), file_type=fmt, process=False, resolver=_MemoryResolver(companions))
    meshes = [loaded] if isinstance(loaded, trimesh.Trimesh) else [
        g for g in loaded.dump() if isinstance(g, trimesh.Trimesh)] if isinstance(loaded, trimesh.Scene) else []
    if not meshes:
        raise UnsupportedFormat("the stored scan holds no triangles to show")
    pos, tris, cols, offset = [], [], [], 0
    for m in meshes:
        pos.append(np.asarray(m.vertices, np.float32))
        tris.append(np.asarray(m.faces, np.int64) + offset)
        offset += len(m.vertices)
        vc = getattr(m.visual, "vertex_colors", None) if getattr(m.visual, "kind", None) == "vertex" else None
        cols.append(np.asarray(vc, np.float32)[:, :3] / 255.0 if vc is not None else None)
    colors = np.concatenate(cols) if all(c is not None for c in cols) else None
    return Geometry(np.concatenate(pos), np.concatenate(tris).astype(np.int32), colors)


def _cloud_geometry(data: bytes, fmt: str) -> Geometry:
    if fmt == "pcd":
        cloud = pcd.read_points(data, pcd.parse_header(data[:MAX_HEADER_BYTES], len(data)))
        pos, colors = cloud.points, None
    elif fmt == "xyz":
        table = xyz.read(data)
        pos, colors = table.points, table.colors
    else:
        content = ply.read(data)
        pos, colors = content.vertices, content.colors
    pos = pos.astype(np.float32)
    colors = colors.astype(np.float32) if colors is not None else None
    finite = np.isfinite(pos).all(axis=1)
    pos, colors = pos[finite], (colors[finite] if colors is not None else None)
    if len(pos) > MAX_POINTS:
        step = int(np.ceil(len(pos) / MAX_POINTS))
        pos, colors = pos[::step], (colors[::step] if colors is not None else None)
    return Geometry(np.ascontiguousarray(pos), None, colors)


def geometry_from_bytes(data: bytes, kind: str, fmt: str, companions: dict[str, bytes] | None = None) -> Geometry:
    """The geometry of a scan held in memory: ``kind`` "mesh" or "point_cloud", ``fmt`` as
    ingest named it. Raises InvalidFile / UnsupportedFormat with the reason it cannot be shown."""
    try:
        if kind == "point_cloud":
            return _cloud_geometry(data, fmt)
        if fmt == "ply":
            return _ply_geometry(data)
        return _trimesh_geometry(data, fmt, companions or {})
    except StudioError:
        raise
    except MemoryError as exc:
        raise InvalidFile(f"not enough memory to show this {len(data) / 2**20:,.0f} MB scan") from exc
    except Exception as exc:  # a library's own error: name it, never leak a traceback
        detail = str(exc).strip() or type(exc).__name__
        raise InvalidFile(f"the stored {fmt.upper()} scan could not be read for its preview: {detail}") from exc


def geometry_for_asset(vault: Vault, asset_id: str, detail: str = "full") -> tuple[AssetRecord, Geometry]:
    asset = get_asset(vault, asset_id)
    if asset.kind == "voice":
        raise InvalidInput(f"asset {asset.id} is a voice recording; only scans have a 3D preview")
    lod = asset.file("lod")
    if asset.kind == "mesh" and detail == "preview" and lod is not None:
        return asset, _lod_geometry(vault.derived.read_bytes(lod.sha256))
    data = vault.blobs.read_bytes(asset.sha256)
    companions = {f.name: vault.blobs.read_bytes(f.sha256) for f in asset.files if f.role == "companion"}
    return asset, geometry_from_bytes(data, asset.kind, asset.format, companions)
