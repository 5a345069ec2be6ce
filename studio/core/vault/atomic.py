"""Durable, atomic file writes: a temp file in the same folder, fsync, rename, fsync the folder.

A reader (or a crash) sees either no file or the whole file, never a part of one. Temp files
start with ``.tmp-`` so :mod:`check` can recognise leftovers of an interrupted write. Every
temp file is created owner-only (0600) before a byte is written, and keeps that mode when it
is renamed into place; folders created here are 0700 (see :mod:`permissions`).
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path
from typing import BinaryIO, Callable, Iterator

from studio.core.vault.permissions import create_private_file, make_private_dir

TEMP_PREFIX = ".tmp-"


def fsync_dir(folder: Path) -> None:
    """Make a rename or unlink in ``folder`` durable (a no-op where folders can't be opened)."""
    if os.name == "nt":  # Windows makes renames durable itself and can't open folders.
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def temp_path_for(final: Path) -> Path:
    return final.parent / f"{TEMP_PREFIX}{secrets.token_hex(8)}-{final.name}"


@contextlib.contextmanager
def temp_file(folder: Path, suffix: str = "") -> Iterator[tuple[Path, BinaryIO]]:
    """An open temp file in ``folder``; deleted on error unless it was renamed away."""
    make_private_dir(folder)
    path = folder / f"{TEMP_PREFIX}{secrets.token_hex(8)}{suffix}"
    fh = os.fdopen(create_private_file(path), "wb")
    try:
        yield path, fh
    except BaseException:
        fh.close()
        path.unlink(missing_ok=True)
        raise
    finally:
        if not fh.closed:
            fh.close()


def finish_temp(fh: BinaryIO) -> None:
    fh.flush()
    os.fsync(fh.fileno())
    fh.close()


def publish(temp: Path, final: Path, *, overwrite: bool = False) -> None:
    """Rename a synced temp file to its final name and make the rename durable."""
    make_private_dir(final.parent)
    if not overwrite and final.exists():
        temp.unlink(missing_ok=True)
        raise FileExistsError(final)
    os.replace(temp, final)
    fsync_dir(final.parent)


def write_atomic(final: Path, write: Callable[[BinaryIO], None], *, overwrite: bool = False,
                 public: bool = False) -> None:
    """``public``: a file meant to be handed to others (a brand card, a public key) is made
    readable by all (0644) once its content is complete; everything else stays owner-only."""
    with temp_file(final.parent, suffix="-" + final.name) as (tmp, fh):
        write(fh)
        if public and os.name != "nt":
            os.fchmod(fh.fileno(), 0o644)
        finish_temp(fh)
        publish(tmp, final, overwrite=overwrite)


def write_bytes_atomic(final: Path, data: bytes, *, overwrite: bool = False, public: bool = False) -> None:
    write_atomic(final, lambda fh: fh.write(data), overwrite=overwrite, public=public)
