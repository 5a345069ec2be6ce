"""The scan watermark: every vertex moved by a keyed, imperceptible displacement (PLY and OBJ).

Vertex i (in file order) moves by ``amplitude * s_i / sqrt(3)``, where s_i is a keyed ±1 per
axis (|u_i| = 1), so the mark is ``amplitude`` long (0.01 mm by default) — far below scanner
noise, invisible in any render. Marking streams: a binary PLY is rewritten record batch by
record batch in place (same size, every byte outside x/y/z untouched); ASCII PLY and OBJ line by
line, only the x/y/z numbers of vertex lines being rewritten. Memory stays flat as files grow.

Tracing (:func:`score_mesh`) does not need the vertex order or count to survive: each vertex of
the leaked copy is matched to its nearest original vertex, and the residual is correlated with
that vertex's keyed direction. Re-saving in another format, reordering, cropping or merging
vertices keeps the mark; anything that moves vertices by more than the mark (translation,
re-posing, remeshing, smoothing, coarse quantization) erases it, except a plain change of units
(m → mm, cm, inches), which the scorer undoes.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Callable

import numpy as np
from plyfile import PlyListProperty

from studio.core.errors import InvalidFile
from studio.core.formats import obj, ply
from studio.core.package.watermark import (CHUNK, MESH_METHOD, StreamReader, Unmarkable, damped_correlation,
                                           keyed_signs)

BATCH = CHUNK  # vertices read, displaced and written at a time
_MAX_HEADER = 1 << 20
_MATCH_RADIUS = 4.0  # leaked vertices farther than this many amplitudes from any original are ignored
_MIN_MATCHES = 100  # fewer matched vertices than this is no evidence either way: score 0
# Unit changes a re-save may have applied (leaked = factor × original): m↔mm/cm/dm, m↔inch.
_UNIT_FACTORS = (1.0, 1000.0, 0.001, 100.0, 0.01, 10.0, 0.1, 25.4, 1 / 25.4, 1 / 0.0254, 0.0254)

_TOKEN = re.compile(rb"\S+")

# A function given the index of the first vertex and the (n, 3) float64 positions of a batch;
# returns the displaced positions, or None to leave them (reading only).
Visitor = Callable[[int, np.ndarray], "np.ndarray | None"]


def is_binary_ply(head: bytes) -> bool:
    """True when ``head`` (the file's first bytes) is a binary PLY header."""
    return ply.is_binary(head)


def mark_mesh(fmt: str, src: BinaryIO, dst: BinaryIO, key: bytes, amplitude: float) -> None:
    """Copy ``src`` (a PLY or OBJ, possibly a pipe) to ``dst`` with the vertices displaced."""
    step = amplitude / math.sqrt(3.0)

    def displace(start: int, xyz: np.ndarray) -> np.ndarray:
        return xyz + step * keyed_signs(key, MESH_METHOD, start, len(xyz), 3)

    decimals = min(17, max(0, math.ceil(-math.log10(amplitude)) + 2))
    _walk(fmt, StreamReader(src), dst, displace, decimals)


def read_vertices(fmt: str, src: BinaryIO) -> np.ndarray:
    """The (n, 3) float64 vertex positions in file order, indexed as the marker indexes them
    (a vertex line that cannot be parsed is a row of NaN)."""
    parts: list[np.ndarray] = []

    def collect(start: int, xyz: np.ndarray) -> None:
        parts.append(xyz.copy())

    _walk(fmt, StreamReader(src), None, collect, 0)
    return np.concatenate(parts) if parts else np.empty((0, 3))


def score_mesh(fmt: str, original: BinaryIO, leaked_path: Path, key: bytes, amplitude: float,
               leaked: np.ndarray | None = None) -> float:
    """Correlate the residuals of the leaked vertices with the keyed displacements: ≈1 when the
    copy carries the mark of ``key``, ≈0 otherwise.

    Each leaked vertex is matched to its nearest original vertex i (within a few amplitudes;
    farther ones were moved by something else and are ignored); r = leaked - original[i]. The
    score is sum(r · d_i) / sum(|d_i|²), d_i = amplitude · u_i the displacement the marker gave
    vertex i — the mean of (r · u_i) / amplitude — damped when the residuals are larger than
    the mark (see :func:`damped_correlation`). A copy re-saved in other units (mm, cm, inches)
    is scaled back first. Fewer than 100 matched vertices score 0.
    """
    from scipy.spatial import cKDTree

    source = read_vertices(fmt, original)
    leaked = load_leaked_vertices(leaked_path) if leaked is None else leaked
    usable = np.flatnonzero(np.isfinite(source).all(axis=1))
    leaked = leaked[np.isfinite(leaked).all(axis=1)]
    if len(usable) == 0 or len(leaked) == 0:
        return 0.0
    tree = cKDTree(source[usable])
    for factor in _UNIT_FACTORS:  # the first unit under which the copy overlaps the original
        candidate = leaked / factor
        dist, j = tree.query(candidate, k=1, distance_upper_bound=_MATCH_RADIUS * amplitude)
        hit = np.isfinite(dist)
        if hit.sum() >= _MIN_MATCHES:
            leaked = candidate
            break
    else:
        return 0.0
    idx = usable[j[hit]]
    residual = leaked[hit] - source[idx]
    displacement = keyed_signs(key, MESH_METHOD, 0, len(source), 3)[idx] * (amplitude / math.sqrt(3.0))
    return damped_correlation(residual, displacement)


def load_leaked_vertices(path: Path) -> np.ndarray:
    """All vertex positions of a leaked model file (any format trimesh reads; scenes flattened
    with their transforms), falling back to this module's own PLY/OBJ reader."""
    import trimesh

    try:
        loaded = trimesh.load(str(path), process=False)
        vertices = _vertices_of(loaded, trimesh)
    except Exception as exc:  # trimesh raises many types for unreadable files
        vertices, error = None, exc
    else:
        error = None
    if vertices is None or len(vertices) == 0:
        own = {".ply": "ply", ".obj": "obj"}.get(path.suffix.lower())
        if own is not None:
            try:
                with open(path, "rb") as f:
                    vertices = read_vertices(own, f)
            except (Unmarkable, ValueError):
                vertices = None
    if vertices is None or len(vertices) == 0:
        why = f": {error}" if error is not None else ""
        raise ValueError(f"{path.name} could not be read as a 3D model with vertices{why}")
    return np.asarray(vertices, dtype=np.float64)


def _vertices_of(loaded, trimesh) -> np.ndarray | None:
    if isinstance(loaded, trimesh.Scene):
        parts = []
        for node in loaded.graph.nodes_geometry:
            transform, name = loaded.graph[node]
            geometry = loaded.geometry.get(name)
            if geometry is not None and hasattr(geometry, "vertices") and len(geometry.vertices):
                parts.append(trimesh.transform_points(np.asarray(geometry.vertices), transform))
        return np.concatenate(parts) if parts else None
    vertices = getattr(loaded, "vertices", None)
    return None if vertices is None else np.asarray(vertices)


# --- streaming ------------------------------------------------------------------------------


def _walk(fmt: str, reader: StreamReader, dst: BinaryIO | None, visit: Visitor, decimals: int) -> None:
    """Stream the file through ``visit`` batch by batch, writing the result to ``dst``."""
    if fmt == "obj":
        _walk_obj(reader, dst, visit, decimals)
        return
    if fmt != "ply":
        raise Unmarkable(f"{fmt} models are not marked")
    header = _read_ply_header(reader)
    if dst is not None:
        dst.write(header.raw)
    if header.encoding == "ascii":
        _walk_ascii_vertices(reader, dst, visit, decimals, header.vertex_count, header.xyz_columns)
    else:
        _walk_binary_vertices(reader, dst, visit, header)
    if dst is not None:
        reader.copy_rest(dst)


def _walk_binary_vertices(reader: StreamReader, dst: BinaryIO | None, visit: Visitor,
                          header: _PlyHeader) -> None:
    record = header.dtype
    for start in range(0, header.vertex_count, BATCH):
        count = min(BATCH, header.vertex_count - start)
        buf = reader.read_exact(count * record.itemsize)
        if len(buf) != count * record.itemsize:
            at = start + len(buf) // record.itemsize
            raise ValueError(f"the PLY file ends inside its vertex list (vertex {at} of {header.vertex_count})")
        records = np.frombuffer(buf, dtype=record)
        xyz = np.stack([records["x"], records["y"], records["z"]], axis=1).astype(np.float64)
        moved = visit(start, xyz)
        if dst is None:
            continue
        for axis, name in enumerate("xyz"):
            records[name] = moved[:, axis]
        dst.write(buf)


def _walk_ascii_vertices(reader: StreamReader, dst: BinaryIO | None, visit: Visitor, decimals: int,
                         count: int, columns: tuple[int, int, int]) -> None:
    done = 0
    while done < count:
        lines = []
        for _ in range(min(BATCH, count - done)):
            line = reader.readline()
            if not line:
                at = done + len(lines)
                raise ValueError(f"the PLY file ends inside its vertex list (vertex {at} of {count})")
            lines.append(line)
        _rewrite_lines(lines, [columns] * len(lines), done, dst, visit, decimals)
        done += len(lines)


def _walk_obj(reader: StreamReader, dst: BinaryIO | None, visit: Visitor, decimals: int) -> None:
    index = 0
    first = reader.readline()
    if obj.is_utf16(first):  # its vertex lines would not be found: nothing would be marked
        raise Unmarkable("OBJ files in UTF-16 are not marked; re-save the OBJ as UTF-8 text")
    pending = [first] if first else []
    while True:
        lines, pending = pending, []
        vertex_lines = sum(obj.is_vertex_line(line) for line in lines)
        while vertex_lines < BATCH and len(lines) < 4 * BATCH:
            line = reader.readline()
            if not line:
                break
            lines.append(line)
            vertex_lines += obj.is_vertex_line(line)
        if not lines:
            return
        columns = [obj.XYZ_COLUMNS if obj.is_vertex_line(line) else None for line in lines]
        _rewrite_lines(lines, columns, index, dst, visit, decimals)
        index += vertex_lines


def _rewrite_lines(lines: list[bytes], columns: list[tuple[int, int, int] | None], start: int,
                   dst: BinaryIO | None, visit: Visitor, decimals: int) -> None:
    """Displace the x/y/z tokens (at ``columns``) of the vertex lines (those with columns) and
    write every line, other bytes unchanged. Unparsable vertex lines keep their index, as NaN."""
    tokens: list[list[bytes] | None] = []
    xyz = []
    for line, cols in zip(lines, columns):
        if cols is None:
            continue
        words = line.split()
        try:
            xyz.append([float(words[c]) for c in cols])
        except (IndexError, ValueError):
            tokens.append(None)
            xyz.append([math.nan] * 3)
            continue
        tokens.append(words)
    moved = visit(start, np.array(xyz, dtype=np.float64).reshape(-1, 3)) if xyz else None
    if dst is None:
        return
    values = moved.tolist() if moved is not None else []  # Python floats print much faster
    out = []
    v = 0
    for line, cols in zip(lines, columns):
        if cols is None:
            out.append(line)
            continue
        words = tokens[v]
        out.append(line if words is None else _rewrite_line(line, words, cols, values[v], decimals))
        v += 1
    dst.write(b"".join(out))


def _rewrite_line(line: bytes, words: list[bytes], cols: tuple[int, int, int], values: list[float],
                  decimals: int) -> bytes:
    """``line`` with the tokens at ``cols`` replaced by ``values``; all other bytes kept."""
    body = line.rstrip(b"\r\n")
    if body == b" ".join(words):  # the common layout: single spaces, no indent — rebuild by joining
        for c, value in zip(cols, values):
            words[c] = _number(words[c], value, decimals)
        return b" ".join(words) + line[len(body):]
    pieces = []
    last = 0
    spans = [m.span() for m in _TOKEN.finditer(line)]
    for c, value in zip(cols, values):
        begin, end = spans[c]
        pieces += [line[last:begin], _number(line[begin:end], value, decimals)]
        last = end
    pieces.append(line[last:])
    return b"".join(pieces)


def _number(token: bytes, value: float, decimals: int) -> bytes:
    """``value`` printed with at least ``decimals`` places and never fewer than ``token`` had;
    a NaN or infinite value keeps the original token."""
    if not math.isfinite(value):
        return token
    dot = token.find(b".")
    if dot >= 0 and b"e" not in token and b"E" not in token:
        decimals = max(decimals, len(token) - dot - 1)
    return b"%.*f" % (decimals, value)


# --- PLY header -----------------------------------------------------------------------------


@dataclass
class _PlyHeader:
    raw: bytes
    encoding: str  # "ascii", "binary_little_endian", "binary_big_endian"
    vertex_count: int = 0
    xyz_columns: tuple[int, int, int] = (0, 1, 2)
    dtype: np.dtype = field(default_factory=lambda: np.dtype([]))


def _read_ply_header(reader: StreamReader) -> _PlyHeader:
    """Parse and check the header (with :func:`studio.core.formats.ply.parse_header`);
    Unmarkable (nothing written yet) unless the vertex element comes first, has no list
    properties and float x/y/z."""
    raw = reader.read_through(b"\nend_header", _MAX_HEADER, "the PLY header is not closed by 'end_header'")
    if raw.split(b"\n", 1)[0].strip() != b"ply":
        raise Unmarkable("this is not a PLY file (no 'ply' magic line)")
    try:
        parsed = ply.parse_header(raw)
    except InvalidFile as exc:
        raise Unmarkable(str(exc)) from exc
    header = _PlyHeader(raw=raw, encoding=parsed.encoding)
    elements = parsed.ply.elements
    if not elements or elements[0].name != "vertex":
        raise Unmarkable("PLY files whose vertex element does not come first are not marked")
    props = elements[0].properties
    names = [p.name for p in props]
    if any(isinstance(p, PlyListProperty) for p in props):
        raise Unmarkable("PLY files whose vertices have list properties are not marked")
    if not {"x", "y", "z"} <= set(names):
        raise Unmarkable("the PLY vertices have no x, y and z properties")
    if len(set(names)) != len(names):
        raise Unmarkable("the PLY vertex element repeats a property name")
    types = {p.name: p.val_dtype for p in props}
    if any(not types[a].startswith("f") for a in "xyz"):
        raise Unmarkable("PLY files with integer vertex coordinates are not marked")
    header.vertex_count = elements[0].count
    header.xyz_columns = (names.index("x"), names.index("y"), names.index("z"))
    order = ">" if parsed.encoding == "binary_big_endian" else "<"
    header.dtype = np.dtype([(name, order + types[name]) for name in names])
    return header
