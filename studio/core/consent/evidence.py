"""What an export relies on — a grant's uses, its revocation, each asset's approval — established
from what an insider cannot edit quietly, not read from the catalog's bare columns (DR016).

* **Uses** are the ledger's export and reported-use entries of the grant, each one matched with
  the audit event that recorded it (the chain is verified and anchored under the vault key's MAC,
  :mod:`studio.core.vault.head`). The grant's ``uses`` counter must agree; a counter set back
  by hand is found, never trusted.
* **Approval** of an asset is the talent's latest decision in the audit chain, backed by the
  review row the talent signed for the asset's exact SHA-256. A status column set to
  "approved", a signed rejection deleted, an approval with no signature: none of them approves.
* **Revocation**: a revocation or decline recorded in the chain must still be on the grant.

``require_export_basis`` and ``require_grant_basis`` raise :class:`IntegrityError` naming what
is wrong; ``verify_evidence`` lists the same cross-checks for the whole vault (``check``).
"""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from studio.core.consent.review import check_review
from studio.core.consent.talent_keys import Keyring, keyring, keyrings
from studio.core.errors import IntegrityError
from studio.core.types import AssetStatus, LedgerKind
from studio.core.vault import Vault
from studio.core.vault.audit import require_intact_chain
from studio.core.vault.catalog import Asset, AuditEvent, Grant, LedgerEntry, Review

# What the audit event of a ledger entry records (the ledger writes it; `check` compares it).
LEDGER_FACTS = ("kind", "on", "grant_id", "brand_id", "package_id", "purpose", "media", "territory", "count",
                "fee", "currency")
COUNTED = (LedgerKind.EXPORT, LedgerKind.USE)  # a violation is recorded, not counted
REVIEW_ACTIONS = ("asset.approved", "asset.rejected")
ENDING_ACTIONS = ("grant.revoked", "grant.declined")


LEDGER_ACTIONS = tuple(f"ledger.{k}" for k in LedgerKind)
_BATCH = 500  # ids in one IN (...) list: well under SQLite's bound on parameters


def _events(s: Session, actions: tuple[str, ...], subject: str | None = None,
            rows: bool = False) -> list[AuditEvent]:
    """The events of ``actions`` (of ``subject``), in chain order; ``rows``: as plain rows."""
    q = select(AuditEvent.__table__ if rows else AuditEvent).where(AuditEvent.action.in_(actions)).order_by(AuditEvent.seq)
    if subject is not None:
        q = q.where(AuditEvent.subject == subject)
    result = s.execute(q)
    return list(result if rows else result.scalars())


def _by(items, key) -> dict:
    """``items`` grouped by ``key(item)``, each group in the items' order."""
    out: dict = {}
    for item in items:
        out.setdefault(key(item), []).append(item)
    return out


def _ledger_facts(events: list[AuditEvent]) -> dict[str | None, dict[str, dict]]:
    """Grant id → {ledger entry id: what its audit event recorded}, the chain's last word on
    each entry (events in chain order)."""
    facts: dict[str | None, dict[str, dict]] = {}
    for ev in events:
        details = json.loads(ev.details)
        facts.setdefault(details.get("grant_id"), {})[ev.subject] = details
    return facts


def _uses(grant_id: str, facts: dict[str, dict], rows: dict[str, LedgerEntry]) -> tuple[int, list[str]]:
    problems: list[str] = []
    uses = 0
    for eid, recorded in facts.items():
        row = rows.get(eid)
        if row is None:
            problems.append(f"ledger entry {eid} of grant {grant_id} is in the audit chain but missing from "
                            "the ledger (removed)")
        elif any(recorded.get(k) != getattr(row, k) for k in LEDGER_FACTS):
            problems.append(f"ledger entry {eid} of grant {grant_id} differs from what its audit event "
                            "recorded (altered)")
        if recorded.get("kind") in COUNTED:
            uses += int(recorded.get("count") or 0)
    for eid in sorted(set(rows) - set(facts)):
        problems.append(f"ledger entry {eid} of grant {grant_id} has no audit event (added outside Twin Studio)")
    return uses, problems


def ledger_uses(s: Session, grant_id: str) -> tuple[int, list[str]]:
    """The grant's uses as its audit-recorded ledger entries count them, and every mismatch
    between those entries and their events (removed, added outside Twin Studio, altered)."""
    facts = _ledger_facts(_events(s, LEDGER_ACTIONS)).get(grant_id, {})
    rows = {r.id: r for r in s.execute(select(LedgerEntry).where(LedgerEntry.grant_id == grant_id)).scalars()}
    return _uses(grant_id, facts, rows)


def _grant_problems(row: Grant, uses: int, problems: list[str], endings: list[AuditEvent]) -> list[str]:
    if row.uses != uses:
        problems.append(f"grant {row.id}: its use counter says {row.uses}, but the ledger and the audit chain "
                        f"record {uses} use(s) (the counter was edited)")
    for ev in endings:
        if row.revocation_sealed is None or row.revocation_signature != json.loads(ev.details).get("signature"):
            what = "revocation" if ev.action == "grant.revoked" else "decline"
            problems.append(f"grant {row.id}: the talent's signed {what} (audit event {ev.seq}) is no longer on "
                            "the grant (removed)")
    return problems


def grant_problems(s: Session, row: Grant) -> list[str]:
    """The grant's counter against its recorded uses; a recorded revocation still on the grant."""
    uses, problems = ledger_uses(s, row.id)
    return _grant_problems(row, uses, problems, _events(s, ENDING_ACTIONS, row.id))


def asset_decision(vault: Vault, s: Session, asset: Asset, keys: Keyring | None) -> tuple[str, list[str]]:
    """The talent's decision on ``asset`` as the audit chain and the signed reviews establish it
    (``pending_review`` when there is none), and every way the catalog disagrees."""
    reviews = list(s.execute(select(Review).where(Review.asset_id == asset.id)).scalars())
    return _decision(vault, asset, keys, reviews, _events(s, REVIEW_ACTIONS, asset.id))


def _decision(vault: Vault, asset: Asset, keys: Keyring | None, review_rows: list[Review],
              events: list[AuditEvent]) -> tuple[str, list[str]]:
    """:func:`asset_decision` from the asset's review rows and review events (chain order)."""
    problems: list[str] = []
    reviews = {r.id: r for r in review_rows}
    recorded = {json.loads(ev.details).get("review") for ev in events}
    for rid in sorted(set(reviews) - recorded):
        problems.append(f"review {rid} of asset {asset.id} has no audit event (added outside Twin Studio)")
    decision = AssetStatus.PENDING_REVIEW
    for ev in events:
        details = json.loads(ev.details)
        row = reviews.get(details.get("review"))
        if row is None:
            problems.append(f"asset {asset.id}: the talent's signed review {details.get('review')} "
                            f"(audit event {ev.seq}) was removed from the catalog")
            decision = AssetStatus.PENDING_REVIEW
            continue
        statement, found = check_review(vault, row, asset, keys)
        if not found and (statement or {}).get("decision") != ev.action.split(".", 1)[1]:
            found = [f"review {row.id}: the decision signed is not the one the audit chain recorded"]
        if not found and details.get("sha256") != asset.sha256:
            found = [f"review {row.id}: recorded for other bytes than asset {asset.id} holds"]
        problems += found
        decision = statement["decision"] if not found else AssetStatus.PENDING_REVIEW
    if asset.status != decision:
        problems.append(f"asset {asset.id}: status {asset.status!r} is not backed by a signed review "
                        f"(the talent's latest signed decision: {decision})")
    return decision, problems


def approvals(vault: Vault, asset_ids: list[str], batch: int = _BATCH) -> dict[str, tuple[str, list[str]]]:
    """For each asset: its established decision and the problems found establishing it. The
    assets, their reviews and review events are read a batch at a time, and each talent's
    keyring once, not a query of each per asset (an export of thousands of takes)."""
    out = {}
    keys: dict[str, Keyring] = {}
    with vault.session() as s:
        for start in range(0, len(asset_ids), batch):
            ids = asset_ids[start:start + batch]
            assets = {a.id: a for a in s.execute(select(Asset).where(Asset.id.in_(ids))).scalars()}
            reviews = _by(s.execute(select(Review).where(Review.asset_id.in_(ids))).scalars(),
                          lambda r: r.asset_id)
            events = _by(s.execute(select(AuditEvent).where(AuditEvent.action.in_(REVIEW_ACTIONS),
                                                            AuditEvent.subject.in_(ids))
                                   .order_by(AuditEvent.seq)).scalars(), lambda ev: ev.subject)
            for aid in ids:
                asset = assets.get(aid)
                if asset is None:
                    out[aid] = (AssetStatus.PENDING_REVIEW, [f"asset {aid} is not in the catalog"])
                    continue
                if asset.talent_id not in keys:
                    keys[asset.talent_id] = keyring(s, asset.talent_id)
                out[aid] = _decision(vault, asset, keys[asset.talent_id], reviews.get(aid, []), events.get(aid, []))
    return out


def _refuse(what: str, problems: list[str]) -> None:
    if problems:
        raise IntegrityError(f"{what} refused: the vault's records disagree, so nothing was written:\n  - "
                             + "\n  - ".join(problems) + "\nrun `twin-studio check` for the full report")


def require_grant_basis(vault: Vault, s: Session, grant_id: str, what: str) -> None:
    """Inside the caller's transaction: the audit chain intact up to its anchored head, and the
    grant's uses and revocation agreeing with it. Raises :class:`IntegrityError`."""
    require_intact_chain(s, vault.audit_anchor)
    row = s.get(Grant, grant_id)
    _refuse(what, grant_problems(s, row) if row is not None else [])


def require_export_basis(vault: Vault, grant_id: str, asset_ids: list[str]) -> dict[str, str]:
    """Before an export: the chain, the grant's uses and revocation, and each asset's approval
    verified (only this grant and these assets: no blob is re-hashed). Returns each asset's
    established decision; raises :class:`IntegrityError` naming every disagreement."""
    with vault.session() as s:
        require_grant_basis(vault, s, grant_id, f"export of grant {grant_id}")
    decided = approvals(vault, asset_ids)
    _refuse(f"export of grant {grant_id}", [p for _, found in decided.values() for p in found])
    return {aid: decision for aid, (decision, _) in decided.items()}


def verify_evidence(vault: Vault) -> list[str]:
    """For ``check``: every grant's counter and revocation, every asset's status and reviews,
    against the ledger and the audit chain. The same cross-checks as :func:`grant_problems` and
    :func:`asset_decision`, from one read of each table and of each kind of audit event rather
    than queries per grant and per asset (DR043: 10,000 assets and 1,000 grants took minutes)."""
    problems: list[str] = []
    with vault.session() as s:  # plain rows, not ORM objects (the same attributes; a fifth of the cost)
        facts = _ledger_facts(_events(s, LEDGER_ACTIONS, rows=True))
        entries = _by(s.execute(select(LedgerEntry.__table__)), lambda r: r.grant_id)
        endings = _by(_events(s, ENDING_ACTIONS, rows=True), lambda ev: ev.subject)
        for row in s.execute(select(Grant.__table__).order_by(Grant.created_at)):
            uses, found = _uses(row.id, facts.get(row.id, {}), {r.id: r for r in entries.get(row.id, [])})
            problems += _grant_problems(row, uses, found, endings.get(row.id, []))
        keys = keyrings(s)
        reviews = _by(s.execute(select(Review.__table__)), lambda r: r.asset_id)
        decisions = _by(_events(s, REVIEW_ACTIONS, rows=True), lambda ev: ev.subject)
        for asset in s.execute(select(Asset.__table__).order_by(Asset.created_at)):
            problems += _decision(vault, asset, keys.get(asset.talent_id), reviews.get(asset.id, []),
                                  decisions.get(asset.id, []))[1]
    return problems
