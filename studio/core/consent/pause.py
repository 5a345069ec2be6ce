"""The talent pauses new exports of their likeness — all of them, or those under one grant —
without revoking anything, and resumes them; both only by their signature (issue 13, DR050).

A pause and a resume are each a signed statement (Ed25519 over RFC 8785 canonical JSON, as every
statement of the talent's, :mod:`studio.core.consent.signing`)::

    {"type": "twin-studio/exports-pause",  "talent": "tal_…", "grant": "grt_…" | null, "at": "…"}
    {"type": "twin-studio/exports-resume", "talent": "tal_…", "grant": "grt_…" | null,
     "pause_sha256": "<SHA-256 of the pause statement's canonical bytes>", "at": "…"}

The statement holds ids and an instant only, so it can be made anywhere the talent's key is: with
the studio-held key (:func:`sign_statement`, the CLI and the app), or on the talent's own device
in a decisions file (:func:`pause_exports` / :func:`resume_exports` take the statement and its
signature as made there). A resume names the one pause it lifts, so an old resume cannot lift a
newer pause; a statement applied once cannot be applied again (its hash is unique).

Exports refuse while a pause covers them (:func:`require_not_paused`, called by the export's plan
and again under the writer lock): :class:`~studio.core.errors.ExportsPaused`, naming the talent
and since when. Packages already delivered are not reached: their manifest says so.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import select, update

from studio.core.changes import Changes
from studio.core.clock import now_iso
from studio.core.consent.signing import canonical, sign
from studio.core.consent.talent_keys import TalentKey, current_public_key, keyring, refuse_if_own_device
from studio.core.errors import ConsentError, ExportsPaused, InvalidInput, NotFound
from studio.core.ids import parse_id
from studio.core.vault import Vault, audit
from studio.core.vault.catalog import ExportPause, Grant, Talent

PAUSE = "twin-studio/exports-pause"
RESUME = "twin-studio/exports-resume"
PAUSED, RESUMED = "talent.exports_paused", "talent.exports_resumed"


@dataclass(frozen=True)
class SignedStatement:
    """A statement of the talent's and their signature (base64), however it was made."""

    statement: dict
    signature: str

    @property
    def sha256(self) -> str:
        return statement_sha256(self.statement)


def statement_sha256(statement: dict) -> str:
    return hashlib.sha256(canonical(statement)).hexdigest()


@dataclass(frozen=True)
class PauseRecord:
    """One pause, as stored: active until ``resumed_at``."""

    id: int
    talent_id: str
    grant_id: str | None     # None: every export of the talent's likeness
    statement: dict
    signature: str
    paused_at: str
    resume_statement: dict | None = None
    resume_signature: str | None = None
    resumed_at: str | None = None

    @property
    def active(self) -> bool:
        return self.resumed_at is None

    @property
    def sha256(self) -> str:
        return statement_sha256(self.statement)

    @property
    def scope(self) -> str:
        return f"grant {self.grant_id}" if self.grant_id else "all exports"

    @property
    def changes(self) -> Changes:
        """What the call that returned this record changed (DR013)."""
        return Changes(talents={self.talent_id}, grants={self.grant_id} if self.grant_id else frozenset(), audit=True)

    def to_json(self) -> dict:
        return {"talent": self.talent_id, "grant": self.grant_id, "active": self.active, "since": self.paused_at,
                "statement": self.statement, "signature": self.signature, "statement_sha256": self.sha256,
                "resumed_at": self.resumed_at, "resume_statement": self.resume_statement,
                "resume_signature": self.resume_signature}


def _record(row: ExportPause) -> PauseRecord:
    return PauseRecord(row.id, row.talent_id, row.grant_id, json.loads(row.statement), row.signature, row.paused_at,
                       json.loads(row.resume_statement) if row.resume_statement else None, row.resume_signature,
                       row.resumed_at)


def _ids(talent_id: str, grant_id: str | None) -> tuple[str, str | None]:
    return parse_id("talent", talent_id), (parse_id("grant", grant_id) if grant_id else None)


def _scope_words(tid: str, gid: str | None) -> str:
    return f"exports under grant {gid} of talent {tid}" if gid else f"exports of talent {tid}'s likeness"


# -- the statements -------------------------------------------------------------------------------

def pause_statement(talent_id: str, grant_id: str | None = None, at: str | None = None) -> dict:
    """What the talent signs to pause (all exports, or those under ``grant_id``)."""
    tid, gid = _ids(talent_id, grant_id)
    return {"type": PAUSE, "talent": tid, "grant": gid, "at": at or now_iso()}


def resume_statement(pause: PauseRecord, at: str | None = None) -> dict:
    """What the talent signs to lift ``pause`` (and only it)."""
    return {"type": RESUME, "talent": pause.talent_id, "grant": pause.grant_id, "pause_sha256": pause.sha256,
            "at": at or now_iso()}


def sign_statement(vault: Vault, key: TalentKey, statement: dict) -> SignedStatement:
    """Sign with the studio-held key the talent unlocked with their passphrase. A talent who holds
    their own key signs on their own device (:class:`TalentSignsOnOwnDevice`)."""
    tid = parse_id("talent", statement.get("talent") or "")
    refuse_if_own_device(vault, tid)
    with vault.session() as s:
        current = current_public_key(s, tid)
    if key.talent_id != tid or current is None or key.public_b64 != current:
        raise ConsentError(f"only talent {tid}, with their own key, can sign this")
    return SignedStatement(statement, sign(key.private, statement))


# -- applying them ----------------------------------------------------------------------------------

def _check_at(statement: dict) -> str:
    at = statement.get("at")
    try:
        parsed = dt.datetime.fromisoformat(at) if isinstance(at, str) else None
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise InvalidInput(f"the statement's instant {at!r} is not an ISO 8601 time with its UTC offset")
    return at


def _check_statement(s, signed: SignedStatement, kind: str, tid: str, gid: str | None, extra: set[str]) -> None:
    st = signed.statement
    if not isinstance(st, dict) or st.get("type") != kind:
        raise InvalidInput(f"the statement is not a {kind} statement")
    if set(st) != {"type", "talent", "grant", "at"} | extra:
        raise InvalidInput(f"the {kind} statement has other fields than it should: {sorted(st)}")
    if st.get("talent") != tid or st.get("grant") != gid:
        def scope(g) -> str:
            return f"grant {g}" if g else "all exports"

        raise ConsentError(f"the statement is about {scope(st.get('grant'))} of talent {st.get('talent')}, "
                           f"not {scope(gid)} of talent {tid}; nothing was changed")
    at = _check_at(st)
    if not isinstance(signed.signature, str) or not keyring(s, tid).verifies(st, signed.signature, at):
        raise ConsentError(f"the signature is not talent {tid}'s, with their registered key: only the talent's "
                           "signature pauses or resumes their exports; nothing was changed")


def _check_scope(s, tid: str, gid: str | None) -> None:
    if s.get(Talent, tid) is None:
        raise NotFound(f"no talent {tid} in this vault")
    if gid is not None:
        grant = s.get(Grant, gid)
        if grant is None:
            raise NotFound(f"no grant {gid} in this vault")
        if grant.talent_id != tid:
            raise InvalidInput(f"grant {gid} is talent {grant.talent_id}'s, not talent {tid}'s")


def _active(s, tid: str, gid: str | None) -> ExportPause | None:
    q = select(ExportPause).where(ExportPause.talent_id == tid, ExportPause.resumed_at.is_(None))
    q = q.where(ExportPause.grant_id == gid) if gid else q.where(ExportPause.grant_id.is_(None))
    return s.execute(q.order_by(ExportPause.id)).scalars().first()


def pause_exports(vault: Vault, talent_id: str, grant_id: str | None, signed: SignedStatement) -> PauseRecord:
    """Store the talent's signed pause: from now on every new export of their likeness (or under
    ``grant_id``) refuses until they sign a resume. Refused, changing nothing: a statement not the
    talent's (signature, talent, grant), one applied before, a scope already paused."""
    with vault.session() as s:
        return pause_in(s, talent_id, grant_id, signed)


def pause_in(s, talent_id: str, grant_id: str | None, signed: SignedStatement) -> PauseRecord:
    """:func:`pause_exports` inside the caller's transaction (a decisions file applies all its
    decisions in one)."""
    tid, gid = _ids(talent_id, grant_id)
    _check_scope(s, tid, gid)
    _check_statement(s, signed, PAUSE, tid, gid, set())
    sha = signed.sha256
    if s.execute(select(ExportPause.id).where(ExportPause.statement_sha256 == sha)).first() is not None:
        raise ConsentError("this pause statement was applied before: a statement counts once; nothing was changed")
    already = _active(s, tid, gid)
    if already is not None:
        raise ConsentError(f"{_scope_words(tid, gid)} are already paused, since {already.paused_at}")
    row = ExportPause(talent_id=tid, grant_id=gid, statement_sha256=sha,
                      statement=canonical(signed.statement).decode(), signature=signed.signature,
                      paused_at=now_iso())
    s.add(row)
    s.flush()
    audit.append(s, PAUSED, tid, {"grant": gid, "statement_sha256": sha, "signature": signed.signature,
                                  "at": signed.statement["at"]}, actor=tid)
    return _record(row)


def resume_exports(vault: Vault, talent_id: str, grant_id: str | None, signed: SignedStatement) -> PauseRecord:
    """Lift the talent's pause of ``grant_id`` (or of all exports) with their signed resume, which
    must name that pause. The studio cannot: nothing but the talent's signature resumes."""
    with vault.session() as s:
        return resume_in(s, talent_id, grant_id, signed)


def resume_in(s, talent_id: str, grant_id: str | None, signed: SignedStatement) -> PauseRecord:
    """:func:`resume_exports` inside the caller's transaction."""
    tid, gid = _ids(talent_id, grant_id)
    _check_scope(s, tid, gid)
    row = _active(s, tid, gid)
    if row is None:
        raise ConsentError(f"{_scope_words(tid, gid)} are not paused"
                           + ("" if gid is None else " (a pause of all their exports is lifted without --grant)"))
    _check_statement(s, signed, RESUME, tid, gid, {"pause_sha256"})
    if signed.statement.get("pause_sha256") != row.statement_sha256:
        raise ConsentError(f"the resume names another pause than the one in force since {row.paused_at}; "
                           "nothing was changed")
    now = now_iso()
    done = s.execute(update(ExportPause).where(ExportPause.id == row.id, ExportPause.resumed_at.is_(None))
                     .values(resume_statement=canonical(signed.statement).decode(),
                             resume_signature=signed.signature, resumed_at=now)
                     .execution_options(synchronize_session=False))
    if done.rowcount != 1:
        raise ConsentError("the pause was lifted by another window or command meanwhile; nothing was changed")
    s.expire(row)
    audit.append(s, RESUMED, tid, {"grant": gid, "pause_sha256": row.statement_sha256,
                                   "statement_sha256": signed.sha256, "signature": signed.signature,
                                   "at": signed.statement["at"]}, actor=tid)
    return _record(row)


def pause_with_key(vault: Vault, talent_id: str, grant_id: str | None, key: TalentKey) -> PauseRecord:
    """Pause with the studio-held key the talent unlocked (the CLI's and the app's path)."""
    return pause_exports(vault, talent_id, grant_id, sign_statement(vault, key, pause_statement(talent_id, grant_id)))


def resume_with_key(vault: Vault, talent_id: str, grant_id: str | None, key: TalentKey) -> PauseRecord:
    """Resume with the studio-held key the talent unlocked: signs a resume of the pause in force."""
    tid, gid = _ids(talent_id, grant_id)
    current = active_pause(vault, tid, gid)
    if current is None:
        raise ConsentError(f"{_scope_words(tid, gid)} are not paused")
    return resume_exports(vault, tid, gid, sign_statement(vault, key, resume_statement(current)))


# -- reading ------------------------------------------------------------------------------------------

def active_pause(vault: Vault, talent_id: str, grant_id: str | None = None) -> PauseRecord | None:
    tid, gid = _ids(talent_id, grant_id)
    with vault.session() as s:
        row = _active(s, tid, gid)
        return None if row is None else _record(row)


def list_pauses(vault: Vault, talent_id: str | None = None, *, active_only: bool = False) -> list[PauseRecord]:
    """The pauses (every talent's, or one's), oldest first."""
    q = select(ExportPause).order_by(ExportPause.id)
    if talent_id is not None:
        q = q.where(ExportPause.talent_id == parse_id("talent", talent_id))
    if active_only:
        q = q.where(ExportPause.resumed_at.is_(None))
    with vault.session() as s:
        return [_record(r) for r in s.execute(q).scalars()]


def paused_by(vault: Vault, talent_id: str, grant_id: str) -> PauseRecord | None:
    """The pause that stops exports under ``grant_id`` now (the talent-wide one first), if any."""
    tid, gid = _ids(talent_id, grant_id)
    with vault.session() as s:
        row = _active(s, tid, None) or _active(s, tid, gid)
        return None if row is None else _record(row)


def pause_message(p: PauseRecord) -> str:
    return (f"{_scope_words(p.talent_id, p.grant_id)} are paused by the talent since {p.paused_at}: nothing is "
            "exported until the talent signs a resume")


def require_not_paused(vault: Vault, talent_id: str, grant_id: str) -> None:
    """:class:`ExportsPaused` when a pause of the talent's covers an export under ``grant_id``."""
    p = paused_by(vault, talent_id, grant_id)
    if p is not None:
        raise ExportsPaused(pause_message(p), talent_id=p.talent_id, grant_id=p.grant_id, since=p.paused_at)


# -- check ----------------------------------------------------------------------------------------------

def verify_pauses(vault: Vault) -> list[str]:
    """For ``check``: each pause and resume stored is the talent's signed one, recorded in the audit
    chain; each pause the chain recorded is still stored (a pause deleted or lifted outside Twin
    Studio would let exports through)."""
    from studio.core.vault.catalog import AuditEvent

    problems: list[str] = []
    with vault.session() as s:
        recorded: dict[str, dict] = {}
        resumed: dict[str, dict] = {}
        for ev in s.execute(select(AuditEvent).where(AuditEvent.action.in_((PAUSED, RESUMED)))
                            .order_by(AuditEvent.seq)).scalars():
            d = json.loads(ev.details)
            (recorded if ev.action == PAUSED else resumed)[d.get("statement_sha256" if ev.action == PAUSED
                                                                else "pause_sha256")] = {**d, "talent": ev.subject}
        stored = set()
        for row in s.execute(select(ExportPause)).scalars():
            stored.add(row.statement_sha256)
            rec = _record(row)
            ring = keyring(s, row.talent_id)
            if rec.sha256 != row.statement_sha256 or rec.statement.get("talent") != row.talent_id or \
                    rec.statement.get("grant") != row.grant_id or \
                    not ring.verifies(rec.statement, row.signature, rec.statement.get("at")):
                problems.append(f"talent {row.talent_id}: pause {row.id} is not the talent's signed statement "
                                "(altered or added outside Twin Studio)")
            ev = recorded.get(row.statement_sha256)
            if ev is None or ev["talent"] != row.talent_id or ev.get("signature") != row.signature:
                problems.append(f"talent {row.talent_id}: pause {row.id} is not the one the audit chain recorded")
            if row.resumed_at is not None:
                r = rec.resume_statement or {}
                if r.get("pause_sha256") != row.statement_sha256 or \
                        not ring.verifies(r, row.resume_signature or "", r.get("at")) or \
                        resumed.get(row.statement_sha256, {}).get("signature") != row.resume_signature:
                    problems.append(f"talent {row.talent_id}: pause {row.id} was lifted without the talent's "
                                    "recorded, signed resume (outside Twin Studio)")
            elif row.statement_sha256 in resumed:
                problems.append(f"talent {row.talent_id}: pause {row.id} is in force, yet the audit chain recorded "
                                "its resume (altered outside Twin Studio)")
        for sha, ev in recorded.items():
            if sha not in stored:
                problems.append(f"talent {ev['talent']}: a pause the audit chain recorded is missing from the catalog "
                                "(deleted outside Twin Studio: exports it stopped would go through)")
    return problems
