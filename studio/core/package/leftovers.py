"""Temp files of exports that were killed mid-way.

An export writes its package to a hidden ``.tmp-…-NAME.twinpkg`` beside the target and holds an
exclusive lock on it while it runs. A process killed outright (power cut, SIGKILL) cannot remove
its temp file, so the next export to that folder removes every such file nobody holds a lock
on. A temp file killed mid-write holds only ciphertext for the brand and no manifest. One that
holds a complete package whose use was counted (left by a version that committed before it
renamed, DR008) is never deleted: it is put in place under its own name instead (DR018).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import BinaryIO, Callable

from studio.core.package.publish import file_sha256, publish_new
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


def _own_name(path: Path) -> Path:
    """``.tmp-<random>-NAME.twinpkg`` → ``NAME.twinpkg`` beside it."""
    rest = path.name[len(TEMP_PREFIX):]
    return path.with_name(rest.split("-", 1)[1] if "-" in rest else rest)


def remove_abandoned(folder: Path, older_than_s: float = 60.0,
                     counted: Callable[[str], bool] | None = None) -> list[Path]:
    """Remove temp packages nobody holds that have not been written to for a minute (a file
    another export has just created, before it took its lock, is younger than that). One whose
    SHA-256 ``counted`` says is a counted package's file is published under its own name (or a
    free one beside it) instead: never deleted."""
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
                if counted is not None and counted(file_sha256(path)):
                    publish_new(path, _own_name(path), elsewhere=True)
                    continue
                path.unlink()
                removed.append(path)
        except OSError:
            continue
    return removed
