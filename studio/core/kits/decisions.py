"""``decisions import``: the talent's signed decisions, made on their own device from a review
kit, applied in ONE transaction with the talent as the actor in the audit chain (DR049).

Refused, changing nothing: a file that does not parse (truncated), whose signature does not
verify with the talent's registered key (forged: one byte changed; foreign: another talent's
key), made on a kit this vault did not make for that talent, imported before (replayed), or
deciding on an asset or grant document that changed since the kit (stale). Each decision is
stored by the same core function as one made at the studio (``store_review``,
``apply_signature_in``, ``store_decline``, ``store_revocation``), so ``check`` verifies it as any.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from studio.core.changes import Changes
from studio.core.clock import day_in, now_iso, today_in
from studio.core.consent.grants import (SignedDraft, apply_signature_in, load_grant, store_decline,
                                        store_revocation)
from studio.core.consent.pause import SignedStatement, pause_in, resume_in
from studio.core.consent.review import store_review
from studio.core.consent.signing import verify
from studio.core.consent.talent_keys import current_public_key
from studio.core.errors import ConsentError, IntegrityError, InvalidInput, NotFound
from studio.core.ids import parse_id
from studio.core.kits.export import EXPORTED
from studio.core.kits.kit_file import OUTPUT_KINDS, REQUEST_KINDS, REQUEST_TYPE, read_decisions, sha256, signed_by
from studio.core.vault import Vault, audit
from studio.core.package.approval_files import APPROVED, REJECTED, check_sha
from studio.core.package.approvals import apply_output_decisions_in
from studio.core.vault.writes import add_blob_rows, clear_intent, discard_intent, publish_with_intent
from studio.core.vault.catalog import ApprovalOutput, ApprovalRequest, Asset, AuditEvent, Review, TalentCard

IMPORTED = "decisions.imported"
KEPT = "kept"  # the event's flag: the file (``sha256``) is kept in the blob store (DR056)
# Access and erasure are requests the studio acts on (``talent access-export``; erasure is not
# built yet): recorded, signed. A pause or resume is applied as the studio's own path applies it.
REQUESTED = {"request_access": "talent.access_requested", "request_erasure": "talent.erasure_requested"}


@dataclass(frozen=True)
class ImportedDecisions:
    decisions_id: str
    kit_id: str
    talent_id: str
    applied: tuple[tuple[str, str], ...]  # (kind, asset or grant id, "request:output", or "") in the file's order

    @property
    def changes(self) -> Changes:
        assets = {i for k, i in self.applied if k in ("approve", "reject")}
        grants = {i for k, i in self.applied if k in ("sign", "decline", "revoke", "pause", "resume") and i}
        ledger = {self.talent_id} if any(k == "approve_output" for k, _ in self.applied) else set()
        return Changes(talents={self.talent_id}, assets=assets, grants=grants, ledger=ledger, audit=True)


def _event(s, action: str, subject: str) -> AuditEvent | None:
    return s.execute(select(AuditEvent).where(AuditEvent.action == action, AuditEvent.subject == subject)
                     .order_by(AuditEvent.seq).limit(1)).scalar_one_or_none()


def _stale(what: str) -> ConsentError:
    return ConsentError(f"{what} changed since the kit was made: the decision was made on other bytes, so "
                        "nothing was imported — send the talent a new kit")


def import_decisions(vault: Vault, path: Path) -> ImportedDecisions:
    d, raw = read_decisions(Path(path))
    with vault.staging() as area:
        # the talent-signed file itself is kept, encrypted, in the blob store (DR056): ``check``
        # compares the chain with the head it echoes
        staged = [("blobs", vault.blobs.stage_bytes(raw, area.folder))]
        vault.upload_staged(area, staged)
        with vault.writer_lock():
            now = now_iso()
            fresh = publish_with_intent(vault, staged, now)
            try:
                with vault.session() as s:
                    done = _import_in(s, vault, path, d, raw)
                    add_blob_rows(s, fresh, now)
                    clear_intent(s, fresh)
                    return done
            except BaseException:
                discard_intent(vault, fresh)  # a refusal changes nothing, its kept copy included
                raise


def _import_in(s, vault: Vault, path: Path, d: dict, raw: bytes) -> ImportedDecisions:
    tid, kid, did = d["talent"], d["kit"], d["decisions_id"]
    audit.require_intact_chain(s, vault.audit_anchor)
    if s.get(TalentCard, tid) is None:
        raise InvalidInput(f"talent {tid} does not hold their own key here (or is not in this vault): "
                           "decisions files come from a talent's own device")
    key = current_public_key(s, tid)
    if d["verify_key"] != key or not signed_by(d, key):
        raise IntegrityError(f"{path}: the decisions file is not signed with talent {tid}'s registered key "
                             "(altered, or signed by someone else)")
    kit_ev = _event(s, EXPORTED, kid)
    kit = json.loads(kit_ev.details) if kit_ev is not None else None
    if kit is None or kit.get("talent") != tid:
        raise InvalidInput(f"kit {kid} was not made by this vault for talent {tid}")
    done = _event(s, IMPORTED, did)
    if done is not None:
        raise InvalidInput(f"decisions {did} were already imported (audit event {done.seq}, {done.at}): "
                           "nothing was imported twice")
    kit["at"] = kit_ev.at
    head = kit.get("head") or {}
    if d["chain_head"] != head:
        raise IntegrityError(f"{path}: the history head it echoes is not the one kit {kid} carried")
    at_head = s.get(AuditEvent, head.get("seq")) if head.get("seq") else None
    if head.get("seq") and (at_head is None or at_head.hash != head.get("hash")):
        raise IntegrityError(f"the audit chain no longer holds event {head.get('seq')} as kit {kid} showed it "
                             "to the talent: the chain was rewritten; run `twin-studio check`")
    applied = []
    for item in d["decisions"]:
        if item.get("kit") != kid:
            raise IntegrityError(f"{path}: a decision names kit {item.get('kit')!r}, not the file's kit {kid}")
        applied.append(_apply(s, vault, tid, key, kit, did, item))
    audit.append(s, IMPORTED, did, {"talent": tid, "kit": kid, "sha256": sha256(raw), "head": head,
                                    "decisions": [k for k, _ in applied], "signature": d["signature"],
                                    KEPT: True}, actor=tid)
    return ImportedDecisions(did, kid, tid, tuple(applied))


def _revocation_dated(rec, statement: dict, kit_at: str) -> None:
    """A revocation made on a kit is dated from the kit's day to today (the grant's calendar days,
    DR020): it cannot be backdated before the kit was made, nor dated in the future."""
    tz = rec.document["timezone"]
    try:
        on = dt.date.fromisoformat(str(statement.get("revoked_on")))
    except ValueError as exc:
        raise InvalidInput(f"the revocation of grant {rec.id} has no valid date") from exc
    if on < day_in(kit_at, tz) or on > today_in(tz) + dt.timedelta(days=1):
        raise InvalidInput(f"the revocation of grant {rec.id} is dated {on}, outside the days from its kit to today")


def _apply_output(s, vault: Vault, tid: str, kit: dict, did: str, item: dict) -> tuple[str, str]:
    """A brand's output approved or rejected through the kit (DR053): only an output the kit carried
    for that request, the request as the kit showed it and still undecided; then the studio's own
    path (``apply_output_decisions_in``: the talent's key, the statement form, decided once)."""
    kind, statement = item["kind"], item.get("statement")
    rid = parse_id("approval", str(item.get("request", "")))
    carried = (kit.get("approvals") or {}).get(rid)
    if carried is None:
        raise InvalidInput(f"approval request {rid} was not in the kit: its outputs cannot be decided from it")
    sha = check_sha(item.get("output"), "the output")
    if sha not in carried.get("outputs", ()):
        raise InvalidInput(f"output {sha[:16]}… of request {rid} was not carried by the kit (left out, or not "
                           "awaiting a decision when it was made): it cannot be decided from that kit")
    decision = APPROVED if kind == "approve_output" else REJECTED
    if not isinstance(statement, dict) or statement.get("request") != rid or statement.get("output") != sha or \
            statement.get("decision") != decision or statement.get("talent") != tid:
        raise IntegrityError(f"the {kind} of output {sha[:16]}… is not the talent's decision on it")
    row = s.get(ApprovalRequest, rid)
    if row is None:
        raise NotFound(f"no approval request {rid} in this vault")
    if row.signature != carried.get("signature") or row.talent_id != tid:
        raise _stale(f"approval request {rid}")
    out = s.get(ApprovalOutput, (rid, sha))
    if out is not None and out.decision is not None:
        raise ConsentError(f"output {sha[:16]}… of request {rid} was decided ({out.decision}) since the kit was "
                           "made: decisions are final, so nothing was imported")
    apply_output_decisions_in(s, vault, rid, [(statement, item["signature"])], decisions_id=did)
    return kind, f"{rid}:{sha}"


def _apply(s, vault: Vault, tid: str, key: str, kit: dict, did: str, item: dict) -> tuple[str, str]:
    kind = item["kind"]
    statement = item.get("statement")
    if kind in ("approve", "reject"):
        aid = parse_id("asset", str(item.get("asset", "")))
        if aid not in kit.get("assets", {}):
            raise InvalidInput(f"asset {aid} was not in the kit")
        asset = s.get(Asset, aid)
        if asset is None:
            raise NotFound(f"no asset {aid} in this vault")
        if asset.talent_id != tid:
            raise InvalidInput(f"asset {aid} shows another talent")
        if not isinstance(statement, dict) or statement.get("type") != "twin-studio/asset-review" or \
                statement.get("version") != 1 or statement.get("asset") != aid or statement.get("talent") != tid or \
                statement.get("decision") != ("approved" if kind == "approve" else "rejected") or \
                not isinstance(statement.get("at"), str) or statement.get("sha256") != item.get("sha256"):
            raise IntegrityError(f"the {kind} decision on asset {aid} is not a review statement of it")
        if item.get("sha256") != kit["assets"][aid] or asset.sha256 != item.get("sha256"):
            raise _stale(f"asset {aid}")
        rid = parse_id("review", str(statement.get("review", "")))
        if s.get(Review, rid) is not None:
            raise InvalidInput(f"review {rid} is already in this vault: nothing was imported twice")
        note = statement.get("note")
        if note is not None and (not isinstance(note, str) or len(note) > 2000):
            raise InvalidInput(f"the note on asset {aid} is not text of at most 2000 characters")
        if not verify(key, statement, item["signature"]):
            raise IntegrityError(f"the {kind} decision on asset {aid} is not signed by talent {tid}")
        store_review(s, vault, asset, statement, item["signature"])
        return kind, aid
    if kind in ("sign", "decline", "revoke"):
        gid = parse_id("grant", str(item.get("grant", "")))
        if gid not in kit.get("grants", {}):
            raise InvalidInput(f"grant {gid} was not in the kit")
        row, rec = load_grant(s, vault, gid)
        if rec.talent_id != tid:
            raise InvalidInput(f"grant {gid} is another talent's")
        if item.get("grant_sha256") != kit["grants"][gid] or rec.sha256 != item.get("grant_sha256"):
            raise _stale(f"grant {gid}")
        if kind == "sign":
            document = item.get("document")
            if not isinstance(document, dict):
                raise IntegrityError(f"the signature of grant {gid} carries no document")
            apply_signature_in(s, vault, SignedDraft(gid, tid, item["grant_sha256"], document, item["signature"]))
        elif not isinstance(statement, dict):
            raise IntegrityError(f"the {kind} of grant {gid} carries no statement")
        elif kind == "decline":
            store_decline(s, vault, row, rec, statement, item["signature"])
        else:
            if not isinstance(statement.get("reason"), str) or not statement["reason"].strip():
                raise InvalidInput(f"the revocation of grant {gid} gives no reason")
            _revocation_dated(rec, statement, kit["at"])
            store_revocation(s, vault, row, rec, statement, item["signature"])
        return kind, gid
    if kind in ("pause", "resume"):
        gid = item.get("grant")
        gid = parse_id("grant", str(gid)) if gid is not None else None
        if gid is not None and gid not in kit.get("grants", {}):
            raise InvalidInput(f"grant {gid} was not in the kit")
        if not isinstance(statement, dict) or not isinstance(item.get("signature"), str):
            raise IntegrityError(f"the {kind} carries no signed statement")
        signed = SignedStatement(statement, item["signature"])
        (pause_in if kind == "pause" else resume_in)(s, tid, gid, signed)
        return kind, gid or ""
    if kind in OUTPUT_KINDS:
        return _apply_output(s, vault, tid, kit, did, item)
    # access / erasure: recorded, signed, for the studio to act on
    if kind not in REQUEST_KINDS:
        raise InvalidInput(f"unknown decision {kind!r}")
    gid = item.get("grant")
    if gid is not None:
        gid = parse_id("grant", str(gid))
        if gid not in kit.get("grants", {}):
            raise InvalidInput(f"grant {gid} was not in the kit")
    if not isinstance(statement, dict) or statement.get("type") != REQUEST_TYPE or statement.get("request") != kind \
            or statement.get("talent") != tid or statement.get("grant") != gid or \
            statement.get("kit") != item.get("kit"):
        raise IntegrityError(f"the {kind} request is not a signed request of talent {tid}")
    if not verify(key, statement, item["signature"]):
        raise IntegrityError(f"the {kind} request is not signed by talent {tid}")
    audit.append(s, REQUESTED[kind], gid or tid, {"decisions": did, "kit": item["kit"], "grant": gid,
                                                  "at": statement.get("at"), "signature": item["signature"]},
                 actor=tid)
    return kind, gid or ""
