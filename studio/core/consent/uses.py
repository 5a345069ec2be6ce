"""The one use counter: every use a grant's limit counts — a package export, a use a brand
reports — goes through :func:`count_uses`, inside the transaction that records what it counts.

The count is a compare-and-set on the grant row as it was read in that same transaction, so a
use counted in between (another export, another import) makes this one fail rather than pass
the limit (DR012).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from studio.core.consent.grants import GrantRecord, load_grant, write_guarded
from studio.core.types import GrantState
from studio.core.errors import ConsentError, InvalidInput
from studio.core.vault import Vault, audit


def count_uses(s: Session, vault: Vault, grant_id: str, count: int, what: str) -> GrantRecord:
    """Count ``count`` uses of a countersigned grant in the caller's transaction ``s``; returns the
    grant as it was before. Refused when the grant was never activated or has too few uses left.
    (Whether a use is *permitted* — dates, scope, revocation — is the caller's policy check.)"""
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise InvalidInput(f"a use count is a whole number from 1, not {count!r}")
    row, rec = load_grant(s, vault, grant_id, lock=True)  # other stations' counts wait for this one
    if rec.state != GrantState.ACTIVE:
        raise ConsentError(f"grant {rec.id} is {rec.state}: only a grant the studio countersigned can be used")
    if count > rec.uses_left:
        raise ConsentError(f"grant {rec.id} has {rec.uses_left} of {rec.document['max_uses']} use(s) left; "
                           f"{count} cannot be counted")
    write_guarded(s, row, "used", uses=rec.uses + count)
    audit.append(s, "grant.used", rec.id, {"use": rec.uses + count, "what": what})
    return rec
