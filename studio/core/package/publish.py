"""Putting a finished file in place without ever replacing one that is there (DR012).

``publish(overwrite=False)`` checks, then renames: a file that appears in between is replaced,
or — once the check has passed — the caller's file is thrown away. Here the temp file is
hard-linked to its name (``os.link`` fails if the name is taken: the check and the claim are one
step) and only then unlinked. Where hard links are not available (some network and FAT
volumes), the name is claimed with ``O_CREAT | O_EXCL`` and the bytes are copied.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path
from typing import Iterator

from studio.core.vault.atomic import fsync_dir

MAX_TRIES = 1000


def free_names(final: Path) -> Iterator[Path]:
    """``final``, then ``NAME-2.EXT``, ``NAME-3.EXT``… beside it."""
    yield final
    suffix = "".join(final.suffixes[-1:])
    stem = final.name[: len(final.name) - len(suffix)] if suffix else final.name
    for n in range(2, MAX_TRIES + 1):
        yield final.with_name(f"{stem}-{n}{suffix}")


def _claim(temp: Path, name: Path, mode: int) -> None:
    """Give ``temp``'s bytes the new name ``name``; FileExistsError if the name is taken."""
    try:
        os.link(temp, name)
        return
    except FileExistsError:
        raise
    except (OSError, NotImplementedError, AttributeError):
        pass  # no hard links here: claim the name exclusively, then copy
    fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), mode)
    try:
        with os.fdopen(fd, "wb") as dst, open(temp, "rb") as src:
            shutil.copyfileobj(src, dst, 1 << 20)
            dst.flush()
            os.fsync(dst.fileno())
    except BaseException:
        os.unlink(name)
        raise


def publish_new(temp: Path, final: Path, *, elsewhere: bool = False, mode: int = 0o644) -> Path:
    """Move the synced ``temp`` to ``final`` unless something is there. When it is: with
    ``elsewhere``, to the first free ``NAME-N.EXT`` beside it (the path is returned); without,
    FileExistsError and ``temp`` is left as it was (the caller decides). ``mode`` is for the copy
    made where hard links are not available (a link keeps ``temp``'s own mode)."""
    final.parent.mkdir(parents=True, exist_ok=True)
    names = free_names(final) if elsewhere else iter([final])
    for name in names:
        try:
            _claim(temp, name, mode)
        except FileExistsError:
            continue
        temp.unlink()
        fsync_dir(final.parent)
        return name
    raise FileExistsError(final)


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file as it lies on disk (a placed or left-over package), streamed."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
