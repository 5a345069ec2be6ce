"""Owner-only permissions for everything the vault keeps (after KeePassXC): the folder and its
sub-folders are 0700, every file 0600 — the header with the wrapped key, the catalog and its
``-wal``/``-shm``, blobs, derived files, temp files and the lock file.

Files are created with their mode (``os.open`` with a mode, then ``fchmod`` to the exact mode
before anything is written), never by changing the process umask, which is shared by every
thread. Opening a vault tightens what an older version (or a copy, or a ``chmod``) left looser.
On platforms that are not POSIX, modes mean little: folders and files are created normally and
nothing is tightened (access there is governed by the user profile's ACLs).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

POSIX = os.name == "posix"
FILE_MODE = 0o600
DIR_MODE = 0o700
_CREATE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOINHERIT", 0)


def make_private_dir(path: Path) -> None:
    """Create ``path`` (and missing parents) if needed; the folders created here are 0700.
    A folder that already exists keeps its mode: it may be the user's own."""
    path = Path(path)
    if path.is_dir():
        return
    if not path.parent.is_dir():
        make_private_dir(path.parent)
    try:
        path.mkdir(mode=DIR_MODE)
    except FileExistsError:
        if not path.is_dir():
            raise
        return
    if POSIX:
        os.chmod(path, DIR_MODE)  # exact, whatever the umask


def create_private_file(path: Path) -> int:
    """Create a new file (it must not exist) readable and writable by its owner only; returns
    a descriptor open for writing."""
    fd = os.open(path, _CREATE_FLAGS, FILE_MODE)
    if POSIX:
        try:
            os.fchmod(fd, FILE_MODE)
        except BaseException:
            os.close(fd)
            raise
    return fd


def ensure_private_file(path: Path) -> None:
    """Create ``path`` empty and owner-only if it does not exist (so that SQLite, which gives a
    database's ``-wal`` and ``-shm`` the database's own mode, creates those owner-only too)."""
    try:
        os.close(create_private_file(path))
    except FileExistsError:
        pass


def tighten(root: Path) -> int:
    """Make the vault folder and every folder under it 0700 and every file 0600; returns how
    many were changed. Symbolic links are left alone (never followed). A file whose mode cannot
    be changed (not ours, or a file system without modes) is skipped."""
    if not POSIX:
        return 0
    changed = 0
    root = Path(root)
    changed += _set_mode(root, DIR_MODE)
    for folder, dirs, files in os.walk(root):
        for name in dirs:
            changed += _set_mode(Path(folder, name), DIR_MODE)
        for name in files:
            changed += _set_mode(Path(folder, name), FILE_MODE)
    return changed


def _set_mode(path: Path, mode: int) -> int:
    try:
        st = os.lstat(path)
        if stat.S_ISLNK(st.st_mode) or stat.S_IMODE(st.st_mode) == mode:
            return 0
        os.chmod(path, mode)
        return 1
    except OSError:
        return 0
