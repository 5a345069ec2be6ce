"""Decrypted files written outside the vault (``extract``): never a readable plaintext left
behind by a crash.

A decrypted original goes to a hidden temp file beside the target, named
``.twin-extract-<random>.part`` (the target's own name, which may name a person, is not in
it), created owner-only (0600) before a byte is written, fsynced and renamed over the target.
While it is written it is held: on POSIX by an exclusive ``flock``, on Windows by being open
(an open file cannot be deleted there). A process killed mid-way leaves its temp file unheld;
the next extract into the same folder removes every such file nobody holds.

A cleaner removes a file only while it holds its lock, and a writer, once it holds the lock on
the file it created, checks that the file is still there under its name (a cleaner may have
taken the lock first); if not it starts again with a new name. So a temp in use is never removed.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path
from typing import BinaryIO, Callable, Iterator

from studio.core.vault.atomic import fsync_dir
from studio.core.vault.permissions import create_private_file

try:
    import fcntl
except ImportError:  # Windows: an open file cannot be deleted, which is the lock there
    fcntl = None  # type: ignore[assignment]

PREFIX = ".twin-extract-"
SUFFIX = ".part"


def is_extract_temp(path: Path) -> bool:
    return path.name.startswith(PREFIX) and path.name.endswith(SUFFIX)


def remove_abandoned(folder: Path) -> list[Path]:
    """Remove the temp files of extracts that were killed mid-way; in-flight ones stay."""
    removed = []
    for path in sorted(Path(folder).glob(f"{PREFIX}*{SUFFIX}")):
        try:
            if fcntl is None:
                path.unlink()  # fails while the writing process has it open
            else:
                with open(path, "rb") as fh:
                    fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)  # fails while it is written
                    path.unlink()
            removed.append(path)
        except OSError:
            continue
    if removed:
        fsync_dir(Path(folder))
    return removed


@contextlib.contextmanager
def _held_temp(folder: Path) -> Iterator[tuple[Path, BinaryIO]]:
    """A new owner-only temp file in ``folder``, held for as long as the block runs."""
    while True:
        path = folder / f"{PREFIX}{secrets.token_hex(12)}{SUFFIX}"
        fh = os.fdopen(create_private_file(path), "wb")
        if fcntl is None:
            break
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)  # waits out a cleaner that opened it first
        try:
            still_there = os.path.samestat(os.fstat(fh.fileno()), os.stat(path))
        except FileNotFoundError:
            still_there = False
        if still_there:
            break
        fh.close()  # a cleaner removed it before we held it: take another name
    try:
        yield path, fh
    except BaseException:
        fh.close()
        path.unlink(missing_ok=True)
        raise
    finally:
        if not fh.closed:
            fh.close()


def write_plaintext(out: Path, write: Callable[[BinaryIO], None]) -> Path:
    """Write ``out`` (replacing it) through a held, owner-only temp file; the result stays 0600."""
    out = Path(out)
    remove_abandoned(out.parent)
    with _held_temp(out.parent) as (tmp, fh):
        write(fh)
        fh.flush()
        os.fsync(fh.fileno())
        if fcntl is None:
            fh.close()  # Windows cannot rename an open file
        os.replace(tmp, out)  # POSIX: still held, so no cleaner can have removed it
    fsync_dir(out.parent)
    return out
