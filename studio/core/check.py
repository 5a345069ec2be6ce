"""``twin-studio check``: the vault's stores, catalog and audit chain (:mod:`studio.core.vault.check`),
then what the layers above it keep: the talent's signed reviews, the grants and their
signatures, the grants' counters and each asset's status against the ledger, the signed reviews
and the audit chain (:mod:`studio.core.consent.evidence`), and the ledger and packages against
the audit chain. It sits above consent and the ledger, so
the vault never imports what builds on it.
"""

from __future__ import annotations

from studio.core.consent.evidence import verify_evidence
from studio.core.consent.grants import verify_grants
from studio.core.consent.review import verify_reviews
from studio.core.ledger.entries import verify_ledger
from studio.core.package.intents import check_interrupted_exports
from studio.core.progress import CancelToken, ProgressFn
from studio.core.vault import Vault
from studio.core.vault.check import CheckReport, check_store

__all__ = ["CheckReport", "check_vault"]


def check_vault(vault: Vault, progress: ProgressFn | None = None, cancel: CancelToken | None = None) -> CheckReport:
    rep = check_store(vault, progress, cancel)
    rep.problems.extend(verify_reviews(vault))
    rep.problems.extend(verify_grants(vault))
    rep.problems.extend(verify_evidence(vault))
    rep.problems.extend(verify_ledger(vault))
    check_interrupted_exports(vault, rep.problems, rep.notes)
    return rep
