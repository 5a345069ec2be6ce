"""OFF (Object File Format) meshes: the header's counts, checked against the file size. Plain
``OFF`` files whose faces all have one corner count are read as two tables by NumPy's C text
reader (:func:`read_tables`, DR024); other variants by trimesh."""

from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from studio.core.errors import InvalidFile, UnsupportedFormat
import numpy as np

from studio.core.formats.limits import MAX_FACE_CORNERS, MAX_FACES, MAX_VERTICES, check_count, check_geometry

_OFF = re.compile(r"^\s*((?:ST)?C?N?4?n?OFF)(\s+BINARY\b)?\s*([-+]?\d+)\s+([-+]?\d+)", re.I)
#: An OFF header's first keyword (the variants: ST texture, C colour, N normal, 4 homogeneous).
KEYWORD = re.compile(r"^(ST)?C?N?4?n?OFF", re.I)
HEAD_BYTES = 64 * 1024


@dataclass(frozen=True)
class OffHeader:
    vertices: int
    faces: int


def parse_header(head: bytes, size: int) -> OffHeader:
    """The counts an OFF header (the file's first bytes) declares, checked against the file's
    ``size``."""
    text = "\n".join(line.split("#", 1)[0] for line in head.decode("utf-8", errors="replace").splitlines())
    m = _OFF.match(text)
    if m is None:
        raise InvalidFile("OFF header has no vertex and face counts after the OFF keyword")
    if m.group(2):
        raise UnsupportedFormat("binary OFF is not supported; export the OFF as text or use PLY")
    nv, nf = int(m.group(3)), int(m.group(4))
    body = size - m.end()
    # "0 0 0\n" is the shortest vertex row, "3 0 1 2\n" the shortest triangle row
    if nv * 6 + nf * 8 > body:
        raise InvalidFile(f"OFF header declares {nv:,} vertices and {nf:,} faces but the file holds at most "
                          f"{max(0, body) // 6:,} vertices ({size:,} bytes)")
    check_count("vertices", nv, MAX_VERTICES)
    check_count("faces", nf, MAX_FACES)
    check_geometry("OFF", nv, nf)  # at least a triangle a face (DR017)
    if nf == 0:
        raise InvalidFile("mesh has no faces (the OFF header declares 0 faces)")
    return OffHeader(nv, nf)


def read_header(path: Path, size: int) -> OffHeader:
    with open(path, "rb") as f:
        return parse_header(f.read(min(size, HEAD_BYTES)), size)


def read_tables(path: Path | BinaryIO, header: OffHeader) -> tuple[np.ndarray, np.ndarray] | None:
    """(float64 vertices, int32 triangles) of a plain ``OFF`` whose faces all have the same
    number of corners and nothing after them (polygons fanned into triangles); None for any
    other layout (colours per face, ``COFF``, ``NOFF``, ``4OFF``, …), which trimesh reads.
    ``path`` may be an open binary file (the renderer reads decrypted bytes in memory)."""
    with open(path, "rb") if isinstance(path, (str, Path)) else contextlib.nullcontext(path) as f:
        tokens: list[bytes] = []
        while len(tokens) < 3:
            line = f.readline()
            if not line:
                return None
            tokens += line.split(b"#", 1)[0].split()
        if tokens[0].upper() != b"OFF":
            return None
        start = f.tell()
        try:
            vertices = np.loadtxt(f, dtype=np.float64, max_rows=header.vertices, comments="#", ndmin=2)
            if vertices.shape[0] != header.vertices or vertices.shape[1] != 3:
                return None
            f.seek(start)
            table = np.loadtxt(f, dtype=np.int32, skiprows=header.vertices, max_rows=header.faces, comments="#",
                               ndmin=2)
        except ValueError:
            return None  # rows of different widths, or values that are not numbers: trimesh's reader
    k = table.shape[1] - 1
    if table.shape[0] != header.faces or k < 3 or (table[:, 0] != k).any():
        return None
    if k > MAX_FACE_CORNERS:
        raise InvalidFile(f"OFF faces have {k} corners; at most {MAX_FACE_CORNERS} are read")
    corners = table[:, 1:]
    if k == 3:
        return vertices, np.ascontiguousarray(corners)
    fan = [np.stack([corners[:, 0], corners[:, j], corners[:, j + 1]], axis=1) for j in range(1, k - 1)]
    return vertices, np.concatenate(fan)
