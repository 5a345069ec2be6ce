"""A shared vault's blob store: the same age files as a folder vault's, as objects named
``blobs/<name>.age`` and ``derived/<name>.age`` under the vault's prefix, where ``<name>`` is a
keyed hash of the plaintext's SHA-256 (:meth:`VaultKeys.object_name`), so that listing the
bucket does not tell whether a known file is stored (DR027).

A blob is hashed and encrypted in the writer's local staging folder, as for a folder vault, then
uploaded *before* the writer lock is taken (:meth:`upload`, under an ``uploads`` row the writer's
lease protects); :meth:`publish`, under the lock, only makes sure it is there.
"""

from __future__ import annotations

import contextlib
import io
import threading
from pathlib import Path
from typing import BinaryIO, Iterator

from studio.core.errors import IntegrityError, StoreUnavailable
from studio.core.progress import CancelToken
from studio.core.vault.blobs import SUFFIX, BlobStore, Staged
from studio.core.vault.keys import VaultKeys
from studio.core.vault.objects import ObjectStore


class _GuardedReader(io.RawIOBase):
    """The object's stream as pyrage's input, keeping a network failure mid-read (which pyrage
    would report as a damaged file) to be raised as the :class:`StoreUnavailable` it is."""

    def __init__(self, body, describe: str) -> None:
        self._body, self._describe = body, describe
        self.error: StoreUnavailable | None = None

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        try:
            data = self._body.read(len(buffer))
        except Exception as exc:
            self.error = StoreUnavailable(f"{self._describe} stopped answering while a blob was read "
                                          f"({type(exc).__name__})")
            raise
        buffer[: len(data)] = data
        return len(data)


class ObjectBlobStore(BlobStore):
    def __init__(self, objects: ObjectStore, kind: str, keys: VaultKeys, local: Path, keyring=None) -> None:
        super().__init__(local / kind, keys, keyring)  # the local folder: only a default for staging
        self.objects, self.kind = objects, kind
        self._uploaded: set[Path] = set()
        self._lock = threading.Lock()

    def name_for(self, sha256: str) -> str:
        return self._keys.object_name(sha256)

    def _key(self, sha256: str) -> str:
        return f"{self.kind}/{self.name_for(sha256)}{SUFFIX}"

    def exists(self, sha256: str) -> bool:
        return self.objects.exists(self._key(sha256))

    def name_exists(self, name: str) -> bool:
        """Whether the object of keyed name ``name`` (:meth:`name_for`) is in the store now."""
        return self.objects.exists(f"{self.kind}/{name}{SUFFIX}")

    # -- writing ---------------------------------------------------------------------------
    def upload(self, staged: Staged) -> None:
        """Upload the staged blob (always: an object another writer left may be removed by a
        cleaner until a catalog row refers to it, see :mod:`shared`) — unless a catalog row refers
        to it already: that object may be encrypted to another talent's key and stays (DR055)."""
        if self.keyring is not None and self.keyring.has_row(staged.sha256):
            return
        self.objects.put_file(self._key(staged.sha256), staged.temp)
        with self._lock:
            self._uploaded.add(staged.temp)

    def uploaded(self, staged: Staged) -> bool:  # type: ignore[override]
        with self._lock:
            return staged.temp in self._uploaded

    def publish(self, staged: Staged, overwrite: bool = False) -> None:  # type: ignore[override]
        with self._lock:
            uploaded = staged.temp in self._uploaded
            self._uploaded.discard(staged.temp)
        if not uploaded and (overwrite or not self.exists(staged.sha256)):
            self.objects.put_file(self._key(staged.sha256), staged.temp)
        staged.temp.unlink(missing_ok=True)

    def discard(self, staged: Staged) -> None:  # type: ignore[override]
        with self._lock:
            self._uploaded.discard(staged.temp)
        staged.temp.unlink(missing_ok=True)

    def replace(self, staged: Staged) -> None:  # type: ignore[override]
        self.objects.put_file(self._key(staged.sha256), staged.temp)  # an object is replaced whole
        staged.temp.unlink(missing_ok=True)

    def remove(self, sha256: str) -> None:
        self.objects.delete(self._key(sha256))

    def remove_name(self, name: str) -> None:  # type: ignore[override]
        self.objects.delete(f"{self.kind}/{name}{SUFFIX}")

    @contextlib.contextmanager
    def open_raw(self, sha256: str) -> Iterator[BinaryIO | None]:  # type: ignore[override]
        with self.objects.reading(self._key(sha256)) as body:
            yield None if body is None else io.BufferedReader(_GuardedReader(body, self.objects.describe()), 1 << 20)

    def read_stored(self, name: str) -> bytes | None:  # type: ignore[override]
        return self.objects.get(f"{self.kind}/{name}{SUFFIX}")

    def local_source(self, sha256: str) -> None:  # type: ignore[override]
        return None  # an object: the export decrypts it in its own process

    # -- reading ---------------------------------------------------------------------------
    def decrypt_to(self, sha256: str, dst: BinaryIO | None, cancel: CancelToken | None = None) -> int:
        with self.objects.reading(self._key(sha256)) as body:
            if body is None:
                raise IntegrityError(f"blob {sha256[:16]}… is missing from the store's {self.kind}/")
            reader = _GuardedReader(body, self.objects.describe())
            try:
                return self._decrypt(io.BufferedReader(reader, 1 << 20), sha256, dst, cancel)
            except IntegrityError:
                if reader.error is not None:
                    raise reader.error from None
                raise

    # -- listing ---------------------------------------------------------------------------
    def stored_names(self) -> Iterator[str]:
        for name in self.objects.names(self.kind):
            if name.endswith(SUFFIX) and "/" not in name:
                yield name[: -len(SUFFIX)]

    def stored_hashes(self) -> Iterator[str]:
        raise NotImplementedError("an object store lists keyed names, not hashes: use stored_names()")

    def temp_leftovers(self) -> list[Path]:
        return []  # staged files are local to each station (its staging folder)
