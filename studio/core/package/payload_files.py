"""One payload file of a version 2 package (DR058): sealed for the brand on export, unsealed on open.

Each function here does one file's whole job — decrypt from the vault, mark, hash, encrypt to the
brand; or read the entry, hash it, decrypt, hash, write, fsync — so that files can be done side by
side in worker processes (:mod:`studio.core.package.workers`; pyrage holds the interpreter lock, so
threads would not overlap). They take plain values (paths, texts, bytes) and return plain values,
and are also called in the exporting process itself, for a small package or a vault whose blobs
are objects in a store.
"""

from __future__ import annotations

import hashlib
import io
import os
import zlib
from dataclasses import dataclass
from typing import BinaryIO, Callable

import pyrage

from studio.core.age_stream import HashingSink, decrypt_blob
from studio.core.errors import PackageRefused
from studio.core.package.streams import produced, read_head
from studio.core.progress import CancelToken, check_cancel
from studio.core.types import FileRole

# the marks (NumPy, the mesh and audio codecs) are imported by the export's jobs only: an open's
# worker starts without them

HEAD = 64 * 1024
CHUNK = 1 << 20

Decrypt = Callable[[BinaryIO], None]  # writes the file's stored plaintext into the stream it is given


@dataclass(frozen=True)
class SealJob:
    """What a worker needs to seal one file: where its blob is and what opens it (``source``,
    ``identities``: None when the exporting process decrypts it itself), how to mark it, and whom
    to encrypt it to."""
    blob_sha256: str
    role: str
    format: str | None
    scale_to_m: float | None
    mark_key: bytes
    recipient: str
    out: str
    source: str | None = None
    identities: tuple[str, ...] = ()


@dataclass(frozen=True)
class Sealed:
    size: int  # the file as the brand gets it (marked)
    sha256: str
    stored_size: int  # the age file in the package
    stored_sha256: str
    crc32: int
    mark: tuple[str, float] | None
    reason: str


class _StoredSink:
    """Writes the age file to disk, hashing it and taking its CRC-32 on the way."""

    def __init__(self, fh: BinaryIO, cancel: CancelToken | None) -> None:
        self._fh, self._cancel = fh, cancel
        self.sha, self.crc, self.size = hashlib.sha256(), 0, 0

    def write(self, data) -> int:
        check_cancel(self._cancel)
        self.sha.update(data)
        self.crc = zlib.crc32(data, self.crc)
        self.size += len(data)
        self._fh.write(data)
        return len(data)

    def flush(self) -> None:
        pass


def decide(job: SealJob, decrypt: Decrypt) -> tuple[tuple[str, float] | None, str]:
    """(method, amplitude) or None, and the reason when None — from the file's first bytes."""
    from studio.core.package import watermark

    if job.role != FileRole.ORIGINAL:
        return None, "a companion file carries no geometry or sound of its own"
    with produced(decrypt) as src:
        head = read_head(src, HEAD)
    fmt = job.format or ""
    try:
        method = watermark.method_for(fmt)
        amplitude = watermark.default_amplitude(watermark.kind_of(fmt), fmt, job.scale_to_m, head)
        return (method, amplitude), ""
    except watermark.Unmarkable as exc:
        return None, str(exc)


def encrypt(src: BinaryIO, dst, recipient: str) -> None:
    try:
        pyrage.encrypt_io(src, dst, [pyrage.x25519.Recipient.from_str(recipient)])
    except pyrage.EncryptError as exc:  # pyrage wraps an error raised by our sink (cancel)
        cause = exc.__cause__ or exc.__context__
        if cause is not None:
            raise cause from None
        raise


def _seal_once(job: SealJob, decrypt: Decrypt, mark: tuple[str, float] | None, cancel: CancelToken | None,
               on_bytes: Callable[[int], None] | None) -> tuple[HashingSink, _StoredSink]:
    from studio.core.package import watermark

    plain: list[HashingSink] = []

    def produce(w: BinaryIO) -> None:
        sink = HashingSink(w.write, cancel, on_bytes)
        plain.append(sink)
        if mark is None:
            decrypt(sink)
        else:
            with produced(decrypt) as src:
                watermark.mark(job.format or "", src, sink, job.mark_key, mark[1])

    with open(job.out, "r+b") as fh:
        fh.truncate(0)
        stored = _StoredSink(fh, cancel)
        with produced(produce) as src:
            encrypt(src, stored, job.recipient)
        fh.flush()
    return plain[0], stored


def seal(job: SealJob, decrypt: Decrypt, cancel: CancelToken | None = None,
         on_bytes: Callable[[int], None] | None = None) -> Sealed:
    """Decrypt the file, mark it if it can be marked, and write it encrypted to the brand into
    ``job.out`` (an existing private file). A file found unmarkable part-way is written again unmarked."""
    from studio.core.package import watermark

    mark, reason = decide(job, decrypt)
    try:
        plain, stored = _seal_once(job, decrypt, mark, cancel, on_bytes)
    except watermark.Unmarkable as exc:
        mark, reason = None, str(exc)
        plain, stored = _seal_once(job, decrypt, None, cancel, on_bytes)
    return Sealed(plain.size, plain.hexdigest, stored.size, stored.sha.hexdigest(), stored.crc, mark, reason)


def seal_from_file(job: SealJob, cancel: CancelToken | None = None,
                   on_bytes: Callable[[int], None] | None = None) -> Sealed:
    """:func:`seal` for a worker process: it decrypts the blob's file itself."""
    identities = [pyrage.x25519.Identity.from_str(i) for i in job.identities]

    def decrypt(dst: BinaryIO) -> None:
        with open(job.source, "rb") as src:
            decrypt_blob(src, job.blob_sha256, identities, dst, cancel)

    return seal(job, decrypt, cancel, on_bytes)


# -- open --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class UnsealJob:
    """One entry of a package to open: where it is in the file and what the signed manifest says
    of it and of the file inside."""
    package: str
    name: str  # the file's path in the package, for messages
    offset: int
    stored_size: int
    stored_sha256: str
    size: int
    sha256: str
    identity: str
    out: str


class _EntryReader(io.RawIOBase):
    """The entry's bytes, hashed as they are read, and not one byte past its end (read through a
    1 MiB buffer: age asks for a few KiB at a time)."""

    def __init__(self, fh: BinaryIO, size: int, cancel: CancelToken | None) -> None:
        self._fh, self._left, self._cancel = fh, size, cancel
        self.sha = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        check_cancel(self._cancel)
        view = memoryview(buffer)[:min(len(buffer), self._left)]
        n = self._fh.readinto(view) or 0
        self._left -= n
        self.sha.update(view[:n])
        return n

    def drain(self) -> None:
        buf = bytearray(CHUNK)
        while self.readinto(buf):
            pass


def unseal(job: UnsealJob, cancel: CancelToken | None = None, on_bytes: Callable[[int], None] | None = None) -> None:
    """Decrypt one entry into ``job.out`` (an existing private file) and fsync it; refuse it if its
    stored bytes or the file inside are not the ones the manifest names."""
    identity = pyrage.x25519.Identity.from_str(job.identity)
    with open(job.package, "rb", buffering=0) as raw, open(job.out, "r+b") as fh:
        raw.seek(job.offset)
        src = _EntryReader(raw, job.stored_size, cancel)
        sink = HashingSink(fh.write, cancel, on_bytes)
        try:
            pyrage.decrypt_io(io.BufferedReader(src, CHUNK), sink, [identity])
        except pyrage.DecryptError as exc:
            check_cancel(cancel)
            raise PackageRefused(f"{job.name!r} cannot be decrypted: it is damaged, or not encrypted to the "
                                 "recipient the manifest names") from exc
        except OSError as exc:
            check_cancel(cancel)
            if exc.errno is not None:  # our disk, not the age stream
                raise
            raise PackageRefused(f"{job.name!r} is truncated or damaged: a chunk of it does not decrypt "
                                 "(the file was cut short or altered after the studio signed it)") from exc
        src.drain()
        if src.sha.hexdigest() != job.stored_sha256:
            raise altered(job.name)
        if sink.size != job.size or sink.hexdigest != job.sha256:
            raise PackageRefused(f"{job.name!r} does not match its size and SHA-256 in the manifest")
        fh.flush()
        os.fsync(fh.fileno())


def altered(name: str) -> PackageRefused:
    """The refusal of a payload file whose stored bytes differ from the signed manifest's hash
    (``open`` and ``verify`` alike)."""
    return PackageRefused(f"the package has been altered: the payload file of {name!r} is not the one "
                          "the manifest was signed for")


def hash_entry(package: str, offset: int, size: int, cancel: CancelToken | None = None,
               on_bytes: Callable[[int], None] | None = None) -> str:
    """The SHA-256 of ``size`` bytes at ``offset`` (``verify``: hashlib works without the interpreter
    lock, so threads hash entries side by side)."""
    sha = hashlib.sha256()
    with open(package, "rb", buffering=0) as fh:
        fh.seek(offset)
        left = size
        while left:
            check_cancel(cancel)
            data = fh.read(min(CHUNK, left))
            if not data:
                break
            sha.update(data)
            left -= len(data)
            if on_bytes is not None:
                on_bytes(len(data))
    return sha.hexdigest()
