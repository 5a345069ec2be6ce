"""Derived files added to an asset after ingest (a thumbnail rendered on first show).

A derived file shows the likeness as much as the original does, so it is an encrypted blob in
the ``derived`` store like the LOD and the waveform, written in the same crash-safe order. It is
rendered and encrypted before the writer lock is taken; the lock covers only the commit (DR025).
"""

from __future__ import annotations

from sqlalchemy import select

from studio.core.clock import now_iso
from studio.core.errors import NotFound
from studio.core.ids import parse_id
from studio.core.types import DERIVED_ROLES
from studio.core.vault import Vault, audit
from studio.core.vault.catalog import Asset, AssetFile
from studio.core.vault.writes import add_blob_rows, clear_intent, publish_with_intent


def add_derived(vault: Vault, asset_id: str, role: str, media_type: str, data: bytes) -> bool:
    """Store ``data`` as the asset's ``role`` file. Returns False when it already has one
    (the first writer wins; derived files are never replaced)."""
    if role not in DERIVED_ROLES:
        raise ValueError(f"unknown derived role {role!r}")
    aid = parse_id("asset", asset_id)
    if _has(vault, aid, role):
        return False
    with vault.session() as s:
        owner = s.execute(select(Asset.talent_id).where(Asset.id == aid)).scalar_one()
    with vault.staging() as area:
        staged = vault.derived.stage_bytes(data, area.folder, owner)  # encrypted before the lock is taken
        vault.upload_staged(area, [("derived", staged)])
        with vault.writer_lock():
            if _has(vault, aid, role):  # another writer stored one meanwhile
                return False
            now = now_iso()
            fresh = publish_with_intent(vault, [("derived", staged)], now)
            f = vault.fields
            with vault.session() as s:
                add_blob_rows(s, fresh, now)
                s.add(AssetFile(asset_id=aid, role=role, name_sealed=f.seal(role, f"asset_files.name:{aid}:{role}"),
                                media_type=media_type, sha256=staged.sha256, size=staged.size))
                clear_intent(s, fresh)
                audit.append(s, "asset.derived", aid, {"role": role, "sha256": staged.sha256})
    return True


def _has(vault: Vault, aid: str, role: str) -> bool:
    """Whether the asset has its ``role`` file; NotFound when there is no such asset."""
    with vault.session() as s:
        if s.get(Asset, aid) is None:
            raise NotFound(f"no asset {aid} in this vault")
        return s.execute(select(AssetFile.id).where(AssetFile.asset_id == aid, AssetFile.role == role)).first() is not None
