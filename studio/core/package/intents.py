"""Export intents: what makes the end of an export crash-safe (DR018).

Under the writer lock an export records an intent (``pending-exports/<package id>.intent`` in
the vault, sealed with the vault key: it names the output folder), then puts the package file
in place without clobbering, then commits the use, the package row, the ledger entry and the
audit events, and only then removes the intent. So a counted use always has its package, and
a process killed in between leaves an intent that says which file to look at:

- its package row committed → the export happened; the intent is only removed (never a file);
- not committed → the package was never counted: every file holding exactly its bytes (the
  temp file, or the published name) is removed — voided — and the intent with it. A brand
  must not hold a valid package nobody counted, and the talent is billed for nothing.

:func:`reconcile` runs under the writer lock at the start of every export; :func:`check_interrupted_exports`
is the read-only part ``twin-studio check`` reports.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from studio.core.clock import now_iso
from studio.core.errors import IntegrityError, VaultBusy
from studio.core.package.publish import file_sha256, free_names
from studio.core.vault import Vault
from studio.core.vault.atomic import fsync_dir, write_bytes_atomic
from studio.core.vault.catalog import Package

FOLDER = "pending-exports"
SUFFIX = ".intent"


@dataclass(frozen=True)
class Intent:
    package_id: str
    file_sha256: str
    file_size: int
    temp: Path
    target: Path
    started_at: str


def _context(package_id: str) -> str:
    return f"pending_exports.intent:{package_id}"


def _path(vault: Vault, package_id: str) -> Path:
    return vault.root / FOLDER / f"{package_id}{SUFFIX}"


def record(vault: Vault, package_id: str, file_sha256: str, file_size: int, temp: Path, target: Path) -> Intent:
    """Durably record that ``temp`` (the complete package) is about to be published at ``target``."""
    intent = Intent(package_id, file_sha256, file_size, Path(temp), Path(target), now_iso())
    doc = {"package_id": package_id, "file_sha256": file_sha256, "file_size": file_size,
           "temp": str(temp), "target": str(target), "started_at": intent.started_at}
    write_bytes_atomic(_path(vault, package_id), vault.fields.seal(json.dumps(doc), _context(package_id)))
    return intent


def clear(vault: Vault, package_id: str) -> None:
    path = _path(vault, package_id)
    path.unlink(missing_ok=True)
    fsync_dir(path.parent)


def pending(vault: Vault) -> tuple[list[Intent], list[str]]:
    """Every recorded intent, and a problem for each intent file that does not open."""
    intents, problems = [], []
    folder = vault.root / FOLDER
    if not folder.is_dir():
        return intents, problems
    for path in sorted(folder.glob(f"*{SUFFIX}")):
        pid = path.name[: -len(SUFFIX)]
        try:
            doc = json.loads(vault.fields.open(path.read_bytes(), _context(pid)))
            intents.append(Intent(doc["package_id"], doc["file_sha256"], int(doc["file_size"]), Path(doc["temp"]),
                                  Path(doc["target"]), doc["started_at"]))
        except (IntegrityError, OSError, ValueError, KeyError, TypeError):
            problems.append(f"the record of an interrupted export ({path.name}) was altered or is unreadable")
    return intents, problems


def copies(intent: Intent) -> list[Path]:
    """Files that hold exactly this package's bytes: its temp file and wherever it was published
    (the target or a free ``NAME-N`` beside it)."""
    found = []
    for path in [intent.temp, *free_names(intent.target)]:
        try:
            if not path.is_file() or path.is_symlink() or path.stat().st_size != intent.file_size:
                continue
            if file_sha256(path) == intent.file_sha256:
                found.append(path)
        except OSError:
            continue
    return found


def committed(vault: Vault, package_id: str) -> bool:
    with vault.session() as s:
        return s.get(Package, package_id) is not None


def counted_file(vault: Vault, file_sha256: str) -> bool:
    """Whether a file with these bytes is a counted package (one a temp file must never lose)."""
    with vault.session() as s:
        return s.execute(select(Package.id).where(Package.file_sha256 == file_sha256).limit(1)).first() is not None


def resolve(vault: Vault, intent: Intent) -> list[Path]:
    """Settle one intent (the caller holds the writer lock and no export of it is running).
    Returns the files of an uncounted package that were removed (voided)."""
    voided = []
    if not committed(vault, intent.package_id):
        for path in copies(intent):
            path.unlink()
            fsync_dir(path.parent)
            voided.append(path)
    clear(vault, intent.package_id)
    return voided


def reconcile(vault: Vault) -> list[Path]:
    """Settle every interrupted export; an intent that cannot be read is left for ``check``."""
    voided = []
    for intent in pending(vault)[0]:
        voided.extend(resolve(vault, intent))
    return voided


def check_interrupted_exports(vault: Vault, problems: list[str], notes: list[str]) -> None:
    """``check``'s view (read-only): adds problems and notes about interrupted exports. It holds
    the writer lock while it looks (without waiting), so an export running right now — between
    its publish and its commit — is not mistaken for an interrupted one."""
    folder = vault.root / FOLDER
    if not folder.is_dir() or not any(folder.glob(f"*{SUFFIX}")):
        return  # nothing to look at: do not take the lock
    held = contextlib.ExitStack()
    try:
        held.enter_context(vault.commit_lock(timeout=0))
    except VaultBusy:
        if pending(vault) != ([], []):
            notes.append("an export is running: its record is not checked now (run check again when it is done)")
        return
    except OSError:  # a read-only vault: no export can be running there
        pass
    with held:
        _look(vault, problems, notes)


def _look(vault: Vault, problems: list[str], notes: list[str]) -> None:
    intents, unreadable = pending(vault)
    problems.extend(unreadable)
    for it in intents:
        found = copies(it)
        if committed(vault, it.package_id):
            if not found:
                problems.append(f"package {it.package_id} was counted but its file is missing: it is not at "
                                f"{it.target} (nor beside it)")
            else:
                notes.append(f"package {it.package_id} was exported and counted; its export record is cleared "
                             "by the next export")
        elif found:
            problems.append(f"package {it.package_id} at {found[-1]} was written by an interrupted export and "
                            "never counted: it must not be sent; the next export removes it")
        else:
            notes.append(f"an export of package {it.package_id} was interrupted before it was counted; "
                         "nothing was counted and no file of it remains")
