"""``twin-studio check``: the vault's stores, catalog and audit chain (:mod:`studio.core.vault.check`),
then what the layers above it keep: the talent's signed reviews, the grants and their
signatures, the grants' counters and each asset's status against the ledger, the signed reviews
and the audit chain (:mod:`studio.core.consent.evidence`), the ledger and packages against
the audit chain, and the audit chain against the heads the talents' kept decisions files echo
(:mod:`studio.core.kits.echoed_heads`). It sits above consent and the ledger, so
the vault never imports what builds on it.
"""

from __future__ import annotations

from studio.core.consent.evidence import verify_evidence
from studio.core.consent.grants import verify_grants
from studio.core.consent.pause import verify_pauses
from studio.core.consent.review import verify_reviews
from studio.core.consent.talent_keys import verify_talent_keys
from studio.core.kits.echoed_heads import verify_echoed_heads
from studio.core.ledger.entries import verify_ledger
from studio.core.package.approvals import verify_approvals
from studio.core.package.intents import check_interrupted_exports
from studio.core.progress import CancelToken, ProgressFn, check_cancel
from studio.core.vault import Vault
from studio.core.vault.check import CheckReport, check_store, parse_subset

__all__ = ["CheckReport", "check_vault", "parse_subset"]


def check_vault(vault: Vault, progress: ProgressFn | None = None, cancel: CancelToken | None = None,
                subset: float | None = None) -> CheckReport:
    """Everything; ``subset`` (percent) decrypts only that random share of the blobs (DR025).
    Reads only: a cancel (:class:`Cancelled`) at any point leaves the vault as it was."""
    rep = check_store(vault, progress, cancel, subset)
    for verify in (verify_talent_keys, verify_reviews, verify_grants, verify_evidence, verify_ledger,
                   verify_pauses, verify_approvals, verify_echoed_heads):
        check_cancel(cancel)
        rep.problems.extend(verify(vault))
    check_cancel(cancel)
    check_interrupted_exports(vault, rep.problems, rep.notes)
    return rep
