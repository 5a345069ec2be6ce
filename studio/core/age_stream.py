"""Streams through age: a sink that counts and hashes what passes, and the decryption of a stored
blob checked against the SHA-256 of its plaintext. Light on purpose (pyrage and the standard
library): a package's worker processes import it without the vault, SQLAlchemy or NumPy (DR058)."""

from __future__ import annotations

import hashlib
from typing import BinaryIO, Callable

import pyrage

from studio.core.errors import IntegrityError
from studio.core.progress import CancelToken, check_cancel


class HashingSink:
    """Counts and hashes what is written on its way to ``forward`` (or nowhere), honouring
    cancel and reporting bytes: the blob store verifies decryptions with it, and a package
    export hashes what it writes."""

    def __init__(self, forward: Callable[[bytes], object] | None = None, cancel: CancelToken | None = None,
                 on_bytes: Callable[[int], None] | None = None) -> None:
        self._forward, self._cancel, self._on_bytes = forward, cancel, on_bytes
        self.sha = hashlib.sha256()
        self.size = 0

    def write(self, data) -> int:
        check_cancel(self._cancel)
        self.sha.update(data)
        self.size += len(data)
        if self._forward is not None:
            self._forward(data)
        if self._on_bytes is not None:
            self._on_bytes(len(data))
        return len(data)

    def flush(self) -> None:
        pass

    @property
    def hexdigest(self) -> str:
        return self.sha.hexdigest()


def decrypt_blob(src: BinaryIO, sha256: str, identities: list, dst: BinaryIO | None,
                 cancel: CancelToken | None = None) -> int:
    """Decrypt the stored blob ``src`` of plaintext ``sha256`` into ``dst`` (or nowhere); raise
    IntegrityError on any mismatch, :class:`Cancelled` when ``cancel`` is set meanwhile."""
    writer = HashingSink(dst.write if dst is not None else None, cancel)
    try:
        pyrage.decrypt_io(src, writer, identities)
    except (pyrage.DecryptError, OSError) as exc:  # pyrage reports a bad MAC as OSError
        check_cancel(cancel)  # a cancel inside pyrage's callback comes back wrapped: not damage
        if isinstance(exc, OSError) and exc.errno is not None:
            raise
        raise IntegrityError(f"blob {sha256[:16]}… cannot be decrypted (damaged or foreign)") from exc
    if writer.hexdigest != sha256:
        raise IntegrityError(f"blob {sha256[:16]}… decrypts to different content (corrupt)")
    return writer.size
