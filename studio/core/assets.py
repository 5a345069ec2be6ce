"""Assets in the vault: listing, detail, and getting the original back byte for byte."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from sqlalchemy import select, tuple_

from studio.core.errors import InvalidInput, NotFound
from studio.core.ids import parse_id
from studio.core.text import printable
from studio.core.types import AssetStatus, FileRole
from studio.core.vault import Vault
from studio.core.vault.plaintext import write_plaintext
from studio.core.vault.catalog import Asset, AssetFile

STATUSES = tuple(AssetStatus)


@dataclass(frozen=True)
class AssetFileRecord:
    role: str
    name: str
    media_type: str
    sha256: str
    size: int


@dataclass(frozen=True)
class DetailLevel:
    """One level of detail of a mesh asset (DR024): ``role`` is the stored file's role ("lod",
    "lod_fine") or "original" for the scan itself; ``faces`` its triangle count (None for a LOD
    stored before the counts were recorded); ``file`` the stored derived file (None for the
    original, which is read as the asset's own blob)."""

    role: str
    faces: int | None
    file: AssetFileRecord | None


#: Derived preview meshes, coarse to fine.
LOD_ROLES = (FileRole.LOD, FileRole.LOD_FINE)


@dataclass(frozen=True)
class AssetRecord:
    id: str
    talent_id: str
    kind: str
    format: str
    media_type: str
    sha256: str
    size: int
    original_name: str
    status: str
    metrics: dict
    warnings: list[str]
    created_at: str
    files: list[AssetFileRecord] = field(default_factory=list)

    def to_json(self) -> dict:
        d = dict(self.__dict__)
        d["files"] = [dict(f.__dict__) for f in self.files]
        return d

    def file(self, role: str) -> AssetFileRecord | None:
        return next((f for f in self.files if f.role == role), None)

    def levels(self) -> list[DetailLevel]:
        """A mesh's stored levels of detail, coarse to fine, the original last: e.g. ``lod``
        (~100 k faces), ``lod_fine`` (~1 M, big scans only) and ``original``. A small scan has
        only its original; a vault from before DR024 has no ``lod_fine`` and no face counts for
        its ``lod``. Empty for point clouds and voice takes."""
        if self.kind != "mesh":
            return []
        counts = {entry.get("role"): entry.get("faces") for entry in self.metrics.get("lods", ())
                  if isinstance(entry, dict)}
        out = [DetailLevel(str(role), counts.get(role), self.file(role)) for role in LOD_ROLES
               if self.file(role) is not None]
        out.append(DetailLevel(str(FileRole.ORIGINAL), self.metrics.get("faces"), None))
        return out


def _record(vault: Vault, row, files) -> AssetRecord:
    """``row``: an ``Asset`` or a row of the assets table's columns; ``files``: its files, alike."""
    f = vault.fields
    return AssetRecord(
        id=row.id, talent_id=row.talent_id, kind=row.kind, format=row.format, media_type=row.media_type,
        sha256=row.sha256, size=row.size,
        # as the user reads it: a non-UTF-8 name (kept byte for byte, sealed) shows U+FFFD where it can't be read
        original_name=printable(f.open(row.original_name_sealed, f"assets.original_name:{row.id}")),
        status=row.status,
        metrics=_json(f.open(row.metrics_sealed, f"assets.metrics:{row.id}")),
        warnings=_json(f.open(row.warnings_sealed, f"assets.warnings:{row.id}")),
        created_at=row.created_at,
        files=[AssetFileRecord(x.role, f.open(x.name_sealed, f"asset_files.name:{x.asset_id}:{x.role}"), x.media_type, x.sha256, x.size)
               for x in files],
    )


def _json(text: str):
    return [] if text == "[]" else json.loads(text)  # most assets have no warnings


def _listing(talent_id: str | None, kind: str | None, status: str | None, newest_first: bool):
    assets = Asset.__table__
    q = select(assets)
    if talent_id is not None:
        q = q.where(assets.c.talent_id == parse_id("talent", talent_id))
    if kind is not None:
        q = q.where(assets.c.kind == kind)
    if status is not None:
        if status not in STATUSES:
            raise InvalidInput(f"unknown status {status!r} (one of {', '.join(STATUSES)})")
        q = q.where(assets.c.status == status)
    order = (assets.c.created_at.desc(), assets.c.id.desc()) if newest_first else (assets.c.created_at, assets.c.id)
    return q.order_by(*order)


def iter_assets(vault: Vault, talent_id: str | None = None, kind: str | None = None, status: str | None = None,
                newest_first: bool = False, chunk: int = 500) -> Iterator[list[AssetRecord]]:
    """The assets :func:`list_assets` lists, ``chunk`` at a time, all from one snapshot of the
    catalog (one read transaction). Each chunk is its own query, after the last row of the one
    before (keyset paging): 10,000 takes are 40,000 sealed fields, and a window shows the first
    chunk while the rest are read and opened; no single step holds a worker for long (DR026)."""
    listing = _listing(talent_id, kind, status, newest_first)
    c = Asset.__table__.c
    with vault.session() as s:  # one read transaction: one snapshot for every chunk
        after = None
        while True:
            q = listing
            if after is not None:
                key = tuple_(c.created_at, c.id)
                q = q.where(key < tuple_(*after) if newest_first else key > tuple_(*after))
            rows = s.execute(q.limit(chunk)).all()
            if rows:
                yield _records(vault, s, rows)
            if len(rows) < chunk:
                return
            after = (rows[-1].created_at, rows[-1].id)


def _records(vault: Vault, s, rows) -> list[AssetRecord]:
    files_table = AssetFile.__table__
    files: dict[str, list] = {}
    query = select(files_table).where(files_table.c.asset_id.in_([r.id for r in rows])).order_by(files_table.c.id)
    for af in s.execute(query):
        files.setdefault(af.asset_id, []).append(af)
    return [_record(vault, r, files.get(r.id, [])) for r in rows]


def list_assets(vault: Vault, talent_id: str | None = None, kind: str | None = None,
                status: str | None = None) -> list[AssetRecord]:
    """A talent's (or every) asset, oldest first, optionally of one kind or status."""
    return [a for part in iter_assets(vault, talent_id, kind, status, chunk=2000) for a in part]


def get_asset(vault: Vault, asset_id: str) -> AssetRecord:
    aid = parse_id("asset", asset_id)
    with vault.session() as s:
        row = s.get(Asset, aid)
        if row is None:
            raise NotFound(f"no asset {aid} in this vault")
        files = s.execute(select(AssetFile).where(AssetFile.asset_id == aid).order_by(AssetFile.id)).scalars().all()
        return _record(vault, row, list(files))


def extract_asset(vault: Vault, asset_id: str, out: Path, overwrite: bool = False) -> Path:
    """Write the original file to ``out``: decrypted, re-hashed, then renamed into place.

    The plaintext goes through an owner-only temp file that a crash does not leave readable:
    the next extract into the folder removes it (see :mod:`studio.core.vault.plaintext`)."""
    record = get_asset(vault, asset_id)
    out = Path(out)
    if out.is_dir():
        raise InvalidInput(f"{out} is a folder; give a file name to write to")
    if out.exists() and not overwrite:
        raise InvalidInput(f"{out} already exists (use --force to overwrite)")
    if not out.parent.is_dir():
        raise InvalidInput(f"folder {out.parent} does not exist")
    return write_plaintext(out, lambda fh: vault.blobs.decrypt_to(record.sha256, fh))


def read_derived(vault: Vault, asset_id: str, role: str) -> bytes:
    record = get_asset(vault, asset_id)
    f = record.file(role)
    if f is None:
        raise NotFound(f"asset {record.id} has no {role}")
    store = vault.blobs if role == "companion" else vault.derived
    return store.read_bytes(f.sha256)
