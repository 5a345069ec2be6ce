"""Where a writer stages its blobs before it takes the writer lock: a folder of its own,
``staging/<id>/``, owned through ``staging/<id>.owner`` for as long as the writer runs (DR025).

Hashing and encrypting happen here *outside* the vault's writer lock, so a second process that
takes the lock and cleans up after interrupted writes must tell a live writer's staged files
from a dead one's. The owner file says which: on POSIX the writer holds an exclusive ``flock``
on it; on Windows it keeps it open (an open file cannot be deleted there). A cleaner removes a
staging folder only after it has taken that lock itself (or deleted the owner file) — which
succeeds only once its writer is gone, however it ended (SIGKILL, power cut).

A writer that finds its freshly created owner file removed before it held it (a cleaner was
quicker) takes a new name, the way ``extract`` treats its temp files (DR011).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from pathlib import Path
from typing import Iterator

from studio.core.vault.permissions import create_private_file, make_private_dir

try:
    import fcntl
except ImportError:  # Windows: an open owner file cannot be deleted, which is the lock
    fcntl = None  # type: ignore[assignment]

FOLDER = "staging"
OWNER_SUFFIX = ".owner"


class StagingArea:
    """A live writer's own staging folder; :meth:`release` removes it with whatever is left."""

    def __init__(self, folder: Path, owner: Path, fd: int) -> None:
        self.folder, self._owner, self._fd = folder, owner, fd
        self.lease: str | None = None  # a shared vault's lease on this writer's uploads (DR027)

    def release(self) -> None:
        if self._fd < 0:
            return
        try:
            shutil.rmtree(self.folder, ignore_errors=True)
            if fcntl is not None:  # POSIX: unlink while held, so no cleaner can take the name meanwhile
                self._owner.unlink(missing_ok=True)
        finally:
            os.close(self._fd)
            self._fd = -1
            if fcntl is None:
                self._owner.unlink(missing_ok=True)


def _same_file(path: Path, fd: int) -> bool:
    try:
        a, b = os.stat(path), os.fstat(fd)
    except OSError:
        return False
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def open_area(vault_root: Path) -> StagingArea:
    """A new staging folder under ``vault_root``, owned by this writer until released."""
    base = Path(vault_root) / FOLDER
    make_private_dir(base)
    while True:
        name = secrets.token_hex(8)
        owner = base / f"{name}{OWNER_SUFFIX}"
        try:
            fd = create_private_file(owner)
        except FileExistsError:
            continue
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)  # waits only while a cleaner holds it for an instant
            if not _same_file(owner, fd):  # a cleaner took it for a dead writer's and removed it
                os.close(fd)
                continue
        folder = base / name
        make_private_dir(folder)
        return StagingArea(folder, owner, fd)


@contextlib.contextmanager
def staging_area(vault_root: Path) -> Iterator[StagingArea]:
    area = open_area(vault_root)
    try:
        yield area
    finally:
        area.release()


def _take(owner: Path) -> int | None:
    """The owner file's lock if its writer is gone (a descriptor, or -1 on Windows where the
    file is then already deleted); None while its writer runs."""
    if fcntl is None:
        try:
            owner.unlink()
        except FileNotFoundError:
            return -1
        except OSError:
            return None  # open: its writer runs
        return -1
    try:
        fd = os.open(owner, os.O_RDONLY)
    except FileNotFoundError:
        return -1
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def _names(vault_root: Path) -> set[str]:
    base = Path(vault_root) / FOLDER
    if not base.is_dir():
        return set()
    return {p.name[: -len(OWNER_SUFFIX)] if p.name.endswith(OWNER_SUFFIX) else p.name for p in base.iterdir()}


def abandoned(vault_root: Path) -> tuple[list[Path], int]:
    """What dead writers left (their staged files), and how many writers are staging now. Only
    looks: a folder whose owner is gone is tested by taking the owner's lock for an instant."""
    base = Path(vault_root) / FOLDER
    dead: list[Path] = []
    live = 0
    for name in sorted(_names(vault_root)):
        owner = base / f"{name}{OWNER_SUFFIX}"
        if fcntl is None:
            if owner.exists():
                try:  # Windows: an open file cannot be replaced (its writer keeps it open)
                    os.replace(owner, owner)
                except OSError:
                    live += 1
                    continue
        else:
            fd = _take(owner)
            if fd is None:
                live += 1
                continue
            if fd >= 0:
                os.close(fd)
        folder = base / name
        dead.extend(sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else [])
    return dead, live


def remove_abandoned(vault_root: Path) -> int:
    """Remove the staging folders of writers that are gone; returns how many files were in them.
    A live writer's folder is never touched."""
    base = Path(vault_root) / FOLDER
    removed = 0
    for name in sorted(_names(vault_root)):
        owner = base / f"{name}{OWNER_SUFFIX}"
        fd = _take(owner)
        if fd is None:
            continue
        try:
            folder = base / name
            if folder.is_dir():
                removed += sum(1 for p in folder.rglob("*") if p.is_file())
                shutil.rmtree(folder, ignore_errors=True)
            if fcntl is not None:
                owner.unlink(missing_ok=True)  # while held: a writer that raced us sees it gone
        finally:
            if fd >= 0:
                os.close(fd)
    return removed
