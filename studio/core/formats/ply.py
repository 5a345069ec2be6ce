"""PLY meshes and point clouds: the header (parsed by plyfile, checked against the file size)
and the data, read from a file or from bytes in memory — one reader for ingest, the preview and
the watermark.

From a file, binary triangle (or quad) lists are memory-mapped by plyfile (``known_list_len``),
so a multi-million-face scan loads in milliseconds; other lists go through plyfile's row
reader. From bytes (a scan decrypted in memory), records of a fixed size (faces all triangles,
as scanners and our own LODs write them) are numpy views of the bytes: plyfile reads fast only
through a memory map of a real file, and the likeness must not be written to a file to map.
Faces stored as ``tristrips`` are decoded to triangles.
"""

from __future__ import annotations

import io
import mmap
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from plyfile import PlyData, PlyElementParseError, PlyHeaderParseError, PlyListProperty

from studio.core.errors import InvalidFile
from studio.core.formats import ply_faces
from studio.core.formats.limits import (MAX_FACE_CORNERS, MAX_FACES, MAX_HEADER_BYTES, MAX_ROW_READER_ROWS,
                                        MAX_TEXT_GEOMETRY_BYTES, MAX_VERTICES, GiB, check_count, check_fits,
                                        check_geometry)

INDEX_NAMES = ("vertex_indices", "vertex_index")
COLOR_NAMES = (("red", "green", "blue"), ("r", "g", "b"), ("diffuse_red", "diffuse_green", "diffuse_blue"))
UV_NAMES = (("u", "v"), ("s", "t"), ("texture_u", "texture_v"), ("texture_s", "texture_t"))
_END_HEADER = re.compile(rb"(\r\n|\r|\n)end_header[ \t]*(\r\n|\n|\r)")
_ELEMENT_WORDS = {"vertex": ("vertices", MAX_VERTICES), "face": ("faces", MAX_FACES),
                  "tristrips": ("triangle strips", MAX_FACES)}


@dataclass
class PlyHeader:
    ply: PlyData  # header only: elements, properties, comments (no data)
    raw: bytes  # the header bytes as in the file
    fixed: bytes | None  # the header with uniform "\n" line ends, when the file mixes them

    def element(self, name: str):
        return next((e for e in self.ply.elements if e.name == name), None)

    @property
    def length(self) -> int:
        return len(self.raw)

    @property
    def encoding(self) -> str:
        """"ascii", "binary_little_endian" or "binary_big_endian"."""
        if self.ply.text:
            return "ascii"
        return "binary_big_endian" if self.ply.byte_order == ">" else "binary_little_endian"

    @property
    def is_mesh(self) -> bool:
        """A PLY is a mesh when it has faces or triangle strips; otherwise its vertices are a point cloud."""
        return any(self.element(n) is not None and self.element(n).count > 0 for n in ("face", "tristrips"))

    def vertex_names(self) -> set[str]:
        """The vertex element's property names; InvalidFile unless it has x, y, z and vertices."""
        vertex = self.element("vertex")
        if vertex is None:
            raise InvalidFile("PLY file has no vertex element")
        names = {p.name for p in vertex.properties}
        if not {"x", "y", "z"} <= names:
            raise InvalidFile("PLY vertex element has no x, y, z properties")
        if vertex.count == 0:
            raise InvalidFile("PLY file has no vertices (its header declares 0)")
        return names


@dataclass
class PlyContent:
    """What a PLY holds, flattened: positions, triangles (empty for a point cloud), colours."""

    vertices: np.ndarray  # (n, 3) float64, in file order
    faces: np.ndarray  # (m, 3) int64: face polygons fanned into triangles, then decoded strips
    colors: np.ndarray | None  # (n, 3) float64 in 0..1
    names: set[str]  # vertex property names
    short_faces: int = 0  # face rows with fewer than 3 corners (ignored)
    warnings: list[str] = field(default_factory=list)

    @property
    def has_normals(self) -> bool:
        return {"nx", "ny", "nz"} <= self.names

    @property
    def has_colors(self) -> bool:
        return any(set(t) <= self.names for t in COLOR_NAMES)


def is_binary(head: bytes) -> bool:
    """True when ``head`` (the file's first bytes, perhaps not the whole header) starts a binary
    PLY: its ``format`` line, which follows the magic line, names a binary encoding."""
    for line in head.split(b"\n", 3)[:3]:
        if line.startswith(b"format "):
            return b"binary_" in line
    return False


def parse_header(head: bytes, size: int | None = None) -> PlyHeader:
    """Parse a PLY header from the file's first bytes. With the file's ``size``, the counts it
    declares are checked against the bytes the file holds. Raises InvalidFile."""
    m = _END_HEADER.search(head[:MAX_HEADER_BYTES])
    if m is None:
        if len(head) >= MAX_HEADER_BYTES:
            raise InvalidFile(f"PLY header has no end_header line in its first {MAX_HEADER_BYTES // 1024} KiB")
        raise InvalidFile("truncated: the PLY header never ends (no end_header line)")
    raw = head[:m.end()]
    fixed = re.sub(rb"\r\n|\r", b"\n", raw)
    try:
        ply = PlyData._parse_header(io.BytesIO(fixed))  # plyfile's own header parser, no data read
    except PlyHeaderParseError as exc:
        raise InvalidFile(f"PLY header is malformed ({exc})") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidFile(f"PLY header is malformed ({exc})") from exc
    header = PlyHeader(ply, raw, fixed if fixed != raw else None)
    if size is not None:
        _check_counts(header, size - len(raw))
    return header


def read_header(path: Path, size: int) -> PlyHeader:
    """Parse and check the header of the PLY file at ``path`` (``size`` bytes)."""
    with open(path, "rb") as f:
        return parse_header(f.read(min(size, MAX_HEADER_BYTES)), size)


def _check_counts(h: PlyHeader, body: int) -> None:
    total = 0
    for e in h.ply.elements:
        what, limit = _ELEMENT_WORDS.get(e.name, (f"'{e.name}' elements", MAX_FACES))
        if h.ply.text:
            row = 2 * max(1, len(e.properties))  # a digit and a separator per value at the least
        else:
            row = sum(np.dtype(p.list_dtype()[0] if isinstance(p, PlyListProperty) else p.dtype()).itemsize
                      for p in e.properties)  # a list needs at least its length field
        check_fits(what, e.count, max(row, 1), body, "PLY")
        check_count(what, e.count, limit)
        total += e.count * row
    if total > body:
        raise InvalidFile(f"truncated: the PLY header declares at least {total:,} bytes of data but the file "
                          f"holds {body:,}")
    vertex, faces = h.element("vertex"), sum(h.element(n).count for n in ("face", "tristrips") if h.element(n))
    check_geometry("PLY", vertex.count if vertex is not None else 0, faces)  # at least a triangle a face


# -- data --------------------------------------------------------------------------------------


def read(source: Path | bytes, header: PlyHeader | None = None, *, compact: bool = False) -> PlyContent:
    """Everything a PLY file (a path) or its bytes hold. Raises InvalidFile for data that does
    not match its header.

    ``compact`` (ingest of big scans, DR024): positions keep the file's float32 and triangles
    its int32 where the file stores them so (half the memory of float64 / int64); callers must
    not assume float64 positions or int64 indices then."""
    if header is None:
        if isinstance(source, Path):
            header = read_header(source, source.stat().st_size)
        else:
            header = parse_header(bytes(source[:MAX_HEADER_BYTES]), len(source))
    names = header.vertex_names()
    arrays = _fixed_records(source, header) if not isinstance(source, Path) else None
    if arrays is not None:
        vertex = arrays["vertex"]
        face_lists = arrays["face"][_index_name(header)] if "face" in arrays and len(arrays["face"]) else None
        return _content(vertex, names, face_lists, None, compact)
    data = _load(source, header, names, compact)
    if isinstance(data, PlyContent):
        return data
    face_lists = strips = None
    face = header.element("face")
    if face is not None and face.count > 0:
        face_lists = data["face"].data[_index_name(header)]
    if header.element("tristrips") is not None and header.element("tristrips").count > 0:
        prop = next((p.name for p in header.element("tristrips").properties if isinstance(p, PlyListProperty)), None)
        if prop is None:
            raise InvalidFile("PLY tristrips element has no index list")
        strips = data["tristrips"].data[prop]
    return _content(data["vertex"].data, names, face_lists, strips, compact)


def _index_name(header: PlyHeader) -> str:
    face = header.element("face")
    prop = next((p.name for p in face.properties if p.name in INDEX_NAMES), None)
    if prop is None:
        prop = next((p.name for p in face.properties if isinstance(p, PlyListProperty)), None)
    if prop is None:
        raise InvalidFile("PLY face element has no vertex_indices list")
    return prop


def positions(vertex: np.ndarray, compact: bool = False) -> np.ndarray:
    """(n, 3) x, y, z of a vertex record array, copied out of it: float64, or with ``compact``
    float32 when the file stores float32 (a big scan's positions at half the memory)."""
    dtype = np.float32 if compact and all(vertex[a].dtype.itemsize <= 4 and vertex[a].dtype.kind == "f"
                                          for a in "xyz") else np.float64
    out = np.empty((len(vertex), 3), dtype)
    for k, a in enumerate("xyz"):
        out[:, k] = vertex[a]
    return out


def _content(vertex: np.ndarray, names: set[str], face_lists, strips, compact: bool = False) -> PlyContent:
    vertices = positions(vertex, compact)
    parts, short = [], 0
    if face_lists is not None:
        tris, short = faces_from_lists(face_lists, compact)
        parts.append(tris)
    if strips is not None:
        rows = [np.asarray(r, np.int64) for r in strips]
        joined = np.concatenate([np.append(r, -1) for r in rows]) if rows else np.zeros(0, np.int64)
        parts.append(strips_to_triangles(joined))
    faces = np.concatenate(parts) if parts else np.zeros((0, 3), np.int64)
    warnings = [f"{short:,} faces with fewer than 3 corners were ignored"] if short else []
    return PlyContent(vertices, faces, colors(vertex, names, compact), names, short, warnings)


def _read(source: Path | bytes, header: PlyHeader, face_len: int | None) -> PlyData:
    known = {}
    face = header.element("face")
    if face_len and face is not None:
        lists = [p.name for p in face.properties if isinstance(p, PlyListProperty)]
        known = {"face": {name: face_len for name in lists}}
    if isinstance(source, Path):
        if header.fixed is None:
            return PlyData.read(str(source), known_list_len=known)
        with open(source, "rb") as f:  # mixed line ends in the header: give plyfile a clean copy
            f.seek(header.length)
            return PlyData.read(io.BytesIO(header.fixed + f.read()), known_list_len=known)
    body = bytes(source)
    if header.fixed is not None:
        body = header.fixed + body[header.length:]
    return PlyData.read(io.BytesIO(body), known_list_len=known)


def _load(source: Path | bytes, header: PlyHeader, names: set[str], compact: bool = False) -> PlyData | PlyContent:
    """Read the data; for binary faces try the fast fixed-length paths (triangles, quads) first,
    then one pass over faces of any length (:mod:`.ply_faces`)."""
    face = header.element("face")
    if header.ply.text:
        table = _ascii_tables(source, header, names, compact)
        if table is not None:
            return table
    _check_row_reader(header, faces_too=False)
    if not header.ply.text and face is not None and face.count > 0:
        for n in (3, 4):
            try:
                return _read(source, header, n)
            except PlyElementParseError:
                pass  # not all faces have n corners: try the next way
        polygons = _polygons(source, header, names, compact)
        if polygons is not None:
            return polygons
    _check_row_reader(header, faces_too=True)
    try:
        return _read(source, header, None)
    except UnicodeDecodeError as exc:
        raise InvalidFile(f"PLY data is not ASCII text as its header says (byte {exc.object[exc.start:exc.end]!r} "
                          "in the data)") from exc
    except PlyElementParseError as exc:
        element = getattr(exc, "element", None)
        where = f" at row {exc.row:,} of {element.count:,} of element '{element.name}'" if element is not None \
            and getattr(exc, "row", None) is not None else ""
        if "early end-of-file" in str(exc):
            raise InvalidFile(f"truncated: the PLY data ends early{where}") from exc
        raise InvalidFile(f"PLY data does not match its header ({exc})") from exc


def _polygons(source: Path | bytes, header: PlyHeader, names: set[str], compact: bool = False) -> PlyContent | None:
    """A binary PLY whose faces vary in length, read in one pass (None: a layout left to plyfile,
    e.g. lists in an element before the faces, or triangle strips)."""
    if header.element("tristrips") is not None:
        return None
    if not isinstance(source, Path):
        return _polygons_in(bytes(source), header, names, compact)
    with open(source, "rb") as f:
        buf = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    try:
        return _polygons_in(buf, header, names, compact)
    finally:
        try:
            buf.close()
        except BufferError:  # a view is still held (by an error's traceback): closed when collected
            pass


def _polygons_in(buf, header: PlyHeader, names: set[str], compact: bool = False) -> PlyContent | None:
    order, offset = header.ply.byte_order, header.length
    vertex = faces = None
    for element in header.ply.elements:
        if vertex is not None and faces is not None:
            break  # elements after both are not used
        if element.name == "face":
            index = _index_name(header)
            where, corners, offset = ply_faces.scan(buf, offset, element, order, index)
            prop = next(p for p in element.properties if p.name == index)
            faces = (where, corners, np.dtype(order + prop.val_dtype))
            continue
        dtype = ply_faces.fixed_dtype(element, order)
        if dtype is None:
            return None  # lists in another element: plyfile's row reader, bounded by MAX_ROW_READER_ROWS
        if offset + dtype.itemsize * element.count > len(buf):
            raise InvalidFile(f"truncated: the PLY data ends early in element '{element.name}'")
        if element.name == "vertex":
            vertex = np.frombuffer(buf, dtype, element.count, offset)
        offset += dtype.itemsize * element.count
    if vertex is None or faces is None:
        return None
    triangles, short = ply_faces.gather(buf, *faces, len(vertex))
    # copies, so that nothing refers to the file's memory map once it is closed
    vertices = positions(vertex, compact)
    warnings = [f"{short:,} faces with fewer than 3 corners were ignored"] if short else []
    return PlyContent(vertices, triangles, colors(vertex, names, compact), names, short, warnings)


def _ascii_tables(source: Path | bytes, header: PlyHeader, names: set[str], compact: bool) -> PlyContent | None:
    """An ASCII PLY laid out as scanners write it — a vertex element of numbers, then (perhaps)
    a face element of one index list whose rows all have the same length — parsed as two
    tables by NumPy's C text reader (DR024): 10 M-triangle files in seconds, where plyfile's
    row reader takes minutes. None for any other layout (plyfile's reader, bounded by
    MAX_ROW_READER_ROWS)."""
    elements = header.ply.elements
    vertex, face = header.element("vertex"), header.element("face")
    if elements[0] is not vertex or len(elements) > 2 or any(isinstance(p, PlyListProperty) for p in vertex.properties):
        return None
    if len(elements) == 2 and (elements[1] is not face or len(face.properties) != 1
                               or not isinstance(face.properties[0], PlyListProperty)):
        return None
    size = source.stat().st_size if isinstance(source, Path) else len(source)
    if size > MAX_TEXT_GEOMETRY_BYTES:
        raise InvalidFile(f"ASCII PLY files above {MAX_TEXT_GEOMETRY_BYTES // GiB} GiB are not read; convert the "
                          "scan to binary PLY")
    dtype = np.float32 if compact else np.float64
    # a path (ingest) or the decrypted bytes in memory (the renderer)
    with open(source, "rb") if isinstance(source, Path) else io.BytesIO(source) as f:
        f.seek(header.length)
        try:
            values = np.loadtxt(f, dtype=dtype, max_rows=vertex.count, comments=None, ndmin=2)
        except ValueError:
            return None  # rows of another shape, or words: plyfile's reader says what is wrong
        if values.shape != (vertex.count, len(vertex.properties)):
            return None
        faces = np.zeros((0, 3), np.int32 if compact else np.int64)
        if face is not None and face.count:
            f.seek(header.length)
            try:  # int32: an index past 2**31 cannot be a vertex (MAX_VERTICES) and fails to parse
                table = np.loadtxt(f, dtype=np.int32, skiprows=vertex.count, max_rows=face.count, comments=None,
                                   ndmin=2)
            except ValueError:
                return None  # faces of different lengths: plyfile's reader
            if table.shape[0] != face.count or table.shape[1] < 4 or (table[:, 0] != table.shape[1] - 1).any():
                return None
            if table.shape[1] - 1 > MAX_FACE_CORNERS:
                raise InvalidFile(f"PLY faces have {table.shape[1] - 1} corners; at most {MAX_FACE_CORNERS} are read "
                                  "(triangulate the mesh before ingesting it)")
            corners = np.ascontiguousarray(table[:, 1:])
            del table
            faces, _ = faces_from_lists(corners if compact else corners.astype(np.int64), compact)
    # the table as records without a copy: every column is of the table's type
    view = values.view([(p.name, values.dtype) for p in vertex.properties]).ravel()
    vertices = positions(view, compact)
    declared = {p.name: np.dtype(p.val_dtype) for p in vertex.properties}
    color = None
    for triple in COLOR_NAMES:
        if set(triple) <= names:
            color = np.column_stack([view[n] for n in triple]).astype(dtype)
            if declared[triple[0]].kind in "iu" or (color.size and np.nanmax(color) > 1.0):
                color /= 255.0
            color = np.clip(np.nan_to_num(color), 0.0, 1.0)
            break
    del view, values
    return PlyContent(vertices, faces, color, names)


def _check_row_reader(header: PlyHeader, faces_too: bool) -> None:
    """plyfile reads ASCII rows, and binary rows of elements with lists, one at a time (3 to 35 µs
    each on a loaded machine): refuse more rows than it reads in the time allowed (DR017). Binary
    faces are read by a memory map or :mod:`.ply_faces` unless ``faces_too``."""
    rows = sum(e.count for e in header.ply.elements if header.ply.text or (faces_too or e.name != "face") and
               any(isinstance(p, PlyListProperty) for p in e.properties))
    if rows > MAX_ROW_READER_ROWS:
        kind = "an ASCII PLY" if header.ply.text else "a binary PLY with lists outside its faces"
        raise InvalidFile(f"{kind} of {rows:,} rows is read too slowly (the limit is {MAX_ROW_READER_ROWS:,}); "
                          "convert the scan to binary PLY")


def fixed_records(data: bytes, header: PlyHeader) -> dict[str, np.ndarray] | None:
    """A binary PLY in memory whose lists all have 3 entries, as numpy record views of the bytes
    (no copy: the 3D preview takes float32 / int32 copies of just the columns it draws); None
    when the general reader is needed."""
    return _fixed_records(data, header)


def _fixed_records(data: bytes, header: PlyHeader) -> dict[str, np.ndarray] | None:
    """A binary PLY in memory whose records all have a fixed size (every list has 3 entries),
    as numpy views of the bytes; None when the general reader is needed."""
    if header.ply.text or header.element("tristrips") is not None:
        return None
    order = header.ply.byte_order
    out: dict[str, np.ndarray] = {}
    offset = header.length
    for element in header.ply.elements:
        fields, lists = [], []
        for prop in element.properties:
            if isinstance(prop, PlyListProperty):
                fields.append((prop.name + "\0count", order + prop.len_dtype))
                fields.append((prop.name, order + prop.val_dtype, (3,)))
                lists.append(prop.name)
            else:
                fields.append((prop.name, order + prop.val_dtype))
        try:
            dtype = np.dtype(fields)
        except (TypeError, ValueError):
            return None
        if offset + dtype.itemsize * element.count > len(data):
            return None
        records = np.frombuffer(data, dtype, element.count, offset)
        if any((records[name + "\0count"] != 3).any() for name in lists):
            return None  # not all triangles: the general reader triangulates
        out[element.name] = records
        offset += dtype.itemsize * element.count
    return out if "vertex" in out else None


def colors(vertex: np.ndarray, names: set[str], compact: bool = False) -> np.ndarray | None:
    """Per-vertex colours in 0..1 from a vertex record array (integer colours are 0..255);
    float32 with ``compact``."""
    for triple in COLOR_NAMES:
        if set(triple) <= names:
            c = np.column_stack([np.asarray(vertex[n], np.float32 if compact else np.float64) for n in triple])
            if np.issubdtype(vertex[triple[0]].dtype, np.integer) or (c.size and np.nanmax(c) > 1.0):
                c = c / 255.0
            return np.clip(np.nan_to_num(c), 0.0, 1.0)
    return None


def faces_from_lists(lists, compact: bool = False) -> tuple[np.ndarray, int]:
    """Triangulate polygon rows (a fan per polygon). Returns (triangles, rows with < 3 corners).
    With ``compact``, rows of 32-bit (or smaller) indices stay int32 (copied out of the file)."""
    if isinstance(lists, np.ndarray) and lists.dtype != object and lists.ndim == 2:
        small = compact and lists.dtype.kind in "iu" and lists.dtype.itemsize <= 4 and \
            (lists.dtype.itemsize < 4 or lists.dtype.kind == "i")
        own = lists.dtype == np.int32 and lists.flags.c_contiguous and not isinstance(lists, np.memmap)
        # ours already (the ASCII reader's table): no copy; a file's records are copied out of it
        polys = {lists.shape[1]: (lists if own else np.array(lists, np.int32)) if small else np.asarray(lists, np.int64)}
        short = 0 if lists.shape[1] >= 3 else len(lists)
    else:
        lengths = np.fromiter((len(r) for r in lists), np.int64, len(lists))
        if len(lengths) and lengths.max() > MAX_FACE_CORNERS:
            row = int(np.argmax(lengths > MAX_FACE_CORNERS))
            raise InvalidFile(f"PLY face {row:,} has {int(lengths[row]):,} corners; at most {MAX_FACE_CORNERS} are "
                              "read (triangulate the mesh before ingesting it)")
        check_geometry("PLY", 0, int(np.maximum(lengths - 2, 0).sum()))
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


def texture_files(header: PlyHeader) -> list[str]:
    """Image names given by ``comment TextureFile`` lines."""
    found = []
    for comment in header.ply.comments:
        m = re.match(r"TextureFile\s+(.+)$", comment.strip())
        if m:
            found.append(m.group(1).strip())
    return found
