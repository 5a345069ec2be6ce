"""Binary PLY faces of mixed or unusual lengths, read without plyfile's row reader (DR017).

plyfile reads lists whose length varies one row at a time (about 3 µs a face, and a Python
object per row): a 408 MB file of 255-corner faces took 90 s and 8.3 GB. Here one pass over
the length fields finds where each face starts and how many corners it has, refusing a face
with more than :data:`~studio.core.formats.limits.MAX_FACE_CORNERS` corners the moment it is
reached, and the triangulated total before anything is allocated for it; then the corners of
all faces of each length are gathered with numpy.
"""

from __future__ import annotations

from array import array

import numpy as np
from plyfile import PlyListProperty

from studio.core.errors import InvalidFile
from studio.core.formats.limits import MAX_FACE_CORNERS, check_geometry


def fixed_dtype(element, order: str) -> np.dtype | None:
    """The record of an element without lists; None when it has a list."""
    if any(isinstance(p, PlyListProperty) for p in element.properties):
        return None
    return np.dtype([(p.name, order + p.val_dtype) for p in element.properties])


def _layout(element, order: str, index_name: str) -> list[tuple]:
    """("fixed", bytes) and ("list", length dtype, value bytes, is the index list) in record order."""
    items: list[tuple] = []
    for p in element.properties:
        if isinstance(p, PlyListProperty):
            items.append(("list", np.dtype(order + p.len_dtype), np.dtype(p.val_dtype).itemsize, p.name == index_name))
        elif items and items[-1][0] == "fixed":
            items[-1] = ("fixed", items[-1][1] + np.dtype(p.val_dtype).itemsize)
        else:
            items.append(("fixed", np.dtype(p.val_dtype).itemsize))
    return items


def scan(buf, start: int, element, order: str, index_name: str) -> tuple[np.ndarray, np.ndarray, int]:
    """(where each face's corner indices start, how many corners, where the element ends)."""
    items = _layout(element, order, index_name)
    kinds = [item[0] for item in items]
    if kinds.count("list") == 1 and items[kinds.index("list")][1].itemsize == 1 and items[kinds.index("list")][3]:
        return _scan_one_list(buf, start, element.count, items)
    return _scan_any(buf, start, element.count, items, order)


def _too_many(row: int, n: int) -> InvalidFile:
    return InvalidFile(f"PLY face {row:,} has {n:,} corners; at most {MAX_FACE_CORNERS} are read "
                       "(triangulate the mesh before ingesting it)")


def _truncated(row: int, count: int) -> InvalidFile:
    return InvalidFile(f"truncated: the PLY data ends early at row {row:,} of {count:,} of element 'face'")


def _scan_one_list(buf, start: int, count: int, items: list[tuple]) -> tuple[np.ndarray, np.ndarray, int]:
    """The usual layout (one index list with a one-byte length, fixed fields around it): the loop
    only reads each length; where the faces start follows with numpy."""
    at = [i for i, item in enumerate(items) if item[0] == "list"][0]
    pre = sum(item[1] for item in items[:at])
    post = sum(item[1] for item in items[at + 1:])
    value_bytes = items[at][2]
    steps = [pre + 1 + n * value_bytes + post for n in range(256)]
    corners = bytearray(count)
    end, o = len(buf), start + pre  # o: the length byte of the current face
    for row in range(count):
        if o >= end:
            raise _truncated(row, count)
        n = buf[o]
        if n > MAX_FACE_CORNERS:
            raise _too_many(row, n)
        corners[row] = n
        o += steps[n]
    stop = o - pre
    if stop > end:
        raise _truncated(count - 1, count)
    lengths = np.frombuffer(corners, np.uint8)
    sizes = np.asarray(steps, np.int64)[lengths]
    where = start + pre + 1 + np.concatenate([np.zeros(1, np.int64), np.cumsum(sizes)[:-1]]) if count else \
        np.zeros(0, np.int64)
    return where, lengths, stop


def _scan_any(buf, start: int, count: int, items: list[tuple], order: str) -> tuple[np.ndarray, np.ndarray, int]:
    byteorder = "big" if order == ">" else "little"
    end = len(buf)
    where, corners = array("q"), array("B")
    o = start
    for row in range(count):
        for item in items:
            if item[0] == "fixed":
                o += item[1]
                continue
            _, len_dtype, value_bytes, is_index = item
            size = len_dtype.itemsize
            if o + size > end:
                raise _truncated(row, count)
            n = int.from_bytes(buf[o:o + size], byteorder, signed=len_dtype.kind == "i")
            if n < 0 or n > MAX_FACE_CORNERS:
                raise _too_many(row, n)
            if is_index:
                where.append(o + size)
                corners.append(n)
            o += size + n * value_bytes
        if o > end:
            raise _truncated(row, count)
    return np.frombuffer(where, np.int64), np.frombuffer(corners, np.uint8), o


def gather(buf, where: np.ndarray, corners: np.ndarray, value_dtype: np.dtype, vertices: int,
           ) -> tuple[np.ndarray, int]:
    """Triangles (a fan per polygon) from the faces found by :func:`scan`, and the number of
    faces with fewer than 3 corners (ignored)."""
    short = int((corners < 3).sum())
    triangles = int(np.maximum(corners.astype(np.int64) - 2, 0).sum())
    check_geometry("PLY", vertices, triangles)
    size = value_dtype.itemsize
    parts = []
    for k in np.unique(corners[corners >= 3]):
        k = int(k)
        starts = where[corners == k]
        shifts = starts % size
        for shift in np.unique(shifts):  # values aligned the same way are one numpy view of the buffer
            values = np.frombuffer(buf, value_dtype, (len(buf) - int(shift)) // size, int(shift))
            first = (starts[shifts == shift] - shift) // size
            poly = values[first[:, None] + np.arange(k)].astype(np.int64)
            parts.extend(np.stack([poly[:, 0], poly[:, j], poly[:, j + 1]], axis=1) for j in range(1, k - 1))
            del values
    return (np.concatenate(parts) if parts else np.zeros((0, 3), np.int64)), short
