"""Exit codes, and the one table that turns an exception into an exit code and a line on stderr.

Scripts rely on these: 0 done; 1 rejected or refused (a file ingest rejected, a grant that does
not permit the use, a package that must not be trusted); 2 an error (bad input, a locked or
missing vault, a broken file); 75 the vault is busy with another writer (try again: EX_TEMPFAIL);
130 cancelled or interrupted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from studio.core.errors import (
    Cancelled, CatalogUnavailable, ConsentError, PackageRefused, StoreUnavailable, StudioError, VaultBusy,
)

EXIT_OK, EXIT_REJECTED, EXIT_ERROR, EXIT_CANCELLED = 0, 1, 2, 130
EXIT_BUSY = 75  # sysexits.h EX_TEMPFAIL: a script may retry
EXIT_REFUSED = EXIT_REJECTED


@dataclass(frozen=True)
class Exit:
    """What a failure of this kind ends in: the code, the line (after ``twin-studio: ``), and
    whether ``--debug`` shows the traceback instead."""

    kind: type[BaseException]
    code: int
    line: Callable[[BaseException], str]
    traceback_on_debug: bool = True


def _os_error(exc: OSError) -> str:
    name = f" {exc.filename}" if getattr(exc, "filename", None) else ""
    return f"error:{name} {exc.strerror or exc}"


# first match wins: a subclass comes before its base
TABLE: tuple[Exit, ...] = (
    Exit(Cancelled, EXIT_CANCELLED, lambda exc: "cancelled", traceback_on_debug=False),
    Exit(KeyboardInterrupt, EXIT_CANCELLED, lambda exc: "interrupted", traceback_on_debug=False),
    Exit(VaultBusy, EXIT_BUSY, lambda exc: f"busy: {exc}", traceback_on_debug=False),
    # a shared vault's database or store out of reach: temporary too, and nothing was half-committed
    Exit(CatalogUnavailable, EXIT_BUSY, lambda exc: f"unavailable: {exc}", traceback_on_debug=False),
    Exit(StoreUnavailable, EXIT_BUSY, lambda exc: f"unavailable: {exc}", traceback_on_debug=False),
    Exit(StudioError, EXIT_ERROR, lambda exc: f"error: {exc}"),
    Exit(OSError, EXIT_ERROR, _os_error),
)

# for the commands that judge a package or a use (verify, open, export, report create; marked
# ``refuses=True`` where they are added): the judgement is a refusal, not an error
REFUSALS: tuple[Exit, ...] = (
    Exit(PackageRefused, EXIT_REFUSED, lambda exc: f"refused: {exc}"),
    Exit(ConsentError, EXIT_REFUSED, lambda exc: f"refused: {exc}"),
)

HANDLED = (StudioError, OSError, KeyboardInterrupt)


def exit_for(exc: BaseException, refuses: bool = False) -> Exit | None:
    """The table's row for ``exc`` (None: a bug, which shows its traceback)."""
    for row in (REFUSALS if refuses else ()) + TABLE:
        if isinstance(exc, row.kind):
            return row
    return None
