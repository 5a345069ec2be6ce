"""Temp files of exports that were killed mid-way.

An export writes its package to a hidden ``.tmp-…-NAME.twinpkg`` beside the target and holds an
exclusive lock on it while it runs. A process killed outright (power cut, SIGKILL) cannot remove
its temp file, so the next export to that folder removes every such file nobody holds a lock
on. They hold only ciphertext for the brand and no manifest: never a usable package.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import BinaryIO

from studio.core.vault.atomic import TEMP_PREFIX

try:
    import fcntl
except ImportError:  # Windows: an open file cannot be deleted there anyway
    fcntl = None  # type: ignore[assignment]

PATTERN = f"{TEMP_PREFIX}*.twinpkg"


def hold(fh: BinaryIO) -> None:
    """Mark a temp package as in use for as long as ``fh`` is open."""
    if fcntl is not None:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)


def remove_abandoned(folder: Path, older_than_s: float = 60.0) -> list[Path]:
    """Remove temp packages nobody holds that have not been written to for a minute (a file
    another export has just created, before it took its lock, is younger than that)."""
    removed = []
    now = time.time()
    for path in sorted(Path(folder).glob(PATTERN)):
        if fcntl is None:
            continue
        try:
            if now - path.stat().st_mtime < older_than_s:
                continue
            with open(path, "rb") as fh:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)  # fails while an export holds it
                path.unlink()
                removed.append(path)
        except OSError:
            continue
    return removed
