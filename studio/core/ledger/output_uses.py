"""The outputs a usage report names, judged against the talent's approvals (DR057, issue 14).

A brand that reports a use may name the outputs it published (their SHA-256 and media type,
in the signed report). Each must be one the talent approved for this very package (DR047: an
``approval_outputs`` row decided ``approved``, whose signed statement still says so and verifies
against the talent's keyring) on or before the day of the use. Anything else is a reason the use
is a violation, said specifically: never approved, rejected on a day, approved for another
package, still awaiting the talent's decision, or used before it was approved.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import select

from studio.core.clock import day_in
from studio.core.consent.talent_keys import keyring
from studio.core.errors import IntegrityError
from studio.core.ledger.report_file import short_hash
from studio.core.vault import Vault
from studio.core.vault.catalog import ApprovalOutput, ApprovalRequest

APPROVED, REJECTED = "approved", "rejected"  # as approval_files names them (the package layer is above)

# each named output's state, kept in the entry's sealed details
CLEAN, NEVER, REJECTED_HERE, OTHER_PACKAGE, PENDING, EARLY, UNVERIFIED = (
    "approved", "never-approved", "rejected", "approved-elsewhere", "pending", "before-approval", "unverified")


@dataclass(frozen=True)
class _Seen:
    """One decision (or none yet) on the output in one of the talent's approval requests."""

    request_id: str
    package_id: str
    decision: str | None   # approved | rejected | None (awaiting), as the talent signed it
    day: str | None        # the decision's day in the grant's zone
    signed: bool           # the catalog's decision is the one the talent signed


def _sightings(vault: Vault, s, talent_id: str, shas: list[str], tz: str) -> dict[str, list[_Seen]]:
    rows = s.execute(select(ApprovalOutput, ApprovalRequest)
                     .join(ApprovalRequest, ApprovalRequest.id == ApprovalOutput.request_id)
                     .where(ApprovalRequest.talent_id == talent_id, ApprovalOutput.sha256.in_(shas))
                     .order_by(ApprovalOutput.decided_at, ApprovalRequest.created_at)).all()
    ring = keyring(s, talent_id) if rows else None
    seen: dict[str, list[_Seen]] = {}
    for o, req in rows:
        signed = False
        if o.decision is not None and o.statement_sealed is not None and o.signature:
            try:
                st = json.loads(vault.fields.open(o.statement_sealed,
                                                  f"approval_outputs.statement:{o.request_id}:{o.sha256}"))
            except (IntegrityError, ValueError):
                st = {}
            signed = (st.get("decision") == o.decision and st.get("output") == o.sha256
                      and st.get("request") == req.id and st.get("package") == req.package_id
                      and st.get("talent") == talent_id and ring.verifies(st, o.signature, st.get("at")))
        day = day_in(o.decided_at, tz).isoformat() if o.decided_at else None
        seen.setdefault(o.sha256, []).append(_Seen(req.id, req.package_id, o.decision, day, signed))
    return seen


def output_reasons(vault: Vault, s, talent_id: str, package_id: str, use_date: str, tz: str,
                   outputs: list[dict]) -> tuple[list[str], list[dict]]:
    """The reasons the named outputs make the use a violation (none: each was approved for this
    package by the use's day), and per output what the entry keeps: its hash, media type, state,
    reason and the approval request it was seen in (its blob is then in the vault: the statement
    shows its thumbnail). Read in the caller's transaction."""
    if not outputs:
        return [], []
    seen = _sightings(vault, s, talent_id, [o["sha256"] for o in outputs], tz)
    reasons, kept = [], []
    for o in outputs:
        sha = o["sha256"]
        state, reason, request = _judge(sha, seen.get(sha, []), package_id, use_date)
        if reason:
            reasons.append(reason)
        kept.append({"sha256": sha, "media_type": o["media_type"], "state": state, "reason": reason,
                     "request": request})
    return reasons, kept


def _judge(sha: str, seen: list[_Seen], package_id: str, use_date: str) -> tuple[str, str | None, str | None]:
    out = f"output {short_hash(sha)}"
    signed = [x for x in seen if x.signed]
    here = [x for x in signed if x.package_id == package_id]
    request = seen[0].request_id if seen else None
    approved = [x for x in here if x.decision == APPROVED]
    if approved:
        first = approved[0]
        if use_date < first.day:
            return EARLY, (f"{out} was used on {use_date}, before the talent approved it on {first.day} "
                           f"(request {first.request_id})"), first.request_id
        return CLEAN, None, first.request_id
    rejected = [x for x in here if x.decision == REJECTED]
    if rejected:
        x = rejected[0]
        return REJECTED_HERE, f"{out} was rejected by the talent on {x.day} (request {x.request_id})", x.request_id
    elsewhere = [x for x in signed if x.decision == APPROVED]
    if elsewhere:
        x = elsewhere[0]
        return OTHER_PACKAGE, (f"{out} was approved for package {x.package_id}, not this one "
                               f"(request {x.request_id})"), x.request_id
    rejected = [x for x in signed if x.decision == REJECTED]
    if rejected:
        x = rejected[0]
        return REJECTED_HERE, (f"{out} was rejected by the talent on {x.day} (request {x.request_id}, "
                               f"package {x.package_id})"), x.request_id
    pending = [x for x in seen if x.decision is None]
    if pending:
        return PENDING, (f"{out} was never approved by the talent: request {pending[0].request_id} still "
                         "awaits their decision"), pending[0].request_id
    if seen:  # decided in the catalog, but not as the talent signed it
        return UNVERIFIED, (f"{out} was never approved by the talent: the decision the catalog holds for it "
                            "does not verify against their signature (altered? run `twin-studio check`)"), request
    return NEVER, f"{out} was never approved by the talent", None
