"""Renderable geometry from the vault, decrypted in memory: positions, triangles, colours and,
for a textured mesh, its UVs and texture image.

``detail="preview"`` uses the stored LOD when the scan has one (fast to turn); ``"full"`` reads
the original when drawing it fits in the memory free (:mod:`.budget`), else the finest level
that does — the geometry then says how much it leaves out (``full_count``). Arrays are float32
and int32 from the start (DR023). Nothing is written to disk.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np

from studio.core.assets import AssetRecord, DetailLevel, get_asset
from studio.core.errors import InvalidFile, InvalidInput, StudioError, UnsupportedFormat
from studio.core.formats import off, pcd, ply, xyz
from studio.core.formats.limits import MAX_HEADER_BYTES
from studio.core.render import budget
from studio.core.vault import Vault


@dataclass
class Geometry:
    positions: np.ndarray            # (n, 3) float32
    triangles: np.ndarray | None     # (m, 3) int32; None for a point cloud
    colors: np.ndarray | None        # (n, 3) float32 in 0..1
    uvs: np.ndarray | None = None    # (n, 2) float32, with ``texture``
    texture: np.ndarray | None = None  # (h, w, 3) uint8, rows top first
    full_count: int | None = None    # triangles (points) of the full scan when this is a reduced level
    _is_mesh: bool | None = None

    @property
    def is_mesh(self) -> bool:
        return self._is_mesh if self._is_mesh is not None else self.triangles is not None

    @property
    def count(self) -> int:
        """Triangles of a mesh, points of a cloud."""
        return len(self.triangles) if self.triangles is not None else len(self.positions)

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        return self.positions.min(axis=0), self.positions.max(axis=0)

    def release(self) -> None:
        """Drop the arrays (sent to a render child that holds its own): the memory is freed now
        unless someone else still refers to them."""
        self._is_mesh = self.is_mesh
        self.positions = self.triangles = self.colors = self.uvs = self.texture = None


def _ply_geometry(data: bytes) -> Geometry:
    header = ply.parse_header(bytes(data[:MAX_HEADER_BYTES]), len(data))
    records = ply.fixed_records(data, header)
    if records is not None and ("face" not in records or len(records["face"])):
        # the common binary scan: float32 / int32 copies of the columns drawn, straight from
        # the bytes (the general reader widens to float64 / int64 first: 3× the memory)
        vertex = records["vertex"]
        positions = np.empty((len(vertex), 3), np.float32)
        for k, axis in enumerate("xyz"):
            positions[:, k] = vertex[axis]
        tris = None
        if "face" in records:
            tris = np.ascontiguousarray(records["face"][ply._index_name(header)], np.int32)
            if tris.size and (tris.min() < 0 or tris.max() >= len(positions)):
                raise InvalidFile("the stored PLY has faces that refer to vertices it does not have")
        colors = ply.colors(vertex, header.vertex_names())
        return Geometry(positions, tris, colors.astype(np.float32) if colors is not None else None)
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
    pos, tris, cols, uvs, images, offset = [], [], [], [], [], 0
    for m in meshes:
        pos.append(np.asarray(m.vertices, np.float32))
        tris.append(np.asarray(m.faces, np.int64) + offset)
        offset += len(m.vertices)
        vc = getattr(m.visual, "vertex_colors", None) if getattr(m.visual, "kind", None) == "vertex" else None
        cols.append(np.asarray(vc, np.float32)[:, :3] / 255.0 if vc is not None else None)
        uv, image = _texture(m)
        uvs.append(uv)
        images.append(image)
    colors = np.concatenate(cols) if all(c is not None for c in cols) else None
    uv = texture = None
    # one texture for the whole scan (a scan's usual case); meshes with several are drawn untextured
    if all(u is not None for u in uvs) and all(i is images[0] for i in images):
        uv = np.concatenate(uvs)
        texture = np.asarray(images[0].convert("RGB"), np.uint8)
    pos_all = np.concatenate(pos)
    del pos
    return Geometry(pos_all, np.concatenate(tris).astype(np.int32), colors, uv, texture)


def _texture(mesh) -> tuple[np.ndarray | None, object]:
    """A trimesh mesh's per-vertex UVs (origin bottom left) and its texture's PIL image."""
    visual = mesh.visual
    if getattr(visual, "kind", None) != "texture" or getattr(visual, "uv", None) is None:
        return None, None
    material = visual.material
    image = getattr(material, "image", None)
    if image is None:
        image = getattr(material, "baseColorTexture", None)
    if image is None or len(visual.uv) != len(mesh.vertices):
        return None, None
    return np.asarray(visual.uv, np.float32), image


def _cloud_geometry(data: bytes, fmt: str, max_points: int) -> Geometry:
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
    total = len(pos)
    if total > max_points:  # an even subsample of what fits
        step = int(np.ceil(total / max_points))
        pos, colors = pos[::step], (colors[::step] if colors is not None else None)
    return Geometry(np.ascontiguousarray(pos), None, colors,
                    full_count=total if len(pos) < total else None)


def geometry_from_bytes(data: bytes, kind: str, fmt: str, companions: dict[str, bytes] | None = None,
                        max_points: int | None = None) -> Geometry:
    """The geometry of a scan held in memory: ``kind`` "mesh" or "point_cloud", ``fmt`` as
    ingest named it; a cloud of more than ``max_points`` (default: what fits in memory) is an
    even subsample. Raises InvalidFile / UnsupportedFormat with the reason it cannot be shown."""
    try:
        if kind == "point_cloud":
            return _cloud_geometry(data, fmt, max_points or budget.points_that_fit(budget.budget_bytes()))
        if fmt == "ply":
            return _ply_geometry(data)
        if fmt == "off":
            try:
                tables = off.read_tables(io.BytesIO(data), off.parse_header(bytes(data[:MAX_HEADER_BYTES]), len(data)))
            except InvalidFile as exc:
                raise InvalidFile(f"the stored OFF scan could not be read for its preview: {exc}") from exc
            if tables is not None:  # a plain OFF as two tables, as ingest reads it (DR024): no float64 scene
                return Geometry(tables[0].astype(np.float32), tables[1].astype(np.int32, copy=False), None)
        return _trimesh_geometry(data, fmt, companions or {})
    except StudioError:
        raise
    except MemoryError as exc:
        raise InvalidFile(f"not enough memory to show this {len(data) / 2**20:,.0f} MB scan") from exc
    except Exception as exc:  # a library's own error: name it, never leak a traceback
        detail = str(exc).strip() or type(exc).__name__
        raise InvalidFile(f"the stored {fmt.upper()} scan could not be read for its preview: {detail}") from exc


def _level_bytes(asset: AssetRecord, level: DetailLevel) -> int:
    faces = int(level.faces or 0)
    if level.file is None:  # the original: its measured counts
        return budget.mesh_bytes(int(asset.metrics.get("vertices", 0)), int(asset.metrics.get("faces", 0)))
    return budget.mesh_bytes(faces // 2 + 2, faces)  # a clustered surface has about half as many vertices


def full_fits(asset: AssetRecord, available: int | None = None) -> bool:
    """Whether drawing the full mesh fits in the memory a render may use now (figures from the
    metrics measured at ingest; a cloud is subsampled to fit instead)."""
    if asset.kind != "mesh":
        return True
    return _level_bytes(asset, asset.levels()[-1]) <= (available if available is not None else budget.budget_bytes())


def fitting_level(asset: AssetRecord, available: int | None = None) -> DetailLevel | None:
    """The finest stored level of a mesh that fits in the memory a render may use now — the
    original, ``lod_fine`` (DR024) or ``lod`` — or the coarsest when none does; None for a
    cloud or a mesh stored without levels (its original is read)."""
    levels = asset.levels()
    if len(levels) < 2:
        return None
    room = available if available is not None else budget.budget_bytes()
    for level in reversed(levels):
        if level.faces is None and level.file is not None:
            continue  # a LOD from before DR024: its size unknown, only the fallback below
        if _level_bytes(asset, level) <= room:
            return level
    return levels[0]


def level_geometry(vault: Vault, asset: AssetRecord, level: DetailLevel) -> Geometry:
    """A stored LOD's geometry (``level.file`` set), marked with the full scan's triangle count."""
    geometry = _lod_geometry(vault.derived.read_bytes(level.file.sha256))
    geometry.full_count = int(asset.metrics.get("faces", 0)) or None
    return geometry


def geometry_for_asset(vault: Vault, asset_id: str, detail: str = "full") -> tuple[AssetRecord, Geometry]:
    """``detail``: "preview" (the stored coarse LOD of a big mesh), "full" (the original where it
    fits in memory, else the finest stored level that does, with ``full_count`` set) or
    "original" (the original regardless)."""
    asset = get_asset(vault, asset_id)
    if asset.kind == "voice":
        raise InvalidInput(f"asset {asset.id} is a voice recording; only scans have a 3D preview")
    lod = asset.file("lod")
    if asset.kind == "mesh" and lod is not None and detail == "preview":
        return asset, _lod_geometry(vault.derived.read_bytes(lod.sha256))
    level = fitting_level(asset) if asset.kind == "mesh" and detail == "full" else None
    if level is not None and level.file is not None:
        return asset, level_geometry(vault, asset, level)
    data = vault.blobs.read_bytes(asset.sha256)
    companions = {f.name: vault.blobs.read_bytes(f.sha256) for f in asset.files if f.role == "companion"}
    geometry = geometry_from_bytes(data, asset.kind, asset.format, companions)
    return asset, geometry


def reduced_note(geometry: Geometry, is_mesh: bool) -> str | None:
    """One line saying that a reduced level of detail is shown, or None (English: the CLI's)."""
    if geometry.full_count is None:
        return None
    what = "triangles" if is_mesh else "points"
    return (f"showing {_millions(geometry.count)} of {_millions(geometry.full_count)} {what} — "
            "full detail needs more memory than this machine has free")


def _millions(n: int) -> str:
    return f"{n / 1e6:.1f} M" if n >= 100_000 else f"{n:,}"
