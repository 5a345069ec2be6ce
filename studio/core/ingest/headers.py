"""Header plausibility: compare the counts a file declares with the bytes it actually holds,
before any reader allocates for them. Each check raises InvalidFile naming the lie."""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass, field
from pathlib import Path

from studio.core.errors import InvalidFile
from studio.core.ingest.limits import MAX_ELEMENTS

_PLY_SIZES = {"char": 1, "int8": 1, "uchar": 1, "uint8": 1, "short": 2, "int16": 2, "ushort": 2, "uint16": 2,
              "int": 4, "int32": 4, "uint": 4, "uint32": 4, "float": 4, "float32": 4, "double": 8, "float64": 8}


def _check_count(n: int, what: str) -> None:
    if n < 0:
        raise InvalidFile(f"header declares a negative number of {what}")
    if n > MAX_ELEMENTS:
        raise InvalidFile(f"header declares {n:,} {what}, above the limit of {MAX_ELEMENTS:,}")


@dataclass
class PlyElement:
    name: str
    count: int
    props: list[tuple[str, ...]] = field(default_factory=list)  # ("scalar", type, name) | ("list", ctype, itype, name)

    def prop_names(self) -> set[str]:
        return {p[-1] for p in self.props}


@dataclass
class PlyHeader:
    encoding: str
    elements: list[PlyElement]
    length: int

    def element(self, name: str) -> PlyElement | None:
        return next((e for e in self.elements if e.name == name), None)


def read_ply_header(path: Path, size: int) -> PlyHeader:
    with open(path, "rb") as fh:
        raw = fh.read(min(size, 1 << 16))
    end = raw.find(b"end_header")
    if end < 0:
        raise InvalidFile("PLY header has no end_header line (truncated or not a PLY file)")
    nl = raw.find(b"\n", end)
    length = (nl + 1) if nl >= 0 else len(raw)
    lines = raw[:end].decode("ascii", errors="replace").replace("\r", "").split("\n")
    encoding, elements = "", []
    for ln in lines[1:]:
        parts = ln.split()
        if not parts or parts[0] in ("comment", "obj_info"):
            continue
        try:
            if parts[0] == "format":
                encoding = parts[1]
            elif parts[0] == "element":
                count = int(parts[2])
                _check_count(count, f"'{parts[1]}' elements")
                elements.append(PlyElement(parts[1], count))
            elif parts[0] == "property":
                if not elements:
                    raise InvalidFile("PLY header has a property before any element")
                if parts[1] == "list":
                    elements[-1].props.append(("list", parts[2], parts[3], parts[4]))
                else:
                    elements[-1].props.append(("scalar", parts[1], parts[2]))
        except (IndexError, ValueError) as exc:
            raise InvalidFile(f"PLY header line is malformed: {ln.strip()[:60]!r}") from exc
    if encoding not in ("ascii", "binary_little_endian", "binary_big_endian"):
        raise InvalidFile(f"PLY header names an unknown format {encoding!r}")
    header = PlyHeader(encoding, elements, length)
    _check_ply_body(header, size - length)
    return header


def _check_ply_body(h: PlyHeader, body: int) -> None:
    for e in h.elements:
        for p in e.props:
            for t in (p[1:3] if p[0] == "list" else p[1:2]):
                if t not in _PLY_SIZES:
                    raise InvalidFile(f"PLY property {p[-1]!r} has an unknown type {t!r}")
    need = 0
    for e in h.elements:
        if h.encoding == "ascii":
            row = sum(2 for _ in e.props)  # at least one digit and a separator per value
        else:
            row = sum(_PLY_SIZES[p[1]] for p in e.props)  # a list needs at least its count
        need += e.count * row
        if need > body:
            raise InvalidFile(
                f"PLY header declares {e.count:,} '{e.name}' elements but the file holds at most "
                f"{body // max(row, 1):,} of them ({body:,} bytes after the header): truncated or lying header")


def check_binary_stl(path: Path, size: int) -> None:
    with open(path, "rb") as fh:
        head = fh.read(84)
    if len(head) < 84:
        raise InvalidFile("binary STL is shorter than its 84-byte header (truncated)")
    (count,) = struct.unpack_from("<I", head, 80)
    _check_count(count, "triangles")
    fits = (size - 84) // 50
    if count == 0:
        raise InvalidFile("mesh has no faces (binary STL declares 0 triangles)")
    if size != 84 + 50 * count:
        raise InvalidFile(f"binary STL declares {count:,} triangles but the file's size fits {fits:,}: "
                          "truncated or lying header")


def check_off(text_head: str, size: int) -> None:
    tokens: list[str] = []
    text_head = re.sub(r"^\s*(ST)?C?N?4?n?OFF", "OFF ", text_head.lstrip(), count=1)
    for ln in text_head.splitlines():
        ln = ln.split("#", 1)[0].strip()
        if ln:
            tokens.extend(ln.split())
        if len(tokens) >= 4:
            break
    try:
        nv, nf = int(tokens[1]), int(tokens[2])
    except (IndexError, ValueError) as exc:
        raise InvalidFile("OFF header has no vertex and face counts") from exc
    _check_count(nv, "vertices")
    _check_count(nf, "faces")
    if nf == 0:
        raise InvalidFile("mesh has no faces (OFF header declares 0 faces)")
    if nv * 6 + nf * 8 > size:  # "0 0 0\n" per vertex, "3 0 1 2\n" per face at the least
        raise InvalidFile(f"OFF header declares {nv:,} vertices and {nf:,} faces but the file has only "
                          f"{size:,} bytes: truncated or lying header")


@dataclass
class PcdHeader:
    fields: list[str]
    sizes: list[int]
    counts: list[int]
    points: int
    data: str
    length: int

    @property
    def row_bytes(self) -> int:
        return sum(s * c for s, c in zip(self.sizes, self.counts))


def read_pcd_header(path: Path, size: int) -> PcdHeader:
    with open(path, "rb") as fh:
        raw = fh.read(min(size, 1 << 16))
    values: dict[str, list[str]] = {}
    offset = 0
    for line in raw.split(b"\n"):
        offset += len(line) + 1
        text = line.decode("ascii", errors="replace").strip()
        if not text or text.startswith("#"):
            continue
        key, *rest = text.split()
        values[key.upper()] = rest
        if key.upper() == "DATA":
            break
    else:
        raise InvalidFile("PCD header has no DATA line (truncated)")
    try:
        fields = values["FIELDS"]
        sizes = [int(x) for x in values["SIZE"]]
        counts = [int(x) for x in values.get("COUNT", ["1"] * len(fields))]
        width, height = int(values["WIDTH"][0]), int(values.get("HEIGHT", ["1"])[0])
        points = int(values.get("POINTS", [str(width * height)])[0])
        data = values["DATA"][0].lower()
    except (KeyError, IndexError, ValueError) as exc:
        raise InvalidFile(f"PCD header is missing or has a bad field ({exc})") from exc
    _check_count(points, "points")
    if width * height != points:
        raise InvalidFile(f"PCD header: WIDTH×HEIGHT = {width * height:,} but POINTS = {points:,}")
    if not (len(fields) == len(sizes) == len(counts)):
        raise InvalidFile("PCD header: FIELDS, SIZE and COUNT have different lengths")
    if not {"x", "y", "z"} <= set(fields):
        raise InvalidFile("PCD has no x, y, z fields")
    h = PcdHeader(fields, sizes, counts, points, data, offset)
    body = size - offset
    if data == "binary":
        need = points * h.row_bytes
        if body < need:
            raise InvalidFile(f"PCD declares {points:,} points ({need:,} bytes) but holds {body:,} bytes: truncated")
        if body > need + 1:
            raise InvalidFile(f"PCD binary data is {body:,} bytes, header implies {need:,}: corrupt or mangled file")
    elif data == "binary_compressed":
        with open(path, "rb") as fh:
            fh.seek(offset)
            sizes8 = fh.read(8)
        if len(sizes8) < 8:
            raise InvalidFile("PCD compressed data is truncated")
        compressed, uncompressed = struct.unpack("<II", sizes8)
        if uncompressed != points * h.row_bytes:
            raise InvalidFile(f"PCD compressed block unpacks to {uncompressed:,} bytes, header implies "
                              f"{points * h.row_bytes:,}")
        if compressed > body - 8:
            raise InvalidFile(f"PCD compressed block is {compressed:,} bytes but only {body - 8:,} follow: truncated")
    elif data == "ascii":
        if points * 2 * len(fields) > body:
            raise InvalidFile(f"PCD declares {points:,} points but holds {body:,} bytes of text: truncated")
    else:
        raise InvalidFile(f"PCD has an unknown DATA encoding {data!r}")
    return h
