"""Every recorded event on one talent's likeness: their record, their assets, their grants."""

from __future__ import annotations

from sqlalchemy import select

from studio.core.ids import parse_id
from studio.core.vault import Vault, audit
from studio.core.vault.catalog import Asset, Grant

LABELS = {
    "talent.added": "added to the vault", "talent.key_created": "own signing key created",
    "talent.passphrase_changed": "passphrase changed", "asset.ingested": "asset stored",
    "asset.derived": "preview image made", "asset.approved": "approved", "asset.rejected": "rejected",
    "grant.drafted": "grant drafted", "grant.edited": "grant draft edited", "grant.signed": "grant signed",
    "grant.activated": "grant activated by the studio", "grant.revoked": "grant revoked",
    "grant.declined": "grant declined", "grant.used": "used under a grant",
}


def history_for_talent(vault: Vault, talent_id: str) -> list[dict]:
    tid = parse_id("talent", talent_id)
    with vault.session() as s:
        subjects = {tid}
        subjects |= set(s.execute(select(Asset.id).where(Asset.talent_id == tid)).scalars())
        subjects |= set(s.execute(select(Grant.id).where(Grant.talent_id == tid)).scalars())
    events = [e for e in audit.list_events(vault) if e["subject"] in subjects]
    for e in events:
        e["label"] = LABELS.get(e["action"], e["action"])
        e["by_talent"] = e["actor"] == tid
    return events
