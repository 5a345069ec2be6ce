"""The append-only audit chain: every mutation of the vault is one event whose hash covers
the event and the previous event's hash, so removing, reordering or editing any event breaks
the chain from that point on; the chain's head is anchored under the vault key's MAC
(:mod:`studio.core.vault.head`), so a tail cut off or rewritten is found too (DR016). Details
carry ids and hashes only, never personal data.
"""

from __future__ import annotations

import getpass
import hashlib
import json
from dataclasses import dataclass
from typing import Callable

import rfc8785
from sqlalchemy import select
from sqlalchemy.orm import Session

from studio.core.clock import now_iso
from studio.core.errors import IntegrityError
from studio.core.vault.catalog import AuditEvent
from studio.core.vault.head import GENESIS, Anchor, Head
from studio.core.vault.pglocks import lock_audit

PENDING_HEAD = "audit_pending_head"  # the session.info key Vault.session() anchors after commit
COMMITTED_HEAD = "audit_committed_head"  # the chain's end before the transaction's first event


def default_actor() -> str:
    try:
        return f"studio:{getpass.getuser()}"
    except Exception:  # no login name (some containers)
        return "studio"


def event_hash(seq: int, at: str, actor: str, action: str, subject: str, details: str, prev: str) -> str:
    body = {"seq": seq, "at": at, "actor": actor, "action": action, "subject": subject,
            "details": details, "prev": prev}
    return hashlib.sha256(rfc8785.dumps(body)).hexdigest()


def _canonical(body: dict) -> bytes:
    """RFC 8785 bytes of an event's body — text and integer values only — from the standard
    library's JSON: sorted keys (ASCII names), no spaces, text as UTF-8 with only ``"``, ``\\`` and
    the C0 controls escaped (``\\b \\t \\n \\f \\r``, else ``\\u00xx``) is exactly what RFC 8785
    writes for these, at a tenth of ``rfc8785.dumps``' cost (2 s of a 10,000-asset check, DR043).
    ``tests/core/test_check_scale.py`` compares the two; :func:`verify_chain` confirms any
    mismatch with :func:`event_hash` before it reports one."""
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def _fast_hash(seq: int, at: str, actor: str, action: str, subject: str, details: str, prev: str) -> str | None:
    try:
        return hashlib.sha256(_canonical({"seq": seq, "at": at, "actor": actor, "action": action, "subject": subject,
                                          "details": details, "prev": prev})).hexdigest()
    except (UnicodeEncodeError, TypeError, ValueError):  # not text (a lone surrogate): the reference decides
        return None


def append(session: Session, action: str, subject: str, details: dict | None = None,
           actor: str | None = None) -> AuditEvent:
    """Add one event inside the caller's transaction (so it commits with the change it records)."""
    lock_audit(session)  # a shared vault's stations append one at a time (pglocks)
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
    session.info.setdefault(COMMITTED_HEAD, Head(seq - 1, prev))  # read under the write lock: committed
    session.info[PENDING_HEAD] = Head(seq, ev.hash)  # anchored once this transaction commits
    return ev


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    problem: str


def verify_chain(session: Session, read_anchor: Callable[[], Anchor | None] | None = None) -> list[ChainProblem]:
    """Every event's hash and link; given ``read_anchor`` (the head file's reader), also the
    chain against its anchored head, so a cut or rewritten tail is found. The head file is read
    before and after the chain, so a write committing meanwhile is not taken for an attack."""
    before = read_anchor() if read_anchor is not None else None
    problems: list[ChainProblem] = []
    prev = GENESIS
    expected_seq = 1
    hashes: dict[int, str] = {}
    for ev in session.execute(select(AuditEvent.__table__).order_by(AuditEvent.seq)):  # rows, not ORM objects
        if ev.seq != expected_seq:
            problems.append(ChainProblem(ev.seq, f"audit event {expected_seq} is missing"))
        if ev.prev_hash != prev:
            problems.append(ChainProblem(ev.seq, f"audit event {ev.seq} does not follow the previous event"))
        fields = (ev.seq, ev.at, ev.actor, ev.action, ev.subject, ev.details, ev.prev_hash)
        if _fast_hash(*fields) != ev.hash and event_hash(*fields) != ev.hash:  # the reference confirms
            problems.append(ChainProblem(ev.seq, f"audit event {ev.seq} ({ev.action}) was altered"))
        hashes[ev.seq] = ev.hash
        prev = ev.hash
        expected_seq = ev.seq + 1
    if read_anchor is not None:
        problems += _anchor_problems(hashes, before, read_anchor())
    return problems


def _anchor_problems(hashes: dict[int, str], before: Anchor | None, after: Anchor | None) -> list[ChainProblem]:
    last = max(hashes, default=0)
    hashes = {0: GENESIS, **hashes}
    if before is None or after is None:
        if last == 0:
            return []
        return [ChainProblem(last, "the audit chain's anchored head (audit-head.json) is missing: "
                                   "events cut from the end of the chain could not be told")]
    if last < before.head.seq:
        return [ChainProblem(last, f"the audit chain ends at event {last}, but its anchored head is event "
                                   f"{before.head.seq}: events {last + 1}-{before.head.seq} were cut from the end")]
    for h in (before.head, after.head):
        if h.seq <= last and hashes.get(h.seq) != h.hash:
            return [ChainProblem(h.seq, f"audit event {h.seq} is not the one anchored as the chain's head "
                                        "(the chain was rewritten)")]
    ends = [h for a in (before, after) for h in (a.head, a.pending) if h is not None]
    if not any(h.seq == last and h.hash == hashes[last] for h in ends):
        return [ChainProblem(last, f"audit events {before.head.seq + 1}-{last} follow the chain's anchored head "
                                   "but were never anchored (added or rewritten outside Twin Studio)")]
    return []


def last_head(session: Session) -> Head:
    """The chain's last event as a head (the genesis head for an empty chain)."""
    last = session.execute(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).scalar_one_or_none()
    return Head(0, GENESIS) if last is None else Head(last.seq, last.hash)


def interrupted_head(session: Session, anchor: Anchor | None) -> bool:
    """Whether the chain ends at a pending head (a crash between a commit and its head's write)."""
    last = session.execute(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).scalar_one_or_none()
    return (anchor is not None and last is not None and anchor.pending is not None
            and anchor.pending.seq == last.seq and anchor.pending.hash == last.hash and anchor.head.seq < last.seq)


def require_intact_chain(session: Session, read_anchor: Callable[[], Anchor | None]) -> None:
    """Raise :class:`IntegrityError` naming every problem of the chain and its anchored head:
    what a write that relies on the chain (export, report import) checks first."""
    try:
        problems = [p.problem for p in verify_chain(session, read_anchor)]
    except IntegrityError as exc:  # the head file itself
        problems = [str(exc)]
    if problems:
        raise IntegrityError("the vault's audit chain fails verification, so nothing was written:\n  - "
                             + "\n  - ".join(problems[:10])
                             + (f"\n  - … and {len(problems) - 10} more" if len(problems) > 10 else "")
                             + "\nrun `twin-studio check` for the full report")


def list_events(vault) -> list[dict]:
    """Every event, oldest first, as plain dicts (details decoded)."""
    import json

    with vault.session() as s:
        rows = s.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars().all()
        return [{"seq": e.seq, "at": e.at, "actor": e.actor, "action": e.action, "subject": e.subject,
                 "details": json.loads(e.details), "prev_hash": e.prev_hash, "hash": e.hash} for e in rows]
