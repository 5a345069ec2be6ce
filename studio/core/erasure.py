"""Erasure of a talent's likeness on their signed request (issue 13, DR055): crypto-shredding.

Every blob and derived file of a talent is encrypted to their likeness key (see
:mod:`studio.core.vault.likeness_keys`). ``erase_talent`` destroys that key, so no copy of their
files — the store's, a backup's of it — can be decrypted again, then deletes the files. In order,
under the writer lock:

1. files the talent shares with another talent (the same plaintext, so one stored file) and that
   are encrypted to the erased talent's key are re-encrypted to the other talent's key *and* the
   erased one's, and put in place atomically (either state reads before the commit);
2. one transaction: the key row is deleted, the talent's assets, their files' rows and reviews go,
   shared files get their new owner, the talent's sealed personal fields are replaced by a
   placeholder, ``erased_at`` is set, and the tombstone event (``talent.erased``, hashes only)
   is appended to the audit chain; committed;
3. the files are deleted. A crash before this leaves files that no key the vault holds decrypts:
   ``check`` names them as strays of an erased talent, and running the erasure again removes them
   (it needs no new request: the tombstone says what to remove).

Ledger entries keep amounts, dates and brands; packages keep their ids, brands and hashes (their
sealed manifests, which name the talent and the files, are replaced). Files stored before DR055
(encrypted to the vault key) are deleted too, and listed as such: backups of them stay decryptable
with the vault key until those backups expire.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

from sqlalchemy import delete, select, text

from studio.core.changes import Changes
from studio.core.clock import now_iso
from studio.core.errors import ConsentError, InvalidInput, NotFound
from studio.core.ids import parse_id
from studio.core.progress import ProgressFn, report
from studio.core.testpoints import kill_point
from studio.core.vault import Vault, audit
from studio.core.vault.likeness_keys import ERASED, erased_hashes
from studio.core.vault.catalog import (ApprovalOutput, ApprovalRequest, Asset, AssetFile, AuditEvent, Blob, Brand,
                                       Package, Review, Talent, TalentBlobKey)

REQUESTED = "talent.erasure_requested"
ERASED_NAME = "(erased)"
# how long the studio keeps backups of its catalog (which hold the wrapped likeness keys): a copy
# of an erased talent's key lives on in a backup until it expires (STUDIO_BACKUP_RETENTION_DAYS)
DEFAULT_RETENTION_DAYS = 35
RETENTION_ENV = "STUDIO_BACKUP_RETENTION_DAYS"


def backup_retention_days() -> int:
    raw = os.environ.get(RETENTION_ENV, "").strip()
    if not raw:
        return DEFAULT_RETENTION_DAYS
    if not raw.isdigit() or not 0 <= int(raw) <= 3650:
        raise InvalidInput(f"{RETENTION_ENV} must be a whole number of days (0 to 3650), not {raw!r}")
    return int(raw)


@dataclass
class ErasurePlan:
    """What an erasure of ``talent_id`` destroys (hashes by store), decided before anything changes."""

    talent_id: str
    request_seq: int
    key: str | None                       # the likeness key's recipient (None: the talent had none yet)
    assets: list[str] = field(default_factory=list)
    destroyed: dict[str, list[str]] = field(default_factory=lambda: {"blobs": [], "derived": []})
    legacy: dict[str, list[str]] = field(default_factory=lambda: {"blobs": [], "derived": []})
    handed: list[tuple[str, str, str]] = field(default_factory=list)  # (store, sha, new owner)
    kept: list[str] = field(default_factory=list)  # shared files encrypted to another's key or the vault's
    packages: list[dict] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"talent": self.talent_id, "request_seq": self.request_seq, "key": self.key, "assets": self.assets,
                "destroyed": self.destroyed, "legacy": self.legacy,
                "shared": sorted({sha for _, sha, _ in self.handed} | set(self.kept)), "packages": self.packages}

    @property
    def files(self) -> int:
        return sum(len(v) for v in self.destroyed.values()) + sum(len(v) for v in self.legacy.values())


@dataclass(frozen=True)
class ErasureResult:
    talent_id: str
    erased_at: str
    plan: dict
    removed: int          # files deleted now
    already: bool = False  # the talent had been erased before (this run only finished the deletion)

    @property
    def changes(self) -> Changes:
        return Changes(talents={self.talent_id}, assets=set(self.plan.get("assets", ())), audit=True)


def request_erasure_with_key(vault: Vault, talent_id: str, key) -> int:
    """Review mode: the talent, whose key the studio holds, confirms with their passphrase (``key``
    is the key it unlocked) and signs an erasure request, recorded as a decisions file records one.
    A talent who holds their own key asks from their own device (a decisions file). Returns the
    request event's seq."""
    from studio.core.consent.pause import sign_statement
    from studio.core.kits.kit_file import REQUEST_TYPE, VERSION

    tid = parse_id("talent", talent_id)
    with vault.session() as s:
        _live_talent(s, tid)
    statement = {"type": REQUEST_TYPE, "version": VERSION, "request": "request_erasure", "kit": None, "talent": tid,
                 "grant": None, "at": now_iso()}
    signed = sign_statement(vault, key, statement)  # refuses another's key, or a talent with their own device
    with vault.session() as s:
        ev = audit.append(s, REQUESTED, tid, {"decisions": None, "kit": None, "grant": None, "at": statement["at"],
                                              "signature": signed.signature, "statement": statement}, actor=tid)
        s.flush()
        return ev.seq


def can_erase(vault: Vault, talent_id: str) -> bool:
    """Whether the talent asked for erasure by a signed request and is not erased yet (what enables
    the app's *Erase talent…*)."""
    tid = parse_id("talent", talent_id)
    with vault.session() as s:
        talent = s.get(Talent, tid)
        return talent is not None and talent.erased_at is None and erasure_request(s, tid) is not None


def erasure_status(vault: Vault, talent_id: str) -> str | None:
    """``"erased"``, ``"requested"`` (asked by a signed request, not erased yet: what
    :func:`can_erase` allows) or ``None`` (what the app's erasure buttons follow)."""
    tid = parse_id("talent", talent_id)
    with vault.session() as s:
        talent = s.get(Talent, tid)
        if talent is None:
            raise NotFound(f"no talent {tid}")
        if talent.erased_at is not None:
            return "erased"
        return "requested" if erasure_request(s, tid) is not None else None


def erasure_request(s, tid: str) -> AuditEvent | None:
    """The talent's signed erasure request, as recorded (a decisions file, or review mode)."""
    return s.execute(select(AuditEvent).where(AuditEvent.action == REQUESTED, AuditEvent.actor == tid)
                     .order_by(AuditEvent.seq.desc()).limit(1)).scalar_one_or_none()


def tombstone(s, tid: str) -> AuditEvent | None:
    return s.execute(select(AuditEvent).where(AuditEvent.action == ERASED, AuditEvent.subject == tid)
                     .order_by(AuditEvent.seq).limit(1)).scalar_one_or_none()


def _references(s) -> dict[str, set[str]]:
    """sha256 → the talents not erased whose rows refer to it (assets, their files, approval outputs)."""
    refs: dict[str, set[str]] = {}
    for sha, tid in s.execute(select(Asset.sha256, Asset.talent_id)):
        refs.setdefault(sha, set()).add(tid)
    for sha, tid in s.execute(select(AssetFile.sha256, Asset.talent_id).join(Asset, Asset.id == AssetFile.asset_id)):
        refs.setdefault(sha, set()).add(tid)
    for sha, tid in s.execute(select(ApprovalOutput.sha256, ApprovalRequest.talent_id)
                              .join(ApprovalRequest, ApprovalRequest.id == ApprovalOutput.request_id)
                              .join(Talent, Talent.id == ApprovalRequest.talent_id)
                              .where(Talent.erased_at.is_(None))):  # an erased talent's rows keep hashes only
        refs.setdefault(sha, set()).add(tid)
    return refs


def _live_talent(s, tid: str) -> Talent:
    """The talent ``tid`` (NotFound), refused when already erased."""
    talent = s.get(Talent, tid)
    if talent is None:
        raise NotFound(f"no talent {tid} in this vault")
    if talent.erased_at is not None:
        raise ConsentError(f"talent {tid} was erased at {talent.erased_at}")
    return talent


def plan_erasure(vault: Vault, talent_id: str) -> ErasurePlan:
    """What erasing the talent would destroy; :class:`ConsentError` unless they asked for it by a
    signed request, or when they were erased already."""
    tid = parse_id("talent", talent_id)
    with vault.session() as s:
        talent = _live_talent(s, tid)
        request = erasure_request(s, tid)
        if request is None:
            raise ConsentError(f"talent {tid} has not asked for erasure: erasure needs their signed request (from "
                               "a decisions file, `twin-studio decisions import`, or confirmed with their passphrase "
                               "in review mode, `twin-studio talent request-erasure`)")
        key = s.get(TalentBlobKey, tid)
        plan = ErasurePlan(tid, request.seq, key.recipient if key is not None else None)
        plan.assets = list(s.execute(select(Asset.id).where(Asset.talent_id == tid).order_by(Asset.id)).scalars())
        refs = _references(s)
        mine = sorted(sha for sha, who in refs.items() if tid in who)
        for sha in mine:
            blob = s.get(Blob, sha)
            if blob is None:
                continue
            others = sorted(refs[sha] - {tid})
            if others:
                if blob.owner == tid:
                    plan.handed.append((blob.store, sha, others[0]))
                else:
                    plan.kept.append(sha)
            elif blob.owner == tid:
                plan.destroyed.setdefault(blob.store, []).append(sha)
            elif blob.owner is None:
                plan.legacy.setdefault(blob.store, []).append(sha)
            else:
                plan.kept.append(sha)
        # a file of theirs nothing refers to (none is expected): its key goes, so it goes too
        for store, sha in s.execute(select(Blob.store, Blob.sha256).where(Blob.owner == tid,
                                                                        Blob.sha256.not_in(mine or [""]))):
            plan.destroyed.setdefault(store, []).append(sha)
        for p, brand in s.execute(select(Package, Brand.name).join(Brand, Brand.id == Package.brand_id)
                                  .where(Package.talent_id == tid).order_by(Package.created_at)):
            plan.packages.append({"package": p.id, "brand": p.brand_id, "brand_name": brand,
                                  "delivered_at": p.created_at,
                                  "file_sha256": p.file_sha256, "manifest_sha256": p.manifest_sha256})
    return plan


def erase_talent(vault: Vault, talent_id: str, progress: ProgressFn | None = None,
                 retention_days: int | None = None) -> ErasureResult:
    """Erase the talent (see the module's notes). A talent erased before: only the deletion of
    files left by an interrupted erasure (or copies put back since) is done again."""
    tid = parse_id("talent", talent_id)
    with vault.session() as s:
        talent = s.get(Talent, tid)
        if talent is None:
            raise NotFound(f"no talent {tid} in this vault")
        erased_at = talent.erased_at
        ev = tombstone(s, tid) if erased_at is not None else None
        details = json.loads(ev.details) if ev is not None else {}
    if erased_at is not None:
        with vault.writer_lock():
            return _finish(vault, tid, erased_at, details, progress, already=True)
    retention = backup_retention_days() if retention_days is None else retention_days
    with vault.staging() as area, vault.writer_lock():
        plan = plan_erasure(vault, tid)  # again under the lock: what is there now
        for store, sha, other in plan.handed:  # 1. shared files: to the other talent's key, and still ours
            data = vault.store(store).read_bytes(sha)
            mine = vault.keyring.identity(tid)
            staged = vault.store(store).stage_bytes(data, area.folder, other, also=[mine.to_public()] if mine else None)
            vault.store(store).replace(staged)
        erased_at = now_iso()
        details = {**plan.to_json(), "backup_retention_days": retention}
        details.pop("talent")
        f = vault.fields
        with vault.session() as s:  # 2. one transaction
            sqlite = s.get_bind().dialect.name == "sqlite"
            if sqlite:  # deleted and rewritten rows' bytes are overwritten, not left in free pages (DR045)
                before = s.execute(text("PRAGMA secure_delete")).scalar()
                s.execute(text("PRAGMA secure_delete=ON"))
            s.execute(delete(TalentBlobKey).where(TalentBlobKey.talent_id == tid))
            if plan.assets:
                s.execute(delete(Review).where(Review.asset_id.in_(plan.assets)))
                s.execute(delete(AssetFile).where(AssetFile.asset_id.in_(plan.assets)))
                s.execute(delete(Asset).where(Asset.id.in_(plan.assets)))
            for store, hashes in (*plan.destroyed.items(), *plan.legacy.items()):
                if hashes:
                    s.execute(delete(Blob).where(Blob.sha256.in_(hashes)))
            for _, sha, other in plan.handed:
                s.get(Blob, sha).owner = other
            for p in s.execute(select(Package).where(Package.talent_id == tid)).scalars():
                p.manifest_sealed = f.seal(json.dumps({"erased": erased_at, "package": p.id}),
                                           f"packages.manifest:{p.id}")
            row = s.get(Talent, tid)
            row.name_sealed = f.seal(ERASED_NAME, f"talents.name:{tid}")
            row.email_sealed = row.agency_sealed = None
            row.erased_at = erased_at
            audit.append(s, ERASED, tid, details)
            s.flush()
            if sqlite:  # the connection goes back to the pool as it came
                s.execute(text(f"PRAGMA secure_delete={int(before or 0)}"))
        vault.keyring.forget(tid)
        for _, sha, other in plan.handed:
            vault.keyring.set_owner(sha, other)
        vault.flush_journal()  # the deleted key row out of SQLite's log into the (overwritten) page
        kill_point("erase.committed")  # tests crash here: committed, the files not deleted yet
        return _finish(vault, tid, erased_at, details, progress)


def _finish(vault: Vault, tid: str, erased_at: str, details: dict, progress: ProgressFn | None,
            already: bool = False) -> ErasureResult:
    """3. delete the files the tombstone lists (those not referred to again since, which cannot be)."""
    todo = [(store, sha) for part in ("destroyed", "legacy") for store, hashes in (details.get(part) or {}).items()
            for sha in hashes]
    removed = 0
    with vault.session() as s:
        still = set(s.execute(select(Blob.sha256).where(Blob.sha256.in_([sha for _, sha in todo] or [""]))).scalars())
    for i, (store, sha) in enumerate(todo):
        report(progress, i, len(todo), "deleting the talent's files")
        if sha in still:
            continue  # stored again for someone else since: not the erased talent's any more
        if vault.store(store).exists(sha):
            vault.store(store).remove(sha)
            removed += 1
    report(progress, len(todo), len(todo), "deleting the talent's files")
    return ErasureResult(tid, erased_at, dict(details, talent=tid), removed, already)


def erasure_refusal(vault: Vault, talent_id: str) -> str | None:
    """Why the talent's likeness cannot be exported: erased (None: not erased)."""
    tid = parse_id("talent", talent_id)
    with vault.session() as s:
        talent = s.get(Talent, tid)
        at = talent.erased_at if talent is not None else None
    return f"talent {tid} was erased at their request on {at}: nothing of theirs can be exported" if at else None


__all__ = ["ERASED", "ErasurePlan", "can_erase", "ErasureResult", "erase_talent", "erasure_refusal", "erasure_status",
           "plan_erasure",
           "backup_retention_days", "erased_hashes", "tombstone"]
