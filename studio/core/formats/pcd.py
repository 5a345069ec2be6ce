"""PCD (Point Cloud Library) point clouds: the header, checked against the data size, and the
x, y, z of ASCII and binary data, read with numpy from a file or from bytes in memory (the
preview decrypts a stored scan in memory; the likeness is never written to disk to be read).

``binary_compressed`` data (LZF) is read by Open3D from a path at ingest, and decompressed here
in memory for the preview (:func:`lzf_decompress`; Open3D reads PCD only from a path, and the
likeness must not be written to disk: DR009, DR023).
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from studio.core.errors import InvalidFile
from studio.core.formats.limits import (MAX_GEOMETRY_BYTES, MAX_HEADER_BYTES, MAX_POINTS, GiB, check_count,
                                        check_fits, check_geometry)

_KINDS = {"F": "f", "I": "i", "U": "u"}
#: LZF's longest back-reference copies 264 bytes for a 3-byte token: no block expands more (DR017)
LZF_MAX_RATIO = 100


@dataclass
class PcdHeader:
    fields: list[str]
    sizes: list[int]
    types: list[str]
    counts: list[int]
    points: int
    data: str  # ascii | binary | binary_compressed
    row_bytes: int
    length: int  # header bytes

    @property
    def has_colors(self) -> bool:
        return bool({"rgb", "rgba"} & set(self.fields)) or {"r", "g", "b"} <= set(self.fields)

    @property
    def has_normals(self) -> bool:
        return {"normal_x", "normal_y", "normal_z"} <= set(self.fields)

    def dtype(self) -> np.dtype:
        """The record of one point in binary data."""
        return np.dtype([(n, f"<{_KINDS.get(t, 'u')}{s}", (c,) if c > 1 else ())
                         for n, s, t, c in zip(self.fields, self.sizes, self.types, self.counts)])


@dataclass
class PcdPoints:
    points: np.ndarray  # (n, 3) float64, non-finite rows kept (invalid pixels of organised clouds)
    has_colors: bool
    has_normals: bool


def parse_header(head: bytes, size: int) -> PcdHeader:
    """Parse and check a PCD header from the file's first bytes; for binary data the body size
    must match it exactly."""
    head = head[:MAX_HEADER_BYTES]
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
        types = [t.upper() for t in values.get("TYPE", ["F"] * len(fields))]
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
        sizes8 = head[offset:offset + 8]
        if len(sizes8) < 8:
            raise InvalidFile("truncated: the PCD compressed data has no size fields")
        compressed, uncompressed = struct.unpack("<II", sizes8)
        if uncompressed != points * row:
            raise InvalidFile(f"PCD compressed data unpacks to {uncompressed:,} bytes but the header "
                              f"({points:,} points × {row} bytes) implies {points * row:,}")
        if uncompressed > LZF_MAX_RATIO * compressed:
            raise InvalidFile(f"PCD compressed data claims {uncompressed:,} bytes from a {compressed:,}-byte block: "
                              f"more than LZF can expand (at most {LZF_MAX_RATIO}×)")
        if compressed > body - 8:
            raise InvalidFile(f"truncated: the PCD compressed block is {compressed:,} bytes but only "
                              f"{body - 8:,} follow")
    elif data == "ascii":
        check_fits("points", points, 2 * len(fields), body, "PCD")
    else:
        raise InvalidFile(f"PCD DATA encoding {data!r} is unknown (expected ascii, binary or binary_compressed)")
    check_count("points", points, MAX_POINTS)
    check_geometry("PCD", points, 0)
    if points * row > MAX_GEOMETRY_BYTES:  # the whole records, as Open3D or numpy hold them
        raise InvalidFile(f"PCD data is {points * row / GiB:,.1f} GiB of records ({points:,} points × {row} bytes); "
                          f"the limit is {MAX_GEOMETRY_BYTES / GiB:,.0f} GiB")
    return PcdHeader(fields, sizes, types, counts, points, data, row, offset)


def read_header(path: Path, size: int) -> PcdHeader:
    with open(path, "rb") as f:
        return parse_header(f.read(min(size, MAX_HEADER_BYTES)), size)


def read_points(source: Path | bytes, header: PcdHeader) -> PcdPoints:
    """The points of a PCD file (a path) or of its bytes. Raises InvalidFile when the data does
    not hold the points its header declares."""
    if header.data == "binary_compressed":
        xyz = _open3d_points(source) if isinstance(source, Path) else _compressed_xyz(memoryview(source), header)
    elif header.data == "binary" and isinstance(source, Path):  # straight from the file: no copy of it in memory
        rows = np.fromfile(source, dtype=header.dtype(), count=header.points, offset=header.length)
        xyz = _columns(rows)
    else:
        data = source.read_bytes() if isinstance(source, Path) else bytes(source)
        body = memoryview(data)[header.length:]
        xyz = _ascii_xyz(body, header) if header.data == "ascii" else _binary_xyz(body, header)
    if len(xyz) != header.points:
        raise InvalidFile(f"PCD header declares {header.points:,} points but {len(xyz):,} could be read: "
                          "truncated or corrupted data")
    return PcdPoints(np.ascontiguousarray(xyz, np.float64), header.has_colors, header.has_normals)


def _compressed_xyz(data: memoryview, header: PcdHeader) -> np.ndarray:
    """x, y, z of ``binary_compressed`` data: LZF-compressed columns, one field after another."""
    compressed, uncompressed = struct.unpack("<II", data[header.length:header.length + 8])
    raw = lzf_decompress(data[header.length + 8:header.length + 8 + compressed], uncompressed)
    columns, offset = {}, 0
    for name, size, kind, count in zip(header.fields, header.sizes, header.types, header.counts):
        width = size * count * header.points
        if name in ("x", "y", "z"):
            column = np.frombuffer(raw, f"<{_KINDS.get(kind, 'u')}{size}", count * header.points, offset)
            columns[name] = column.reshape(header.points, count)[:, 0]
        offset += width
    return np.column_stack([np.asarray(columns[a], np.float64) for a in "xyz"])


def lzf_decompress(data: memoryview | bytes, size: int) -> bytearray:
    """LZF (liblzf's format, as PCL writes it) decompressed to exactly ``size`` bytes. A block
    that refers before its start or does not fill ``size`` exactly raises InvalidFile. Pure
    Python: about 1 s for 4 MB of output (a 300 k-point cloud)."""
    src = bytes(data)
    out = bytearray(size)
    ip, op, end = 0, 0, len(src)
    try:
        while ip < end:
            ctrl = src[ip]
            ip += 1
            if ctrl < 32:  # a literal run of ctrl + 1 bytes
                n = ctrl + 1
                if ip + n > end or op + n > size:
                    raise InvalidFile("PCD compressed data is corrupted (a literal run past its end)")
                out[op:op + n] = src[ip:ip + n]
                ip += n
                op += n
                continue
            n = ctrl >> 5  # a back reference: length, then distance
            if n == 7:
                n += src[ip]
                ip += 1
            ref = op - ((ctrl & 0x1F) << 8) - 1 - src[ip]
            ip += 1
            n += 2
            if ref < 0 or op + n > size:
                raise InvalidFile("PCD compressed data is corrupted (a back reference out of range)")
            while n:  # overlapping references repeat the bytes just written
                k = min(n, op - ref)
                out[op:op + k] = out[ref:ref + k]
                op += k
                ref += k
                n -= k
    except IndexError as exc:
        raise InvalidFile("truncated: the PCD compressed data ends in the middle of a token") from exc
    if op != size:
        raise InvalidFile(f"PCD compressed data unpacks to {op:,} bytes; its header says {size:,}")
    return out


def _binary_xyz(body: memoryview, header: PcdHeader) -> np.ndarray:
    return _columns(np.frombuffer(body, dtype=header.dtype(), count=min(header.points, len(body) // header.row_bytes)))


def _columns(rows: np.ndarray) -> np.ndarray:
    return np.column_stack([np.asarray(rows[a], np.float64).reshape(len(rows), -1)[:, 0] for a in "xyz"])


def _ascii_xyz(body: memoryview, header: PcdHeader) -> np.ndarray:
    try:
        table = np.loadtxt(io.BytesIO(bytes(body)), ndmin=2, dtype=np.float64)
    except ValueError as exc:
        raise InvalidFile(f"PCD data is malformed: {str(exc).splitlines()[0] if str(exc) else exc}") from exc
    columns = np.cumsum([0] + header.counts)
    if table.size == 0:
        return np.zeros((0, 3))
    if table.shape[1] < columns[-1]:
        raise InvalidFile(f"PCD rows have {table.shape[1]} values; the header declares {columns[-1]}")
    return np.column_stack([table[:, columns[header.fields.index(a)]] for a in "xyz"])


def _open3d_points(path: Path) -> np.ndarray:
    import open3d as o3d

    with o3d.utility.VerbosityContextManager(o3d.utility.VerbosityLevel.Error):
        cloud = o3d.io.read_point_cloud(str(path), format="pcd", remove_nan_points=False,
                                        remove_infinite_points=False)
    # a view of Open3D's own array (the view keeps the cloud alive): no second copy of a big cloud
    return np.asarray(cloud.points)
