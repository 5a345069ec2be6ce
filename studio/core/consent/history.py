"""Every recorded event on one talent's likeness: their record, their assets, their grants — each
with the name the talent knows it by and, for a decision, the reason given."""

from __future__ import annotations

import json

from sqlalchemy import select

from studio.core.errors import IntegrityError
from studio.core.ids import parse_id
from studio.core.text import printable
from studio.core.vault import Vault, audit
from studio.core.vault.catalog import Asset, Grant, Review, Talent

LABELS = {
    "talent.added": "added to the vault", "talent.key_created": "own signing key created",
    "talent.passphrase_changed": "passphrase changed", "asset.ingested": "asset stored",
    "asset.derived": "preview image made", "asset.approved": "approved", "asset.rejected": "rejected",
    "grant.drafted": "grant drafted", "grant.edited": "grant draft edited", "grant.signed": "grant signed",
    "grant.activated": "grant activated by the studio", "grant.revoked": "grant revoked",
    "grant.declined": "grant declined", "grant.used": "used under a grant",
    "decisions.imported": "decisions from the talent's own device imported",
    "talent.pause_requested": "pause asked for", "talent.resume_requested": "resume asked for",
    "talent.access_requested": "access copy asked for", "talent.erasure_requested": "erasure asked for",
    "talent.erased": "likeness erased (key destroyed, files deleted)",
}


def _opened(vault: Vault, sealed: bytes | None, context: str) -> str | None:
    """A sealed field's text; None when there is none or it does not open (``check`` reports an
    altered field; the history still shows the event, by id)."""
    if sealed is None:
        return None
    try:
        return vault.fields.open(sealed, context)
    except IntegrityError:
        return None


def _statement(vault: Vault, sealed: bytes | None, context: str) -> dict:
    text = _opened(vault, sealed, context)
    if text is None:
        return {}
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _grant_name(document: dict) -> str | None:
    licensee, use = document.get("licensee"), document.get("use_description")
    if not licensee:
        return None
    return f"{licensee}: {use}" if use else str(licensee)


def history_for_talent(vault: Vault, talent_id: str) -> list[dict]:
    """The talent's events, oldest first: each audit event (``at``, ``actor``, ``action``,
    ``subject``, ``details``, …) with ``label`` (what happened, in words), ``by_talent``,
    ``name`` (the asset's file name, the grant's licensee and use, the talent's name; the id
    when it cannot be read) and ``reason`` (the note given with a review, the reason given for
    revoking or declining a grant; None when none was given)."""
    tid = parse_id("talent", talent_id)
    names: dict[str, str] = {}
    reasons: dict[str, str | None] = {}  # review id → note; grant id → revocation or decline reason
    with vault.session() as s:
        talent = s.get(Talent, tid)
        names[tid] = (_opened(vault, talent.name_sealed, f"talents.name:{tid}") if talent else None) or tid
        for aid, sealed in s.execute(select(Asset.id, Asset.original_name_sealed).where(Asset.talent_id == tid)):
            name = _opened(vault, sealed, f"assets.original_name:{aid}")
            names[aid] = printable(name) if name is not None else aid
        for row in s.execute(select(Grant).where(Grant.talent_id == tid)).scalars():
            names[row.id] = _grant_name(_statement(vault, row.document_sealed, f"grants.document:{row.id}")) or row.id
            reasons[row.id] = _statement(vault, row.revocation_sealed, f"grants.revocation:{row.id}").get("reason")
        for rid, sealed in s.execute(select(Review.id, Review.statement_sealed).where(Review.talent_id == tid)):
            reasons[rid] = _statement(vault, sealed, f"reviews.statement:{rid}").get("note")
    events = [e for e in audit.list_events(vault) if e["subject"] in names]
    for e in events:
        e["label"] = LABELS.get(e["action"], e["action"])
        e["by_talent"] = e["actor"] == tid
        e["name"] = names[e["subject"]]
        if e["action"] in ("asset.approved", "asset.rejected"):
            e["reason"] = reasons.get(e["details"].get("review"))
        elif e["action"] in ("grant.revoked", "grant.declined"):
            e["reason"] = reasons.get(e["subject"])
        else:
            e["reason"] = None
    return events
