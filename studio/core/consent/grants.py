"""Grants and their life: draft → signed (by the talent) → active (countersigned by the studio)
→ revoked (by the talent, after the notice period) or expired (past the end date).

Every read verifies: a signed grant whose catalog row no longer matches what was signed raises
:class:`IntegrityError`, so nothing downstream ever acts on an altered grant.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session, object_session

from studio.core.assets import get_asset
from studio.core.changes import Changes
from studio.core.clock import now_iso, today_in
from studio.core.consent import fees
from studio.core.consent.document import build_document, decline_summary, revocation_summary
from studio.core.consent.signing import canonical, sign, verify
from studio.core.consent.talent_keys import (TalentKey, current_public_key, keyring, refuse_if_own_device,
                                             require_studio_held, talent_public_key)
from studio.core.errors import ConsentError, IntegrityError, InvalidInput, NotFound
from studio.core.ids import new_id, parse_id
from studio.core.types import GrantState
from studio.core.vault import Vault, audit
from studio.core.vault.catalog import Grant, Talent
from studio.core.vault.keys import public_key_b64


@dataclass(frozen=True)
class GrantRecord:
    id: str
    talent_id: str
    state: str              # stored: draft | signed | active (a revocation is kept beside it)
    document: dict
    uses: int
    talent_signature: str | None
    studio_signature: str | None
    revocation: dict | None
    created_at: str
    updated_at: str

    @property
    def changes(self) -> Changes:
        """What the call that returned this record changed (DR013)."""
        return Changes(grants={self.id}, audit=True)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(canonical(self.document)).hexdigest()

    def today(self) -> dt.date:
        return today_in(self.document["timezone"])  # the grant's calendar day (DR020)

    def status(self, on: dt.date | None = None) -> str:
        """The state as of a calendar day in the grant's time zone."""
        on = on or self.today()
        if self.state == GrantState.DECLINED:
            return GrantState.DECLINED
        if self.revocation is not None and on >= dt.date.fromisoformat(self.revocation["effective"]):
            return GrantState.REVOKED
        if self.state in (GrantState.SIGNED, GrantState.ACTIVE) and on > dt.date.fromisoformat(self.document["end"]):
            return GrantState.EXPIRED
        return self.state

    @property
    def uses_left(self) -> int:
        return max(0, self.document["max_uses"] - self.uses)

    def to_json(self) -> dict:
        return {"id": self.id, "talent": self.talent_id, "state": self.status(), "stored_state": self.state,
                "uses": self.uses, "uses_left": self.uses_left, "sha256": self.sha256, "document": self.document,
                "talent_signature": self.talent_signature, "studio_signature": self.studio_signature,
                "revocation": self.revocation, "created_at": self.created_at, "updated_at": self.updated_at}


def _studio_statement(document_sha: str, talent_signature: str) -> dict:
    return {"type": "twin-studio/grant-countersignature", "grant_sha256": document_sha,
            "talent_signature": talent_signature}


def _record(vault: Vault, row: Grant, studio_public: str) -> GrantRecord:
    f = vault.fields
    try:
        document = json.loads(f.open(row.document_sealed, f"grants.document:{row.id}"))
        revocation = (json.loads(f.open(row.revocation_sealed, f"grants.revocation:{row.id}"))
                      if row.revocation_sealed else None)
    except Exception as exc:
        raise IntegrityError(f"grant {row.id} has been altered in the catalog (its sealed record does not open)") from exc
    rec = GrantRecord(row.id, row.talent_id, row.state, document, row.uses, row.talent_signature,
                      row.studio_signature, revocation, row.created_at, row.updated_at)
    problems = _problems(rec, studio_public)
    if problems:
        raise IntegrityError(f"grant {row.id} fails verification: {'; '.join(problems)}")
    _revocation_ok(rec, row)
    return rec


def _problems(rec: GrantRecord, studio_public: str) -> list[str]:
    doc, problems = rec.document, []
    if doc.get("grant") != rec.id or doc.get("talent") != rec.talent_id:
        problems.append("the document names another grant or talent")
    if rec.state in (GrantState.DRAFT, GrantState.DECLINED):
        if rec.talent_signature or rec.studio_signature or (rec.revocation and rec.state == GrantState.DRAFT):
            problems.append("a draft carries signatures")
        if rec.state == GrantState.DECLINED and (rec.revocation or {}).get("type") != "twin-studio/grant-decline":
            problems.append("a declined grant lacks the talent's signed decline")
        return problems
    key = doc.get("talent_public_key")
    if not rec.talent_signature or not key or not verify(key, doc, rec.talent_signature):
        problems.append("the talent's signature does not verify")
    if rec.state in (GrantState.ACTIVE, GrantState.REVOKED) and rec.studio_signature is not None:
        if not verify(studio_public, _studio_statement(rec.sha256, rec.talent_signature or ""), rec.studio_signature):
            problems.append("the studio's countersignature does not verify")
    elif rec.state == GrantState.ACTIVE:
        problems.append("an active grant lacks the studio's countersignature")
    return problems  # a revocation or decline: _revocation_ok, against the row's signature


def _studio_public(vault: Vault) -> str:
    return public_key_b64(vault.studio_signing_key().public_key())


def get_grant(vault: Vault, grant_id: str) -> GrantRecord:
    gid = parse_id("grant", grant_id)
    with vault.session() as s:
        row = s.get(Grant, gid)
        if row is None:
            raise NotFound(f"no grant {gid} in this vault")
        return _record(vault, row, _studio_public(vault))


def _revocation_ok(rec: GrantRecord, row: Grant) -> None:
    if row.revocation_sealed is None and row.revocation_signature is None:
        return
    # the key in the document the talent signed, or one the talent held when they signed this (a
    # draft's document may predate their key; they may hold their own key since: DR045)
    r, key, sig = rec.revocation, rec.document.get("talent_public_key"), row.revocation_signature
    if r is None or r.get("grant_sha256") != rec.sha256 or not sig or not (
            (key and verify(key, r, sig)) or keyring(object_session(row), rec.talent_id).verifies(r, sig, r.get("at"))):
        raise IntegrityError(f"grant {rec.id} fails verification: the revocation is not the talent's signed one")


def list_grants(vault: Vault, talent_id: str | None = None) -> list[GrantRecord]:
    q = select(Grant).order_by(Grant.created_at)
    if talent_id is not None:
        q = q.where(Grant.talent_id == parse_id("talent", talent_id))
    studio_public = _studio_public(vault)
    with vault.session() as s:
        out = []
        for row in s.execute(q).scalars():
            out.append(_record(vault, row, studio_public))
        return out


def verify_grants(vault: Vault) -> list[str]:
    """For ``check``: every grant, as a list of problems."""
    problems = []
    studio_public = _studio_public(vault)
    with vault.session() as s:
        for row in s.execute(select(Grant)).scalars():
            try:
                _record(vault, row, studio_public)
            except IntegrityError as exc:
                problems.append(str(exc))
    return problems


def _document(vault: Vault, gid: str, talent_id: str, fields: dict, created_at: str) -> dict:
    asset_ids = fields.get("assets")
    if isinstance(asset_ids, str):
        asset_ids = [a for a in asset_ids.split(",") if a.strip()]
    assets = [get_asset(vault, a.strip()) for a in (asset_ids or [])]
    return build_document(gid, talent_id, talent_public_key(vault, talent_id), assets, fields, created_at)


def draft_grant(vault: Vault, talent_id: str, fields: dict) -> GrantRecord:
    tid = parse_id("talent", talent_id)
    with vault.session() as s:
        if s.get(Talent, tid) is None:
            raise NotFound(f"no talent {tid} in this vault")
    gid, now = new_id("grant"), now_iso()
    doc = _document(vault, gid, tid, fields, now)
    with vault.session() as s:
        s.add(Grant(id=gid, talent_id=tid, state=GrantState.DRAFT, uses=0, created_at=now, updated_at=now,
                    document_sealed=vault.fields.seal(canonical(doc).decode(), f"grants.document:{gid}")))
        s.flush()
        audit.append(s, "grant.drafted", gid, {"talent": tid, "sha256": hashlib.sha256(canonical(doc)).hexdigest()})
    return get_grant(vault, gid)


# -- transitions ---------------------------------------------------------------------------
# Every change of a grant reads the row, verifies it, checks its state (and what it was computed
# from) and writes in ONE transaction, through a compare-and-set on the row as it was read: a
# change that landed in between makes this one fail with a ConsentError, never succeed (DR012).

def load_grant(s: Session, vault: Vault, grant_id: str, studio_public: str | None = None,
               *, lock: bool = False) -> tuple[Grant, GrantRecord]:
    """The row and its verified record, inside the caller's transaction. ``lock``: the row is
    locked until the transaction ends (``SELECT … FOR UPDATE`` in PostgreSQL; SQLite's
    transactions are serialised whole)."""
    gid = parse_id("grant", grant_id)
    row = s.get(Grant, gid, with_for_update=lock)
    if row is None:
        raise NotFound(f"no grant {gid} in this vault")
    return row, _record(vault, row, studio_public or _studio_public(vault))


def _stored_key(s: Session, talent_id: str) -> str | None:
    return current_public_key(s, talent_id)


def write_guarded(s: Session, row: Grant, what: str, **values) -> None:
    """Write ``values`` to the grant only if its row is still the one read in this transaction."""
    done = s.execute(
        update(Grant)
        .where(Grant.id == row.id, Grant.state == row.state, Grant.updated_at == row.updated_at,
               Grant.uses == row.uses, Grant.document_sealed == row.document_sealed)
        .values(**values, updated_at=now_iso())
        .execution_options(synchronize_session=False))
    if done.rowcount != 1:
        raise ConsentError(f"grant {row.id} was changed by someone else while it was being {what}; "
                           "nothing was changed — reload it and try again")
    s.expire(row)


def _check_basis(rec: GrantRecord, basis_sha256: str, what: str) -> None:
    if rec.sha256 != basis_sha256:
        raise ConsentError(f"grant {rec.id} was edited while it was being {what}: the document is no longer "
                           "the one it was based on; nothing was changed — reload it and try again")


def edit_draft(vault: Vault, grant_id: str, changes: dict, expected_sha256: str | None = None) -> GrantRecord:
    """Change a draft. ``expected_sha256``: the draft the operator's editor was opened on; if it
    was changed since (another workstation saved it), this change is refused, not laid over it."""
    rec = get_grant(vault, grant_id)
    if rec.state != GrantState.DRAFT:
        raise ConsentError(f"grant {rec.id} is {rec.state}: a signed grant cannot change — draft a new one")
    if expected_sha256 is not None:
        _check_basis(rec, expected_sha256, "changed in this editor")
    fields = fields_of(rec.document)
    fields.update(changes)
    if "fee_cap" not in changes and str(fields.get("fee_basis") or "").strip().lower() != fees.CAPPED:
        fields["fee_cap"] = None  # a cap goes with the capped fee it was for
    doc = _document(vault, rec.id, rec.talent_id, fields, rec.document["created_at"])  # reads assets: outside
    with vault.session() as s:
        row, now = load_grant(s, vault, rec.id)
        if now.state != GrantState.DRAFT:
            raise ConsentError(f"grant {rec.id} is {now.state}: a signed grant cannot change — draft a new one")
        _check_basis(now, rec.sha256, "edited")
        write_guarded(s, row, "edited",
                      document_sealed=vault.fields.seal(canonical(doc).decode(), f"grants.document:{rec.id}"))
        audit.append(s, "grant.edited", rec.id, {"sha256": hashlib.sha256(canonical(doc)).hexdigest()})
    return get_grant(vault, rec.id)


def fields_of(doc: dict) -> dict:
    """The editable fields of a document (the inverse of build_document)."""
    return {"licensee": doc["licensee"], "assets": [a["id"] for a in doc["assets"]],
            "use_description": doc["use_description"], "purposes": doc["purposes"], "media": doc["media"],
            "territories": doc["territories"], "start": doc["start"], "end": doc["end"],
            "max_uses": doc["max_uses"], **fees.editable(doc),
            "ai_label": doc["ai_label"], "training": doc["training"], "exclude": doc["excluded"],
            "notice_days": doc["notice_days"], "exclusive": doc["exclusive"], "represented_by": doc["represented_by"],
            "jurisdiction": doc["jurisdiction"], "timezone": doc["timezone"], "language": doc["language"]}


@dataclass(frozen=True)
class SignedDraft:
    """The talent's signature over one version of a draft, not yet stored (the talent may sign on
    their own device; the studio applies it later). ``basis_sha256`` is the stored draft it read."""
    grant_id: str
    talent_id: str
    basis_sha256: str
    document: dict
    signature: str


def sign_draft(vault: Vault, grant_id: str, key: TalentKey, expected_sha256: str | None = None) -> SignedDraft:
    """The talent signs the draft as it reads now; nothing is written (see :func:`apply_signature`).
    ``expected_sha256``: the document the talent was shown (a window passes ``GrantRecord.sha256``);
    if the stored draft is another by now, nothing is signed."""
    rec = get_grant(vault, grant_id)
    refuse_if_own_device(vault, rec.talent_id)
    _can_sign(rec, key, talent_public_key(vault, rec.talent_id))
    if expected_sha256 is not None:
        _check_basis(rec, expected_sha256, "read by the talent")
    doc = dict(rec.document)
    doc["talent_public_key"] = key.public_b64  # the key set after the draft was written
    return SignedDraft(rec.id, rec.talent_id, rec.sha256, doc, sign(key.private, doc))


def _can_sign(rec: GrantRecord, key: TalentKey, current: str | None) -> None:
    if rec.state != GrantState.DRAFT:
        raise ConsentError(f"grant {rec.id} is already {rec.state}")
    if key.talent_id != rec.talent_id:
        raise ConsentError(f"grant {rec.id} is for talent {rec.talent_id}; only they can sign it")
    if current is None or key.public_b64 != current:
        raise ConsentError("this key is not the talent's registered key")


def apply_signature(vault: Vault, signed: SignedDraft) -> GrantRecord:
    """Store the talent's signature — only if the stored draft is still the one they signed."""
    with vault.session() as s:
        apply_signature_in(s, vault, signed)
    return get_grant(vault, signed.grant_id)


def apply_signature_in(s: Session, vault: Vault, signed: SignedDraft) -> None:
    """:func:`apply_signature` inside the caller's transaction (a decisions file applies several
    decisions in one)."""
    row, rec = load_grant(s, vault, signed.grant_id)
    if rec.state != GrantState.DRAFT:
        raise ConsentError(f"grant {rec.id} is already {rec.state}")
    _check_basis(rec, signed.basis_sha256, "signed")
    key = _stored_key(s, rec.talent_id)
    if key is None or signed.document.get("talent_public_key") != key or \
            not verify(key, signed.document, signed.signature):
        raise ConsentError("the signature is not the talent's, with their registered key")
    expected = dict(rec.document, talent_public_key=key)
    if canonical(expected) != canonical(signed.document):
        raise ConsentError(f"the document signed is not grant {rec.id} as stored; nothing was changed")
    doc = signed.document
    write_guarded(s, row, "signed", state=GrantState.SIGNED, talent_signature=signed.signature,
                  document_sealed=vault.fields.seal(canonical(doc).decode(), f"grants.document:{rec.id}"))
    audit.append(s, "grant.signed", rec.id, {"sha256": hashlib.sha256(canonical(doc)).hexdigest(),
                                              "signature": signed.signature}, actor=rec.talent_id)


def sign_grant(vault: Vault, grant_id: str, key: TalentKey, expected_sha256: str | None = None) -> GrantRecord:
    return apply_signature(vault, sign_draft(vault, grant_id, key, expected_sha256))


def activate_grant(vault: Vault, grant_id: str) -> GrantRecord:
    studio_key = vault.studio_signing_key()
    studio_public = public_key_b64(studio_key.public_key())
    with vault.session() as s:
        row, rec = load_grant(s, vault, grant_id, studio_public)
        if rec.state != GrantState.SIGNED:
            raise ConsentError(f"grant {rec.id} is {rec.state}: only a grant the talent signed can be activated")
        signature = sign(studio_key, _studio_statement(rec.sha256, rec.talent_signature))
        write_guarded(s, row, "activated", studio_signature=signature, state=GrantState.ACTIVE)
        audit.append(s, "grant.activated", rec.id, {"sha256": rec.sha256, "signature": signature})
    return get_grant(vault, rec.id)


def _reason(reason: str | None) -> str | None:
    return (reason or "").strip() or None


def _revocation_days(rec: GrantRecord) -> tuple[dt.date, dt.date]:
    """The day a revocation signed now is made, and the day it takes effect (after the notice)."""
    today = rec.today()
    return today, today + dt.timedelta(days=rec.document["notice_days"])


def revocation_text(rec: GrantRecord, reason: str | None = None) -> str:
    """What the talent reads before revoking ``rec`` today (the days and reason it will sign)."""
    return revocation_summary(rec.document, *_revocation_days(rec), _reason(reason))


def decline_text(rec: GrantRecord, reason: str | None = None) -> str:
    """What the talent reads before declining the draft ``rec``."""
    return decline_summary(rec.document, _reason(reason))


def revoke_grant(vault: Vault, grant_id: str, key: TalentKey, reason: str | None = None) -> GrantRecord:
    reason = _reason(reason)
    with vault.session() as s:
        row, rec = load_grant(s, vault, grant_id)
        _can_revoke(rec)
        require_studio_held(s, rec.talent_id)
        if key.talent_id != rec.talent_id or key.public_b64 != rec.document.get("talent_public_key"):
            raise ConsentError(f"only talent {rec.talent_id}, with their own key, can revoke grant {rec.id}")
        statement = revocation_statement(rec, reason, now_iso())
        store_revocation(s, vault, row, rec, statement, sign(key.private, statement))
    return get_grant(vault, rec.id)


def _can_revoke(rec: GrantRecord) -> None:
    if rec.revocation is not None:
        raise ConsentError(f"grant {rec.id} was already revoked on {rec.revocation['revoked_on']} "
                           f"(effective {rec.revocation['effective']})")
    if rec.state not in (GrantState.SIGNED, GrantState.ACTIVE):
        raise ConsentError(f"grant {rec.id} is {rec.state}: only a signed or active grant can be revoked")


def revocation_statement(rec: GrantRecord, reason: str | None, at: str) -> dict:
    """What the talent signs to revoke ``rec`` today (here, or on their own device from a kit)."""
    reason = _reason(reason)
    if reason is not None and len(reason) > 2000:
        raise InvalidInput("the reason is longer than 2000 characters")
    today, effective = _revocation_days(rec)
    return {"type": "twin-studio/grant-revocation", "grant": rec.id, "grant_sha256": rec.sha256,
            "revoked_on": today.isoformat(), "effective": effective.isoformat(), "reason": reason, "at": at}


def _talent_signed(s: Session, rec: GrantRecord, statement: dict, signature: str) -> bool:
    """Signed with the key in the grant's document or the talent's key in use (DR045)."""
    keys = [k for k in (rec.document.get("talent_public_key"), current_public_key(s, rec.talent_id)) if k]
    return any(verify(k, statement, signature) for k in keys)


def store_revocation(s: Session, vault: Vault, row: Grant, rec: GrantRecord, statement: dict,
                     signature: str) -> None:
    """Inside the caller's transaction: keep the talent's signed revocation of ``rec`` (read in
    this transaction), after checking it names this grant as it is, gives the notice the grant
    promises, and is the talent's signature."""
    _can_revoke(rec)
    if statement.get("type") != "twin-studio/grant-revocation" or statement.get("grant") != rec.id:
        raise ConsentError(f"the revocation is not one of grant {rec.id}")
    if statement.get("grant_sha256") != rec.sha256:
        raise ConsentError(f"grant {rec.id} changed since the talent revoked it: nothing was changed")
    try:
        revoked_on = dt.date.fromisoformat(str(statement.get("revoked_on")))
        effective = dt.date.fromisoformat(str(statement.get("effective")))
    except ValueError as exc:
        raise InvalidInput(f"the revocation of grant {rec.id} has no valid dates") from exc
    if effective < revoked_on + dt.timedelta(days=rec.document["notice_days"]):
        raise ConsentError(f"the revocation of grant {rec.id} takes effect before the notice period ends")
    if not _talent_signed(s, rec, statement, signature):
        raise ConsentError(f"the revocation of grant {rec.id} is not signed by talent {rec.talent_id}")
    # the stored state stays: the grant reads "revoked" from the effective day on (status())
    write_guarded(s, row, "revoked", revocation_signature=signature,
                  revocation_sealed=vault.fields.seal(canonical(statement).decode(), f"grants.revocation:{rec.id}"))
    audit.append(s, "grant.revoked", rec.id, {"effective": statement["effective"], "signature": signature},
                 actor=rec.talent_id)


def preview_document(vault: Vault, talent_id: str, fields: dict) -> dict:
    """The document a draft with these fields would hold — validated, nothing written (the
    editor shows it, and its plain-language summary, as the operator types)."""
    tid = parse_id("talent", talent_id)
    return _document(vault, "grt_0000000000000000", tid, fields, now_iso())


def decline_grant(vault: Vault, grant_id: str, key: TalentKey, reason: str | None = None) -> GrantRecord:
    """The talent says no to a draft: a statement they sign, kept with the grant."""
    with vault.session() as s:
        row, rec = load_grant(s, vault, grant_id)
        _can_decline(rec)
        require_studio_held(s, rec.talent_id)
        if key.talent_id != rec.talent_id or key.public_b64 != _stored_key(s, rec.talent_id):
            raise ConsentError(f"only talent {rec.talent_id}, with their own key, can decline grant {rec.id}")
        statement = decline_statement(rec, reason, now_iso())
        store_decline(s, vault, row, rec, statement, sign(key.private, statement))
    return get_grant(vault, rec.id)


def _can_decline(rec: GrantRecord) -> None:
    if rec.state != GrantState.DRAFT:
        raise ConsentError(f"grant {rec.id} is {rec.state}: only a draft can be declined (revoke a signed one)")


def decline_statement(rec: GrantRecord, reason: str | None, at: str) -> dict:
    """What the talent signs to decline the draft ``rec`` (here, or on their own device)."""
    return {"type": "twin-studio/grant-decline", "grant": rec.id, "grant_sha256": rec.sha256,
            "reason": _reason(reason), "at": at,
            "revoked_on": rec.today().isoformat(), "effective": rec.today().isoformat()}


def store_decline(s: Session, vault: Vault, row: Grant, rec: GrantRecord, statement: dict, signature: str) -> None:
    """Inside the caller's transaction: keep the talent's signed decline of the draft ``rec``."""
    _can_decline(rec)
    if statement.get("type") != "twin-studio/grant-decline" or statement.get("grant") != rec.id:
        raise ConsentError(f"the decline is not one of grant {rec.id}")
    if statement.get("grant_sha256") != rec.sha256:
        raise ConsentError(f"grant {rec.id} changed since the talent declined it: nothing was changed")
    if not _talent_signed(s, rec, statement, signature):
        raise ConsentError(f"the decline of grant {rec.id} is not signed by talent {rec.talent_id}")
    write_guarded(s, row, "declined", state=GrantState.DECLINED, revocation_signature=signature,
                  revocation_sealed=vault.fields.seal(canonical(statement).decode(), f"grants.revocation:{rec.id}"))
    audit.append(s, "grant.declined", rec.id, {"signature": signature}, actor=rec.talent_id)
