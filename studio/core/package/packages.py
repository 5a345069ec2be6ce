"""Packages the vault has exported, as the ledger, the talent and leak tracing see them."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import select

from studio.core.ids import parse_id
from studio.core.vault import Vault
from studio.core.vault.catalog import Brand, Package


@dataclass(frozen=True)
class PackageRecord:
    id: str
    grant_id: str
    talent_id: str
    brand_id: str
    brand: str
    created_at: str
    file_sha256: str
    manifest_sha256: str
    manifest: dict

    def to_json(self) -> dict:
        return {"id": self.id, "grant": self.grant_id, "talent": self.talent_id, "brand": self.brand,
                "brand_id": self.brand_id, "created_at": self.created_at, "file_sha256": self.file_sha256,
                "manifest_sha256": self.manifest_sha256,
                "assets": [{k: a.get(k) for k in ("asset", "role", "path", "size", "sha256", "original_sha256")}
                           for a in self.manifest["assets"]]}


def list_packages(vault: Vault, talent_id: str | None = None) -> list[PackageRecord]:
    q = select(Package, Brand.name).join(Brand, Brand.id == Package.brand_id).order_by(Package.created_at)
    if talent_id is not None:
        q = q.where(Package.talent_id == parse_id("talent", talent_id))
    with vault.session() as s:
        out = []
        for row, name in s.execute(q).all():
            manifest = json.loads(vault.fields.open(row.manifest_sealed, f"packages.manifest:{row.id}"))
            out.append(PackageRecord(row.id, row.grant_id, row.talent_id, row.brand_id, name, row.created_at,
                                     row.file_sha256, row.manifest_sha256, manifest))
        return out
