"""STL meshes: a binary STL's triangle count must match its size exactly (84 + 50 × count
bytes). Binary STL is read by trimesh; ASCII STL by NumPy's text reader
(:func:`read_ascii_corners`, DR024), or by trimesh when its text is laid out otherwise."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from studio.core.errors import InvalidFile
from studio.core.formats.limits import MAX_FACES, check_count

HEADER_BYTES = 84
TRIANGLE_BYTES = 50


@dataclass(frozen=True)
class StlHeader:
    binary: bool
    triangles: int | None  # declared by a binary STL; None for ASCII (trimesh counts them)


def is_binary_size(head: bytes, size: int) -> bool:
    """True when the count in the 84-byte header matches ``size`` exactly."""
    return size >= HEADER_BYTES and len(head) >= HEADER_BYTES and \
        HEADER_BYTES + TRIANGLE_BYTES * struct.unpack_from("<I", head, 80)[0] == size


def looks_ascii(head: bytes) -> bool:
    """True when the first bytes read as an ASCII STL (``solid`` … ``facet`` / ``endsolid``)."""
    return head.lstrip()[:5].lower() == b"solid" and (b"facet" in head or b"endsolid" in head)


def parse_header(head: bytes, size: int) -> StlHeader:
    """Check a binary STL's header (its first 4 KiB at least); an ASCII STL passes."""
    if looks_ascii(head) and not is_binary_size(head, size):
        return StlHeader(False, None)  # ASCII STL: trimesh parses it
    if size < HEADER_BYTES:
        raise InvalidFile(f"truncated: a binary STL needs an 84-byte header, the file has {size} bytes")
    (count,) = struct.unpack_from("<I", head, 80)
    if count == 0:
        raise InvalidFile("mesh has no faces (the binary STL declares 0 triangles)")
    if HEADER_BYTES + TRIANGLE_BYTES * count != size:
        fits = (size - HEADER_BYTES) / TRIANGLE_BYTES
        raise InvalidFile(f"binary STL header declares {count:,} triangles ({84 + 50 * count:,} bytes) but the file "
                          f"is {size:,} bytes ({fits:,.1f} triangles): truncated or not an STL")
    check_count("triangles", count, MAX_FACES)
    return StlHeader(True, count)


def read_header(path: Path, size: int) -> StlHeader:
    with open(path, "rb") as f:
        return parse_header(f.read(4096), size)


#: Every line of an ASCII STL but its ``vertex x y z`` lines holds one of these words (NumPy
#: cuts a line at the first marker it finds: "end" must be one, or "endfacet" would leave "end").
_KEYWORD_LINES = ("end", "solid", "facet", "outer")


def read_ascii_corners(path: Path) -> np.ndarray | None:
    """The (3 × triangles, 3) float64 corners of an ASCII STL in file order, read as a table of
    its ``vertex`` lines (the keyword lines are skipped as comments); None when the text is laid
    out otherwise (upper-case keywords, a vertex line of another length, words where numbers
    belong), which trimesh then reads."""
    with open(path, "rb") as f:
        try:
            corners = np.loadtxt(f, dtype=np.float64, comments=_KEYWORD_LINES, usecols=(1, 2, 3), ndmin=2)
        except ValueError:
            return None
    if len(corners) == 0 or len(corners) % 3:
        return None
    check_count("triangles", len(corners) // 3, MAX_FACES)
    return corners


_RECORD = np.dtype([("normal", "<f4", (3,)), ("corners", "<f4", (3, 3)), ("attributes", "<u2")])


def read_binary_corners(path: Path, header: StlHeader) -> np.ndarray | None:
    """The (3 × triangles, 3) float32 corners of a binary STL in file order, read as one array of
    its 50-byte records; None when any record's attribute bytes are set (colour conventions of
    some exporters, which trimesh reads)."""
    records = np.fromfile(path, dtype=_RECORD, count=header.triangles, offset=HEADER_BYTES)
    if len(records) != header.triangles:
        raise InvalidFile(f"truncated: the binary STL holds {len(records):,} of its {header.triangles:,} triangles")
    if records["attributes"].any():
        return None
    corners = np.ascontiguousarray(records["corners"]).reshape(-1, 3)
    return corners
