"""The talent's review of each asset: approve or reject, signed with the talent's own key.

The statement the talent signs names the asset by id *and* SHA-256, so a signature never
carries over to other bytes. The asset's ``status`` follows the talent's latest decision, for
display; an export trusts only the signed review the audit chain recorded last
(:mod:`studio.core.consent.evidence`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import select

from studio.core.changes import Changes
from studio.core.clock import now_iso
from studio.core.consent.signing import canonical, sign, verify
from studio.core.consent.talent_keys import TalentKey
from studio.core.errors import InvalidInput, NotFound
from studio.core.ids import new_id, parse_id
from studio.core.types import ReviewDecision
from studio.core.vault import Vault, audit
from studio.core.vault.catalog import Asset, Review, TalentKey as TalentKeyRow

DECISIONS = {"approve": ReviewDecision.APPROVED, "reject": ReviewDecision.REJECTED}
MAX_NOTE = 2000


@dataclass(frozen=True)
class ReviewRecord:
    id: str
    asset_id: str
    talent_id: str
    decision: str
    note: str | None
    at: str
    signature_valid: bool

    @property
    def changes(self) -> Changes:
        """What the call that returned this record changed (DR013)."""
        return Changes(assets={self.asset_id}, audit=True)

    def to_json(self) -> dict:
        return dict(self.__dict__)


def review_asset(vault: Vault, asset_id: str, decision: str, key: TalentKey, note: str | None = None) -> ReviewRecord:
    if decision not in DECISIONS:
        raise InvalidInput(f"unknown decision {decision!r} (approve or reject)")
    aid = parse_id("asset", asset_id)
    note = (note or "").strip() or None
    if note is not None and len(note) > MAX_NOTE:
        raise InvalidInput(f"the note is longer than {MAX_NOTE} characters")
    with vault.session() as s:
        asset = s.get(Asset, aid)
        if asset is None:
            raise NotFound(f"no asset {aid} in this vault")
        if asset.talent_id != key.talent_id:
            raise InvalidInput(f"asset {aid} shows another talent ({asset.talent_id}); "
                               f"only that talent can review it")
        stored = s.get(TalentKeyRow, key.talent_id)
        if stored is None or stored.public_key != key.public_b64:
            raise InvalidInput("this key is not the talent's registered key")
        rid, at = new_id("review"), now_iso()
        statement = {"type": "twin-studio/asset-review", "version": 1, "review": rid, "asset": aid,
                     "sha256": asset.sha256, "talent": key.talent_id, "decision": DECISIONS[decision],
                     "note": note, "at": at}
        signature = sign(key.private, statement)
        s.add(Review(id=rid, asset_id=aid, talent_id=key.talent_id, decision=DECISIONS[decision],
                     statement_sealed=vault.fields.seal(canonical(statement).decode(), f"reviews.statement:{rid}"),
                     signature=signature, at=at))
        asset.status = DECISIONS[decision]
        s.flush()
        audit.append(s, f"asset.{DECISIONS[decision]}", aid,
                     {"review": rid, "sha256": asset.sha256, "signature": signature}, actor=key.talent_id)
    return ReviewRecord(rid, aid, key.talent_id, DECISIONS[decision], note, at, True)


def check_review(vault: Vault, row: Review, asset: Asset | None, public_key: str | None) -> tuple[dict | None, list[str]]:
    problems = []
    try:
        statement = json.loads(vault.fields.open(row.statement_sealed, f"reviews.statement:{row.id}"))
    except Exception:
        return None, [f"review {row.id}: its statement is altered or unreadable"]
    if public_key is None or not verify(public_key, statement, row.signature):
        problems.append(f"review {row.id}: the talent's signature does not verify")
    expected = {"review": row.id, "asset": row.asset_id, "talent": row.talent_id, "decision": row.decision, "at": row.at}
    if any(statement.get(k) != v for k, v in expected.items()):
        problems.append(f"review {row.id}: the catalog row does not match what the talent signed")
    if asset is not None and statement.get("sha256") != asset.sha256:
        problems.append(f"review {row.id}: signed for other bytes than asset {row.asset_id} holds")
    return statement, problems


def list_reviews(vault: Vault, asset_id: str) -> list[ReviewRecord]:
    aid = parse_id("asset", asset_id)
    with vault.session() as s:
        asset = s.get(Asset, aid)
        if asset is None:
            raise NotFound(f"no asset {aid} in this vault")
        rows = s.execute(select(Review).where(Review.asset_id == aid).order_by(Review.at)).scalars().all()
        keys = {r.talent_id: (s.get(TalentKeyRow, r.talent_id) or None) for r in rows}
        out = []
        for r in rows:
            key = keys[r.talent_id]
            statement, problems = check_review(vault, r, asset, key.public_key if key else None)
            out.append(ReviewRecord(r.id, r.asset_id, r.talent_id, r.decision,
                                    statement.get("note") if statement else None, r.at, not problems))
        return out


def verify_reviews(vault: Vault) -> list[str]:
    """Every review's signature. (Each asset's status against the talent's latest signed
    decision in the audit chain: :func:`studio.core.consent.evidence.verify_evidence`.)"""
    problems: list[str] = []
    with vault.session() as s:
        keys = {k.talent_id: k.public_key for k in s.execute(select(TalentKeyRow)).scalars()}
        assets = {a.id: a for a in s.execute(select(Asset)).scalars()}
        for r in s.execute(select(Review).order_by(Review.at)).scalars():
            problems += check_review(vault, r, assets.get(r.asset_id), keys.get(r.talent_id))[1]
    return problems
