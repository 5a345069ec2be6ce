"""Header plausibility: compare the counts a file declares with the bytes it actually holds,
before any reader allocates for them. Each check raises InvalidFile naming the lie.

PLY headers are parsed by plyfile; PCD, OFF and binary STL headers are a few fixed fields that
are read here only to be checked (the data itself is read by Open3D / trimesh).
"""

from __future__ import annotations

import io
import re
import struct
from dataclasses import dataclass
from pathlib import Path

from plyfile import PlyData, PlyHeaderParseError, PlyListProperty

from studio.core.errors import InvalidFile, UnsupportedFormat
from studio.core.ingest.limits import (MAX_FACES, MAX_HEADER_BYTES, MAX_POINTS, MAX_VERTICES, check_count,
                                       check_fits)

# -- PLY ---------------------------------------------------------------------------------------


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


_ELEMENT_WORDS = {"vertex": ("vertices", MAX_VERTICES), "face": ("faces", MAX_FACES),
                  "tristrips": ("triangle strips", MAX_FACES)}


def ply_header(path: Path, size: int) -> PlyHeader:
    """Parse and check a PLY header. Raises InvalidFile for a broken or lying header."""
    with open(path, "rb") as f:
        head = f.read(min(size, MAX_HEADER_BYTES))
    m = re.search(rb"(\r\n|\r|\n)end_header[ \t]*(\r\n|\n|\r)", head)
    if m is None:
        if size > MAX_HEADER_BYTES:
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
    _check_ply_counts(header, size - len(raw))
    return header


def _check_ply_counts(h: PlyHeader, body: int) -> None:
    total = 0
    for e in h.ply.elements:
        what, limit = _ELEMENT_WORDS.get(e.name, (f"'{e.name}' elements", MAX_FACES))
        if h.ply.text:
            row = 2 * max(1, len(e.properties))  # a digit and a separator per value at the least
        else:
            row = sum(_np_size(p.list_dtype()[0] if isinstance(p, PlyListProperty) else p.dtype())
                      for p in e.properties)  # a list needs at least its length field
        check_fits(what, e.count, max(row, 1), body, "PLY")
        check_count(what, e.count, limit)
        total += e.count * row
    if total > body:
        raise InvalidFile(f"truncated: the PLY header declares at least {total:,} bytes of data but the file "
                          f"holds {body:,}")


def _np_size(dtype) -> int:
    import numpy as np

    return int(np.dtype(dtype).itemsize)


# -- OFF ---------------------------------------------------------------------------------------

_OFF = re.compile(r"^\s*((?:ST)?C?N?4?n?OFF)(\s+BINARY\b)?\s*([-+]?\d+)\s+([-+]?\d+)", re.I)


def off_counts(path: Path, size: int) -> tuple[int, int]:
    """(vertices, faces) declared by an OFF header, checked against the file size."""
    with open(path, "rb") as f:
        head = f.read(min(size, 64 * 1024)).decode("utf-8", errors="replace")
    text = "\n".join(line.split("#", 1)[0] for line in head.splitlines())
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
    if nf == 0:
        raise InvalidFile("mesh has no faces (the OFF header declares 0 faces)")
    return nv, nf


# -- STL ---------------------------------------------------------------------------------------


def check_stl(path: Path, size: int) -> None:
    """A binary STL's triangle count must match its size exactly: 84 + 50 × count bytes."""
    with open(path, "rb") as f:
        head = f.read(4096)
    if head.lstrip()[:5].lower() == b"solid" and (b"facet" in head or b"endsolid" in head):
        if not (size >= 84 and 84 + 50 * struct.unpack_from("<I", head, 80)[0] == size):
            return  # ASCII STL: trimesh parses it
    if size < 84:
        raise InvalidFile(f"truncated: a binary STL needs an 84-byte header, the file has {size} bytes")
    (count,) = struct.unpack_from("<I", head, 80)
    if count == 0:
        raise InvalidFile("mesh has no faces (the binary STL declares 0 triangles)")
    if 84 + 50 * count != size:
        fits = (size - 84) / 50
        raise InvalidFile(f"binary STL header declares {count:,} triangles ({84 + 50 * count:,} bytes) but the file "
                          f"is {size:,} bytes ({fits:,.1f} triangles): truncated or not an STL")
    check_count("triangles", count, MAX_FACES)


# -- PCD ---------------------------------------------------------------------------------------


@dataclass
class PcdHeader:
    fields: list[str]
    points: int
    data: str  # ascii | binary | binary_compressed
    row_bytes: int
    length: int  # header bytes


def pcd_header(path: Path, size: int) -> PcdHeader:
    """Parse and check a PCD header; for binary data the body size must match it exactly."""
    with open(path, "rb") as f:
        head = f.read(min(size, MAX_HEADER_BYTES))
    values: dict[str, list[str]] = {}
    offset = 0
    for line in head.split(b"\n"):
        offset += len(line) + 1
        text = line.decode("ascii", errors="replace").strip()
        if not text or text.startswith("#"):
            continue
        key, *rest = text.split()
        values[key.upper()] = rest
        if key.upper() == "DATA":
            break
    else:
        raise InvalidFile("truncated: the PCD header has no DATA line")
    try:
        fields = values["FIELDS"]
        sizes = [int(x) for x in values["SIZE"]]
        counts = [int(x) for x in values.get("COUNT", ["1"] * len(fields))]
        width, height = int(values["WIDTH"][0]), int(values.get("HEIGHT", ["1"])[0])
        points = int(values.get("POINTS", [str(width * height)])[0])
        data = values["DATA"][0].lower()
    except KeyError as exc:
        raise InvalidFile(f"PCD header has no {exc.args[0]} line") from exc
    except (IndexError, ValueError) as exc:
        raise InvalidFile(f"PCD header has a malformed value ({exc})") from exc
    if not (len(fields) == len(sizes) == len(counts)) or "TYPE" in values and len(values["TYPE"]) != len(fields):
        raise InvalidFile("PCD header: FIELDS, SIZE, TYPE and COUNT list different numbers of fields")
    if width * height != points:
        raise InvalidFile(f"PCD header: WIDTH × HEIGHT = {width * height:,} but POINTS = {points:,}")
    if not {"x", "y", "z"} <= set(fields):
        raise InvalidFile(f"PCD has no x, y, z fields (it has: {' '.join(fields)})")
    if any(s not in (1, 2, 4, 8) for s in sizes) or any(c < 1 for c in counts):
        raise InvalidFile("PCD header: SIZE must be 1, 2, 4 or 8 and COUNT at least 1")
    row = sum(s * c for s, c in zip(sizes, counts))
    body = size - offset
    if data == "binary":
        need = points * row
        if body < need:
            raise InvalidFile(f"truncated: the PCD header declares {points:,} points ({need:,} bytes) "
                              f"but {body:,} bytes of data follow")
        if body > need:
            raise InvalidFile(f"PCD binary data is {body:,} bytes but the header ({points:,} points × {row} bytes) "
                              f"implies {need:,}: the file is corrupted")
    elif data == "binary_compressed":
        with open(path, "rb") as f:
            f.seek(offset)
            sizes8 = f.read(8)
        if len(sizes8) < 8:
            raise InvalidFile("truncated: the PCD compressed data has no size fields")
        compressed, uncompressed = struct.unpack("<II", sizes8)
        if uncompressed != points * row:
            raise InvalidFile(f"PCD compressed data unpacks to {uncompressed:,} bytes but the header "
                              f"({points:,} points × {row} bytes) implies {points * row:,}")
        if compressed > body - 8:
            raise InvalidFile(f"truncated: the PCD compressed block is {compressed:,} bytes but only "
                              f"{body - 8:,} follow")
    elif data == "ascii":
        check_fits("points", points, 2 * len(fields), body, "PCD")
    else:
        raise InvalidFile(f"PCD DATA encoding {data!r} is unknown (expected ascii, binary or binary_compressed)")
    check_count("points", points, MAX_POINTS)
    return PcdHeader(fields, points, data, row, offset)
