"""Content-addressed, write-once, age-encrypted file store.

A file is named by the SHA-256 of its *plaintext* and stored as ``<store>/<h[:2]>/<h>.age``,
encrypted to its talent's likeness key (DR055), or to the vault's age recipient when it is no
talent's (or was stored before DR055); the :class:`Keyring` picks the one identity to read with.
Writing is two steps so the catalog can record its intent in between: :meth:`BlobStore.stage`
hashes and encrypts into a temp file in one streaming pass; :meth:`BlobStore.publish` renames it
into place durably. Reading decrypts while re-hashing and refuses content whose hash does not
match its name.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable, Iterator

import pyrage

from studio.core.age_stream import HashingSink, decrypt_blob  # noqa: F401  (HashingSink: importers of this module)
from studio.core.errors import IntegrityError
from studio.core.progress import CancelToken, check_cancel
from studio.core.vault.atomic import TEMP_PREFIX, finish_temp, publish, temp_file
from studio.core.vault.keys import VaultKeys
from studio.core.vault.likeness_keys import Keyring

SUFFIX = ".age"


@dataclass(frozen=True)
class Staged:
    sha256: str
    size: int
    temp: Path
    owner: str | None = None  # the talent whose likeness key it is encrypted to (DR055)


class _HashingReader(io.RawIOBase):
    """Feeds a file to the encryptor while hashing it, counting bytes and honouring cancel."""

    def __init__(self, src: BinaryIO, on_bytes: Callable[[int], None] | None, cancel: CancelToken | None):
        self._src, self._on_bytes, self._cancel = src, on_bytes, cancel
        self.sha = hashlib.sha256()
        self.size = 0
        self.error: BaseException | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        try:
            check_cancel(self._cancel)
            n = self._src.readinto(buffer)
        except BaseException as exc:  # pyrage wraps it; stage() re-raises the original
            self.error = exc
            raise
        if n:
            self.sha.update(memoryview(buffer)[:n])
            self.size += n
            if self._on_bytes is not None:
                self._on_bytes(n)
        return n or 0


class _KeepingWriter(io.RawIOBase):
    """The temp file as pyrage's output, keeping the OSError a write raised (a full disk), which
    pyrage would otherwise turn into an EncryptError carrying only its text."""

    def __init__(self, dst: BinaryIO) -> None:
        self._dst = dst
        self.error: OSError | None = None

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:  # type: ignore[override]
        try:
            return self._dst.write(data)
        except OSError as exc:
            self.error = exc
            raise

    def flush(self) -> None:
        try:
            self._dst.flush()
        except OSError as exc:
            self.error = exc
            raise


class BlobStore:
    def __init__(self, root: Path, keys: VaultKeys, keyring: "Keyring | None" = None) -> None:
        self.root = root
        self._keys = keys
        self.keyring = keyring

    def path_for(self, sha256: str) -> Path:
        return self.root / sha256[:2] / f"{sha256}{SUFFIX}"

    def name_for(self, sha256: str) -> str:
        """The name the store lists the blob under (see :meth:`stored_names`)."""
        return sha256

    def exists(self, sha256: str) -> bool:
        return self.path_for(sha256).is_file()

    # -- writing ---------------------------------------------------------------------------
    def stage(
        self,
        src: BinaryIO,
        on_bytes: Callable[[int], None] | None = None,
        cancel: CancelToken | None = None,
        folder: Path | None = None,
        owner: str | None = None,
        also: list | None = None,
    ) -> Staged:
        """Hash and encrypt ``src`` into a temp file in ``folder`` (a writer's own staging
        folder, see :mod:`staging`; by default the store's own folder), to the likeness key of
        the talent ``owner`` (None: the vault key) and any recipients ``also``."""
        recipients = [self.keyring.recipient_for(owner) if self.keyring is not None else self._keys.recipient,
                      *(also or ())]
        reader = _HashingReader(src, on_bytes, cancel)
        with temp_file(folder or self.root, suffix=SUFFIX) as (tmp, fh):
            out = _KeepingWriter(fh)
            try:
                pyrage.encrypt_io(io.BufferedReader(reader, 1 << 20), out, recipients)
            except pyrage.EncryptError:
                if reader.error is not None:
                    raise reader.error from None
                if out.error is not None:
                    raise out.error from None
                raise
            finish_temp(fh)
            return Staged(reader.sha.hexdigest(), reader.size, tmp, owner)

    def stage_file(self, path: Path, on_bytes=None, cancel: CancelToken | None = None,
                   folder: Path | None = None, owner: str | None = None) -> Staged:
        with open(path, "rb", buffering=0) as src:
            return self.stage(src, on_bytes, cancel, folder, owner)

    def stage_bytes(self, data: bytes, folder: Path | None = None, owner: str | None = None,
                    also: list | None = None) -> Staged:
        return self.stage(io.BytesIO(data), folder=folder, owner=owner, also=also)

    def upload(self, staged: Staged) -> None:
        """Put a staged blob where other stations can fetch it before the commit: nothing to
        do for a folder (the rename under the writer lock is quick), see :mod:`s3blobs`."""

    def publish(self, staged: Staged, overwrite: bool = False) -> None:
        """``overwrite``: the catalog has no row for this content, so a file already there is a
        leftover (an erased talent's, DR055, which no key opens any more) and is replaced."""
        final = self.path_for(staged.sha256)
        if final.exists() and not overwrite:  # same content already stored: write-once, keep the old file
            staged.temp.unlink(missing_ok=True)
            return
        publish(staged.temp, final, overwrite=overwrite)

    @staticmethod
    def discard(staged: Staged) -> None:
        staged.temp.unlink(missing_ok=True)

    def replace(self, staged: Staged) -> None:
        """Put ``staged`` in place of the stored file of the same plaintext, atomically (an
        erasure hands a file another talent shares to that talent's key, DR055)."""
        publish(staged.temp, self.path_for(staged.sha256), overwrite=True)

    def remove(self, sha256: str) -> None:
        """Only for cleaning up after an interrupted write that the catalog never referenced,
        and for an erasure's files once its commit has destroyed their key (DR055)."""
        self.path_for(sha256).unlink(missing_ok=True)

    def stored_path(self, name: str) -> Path:
        """The file of a stored name (:meth:`stored_names`)."""
        return self.root / name[:2] / f"{name}{SUFFIX}"

    def remove_name(self, name: str) -> None:
        self.stored_path(name).unlink(missing_ok=True)

    def uploaded(self, staged: Staged) -> bool:
        """Whether ``staged`` was put in the store before the lock (a shared vault's upload)."""
        return False

    def opens_with(self, sha256: str, identities: list) -> bool:
        """Whether one of ``identities`` opens the stored file (failing at once on its header when not)."""
        with self.open_raw(sha256) as src:
            if src is None:
                return False
            try:
                pyrage.decrypt_io(src, HashingSink(), identities)
            except (pyrage.DecryptError, OSError, ValueError):
                return False
        return True

    @contextlib.contextmanager
    def open_raw(self, sha256: str) -> Iterator[BinaryIO | None]:
        """The stored ciphertext as a stream (None: no such file)."""
        try:
            fh = open(self.path_for(sha256), "rb")
        except FileNotFoundError:
            yield None
            return
        with fh:
            yield fh

    def read_stored(self, name: str) -> bytes | None:
        """The raw ciphertext of a stored name (None: gone), for ``check`` to try keys on it."""
        try:
            return self.stored_path(name).read_bytes()
        except FileNotFoundError:
            return None

    # -- reading ---------------------------------------------------------------------------
    def decrypt_to(self, sha256: str, dst: BinaryIO | None, cancel: CancelToken | None = None) -> int:
        """Decrypt into ``dst`` (or nowhere, to verify); raise IntegrityError on any mismatch,
        :class:`Cancelled` when ``cancel`` is set meanwhile."""
        path = self.path_for(sha256)
        if not path.is_file():
            raise IntegrityError(f"blob {sha256[:16]}… is missing from {self.root.name}/")
        with open(path, "rb") as src:
            return self._decrypt(src, sha256, dst, cancel)

    def _decrypt(self, src: BinaryIO, sha256: str, dst: BinaryIO | None, cancel: CancelToken | None) -> int:
        return decrypt_blob(src, sha256, self._identities(sha256), dst, cancel)

    def _identities(self, sha256: str) -> list:
        return self.keyring.identities_for(sha256) if self.keyring is not None else [self._keys.identity]

    def local_source(self, sha256: str) -> tuple[Path, list[str]] | None:
        """The stored file of ``sha256`` and the age identities (as text) that open it, for a worker
        process that decrypts it itself (a package's export, DR058); None where the store has no
        local file (an object store)."""
        return self.path_for(sha256), [str(i) for i in self._identities(sha256)]

    def read_bytes(self, sha256: str) -> bytes:
        out = io.BytesIO()
        self.decrypt_to(sha256, out)
        return out.getvalue()

    def verify(self, sha256: str, cancel: CancelToken | None = None) -> int:
        return self.decrypt_to(sha256, None, cancel)

    # -- listing ---------------------------------------------------------------------------
    def stored_hashes(self) -> Iterator[str]:
        if not self.root.is_dir():
            return
        for sub in sorted(self.root.iterdir()):
            if not sub.is_dir():
                continue
            for f in sorted(sub.iterdir()):
                if f.name.endswith(SUFFIX) and not f.name.startswith(TEMP_PREFIX):
                    yield f.name[: -len(SUFFIX)]

    def stored_names(self) -> Iterator[str]:
        """The names of the stored blobs (their hashes here; keyed names in an object store)."""
        return self.stored_hashes()

    def temp_leftovers(self) -> list[Path]:
        if not self.root.is_dir():
            return []
        return sorted(p for p in self.root.rglob(f"{TEMP_PREFIX}*") if p.is_file())
