"""XYZ text point clouds: rows of at least three numbers (x y z, then optional colour / normal
columns), one reader for ingest and the preview.

What is accepted: values separated by spaces/tabs, ``,`` or ``;`` (decided from the first data
row); ``#`` and ``//`` comment lines and trailing comments; one column-title row before the data
(``X Y Z R G B``). A ragged or non-numeric row is refused naming the row.
"""

from __future__ import annotations

import io
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from studio.core.errors import InvalidFile
from studio.core.formats.limits import MAX_POINTS, MAX_TEXT_GEOMETRY_BYTES

_COMMENTS = ("#", "//")
_HEAD_BYTES = 64 * 1024  # the separator and a title row are found in these first bytes


@dataclass
class XyzPoints:
    points: np.ndarray  # (n, 3) float64
    colors: np.ndarray | None  # (n, 3) in 0..1 when columns 4-6 are 0..255 integers
    has_colors: bool
    has_normals: bool


def read(source: Path | bytes) -> XyzPoints:
    """The points of an XYZ file (a path) or of its bytes. Raises InvalidFile with the reason."""
    if isinstance(source, Path):
        size = source.stat().st_size
        if size > MAX_TEXT_GEOMETRY_BYTES:
            raise InvalidFile(f"XYZ files above {MAX_TEXT_GEOMETRY_BYTES // 2**30} GiB are not read; use PLY or PCD")
        with open(source, "rb") as f:
            head = f.read(_HEAD_BYTES)
        rows: str | io.BytesIO = str(source)  # numpy reads the file line by line: no copy of it in memory
    else:
        head, rows = bytes(source[:_HEAD_BYTES]), io.BytesIO(source)
    data = _table(rows, head)
    if data.size == 0:
        raise InvalidFile("point cloud has no points (the XYZ file has no numeric rows)")
    if data.shape[1] < 3:
        raise InvalidFile(f"XYZ rows have {data.shape[1]} columns; x, y and z are needed")
    if len(data) > MAX_POINTS:
        raise InvalidFile(f"XYZ file has {len(data):,} points; the limit is {MAX_POINTS:,}")
    colors, has_normals = None, False
    extra = data[:, 3:]
    for start in range(0, extra.shape[1] - 2, 3):
        triple = extra[:, start:start + 3]
        finite = triple[np.isfinite(triple).all(axis=1)]
        if not len(finite):
            continue
        if np.all(finite == np.round(finite)) and finite.min() >= 0 and finite.max() <= 255:
            if colors is None:
                colors = np.clip(np.nan_to_num(triple) / 255.0, 0.0, 1.0)
        elif 0.9 < float(np.median(np.linalg.norm(finite, axis=1))) < 1.1:
            has_normals = True
    points = np.ascontiguousarray(data[:, :3])
    return XyzPoints(points, colors, colors is not None, has_normals)


def _delimiter(row: str) -> str | None:
    return "," if "," in row else ";" if ";" in row else None


def _table(rows, head: bytes) -> np.ndarray:
    """The numeric table of ``rows`` (a path or a binary stream); ``head`` is its first bytes, from
    which the separator and a title row are found."""
    lines = head.decode("utf-8", errors="replace").splitlines()
    data_lines = [(i, ln) for i, ln in enumerate(lines) if ln.strip() and not ln.lstrip().startswith(_COMMENTS)]
    first_at, first = data_lines[0] if data_lines else (0, "")
    first = first.lstrip("\ufeff")
    delimiter = _delimiter(first)
    skip = 0
    if first and not _numeric_row(first, delimiter) and len(data_lines) > 1:
        skip = first_at + 1  # a column title row such as "X Y Z R G B"
        delimiter = _delimiter(data_lines[1][1])
    try:
        with warnings.catch_warnings():  # "input contained no data": said below as InvalidFile
            warnings.simplefilter("ignore", UserWarning)
            return np.loadtxt(rows, comments=_COMMENTS, delimiter=delimiter, ndmin=2, dtype=np.float64,
                              encoding="utf-8-sig", skiprows=skip)
    except ValueError as exc:
        detail = re.sub(r";? ?use `usecols`.*$", "", str(exc).splitlines()[0] if str(exc) else "")
        raise InvalidFile(f"XYZ data is malformed: {detail}") from exc


def _numeric_row(line: str, delimiter: str | None) -> bool:
    try:
        [float(x) for x in line.split(delimiter)]
    except ValueError:
        return False
    return True
