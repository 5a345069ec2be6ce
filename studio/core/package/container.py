"""The package file: a ZIP (stored, never compressed), written in one canonical way so that
*any* changed byte — in the data or in the ZIP framing — is found.

Reading here serves both versions: version 1 (before DR058) holds exactly three entries, the
payload being one age file of a tar; version 2 holds one age file per payload file
(:mod:`studio.core.package.zip_layout` writes and checks its framing). Writing here is version 1's.

Version 1:

Written forward-only (``zipfile`` on an unseekable stream, so each entry is followed by a
data descriptor): ``payload.age`` first (its hash goes into the manifest), then
``manifest.json``, then ``manifest.json.sig``. Timestamps, permissions and the creating
system are fixed. :func:`check_canonical` writes the same package again from the entries it
read and compares every byte with the file.
"""

from __future__ import annotations

import hashlib
import io
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable, Iterator

from studio.core.errors import PackageRefused
from studio.core.package.zip_layout import entry_name

PAYLOAD = "payload.age"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.json.sig"
ENTRIES = (PAYLOAD, MANIFEST, SIGNATURE)
MAX_MANIFEST = 4 * 1024 * 1024
MAX_SIGNATURE = 1024
MAX_PAYLOAD_FILES = 10_000  # as many files as a manifest may list
# The payload's age header: one X25519 recipient stanza (about 130 bytes) plus at most one
# "grease" stanza. Anything larger is refused before a byte is decrypted: the age library's
# header parsing is quadratic in the number of stanzas (2,000 stanzas took 56 s).
AGE_MAGIC = b"age-encryption.org/v1\n"
MAX_AGE_HEADER = 1024
MAX_AGE_STANZAS = 2
CHUNK = 1 << 20
# what zipfile raises on a damaged archive (a flipped size field gives EOFError, a bad method
# NotImplementedError, a bad header struct.error)
_DAMAGE = (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError,
           struct.error, KeyError)
_EPOCH = (1980, 1, 1, 0, 0, 0)


class _ForwardOnly(io.RawIOBase):
    """Hides seeking from ``zipfile`` so it writes the same bytes in one pass every time."""

    def __init__(self, sink: Callable[[bytes], None]) -> None:
        self._sink = sink
        self.abandoned = False

    def writable(self) -> bool:
        return True

    def flush(self) -> None:
        pass

    def write(self, data) -> int:  # type: ignore[override]
        if not self.abandoned:  # after a failure zipfile's finaliser still writes an end record
            self._sink(bytes(data))
        return len(data)


def _info(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=_EPOCH)
    info.compress_type = zipfile.ZIP_STORED
    info.create_system = 3
    info.external_attr = 0o100644 << 16
    return info


class PackageWriter:
    """Streams a package into ``sink`` (a function taking bytes)."""

    def __init__(self, sink: Callable[[bytes], None]) -> None:
        self._out = _ForwardOnly(sink)
        self._zip = zipfile.ZipFile(self._out, "w", zipfile.ZIP_STORED)

    def open_payload(self) -> BinaryIO:
        return self._zip.open(_info(PAYLOAD), "w", force_zip64=True)

    def abandon(self) -> None:
        """Stop writing (the package failed); the temp file it went to is removed by its owner."""
        self._out.abandoned = True
        self._zip.close()  # now, into nothing, rather than later from a finaliser

    def finish(self, manifest: bytes, signature: bytes) -> None:
        self._zip.writestr(_info(MANIFEST), manifest)
        self._zip.writestr(_info(SIGNATURE), signature)
        self._zip.close()


@dataclass(frozen=True)
class PackageEntries:
    manifest: bytes
    signature: bytes
    payload_size: int
    # version 2: each payload file's stored size, in order (version 1: its one payload entry's)
    payload_sizes: tuple[int, ...] = ()
    version: int = 1


def _names_said(names: list[str]) -> str:
    shown = ", ".join(names[:6]) + (f" and {len(names) - 6} more" if len(names) > 6 else "")
    return shown or "nothing"


def _layout_version(names: list[str]) -> int:
    """1 or 2 from the entries' names and order; refuses any other set."""
    if sorted(names) == sorted(ENTRIES) and len(names) == len(set(names)):
        return 1
    n = len(names) - 2
    if 0 < n <= MAX_PAYLOAD_FILES and names == [entry_name(i) for i in range(n)] + [MANIFEST, SIGNATURE]:
        return 2
    raise PackageRefused(f"not a twin package: it holds {_names_said(names)} (a package holds {PAYLOAD} or "
                         f"{entry_name(0)}, {entry_name(1)}, … in order, then {MANIFEST} and {SIGNATURE})")


def _refuse_shape(zf: zipfile.ZipFile) -> dict[str, zipfile.ZipInfo]:
    infos = zf.infolist()
    if len(infos) > MAX_PAYLOAD_FILES + 2:
        raise PackageRefused(f"not a twin package: it holds {len(infos)} entries (at most {MAX_PAYLOAD_FILES} "
                             "files and the manifest)")
    _layout_version([i.filename for i in infos])
    by_name = {i.filename: i for i in infos}
    for i in infos:
        if i.compress_type != zipfile.ZIP_STORED or i.compress_size != i.file_size:
            raise PackageRefused(f"{i.filename} is compressed; a package stores its entries as they are")
        if i.flag_bits & 0x1:
            raise PackageRefused(f"{i.filename} is ZIP-encrypted; a package is not")
    if by_name[MANIFEST].file_size > MAX_MANIFEST:
        raise PackageRefused(f"the manifest is {by_name[MANIFEST].file_size} bytes; more than {MAX_MANIFEST} is refused")
    if by_name[SIGNATURE].file_size > MAX_SIGNATURE:
        raise PackageRefused("the signature entry is too large to be a signature")
    return by_name


def open_zip(path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path, "r")
    except FileNotFoundError:
        raise
    except _DAMAGE as exc:
        raise PackageRefused(f"{Path(path).name} is not a twin package (not a readable ZIP: {exc})") from exc


def read_entries(path: Path) -> PackageEntries:
    """The manifest and signature (small, bounded) of a package whose shape is right."""
    with open_zip(path) as zf:
        by_name = _refuse_shape(zf)
        try:
            manifest = zf.read(MANIFEST)
            signature = zf.read(SIGNATURE)
        except _DAMAGE as exc:
            raise PackageRefused(f"the package is damaged: {exc!r}") from exc
        if PAYLOAD in by_name:
            return PackageEntries(manifest, signature, by_name[PAYLOAD].file_size, (by_name[PAYLOAD].file_size,))
        sizes = tuple(i.file_size for i in zf.infolist()[:-2])
        return PackageEntries(manifest, signature, sum(sizes), sizes, version=2)


def read_payload_head(path: Path, n: int = MAX_AGE_HEADER + 1) -> bytes:
    """The first ``n`` bytes of the payload entry (the age header is there)."""
    with open_zip(path) as zf:
        _refuse_shape(zf)
        try:
            with zf.open(PAYLOAD) as src:
                return src.read(n)
        except _DAMAGE as exc:
            raise PackageRefused(f"the payload is damaged: {exc!r}") from exc


def check_age_header(head: bytes) -> int:
    """Refuse a payload whose age header is not one recipient's: count its stanzas from the
    header's text framing only (lines up to ``---``; nothing is decrypted here). Returns the
    number of stanzas."""
    if not head.startswith(AGE_MAGIC):
        raise PackageRefused("the payload is not an age v1 file (its first line is not age-encryption.org/v1)")
    end = head.find(b"\n---", len(AGE_MAGIC) - 1, MAX_AGE_HEADER)
    if end < 0:
        raise PackageRefused(f"the payload's age header is longer than {MAX_AGE_HEADER} bytes; a package is "
                             f"encrypted to one recipient, so it is refused before decrypting")
    lines = head[len(AGE_MAGIC):end + 1].split(b"\n")[:-1]
    stanzas = sum(1 for ln in lines if ln.startswith(b"-> "))
    if not lines or not lines[0].startswith(b"-> "):
        raise PackageRefused("the payload's age header has no recipient stanza")
    if stanzas > MAX_AGE_STANZAS:
        raise PackageRefused(f"the payload's age header has {stanzas} recipient stanzas; a package is encrypted "
                             f"to one recipient (at most {MAX_AGE_STANZAS} stanzas), so it is refused before decrypting")
    return stanzas


class _Comparer:
    """A sink that checks each byte written against the package file, in order."""

    def __init__(self, fh: BinaryIO, hash_file: bool = True) -> None:
        self._fh = fh
        self.sha = hashlib.sha256() if hash_file else None
        self.offset = 0
        self.mismatch_at: int | None = None

    def __call__(self, data: bytes) -> None:
        if self.mismatch_at is not None:
            return
        actual = self._fh.read(len(data))
        if self.sha is not None:
            self.sha.update(actual)
        if actual != data:
            at = next((i for i, (a, b) in enumerate(zip(actual, data)) if a != b), min(len(actual), len(data)))
            self.mismatch_at = self.offset + at
        self.offset += len(data)

    def at_end(self) -> bool:
        return self._fh.read(1) == b""


def iter_payload(zf: zipfile.ZipFile) -> Iterator[bytes]:
    """The payload entry in chunks; a damaged entry (CRC) raises PackageRefused."""
    try:
        with zf.open(PAYLOAD) as src:
            while chunk := src.read(CHUNK):
                yield chunk
    except _DAMAGE as exc:
        raise PackageRefused(f"the payload is damaged: {exc!r}") from exc


def check_canonical(path: Path, entries: PackageEntries, on_chunk: Callable[[bytes], None] | None = None,
                    hash_file: bool = True) -> tuple[str, str | None]:
    """Write the package again from its entries and compare every byte with the file; return
    the SHA-256 of the payload and (with ``hash_file``) of the whole file. ``on_chunk`` sees the
    payload as it streams by (``open`` decrypts it in the same pass). Refuses a package with any
    byte out of place."""
    sha = hashlib.sha256()
    with open(path, "rb") as raw, open_zip(path) as zf:
        _refuse_shape(zf)
        compare = _Comparer(raw, hash_file)
        writer = PackageWriter(compare)
        with writer.open_payload() as dst:
            for chunk in iter_payload(zf):
                sha.update(chunk)
                if on_chunk is not None:
                    on_chunk(chunk)
                dst.write(chunk)
        writer.finish(entries.manifest, entries.signature)
        if compare.mismatch_at is not None:
            raise PackageRefused(f"the package has been altered (byte {compare.mismatch_at} is not as the studio wrote it)")
        if not compare.at_end():
            raise PackageRefused(f"the package has been altered (bytes were added after byte {compare.offset})")
    return sha.hexdigest(), compare.sha.hexdigest() if compare.sha is not None else None
