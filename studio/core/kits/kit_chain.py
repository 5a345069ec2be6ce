"""The part of the audit chain a review kit carries, and the talent side's check of it (DR056).

A kit signs the chain's head; to let the talent's side see that this head *extends* the heads it
saw before (a Certificate-Transparency-like consistency check), the kit also carries the chain's
links from the head of the talent's earlier kit up to the new head: every event's ``seq``,
``prev`` and ``hash``, and for each event about the talent the event itself (``at``, ``actor``,
``action``, ``subject`` and ``details`` as stored), so that its hash can be recomputed. Events
about others are links only: the talent learns nothing about them but that they are there.

On the talent's side (:func:`excerpt_warnings`): the links must run without a gap to the signed
head, each one naming the previous one's hash; each full event must hash to its hash; each head
seen before that falls in the range must still be there with its hash; each event of the kit's
history in the range must be the one the links hold. Anything else is a ``WARNING:``.

Decisions and erasure receipts (:mod:`receipts`) carry the same excerpt, up to their own head
and checked the same way: it is made from the chain up to that head alone (kits exported later
are not looked at), so a receipt written again later is the same.
"""

from __future__ import annotations

import json

from sqlalchemy import select

from studio.core.vault.audit import event_hash
from studio.core.vault.catalog import ApprovalRequest, Asset, AuditEvent, Grant
from studio.core.vault.likeness_keys import ERASED

CHAIN_KEY = "chain"
MAX_CHAIN_EVENTS = 20_000  # ~3 MB of kit.json at most; older links are then left out (``from`` says so)
KIT_EXPORTED = "review_kit.exported"  # as in export.py (which imports this module)
DECISIONS_IMPORTED = "decisions.imported"
BODY = ("at", "actor", "action", "subject", "details")


def _start(s, tid: str, head_seq: int) -> int:
    """Where the excerpt starts: the head of the talent's last kit, or of the last kit whose
    decisions came back (proof the talent saw it), whichever is lower; for a first kit, the
    talent's first event. Never more than :data:`MAX_CHAIN_EVENTS` before the head. Only the
    events up to ``head_seq`` count: a receipt made again after later kits starts where it did."""
    last_kit: int | None = None
    kit_heads: dict[str, int] = {}
    decided: set[str] = set()
    for action, subject, details in s.execute(
            select(AuditEvent.action, AuditEvent.subject, AuditEvent.details)
            .where(AuditEvent.action.in_((KIT_EXPORTED, DECISIONS_IMPORTED)), AuditEvent.seq <= head_seq)
            .order_by(AuditEvent.seq)):
        d = json.loads(details)
        if d.get("talent") != tid:
            continue
        seq = (d.get("head") or {}).get("seq")
        if action == KIT_EXPORTED and isinstance(seq, int):
            kit_heads[subject] = last_kit = seq
        elif action == DECISIONS_IMPORTED:
            decided.add(d.get("kit"))
    last_decided = max((kit_heads[k] for k in decided if k in kit_heads), default=None)
    candidates = [c for c in (last_kit, last_decided) if c is not None and c >= 1]
    if candidates:
        start = min(candidates)
    else:
        first = s.execute(select(AuditEvent.seq).where(AuditEvent.subject == tid, AuditEvent.seq <= head_seq)
                          .order_by(AuditEvent.seq)
                          .limit(1)).scalar_one_or_none()
        start = first or 1
    return max(start, head_seq - MAX_CHAIN_EVENTS + 1, 1)


def _talent_ids(s, tid: str) -> set[str]:
    """The talent's id and those of their assets, grants and approval requests; an erased
    talent's assets (their rows are gone) as their tombstone lists them, so that a receipt made
    before the erasure is the same made again after it."""
    ids = {tid}
    ids |= set(s.execute(select(Asset.id).where(Asset.talent_id == tid)).scalars())
    ids |= set(s.execute(select(Grant.id).where(Grant.talent_id == tid)).scalars())
    ids |= set(s.execute(select(ApprovalRequest.id).where(ApprovalRequest.talent_id == tid)).scalars())
    for details in s.execute(select(AuditEvent.details).where(AuditEvent.action == ERASED, AuditEvent.subject == tid)
                             ).scalars():
        ids |= {a for a in json.loads(details).get("assets") or [] if isinstance(a, str)}
    return ids


def chain_excerpt(s, tid: str, head_seq: int) -> dict:
    """Inside the kit's (or receipt's) session: the links from the talent's last kit's head to
    ``head_seq``."""
    if head_seq < 1:
        return {"from": 0, "events": []}
    start = _start(s, tid, head_seq)
    ids = _talent_ids(s, tid)
    events = []
    table = AuditEvent.__table__
    for ev in s.execute(select(table).where(table.c.seq >= start, table.c.seq <= head_seq).order_by(table.c.seq)):
        entry = {"seq": ev.seq, "prev": ev.prev_hash, "hash": ev.hash}
        if ev.subject in ids or ev.actor == tid or tid in ev.details:
            entry.update({k: getattr(ev, k) for k in BODY})
        events.append(entry)
    return {"from": start, "events": events}


def excerpt_warnings(kit: dict, seen_heads: list[dict], what: str = "kit") -> list[str]:
    """Why the history excerpt of ``kit`` does not prove that its signed head extends the heads
    seen before (``seen-kits.json``'s). A kit without an excerpt (made by an older Twin Studio)
    gives none: its head is checked by sequence and hash alone. ``what`` names the file in the
    warnings ("kit", "receipt")."""

    def _bad(text: str) -> str:
        return (f"WARNING: the studio's history in this {what} does not hold together ({text}): it may have been "
                f"altered. Keep the {what} and ask the studio why.")

    excerpt = kit.get(CHAIN_KEY)
    if excerpt is None:
        return []
    head = kit.get("chain_head") or {}
    events = excerpt.get("events") if isinstance(excerpt, dict) else None
    if not isinstance(events, list) or not all(isinstance(e, dict) for e in events):
        return [_bad("its events cannot be read")]
    if not events:
        return [] if head.get("seq") == 0 else [_bad("it carries no events up to its head")]
    by_seq: dict[int, str] = {}
    previous = None
    for e in events:
        seq, prev, hash_ = e.get("seq"), e.get("prev"), e.get("hash")
        if not isinstance(seq, int) or not isinstance(prev, str) or not isinstance(hash_, str):
            return [_bad("an event without its number or hashes")]
        if previous is not None and (seq != previous["seq"] + 1 or prev != previous["hash"]):
            return [_bad(f"event {seq} does not follow event {previous['seq']}")]
        if "action" in e:
            body = [e.get(k) for k in BODY]
            if not all(isinstance(v, str) for v in body) or event_hash(seq, *body, prev) != hash_:
                return [_bad(f"event {seq} ({e.get('action')}) is not the event its hash says")]
        by_seq[seq] = hash_
        previous = e
    if previous["seq"] != head.get("seq") or previous["hash"] != head.get("hash"):
        return [_bad(f"its events end at event {previous['seq']}, not at the head the studio signed")]
    warnings = []
    first, last = events[0]["seq"], previous["seq"]
    for h in seen_heads:
        seq = h.get("seq")
        if isinstance(seq, int) and first <= seq < last and by_seq.get(seq) != h.get("hash"):
            warnings.append(f"WARNING: event {seq} of the studio's history is not the one {h.get('kit')} showed "
                            "you before: the history was rewritten since. Keep both files and ask the studio why.")
            break
    for e in kit.get("history") or []:
        seq = e.get("seq") if isinstance(e, dict) else None
        if isinstance(seq, int) and first <= seq <= last and by_seq.get(seq) != e.get("hash"):
            warnings.append(_bad(f"event {seq} of your history is not the one its links hold"))
            break
    return warnings
