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
from studio.core.vault.catalog import AuditEvent

GENESIS = "0" * 64


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
    return ev


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    problem: str


def verify_chain(session: Session) -> list[ChainProblem]:
    problems: list[ChainProblem] = []
    prev = GENESIS
    expected_seq = 1
    for ev in session.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars():
        if ev.seq != expected_seq:
            problems.append(ChainProblem(ev.seq, f"audit event {expected_seq} is missing"))
        if ev.prev_hash != prev:
            problems.append(ChainProblem(ev.seq, f"audit event {ev.seq} does not follow the previous event"))
        recomputed = event_hash(ev.seq, ev.at, ev.actor, ev.action, ev.subject, ev.details, ev.prev_hash)
        if recomputed != ev.hash:
            problems.append(ChainProblem(ev.seq, f"audit event {ev.seq} ({ev.action}) was altered"))
        prev = ev.hash
        expected_seq = ev.seq + 1
    return problems


def list_events(vault) -> list[dict]:
    """Every event, oldest first, as plain dicts (details decoded)."""
    import json

    with vault.session() as s:
        rows = s.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars().all()
        return [{"seq": e.seq, "at": e.at, "actor": e.actor, "action": e.action, "subject": e.subject,
                 "details": json.loads(e.details), "prev_hash": e.prev_hash, "hash": e.hash} for e in rows]
