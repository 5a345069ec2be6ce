"""Wavefront OBJ: what is read line by line here (the data itself is read by trimesh): a scan
for vertex normals and for face indices of 0, and the ``v`` lines' positions, in file order, as
the watermark indexes them."""

from __future__ import annotations

import re
from pathlib import Path

from studio.core.errors import InvalidFile

_ZERO_INDEX = re.compile(rb"^[ \t]*f[ \t](?:[^\n#]*[ \t])?0(?:/[^ \t\r\n]*)?(?=[ \t\r\n#]|$)", re.M)
_CHUNK = 1 << 22
#: columns of x, y, z in the words of a vertex line
XYZ_COLUMNS = (1, 2, 3)


def is_utf16(head: bytes) -> bool:
    """True when the file's first bytes are UTF-16 text (a byte-order mark, or NULs between
    the characters): its lines cannot be read byte by byte as ASCII."""
    return head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head[:64]


def is_vertex_line(line: bytes) -> bool:
    """True for a ``v`` (position) line; ``vt`` / ``vn`` are not positions."""
    return line.lstrip()[:2] in (b"v ", b"v\t")


def vertex_position(line: bytes) -> list[float] | None:
    """x, y, z of a vertex line; None when they cannot be parsed."""
    words = line.split()
    try:
        return [float(words[c]) for c in XYZ_COLUMNS]
    except (IndexError, ValueError):
        return None


def scan(path: Path) -> bool:
    """True when the OBJ has vertex normals. Rejects face indices of 0 (OBJ counts from 1; numpy
    would silently wrap 0 - 1 to the last vertex)."""
    has_vn = False
    tail = b""
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            block = tail + chunk
            cut = block.rfind(b"\n") + 1 or len(block)
            lines, tail = block[:cut], block[cut:]
            if is_utf16(lines):  # UTF-16: let trimesh decode it; checks below are ASCII-only
                lines = lines.replace(b"\x00", b"")
            has_vn = has_vn or re.search(rb"^[ \t]*vn[ \t]", lines, re.M) is not None
            if _ZERO_INDEX.search(lines):
                raise InvalidFile("faces index vertex 0, which does not exist (OBJ numbers vertices from 1)")
        if tail and _ZERO_INDEX.search(tail):
            raise InvalidFile("faces index vertex 0, which does not exist (OBJ numbers vertices from 1)")
    return has_vn
