"""Wavefront OBJ: what is read line by line here (the data itself is read by trimesh): a scan
for vertex normals and for face indices of 0, and the ``v`` lines' positions, in file order, as
the watermark indexes them."""

from __future__ import annotations

import re
from pathlib import Path

from studio.core.errors import InvalidFile
from studio.core.formats.limits import check_geometry

_ZERO_INDEX = re.compile(rb"^[ \t]*f[ \t](?:[^\n#]*[ \t])?0(?:/[^ \t\r\n]*)?(?=[ \t\r\n#]|$)", re.M)
_W = rb"[^ \t\r\n#]+"
#: a ``v`` line that is not x y z, x y z w, x y z r g b or x y z w r g b (DR017)
_BAD_VERTEX = re.compile(rb"^[ \t]*v[ \t](?![ \t]*" + _W + rb"[ \t]+" + _W + rb"[ \t]+" + _W + rb"(?:[ \t]+" + _W
                         + rb"(?:[ \t]+" + _W + rb"[ \t]+" + _W + rb"(?:[ \t]+" + _W + rb")?)?)?[ \t]*(?:#[^\n]*)?\r?$)",
                         re.M)
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
    would silently wrap 0 - 1 to the last vertex), vertex lines without 3, 4, 6 or 7 values, and
    more vertices and faces than the memory budget (DR017)."""
    has_vn = False
    tail = b""
    line = 1  # the number of the first line in ``lines``
    vertices = faces = 0  # an estimate (lines starting "v " / "f "), for the memory budget
    with open(path, "rb") as f:
        while True:
            chunk = f.read(_CHUNK)
            block = tail + chunk
            cut = (block.rfind(b"\n") + 1 or len(block)) if chunk else len(block)
            lines, tail = block[:cut], block[cut:]
            if not lines:
                break
            if is_utf16(lines):  # UTF-16: let trimesh decode it; checks below are ASCII-only
                lines = lines.replace(b"\x00", b"")
            has_vn = has_vn or re.search(rb"^[ \t]*vn[ \t]", lines, re.M) is not None
            if _ZERO_INDEX.search(lines):
                raise InvalidFile("faces index vertex 0, which does not exist (OBJ numbers vertices from 1)")
            bad = _BAD_VERTEX.search(lines)
            if bad is not None:
                at = line + lines.count(b"\n", 0, bad.start())
                end = lines.find(b"\n", bad.start())
                text = lines[bad.start():end if end >= 0 else None].strip()
                raise InvalidFile(f"line {at:,}: a vertex line needs x y z (and optionally w, or r g b): "
                                  f"{text[:60].decode('ascii', 'replace')!r}")
            line += lines.count(b"\n")
            vertices += lines.count(b"\nv ") + lines.startswith(b"v ")
            faces += lines.count(b"\nf ") + lines.startswith(b"f ")
            if not chunk:
                break
    check_geometry("OBJ", vertices, faces)
    return has_vn
