"""The few small files a vault keeps beside its catalog — the header, the audit chain's head,
the studio's signing key (encrypted) — by name: files in a folder vault, objects in a shared
vault's store (DR027). Each is replaced whole, atomically, or not at all."""

from __future__ import annotations

from pathlib import Path

from studio.core.vault.atomic import write_bytes_atomic
from studio.core.vault.objects import ObjectStore


class FolderFiles:
    def __init__(self, root: Path) -> None:
        self.root = root

    def where(self, name: str) -> str:
        return str(self.root / name)

    def read(self, name: str, limit: int | None = None) -> bytes | None:
        """The file's bytes (at most ``limit`` + 1), or None when there is no such file."""
        try:
            with open(self.root / name, "rb") as fh:
                return fh.read(-1 if limit is None else limit + 1)
        except FileNotFoundError:
            return None

    def write(self, name: str, data: bytes, *, overwrite: bool = True) -> None:
        write_bytes_atomic(self.root / name, data, overwrite=overwrite)

    def exists(self, name: str) -> bool:
        return (self.root / name).exists()


class ObjectFiles:
    def __init__(self, objects: ObjectStore) -> None:
        self.objects = objects

    def where(self, name: str) -> str:
        return f"s3://{self.objects.bucket}/{self.objects.key(name)}"

    def read(self, name: str, limit: int | None = None) -> bytes | None:
        return self.objects.get(name, limit)

    def write(self, name: str, data: bytes, *, overwrite: bool = True) -> None:
        if not overwrite and self.objects.exists(name):
            raise FileExistsError(self.where(name))
        self.objects.put_bytes(name, data)

    def exists(self, name: str) -> bool:
        return self.objects.exists(name)
