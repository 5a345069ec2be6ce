"""The version 2 package file's ZIP framing (DR058), written and checked byte for byte.

A version 2 package is a ZIP (stored, never compressed, ZIP64 records always) of one age file
per payload file — ``payload/000000.age``, ``payload/000001.age``, … in the manifest's order —
then ``manifest.json`` and ``manifest.json.sig``. Each entry is written whole, after its size
and CRC-32 are known, so no entry has a data descriptor; timestamps, permissions and the
creating system are fixed. Because every field of the framing follows from the entries' names,
sizes and CRCs (which the signed manifest names), :func:`layout` gives every framing byte of the
file and where it goes: the reader compares them all, and hashes each entry's data against the
manifest, so any changed byte is found without writing the package again.

The ZIP records are the standard ones (APPNOTE 6.3.x: local file header, central directory
header, ZIP64 extended information extra field, ZIP64 end of central directory record and
locator, end of central directory record); any ZIP reader opens the file.
"""

from __future__ import annotations

import os
import struct
import zlib
from dataclasses import dataclass

ENTRY_PREFIX = "payload/"
ENTRY_SUFFIX = ".age"
_VERSION = 45  # 4.5: ZIP64
_MADE_BY = (3 << 8) | _VERSION  # Unix
_DOS_TIME, _DOS_DATE = 0, (0 << 9) | (1 << 5) | 1  # 1980-01-01 00:00:00
_ATTR = 0o100644 << 16
_FFFF32 = 0xFFFFFFFF


def entry_name(index: int) -> str:
    return f"{ENTRY_PREFIX}{index:06d}{ENTRY_SUFFIX}"


@dataclass(frozen=True)
class Entry:
    name: str
    size: int
    crc32: int


def local_header(e: Entry) -> bytes:
    name = e.name.encode("ascii")
    extra = struct.pack("<HHQQ", 0x0001, 16, e.size, e.size)
    return struct.pack("<IHHHHHIIIHH", 0x04034B50, _VERSION, 0, 0, _DOS_TIME, _DOS_DATE, e.crc32,
                       _FFFF32, _FFFF32, len(name), len(extra)) + name + extra


def _central_header(e: Entry, offset: int) -> bytes:
    name = e.name.encode("ascii")
    extra = struct.pack("<HHQQQ", 0x0001, 24, e.size, e.size, offset)
    return struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, _MADE_BY, _VERSION, 0, 0, _DOS_TIME, _DOS_DATE,
                       e.crc32, _FFFF32, _FFFF32, len(name), len(extra), 0, 0, 0, _ATTR, _FFFF32) + name + extra


def central_directory(entries: list[Entry], offsets: list[int], cd_offset: int) -> bytes:
    """The central directory and the end records, for entries whose local headers are at ``offsets``
    and whose directory starts at ``cd_offset``."""
    cd = b"".join(_central_header(e, o) for e, o in zip(entries, offsets))
    n = len(entries)
    eocd64_offset = cd_offset + len(cd)
    eocd64 = struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, _MADE_BY, _VERSION, 0, 0, n, n, len(cd), cd_offset)
    locator = struct.pack("<IIQI", 0x07064B50, 0, eocd64_offset, 1)
    eocd = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, min(n, 0xFFFF), min(n, 0xFFFF), _FFFF32, _FFFF32, 0)
    return cd + eocd64 + locator + eocd


@dataclass(frozen=True)
class Layout:
    """Where everything goes: ``framing`` is (offset, bytes) for every byte that is not an entry's
    data; ``data`` is (offset, size) of each entry's data, in order; ``total`` the file's size."""
    framing: list[tuple[int, bytes]]
    data: list[tuple[int, int]]
    total: int


def layout(entries: list[Entry]) -> Layout:
    framing, data, offsets = [], [], []
    at = 0
    for e in entries:
        head = local_header(e)
        offsets.append(at)
        framing.append((at, head))
        at += len(head)
        data.append((at, e.size))
        at += e.size
    tail = central_directory(entries, offsets, at)
    framing.append((at, tail))
    return Layout(framing, data, at + len(tail))


MANIFEST = "manifest.json"
SIGNATURE = "manifest.json.sig"


def tail_entries(entries: list[Entry], manifest: bytes, signature: bytes) -> list[Entry]:
    """Every entry of the file: the payload files', then the manifest and its signature."""
    return [*entries, Entry(MANIFEST, len(manifest), zlib.crc32(manifest)),
            Entry(SIGNATURE, len(signature), zlib.crc32(signature))]


def write_tail(sink, entries: list[Entry], manifest: bytes, signature: bytes) -> None:
    """After the payload files (``entries``, already written from offset 0 on): the manifest, its
    signature and the central directory."""
    full = tail_entries(entries, manifest, signature)
    lay = layout(full)
    offsets = [off for off, _ in lay.framing[:-1]]
    for e, data in zip(full[-2:], (manifest, signature)):
        sink.write(local_header(e))
        sink.write(data)
    sink.write(central_directory(full, offsets, lay.data[-1][0] + lay.data[-1][1]))


def check_file(path, lay: Layout, fixed: list[tuple[int, bytes]]) -> None:
    """Refuse the file unless its size and every framing byte — and the ``fixed`` (offset, bytes)
    it must hold, the manifest and signature — are exactly where the studio's writer puts them."""
    from studio.core.errors import PackageRefused

    size = os.path.getsize(path)
    if size != lay.total:
        raise PackageRefused(f"the package has been altered (it is {size} bytes; the studio wrote {lay.total})")
    with open(path, "rb") as fh:
        for off, expect in [*lay.framing, *fixed]:
            fh.seek(off)
            got = fh.read(len(expect))
            if got != expect:
                at = next((i for i, (a, b) in enumerate(zip(got, expect)) if a != b), min(len(got), len(expect)))
                raise PackageRefused(f"the package has been altered (byte {off + at} is not as the studio wrote it)")
