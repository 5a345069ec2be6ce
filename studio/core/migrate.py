"""``twin-studio migrate``: a folder vault to a shared vault and back, the same vault, checked on
both ends (issue 12, DR028). The copying is :mod:`studio.core.vault.migrate`; this module adds
what sits above the vault: the source's interrupted exports, and ``check`` before and after.

The source's writer lock is held from the first look to the last byte, so no write lands in it
meanwhile (another window or station waits, then is told the vault is busy). The source is never
changed: nothing is cleaned, nothing deleted. A migration that stops (Ctrl-C, a kill, a server
lost) is resumed by running it again; a copy that does not check clean gets no header, so it is
never opened as a vault.
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass, field
from pathlib import Path

from studio.core.check import CheckReport, check_vault
from studio.core.errors import IntegrityError, InvalidInput
from studio.core.package import intents
from studio.core.progress import CancelToken, Progress, ProgressFn, check_cancel
from studio.core.vault import Vault
from studio.core.vault.location import SharedLocation
from studio.core.vault.migrate import CopyReport, prepare, remove_leftover_temps

# waiting for the source's writer lock: a write in progress normally ends within seconds
LOCK_WAIT_S = 30.0


@dataclass
class MigrationReport:
    vault_id: str
    source: str
    target: str
    copy: CopyReport = field(default_factory=CopyReport)
    source_check: CheckReport | None = None
    target_check: CheckReport | None = None
    completed: bool = False  # the header was written: the target is the vault now

    @property
    def ok(self) -> bool:
        return self.completed

    def to_json(self) -> dict:
        return {"ok": self.ok, "vault_id": self.vault_id, "source": self.source, "target": self.target,
                **self.copy.to_json(),
                "source_check": self.source_check.to_json() if self.source_check else None,
                "target_check": self.target_check.to_json() if self.target_check else None}


def _labelled(progress: ProgressFn | None, prefix: str) -> ProgressFn | None:
    if progress is None:
        return None
    return lambda p: progress(Progress(p.done, p.total, f"{prefix}: {p.label}" if p.label else prefix))


def migrate_vault(source: Vault, where: Path | SharedLocation, *, subset: float | None = None,
                  progress: ProgressFn | None = None, cancel: CancelToken | None = None,
                  lock_timeout: float | None = LOCK_WAIT_S) -> MigrationReport:
    """Copy ``source`` to ``where`` (a new or empty folder, or an empty catalog database and
    store prefix), check both, and only then write the target's header. ``subset``: the
    percentage of blobs each check decrypts (None: every one). Raises on a refusal (nothing
    written) and on an interruption (:class:`Cancelled`, an unreachable server: run it again to
    resume). A copy that does not check clean returns with ``completed`` False and no header."""
    if subset is not None and not (isinstance(subset, (int, float)) and math.isfinite(subset) and 0 < subset <= 100):
        raise InvalidInput(f"the share of blobs to check must be above 0 and at most 100 percent, not {subset!r}")
    # a read-only source (a backup, a read-only mount) has no lock, and no writer either
    with contextlib.nullcontext() if source.read_only else source.commit_lock(lock_timeout):
        found, unreadable = intents.pending(source)
        if found or unreadable:
            raise InvalidInput(f"the source vault has {len(found) + len(unreadable)} interrupted export(s) "
                               "(`twin-studio check` lists them): the next export settles them; migrate after "
                               "that, as they name files on this station")
        target = prepare(source, where)
        rep = MigrationReport(source.header.vault_id, source.describe(), target.describe())
        rep.copy.resumed = target.resumed

        rep.source_check = check_vault(source, _labelled(progress, "checking the source"), cancel, subset)
        if not rep.source_check.ok:
            problems = rep.source_check.problems
            raise IntegrityError(f"the source vault is not consistent ({len(problems)} problem(s), the first: "
                                 f"{problems[0]}): run `twin-studio check` on it; nothing was copied")

        check_cancel(cancel)
        target.copy_signing_key()
        target.copy_key_files()
        remove_leftover_temps(target)
        target.copy_blobs(rep.copy, _labelled(progress, "copying"), cancel)
        head = target.copy_catalog(rep.copy, _labelled(progress, "copying"), cancel)
        target.copy_head(head)

        with target.open() as copy:
            rep.target_check = check_vault(copy, _labelled(progress, "checking the copy"), cancel, subset)
        if rep.target_check.ok:
            check_cancel(cancel)
            target.write_header()
            rep.completed = True
        return rep
