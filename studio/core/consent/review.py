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
from studio.core.consent.signing import canonical, sign
from studio.core.consent.talent_keys import Keyring, TalentKey, keyring, keyrings, require_studio_held
from studio.core.errors import InvalidInput, NotFound
from studio.core.ids import new_id, parse_id
from studio.core.types import ReviewDecision
from studio.core.vault import Vault, audit
from studio.core.vault.catalog import Asset, Review, TalentKey as TalentKeyRow

DECISIONS = {"approve": ReviewDecision.APPROVED, "reject": ReviewDecision.REJECTED}
MAX_NOTE = 2000
_IN_CHUNK = 500  # ids to one IN (…) query: well under any database's limit on parameters


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
    return review_assets(vault, [asset_id], decision, key, note).reviews[0]


@dataclass(frozen=True)
class ReviewBatch:
    """The reviews one call made, one per asset, in the order asked."""

    reviews: tuple[ReviewRecord, ...]

    @property
    def changes(self) -> Changes:
        return Changes(assets={r.asset_id for r in self.reviews}, audit=True)


def review_assets(vault: Vault, asset_ids: list[str], decision: str, key: TalentKey,
                  note: str | None = None) -> ReviewBatch:
    """The same decision (and note) on each of ``asset_ids``, in one transaction: each asset gets
    its own signed statement and audit event, as :func:`review_asset` gives one. Every id is
    checked first; one that is malformed, unknown or another talent's fails the whole batch and
    nothing is written."""
    if decision not in DECISIONS:
        raise InvalidInput(f"unknown decision {decision!r} (approve or reject)")
    if isinstance(asset_ids, str):
        raise InvalidInput("review_assets takes a list of asset ids, not one id")
    aids = list(dict.fromkeys(parse_id("asset", a) for a in asset_ids))  # each once, in the order asked
    if not aids:
        raise InvalidInput("no assets to review")
    note = (note or "").strip() or None
    if note is not None and len(note) > MAX_NOTE:
        raise InvalidInput(f"the note is longer than {MAX_NOTE} characters")
    status = DECISIONS[decision]
    with vault.session() as s:
        require_studio_held(s, key.talent_id)
        stored = s.get(TalentKeyRow, key.talent_id)
        if stored is None or stored.public_key != key.public_b64:
            raise InvalidInput("this key is not the talent's registered key")
        found = {a.id: a for start in range(0, len(aids), _IN_CHUNK)
                 for a in s.execute(select(Asset).where(Asset.id.in_(aids[start:start + _IN_CHUNK]))).scalars()}
        missing = [a for a in aids if a not in found]
        if missing:
            raise NotFound(f"no asset {missing[0]} in this vault" + (
                f" (nor {len(missing) - 1} more of the {len(aids)} asked)" if len(missing) > 1 else ""))
        foreign = [a for a in aids if found[a].talent_id != key.talent_id]
        if foreign:
            raise InvalidInput(f"asset {foreign[0]} shows another talent ({found[foreign[0]].talent_id}); "
                               f"only that talent can review it" + (
                                   f" ({len(foreign)} of the {len(aids)} asked are not yours)" if len(foreign) > 1
                                   else ""))
        out = []
        for aid in aids:
            asset = found[aid]
            statement = review_statement(new_id("review"), asset.id, asset.sha256, key.talent_id, status, note,
                                         now_iso())
            out.append(store_review(s, vault, asset, statement, sign(key.private, statement)))
    return ReviewBatch(tuple(out))


def review_statement(review_id: str, asset_id: str, sha256: str, talent_id: str, decision: str,
                     note: str | None, at: str) -> dict:
    """What the talent signs to approve or reject one asset (the same wherever they sign it: in
    review mode here, or on their own device from a review kit)."""
    return {"type": "twin-studio/asset-review", "version": 1, "review": review_id, "asset": asset_id,
            "sha256": sha256, "talent": talent_id, "decision": decision, "note": note, "at": at}


def store_review(s, vault: Vault, asset: Asset, statement: dict, signature: str) -> ReviewRecord:
    """Inside the caller's transaction: keep a signed review of ``asset`` (its row, the asset's
    status, the audit event with the talent as the actor). The caller has checked who signed;
    ``check`` verifies the signature against the talent's keyring as for any review."""
    rid, at, status, talent = statement["review"], statement["at"], statement["decision"], statement["talent"]
    s.add(Review(id=rid, asset_id=asset.id, talent_id=talent, decision=status,
                 statement_sealed=vault.fields.seal(canonical(statement).decode(), f"reviews.statement:{rid}"),
                 signature=signature, at=at))
    asset.status = status
    s.flush()
    audit.append(s, f"asset.{status}", asset.id, {"review": rid, "sha256": asset.sha256, "signature": signature},
                 actor=talent)
    return ReviewRecord(rid, asset.id, talent, status, statement.get("note"), at, True)


def check_review(vault: Vault, row: Review, asset: Asset | None, keys: Keyring | None) -> tuple[dict | None, list[str]]:
    problems = []
    try:
        statement = json.loads(vault.fields.open(row.statement_sealed, f"reviews.statement:{row.id}"))
    except Exception:
        return None, [f"review {row.id}: its statement is altered or unreadable"]
    if keys is None or not keys.verifies(statement, row.signature, statement.get("at")):
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
        keys = {tid: keyring(s, tid) for tid in {r.talent_id for r in rows}}
        out = []
        for r in rows:
            statement, problems = check_review(vault, r, asset, keys[r.talent_id])
            out.append(ReviewRecord(r.id, r.asset_id, r.talent_id, r.decision,
                                    statement.get("note") if statement else None, r.at, not problems))
        return out


def verify_reviews(vault: Vault) -> list[str]:
    """Every review's signature. (Each asset's status against the talent's latest signed
    decision in the audit chain: :func:`studio.core.consent.evidence.verify_evidence`.)"""
    problems: list[str] = []
    with vault.session() as s:
        keys = keyrings(s)
        assets = {a.id: a for a in s.execute(select(Asset)).scalars()}
        for r in s.execute(select(Review).order_by(Review.at)).scalars():
            problems += check_review(vault, r, assets.get(r.asset_id), keys.get(r.talent_id))[1]
    return problems
