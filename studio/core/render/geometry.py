"""Renderable geometry from the vault, decrypted in memory: positions, triangles, colours.

``detail="preview"`` uses the stored LOD when the scan has one (fast to turn); ``"full"`` reads
the original. Nothing is written to disk.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np

from studio.core.assets import AssetRecord, get_asset
from studio.core.errors import InvalidInput, UnsupportedFormat
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


class _Element:
    """An element's records as a numpy structured array (what ``_colors`` reads)."""

    def __init__(self, data: np.ndarray) -> None:
        self.data = data


def _binary_ply_arrays(data: bytes) -> dict[str, np.ndarray] | None:
    """A binary PLY whose records all have a fixed size (faces all triangles, as scanners and
    our own LODs write them), as numpy views of the decrypted bytes: no copy and no Python loop
    per face. None when the file needs the general reader (text, strips, mixed polygons).

    plyfile reads fast only through a memory map of a real file; from memory it goes record by
    record (12 s for 1.3 M triangles), and the likeness must not be written to a file to map."""
    import re

    from plyfile import PlyData, PlyListProperty

    from studio.core.ingest.limits import MAX_HEADER_BYTES

    m = re.search(rb"(\r\n|\r|\n)end_header[ \t]*(\r\n|\n|\r)", data[:MAX_HEADER_BYTES])
    if m is None:
        return None
    try:
        header = PlyData._parse_header(io.BytesIO(re.sub(rb"\r\n|\r", b"\n", data[:m.end()])))
    except Exception:
        return None
    if header.text:
        return None
    order = header.byte_order
    out: dict[str, np.ndarray] = {}
    offset = m.end()
    for element in header.elements:
        fields, lists = [], []
        for prop in element.properties:
            if isinstance(prop, PlyListProperty):
                fields.append((prop.name + "\0count", order + prop.len_dtype))
                fields.append((prop.name, order + prop.val_dtype, (3,)))
                lists.append(prop.name)
            else:
                fields.append((prop.name, order + prop.val_dtype))
        dtype = np.dtype(fields)
        if offset + dtype.itemsize * element.count > len(data):
            return None
        records = np.frombuffer(data, dtype, element.count, offset)
        if any((records[name + "\0count"] != 3).any() for name in lists):
            return None  # not all triangles: the general reader triangulates
        out[element.name] = records
        offset += dtype.itemsize * element.count
    return out


def _fast_ply_geometry(data: bytes) -> Geometry | None:
    from studio.core.ingest.ply import _colors

    arrays = _binary_ply_arrays(data)
    if arrays is None or "vertex" not in arrays or "tristrips" in arrays:
        return None
    v = arrays["vertex"]
    names = set(v.dtype.names or ())
    if not {"x", "y", "z"} <= names:
        return None
    pos = np.column_stack([v["x"], v["y"], v["z"]]).astype(np.float32)
    colors = _colors(_Element(v), names)
    tris = None
    face = arrays.get("face")
    if face is not None and len(face):
        index = next((n for n in ("vertex_indices", "vertex_index") if n in (face.dtype.names or ())), None)
        if index is None:
            return None
        tris = np.ascontiguousarray(face[index], np.int32)
    return Geometry(pos, tris, colors.astype(np.float32) if colors is not None else None)


def _ply_geometry(data: bytes) -> Geometry:
    from plyfile import PlyData

    from studio.core.ingest.ply import strips_to_triangles

    fast = _fast_ply_geometry(data)
    if fast is not None:
        return fast
    ply = None
    for name in ("vertex_indices", "vertex_index"):  # triangles with a fixed list length read fast
        try:
            ply = PlyData.read(io.BytesIO(data), known_list_len={"face": {name: 3}})
            break
        except Exception:
            continue
    if ply is None:
        ply = PlyData.read(io.BytesIO(data))
    from studio.core.ingest.ply import _colors

    v = ply["vertex"].data
    pos = np.column_stack([v["x"], v["y"], v["z"]]).astype(np.float32)
    colors = _colors(ply["vertex"], set(v.dtype.names or ()))
    colors = colors.astype(np.float32) if colors is not None else None
    elements = {e.name: e for e in ply.elements}
    tris = None
    if "face" in elements and len(elements["face"].data):
        from studio.core.ingest.ply import _faces_from_lists

        lists = elements["face"].data[elements["face"].properties[0].name]
        if isinstance(lists, np.ndarray) and lists.dtype != object and lists.ndim == 2:
            tris = lists.astype(np.int64)
        else:
            tris, _ = _faces_from_lists(lists)
    elif "tristrips" in elements:
        lists = elements["tristrips"].data[elements["tristrips"].properties[0].name]
        tris = strips_to_triangles(np.concatenate([np.asarray(s, np.int64) for s in lists]))
    return Geometry(pos, tris.astype(np.int32) if tris is not None else None, colors)


def _lod_geometry(data: bytes) -> Geometry:
    """The LOD is our own binary PLY of triangles (written by trimesh): trimesh reads it back
    with numpy, without a Python object per face."""
    import trimesh

    mesh = trimesh.load(io.BytesIO(data), file_type="ply", process=False)
    colors = None
    if mesh.visual.kind == "vertex":
        colors = np.asarray(mesh.visual.vertex_colors[:, :3], np.float32) / 255.0
    return Geometry(np.asarray(mesh.vertices, np.float32), np.asarray(mesh.faces, np.int32), colors)


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


def _pcd_points(data: bytes) -> tuple[np.ndarray, np.ndarray | None]:
    """x, y, z of an ASCII or binary PCD held in memory (Open3D reads PCD only from a path, and
    the likeness must not be written to disk to get there)."""
    end = data.find(b"\nDATA ")
    line_end = data.find(b"\n", end + 1)
    header = data[:line_end].decode("ascii", errors="replace")
    fields: dict[str, list[str]] = {}
    for line in header.splitlines():
        parts = line.split()
        if parts and not parts[0].startswith("#"):
            fields[parts[0].upper()] = parts[1:]
    names, sizes = fields["FIELDS"], [int(x) for x in fields["SIZE"]]
    types, counts = fields["TYPE"], [int(x) for x in fields.get("COUNT", ["1"] * len(names))]
    points, encoding = int(fields["POINTS"][0]), fields["DATA"][0].lower()
    body = data[line_end + 1:]
    if encoding == "ascii":
        table = np.loadtxt(io.BytesIO(body), ndmin=2)
        columns = np.cumsum([0] + counts)
        xyz = np.column_stack([table[:, columns[names.index(a)]] for a in "xyz"])
    elif encoding == "binary":
        kinds = {"F": "f", "I": "i", "U": "u"}
        dtype = np.dtype([(n, f"<{kinds[t]}{s}", (c,) if c > 1 else ()) for n, s, t, c in zip(names, sizes, types, counts)])
        rows = np.frombuffer(body[: points * dtype.itemsize], dtype=dtype)
        xyz = np.column_stack([rows[a] for a in "xyz"])
    else:
        raise UnsupportedFormat(f"a 3D preview of a PCD stored as {encoding} is not available yet")
    return xyz.astype(np.float32), None


def _cloud_geometry(data: bytes, fmt: str) -> Geometry:
    if fmt == "pcd":
        pos, colors = _pcd_points(data)
    elif fmt == "xyz":
        text = data.decode("utf-8", errors="replace")
        first = next((ln for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")), "")
        table = np.loadtxt(io.StringIO(text), comments="#", delimiter="," if "," in first else None, ndmin=2)
        pos, colors = table[:, :3].astype(np.float32), None
        if table.shape[1] >= 6 and np.all((table[:, 3:6] >= 0) & (table[:, 3:6] <= 255)) and table[:, 3:6].max() > 1:
            colors = (table[:, 3:6] / 255.0).astype(np.float32)
    else:
        g = _ply_geometry(data)
        pos, colors = g.positions, g.colors
    finite = np.isfinite(pos).all(axis=1)
    pos, colors = pos[finite], (colors[finite] if colors is not None else None)
    if len(pos) > MAX_POINTS:
        step = int(np.ceil(len(pos) / MAX_POINTS))
        pos, colors = pos[::step], (colors[::step] if colors is not None else None)
    return Geometry(np.ascontiguousarray(pos), None, colors)


def geometry_for_asset(vault: Vault, asset_id: str, detail: str = "full") -> tuple[AssetRecord, Geometry]:
    asset = get_asset(vault, asset_id)
    if asset.kind == "voice":
        raise InvalidInput(f"asset {asset.id} is a voice recording; only scans have a 3D preview")
    lod = asset.file("lod")
    if asset.kind == "mesh" and detail == "preview" and lod is not None:
        return asset, _lod_geometry(vault.derived.read_bytes(lod.sha256))
    data = vault.blobs.read_bytes(asset.sha256)
    if asset.kind == "point_cloud":
        return asset, _cloud_geometry(data, asset.format)
    if asset.format == "ply":
        return asset, _ply_geometry(data)
    companions = {f.name: vault.blobs.read_bytes(f.sha256) for f in asset.files if f.role == "companion"}
    return asset, _trimesh_geometry(data, asset.format, companions)
