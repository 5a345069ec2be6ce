"""The vault's writer lock: one process commits blobs at a time, so that leftovers of an
interrupted write can be cleaned up without touching a write in progress. It is held only to
commit (an intent, the renames, the catalog rows); the heavy work before — analysis, hashing,
encryption — happens in a staging folder of the writer's own (:mod:`staging`, DR025).

A second writer waits briefly (a second by default) and then gets :class:`VaultBusy`, which
the UI shows as a banner and the CLI as one line; a script that would rather wait longer sets
``STUDIO_LOCK_TIMEOUT`` (seconds) or passes ``timeout``.
"""

from __future__ import annotations

import contextlib
import math
import os
from pathlib import Path
from typing import Iterator

from filelock import FileLock, Timeout

from studio.core.errors import InvalidInput, VaultBusy
from studio.core.vault.permissions import FILE_MODE

LOCK_FILE = ".writer.lock"
DEFAULT_TIMEOUT = 1.0
TIMEOUT_ENV = "STUDIO_LOCK_TIMEOUT"


def lock_timeout(timeout: float | None = None, default: float = DEFAULT_TIMEOUT) -> float:
    """Seconds to wait for the lock: ``timeout`` if given, else ``STUDIO_LOCK_TIMEOUT``, else ``default``."""
    if timeout is None:
        raw = os.environ.get(TIMEOUT_ENV, "").strip()
        if not raw:
            return default
        try:
            timeout = float(raw)
        except ValueError:
            raise InvalidInput(f"{TIMEOUT_ENV} must be a number of seconds, not {raw!r}") from None
        source = TIMEOUT_ENV
    else:
        source = "the lock timeout"
    if math.isnan(timeout) or timeout < 0:
        raise InvalidInput(f"{source} must be 0 or more seconds, not {timeout!r}")
    return timeout


def busy(who: str) -> VaultBusy:
    return VaultBusy(f"the vault is busy with another operation ({who}); try again when it is done, "
                     f"or set {TIMEOUT_ENV} to wait longer")


@contextlib.contextmanager
def writer_lock(root: Path, timeout: float | None = None) -> Iterator[None]:
    """Hold the vault's writer lock for the block; :class:`VaultBusy` if it stays taken."""
    wait = lock_timeout(timeout)
    lock = FileLock(str(root / LOCK_FILE), mode=FILE_MODE)
    try:
        lock.acquire(timeout=-1 if math.isinf(wait) else wait)
    except Timeout:
        raise busy("another Twin Studio window or command is writing to it") from None
    try:
        yield
    finally:
        lock.release()
