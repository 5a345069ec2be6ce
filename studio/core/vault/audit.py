"""The append-only audit chain: every mutation of the vault is one event whose hash covers
the event and the previous event's hash, so removing, reordering or editing any event breaks
the chain from that point on. Details carry ids and hashes only, never personal data.
"""

from __future__ import annotations

import getpass
import hashlib
from dataclasses import dataclass

import rfc8785
from sqlalchemy import select
from sqlalchemy.orm import Session

from studio.core.clock import now_iso
from studio.core.errors import IntegrityError
from studio.core.vault.catalog import AuditEvent
from studio.core.vault.head import Head

GENESIS = "0" * 64
PENDING_HEAD = "audit_pending_head"  # the session.info key Vault.session() anchors after commit


def default_actor() -> str:
    try:
        return f"studio:{getpass.getuser()}"
    except Exception:  # no login name (some containers)
        return "studio"


def event_hash(seq: int, at: str, actor: str, action: str, subject: str, details: str, prev: str) -> str:
    body = {"seq": seq, "at": at, "actor": actor, "action": action, "subject": subject,
            "details": details, "prev": prev}
    return hashlib.sha256(rfc8785.dumps(body)).hexdigest()


def append(session: Session, action: str, subject: str, details: dict | None = None,
           actor: str | None = None) -> AuditEvent:
    """Add one event inside the caller's transaction (so it commits with the change it records)."""
    last = session.execute(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).scalar_one_or_none()
    seq = 1 if last is None else last.seq + 1
    prev = GENESIS if last is None else last.hash
    at = now_iso()
    actor = actor or default_actor()
    details_json = rfc8785.dumps(details or {}).decode()
    ev = AuditEvent(seq=seq, at=at, actor=actor, action=action, subject=subject, details=details_json,
                    prev_hash=prev, hash=event_hash(seq, at, actor, action, subject, details_json, prev))
    session.add(ev)
    session.flush()
    session.info[PENDING_HEAD] = Head(seq, ev.hash)  # anchored once this transaction commits
    return ev


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    problem: str


def verify_chain(session: Session, head: Head | None = None, *, anchored: bool = False) -> list[ChainProblem]:
    """Every event's hash and link; with ``anchored``, also the chain against its anchored
    ``head`` (None: the head file is missing), so a cut or rewritten tail is found."""
    problems: list[ChainProblem] = []
    prev = GENESIS
    expected_seq = 1
    at_head: AuditEvent | None = None
    last = 0
    for ev in session.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars():
        if ev.seq != expected_seq:
            problems.append(ChainProblem(ev.seq, f"audit event {expected_seq} is missing"))
        if ev.prev_hash != prev:
            problems.append(ChainProblem(ev.seq, f"audit event {ev.seq} does not follow the previous event"))
        recomputed = event_hash(ev.seq, ev.at, ev.actor, ev.action, ev.subject, ev.details, ev.prev_hash)
        if recomputed != ev.hash:
            problems.append(ChainProblem(ev.seq, f"audit event {ev.seq} ({ev.action}) was altered"))
        if head is not None and ev.seq == head.seq:
            at_head = ev
        prev = ev.hash
        expected_seq = ev.seq + 1
        last = ev.seq
    if anchored:
        problems += _head_problems(head, at_head, last)
    return problems


def _head_problems(head: Head | None, at_head: AuditEvent | None, last: int) -> list[ChainProblem]:
    if head is None:
        return [ChainProblem(last, "the audit chain's anchored head (audit-head.json) is missing: "
                                   "events cut from the end of the chain could not be told")]
    if last < head.seq:
        return [ChainProblem(last, f"the audit chain ends at event {last}, but its anchored head is event "
                                   f"{head.seq}: events {last + 1}-{head.seq} were cut from the end")]
    if at_head is None or at_head.hash != head.hash:
        return [ChainProblem(head.seq, f"audit event {head.seq} is not the one anchored as the chain's head "
                                       "(the chain was rewritten)")]
    return []


def unanchored_events(session: Session, head: Head | None) -> int:
    """How many events follow the anchored head (left by a crash before the head was written)."""
    last = session.execute(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1)).scalar_one_or_none()
    return max(0, (last or 0) - (head.seq if head else 0))


def require_intact_chain(session: Session, head: Head | None) -> None:
    """Raise :class:`IntegrityError` naming every problem of the chain and its head: what a
    write that relies on the chain (export, report import) checks first."""
    problems = verify_chain(session, head, anchored=True)
    if problems:
        raise IntegrityError("the vault's audit chain fails verification, so nothing was written:\n  - "
                             + "\n  - ".join(p.problem for p in problems[:10])
                             + (f"\n  - … and {len(problems) - 10} more" if len(problems) > 10 else "")
                             + "\nrun `twin-studio check` for the full report")


def list_events(vault) -> list[dict]:
    """Every event, oldest first, as plain dicts (details decoded)."""
    import json

    with vault.session() as s:
        rows = s.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars().all()
        return [{"seq": e.seq, "at": e.at, "actor": e.actor, "action": e.action, "subject": e.subject,
                 "details": json.loads(e.details), "prev_hash": e.prev_hash, "hash": e.hash} for e in rows]
