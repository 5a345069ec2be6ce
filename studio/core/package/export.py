"""Exporting a twin to one brand: the policy check, the streamed package, and the use it
consumes — atomically.

The package is written to a temp file beside the target while nothing is counted. Then, under
the vault's writer lock, the grant is read and checked again, an intent is recorded
(:mod:`studio.core.package.intents`), the file is put in place — never over another file: if one
appeared at the target meanwhile, the package goes beside it under a free name, and the result
says where (DR012) — and only then the use is counted (the one use counter,
:mod:`studio.core.consent.uses`) and the package and ledger rows commit in one transaction. Two
exports racing for the last use: the second one to take the lock finds no use left and removes
its temp file. A counted use always has its package: a crash or error before the commit counts
nothing, and the next export removes the uncounted package the intent names (DR018).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import secrets
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from studio.core.assets import AssetRecord, get_asset
from studio.core.changes import Changes
from studio.core.clock import now_iso
from studio.core.consent.document import brand_summary
from studio.core.consent.exports import to_odrl
from studio.core.consent.grants import GrantRecord, get_grant
from studio.core.consent.pause import require_not_paused
from studio.core.consent.policy import check_use
from studio.core.consent.uses import count_uses
from studio.core.errors import ConsentError, IntegrityError, InvalidInput, StudioError
from studio.core.ids import new_id, parse_id
from studio.core.ledger.entries import entry_facts, fee_due
from studio.core.package import manifest as mf
from studio.core.package import intents, leftovers, watermark
from studio.core.package.brands import BrandRecord, get_brand
from studio.core.package.payload_files import SealJob, Sealed, encrypt as _encrypt_to, seal, seal_from_file
from studio.core.package.workers import run_in_order, worker_count
from studio.core.package.zip_layout import Entry, entry_name, local_header, write_tail
from studio.core.progress import CancelToken, ProgressFn, check_cancel, report
from studio.core.types import FileRole, LedgerKind
from studio.core.vault import Vault, audit
from studio.core.package.publish import publish_new
from studio.core.vault.atomic import TEMP_PREFIX, finish_temp, temp_file
from studio.core.vault.permissions import create_private_file
from studio.core.testpoints import kill_point, pause_point
from studio.core.vault.blobs import HashingSink
from studio.core.vault.catalog import LedgerEntry, Package
from studio.core.vault.keys import public_key_b64, public_key_fingerprint

COPY_CHUNK = 4 << 20


@dataclass(frozen=True)
class ExportPlan:
    grant: GrantRecord
    brand: BrandRecord
    assets: list[AssetRecord]
    purpose: str
    media: str
    territory: str


@dataclass(frozen=True)
class ExportResult:
    package_id: str
    path: Path
    file_sha256: str
    manifest_sha256: str
    manifest: dict

    @property
    def changes(self) -> Changes:
        """What the call that returned this record changed (DR013)."""
        return Changes(packages={self.package_id}, grants={self.manifest["grant"]["id"]},
                       ledger={self.manifest["talent"]["id"]}, audit=True)


def _same_name(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def plan_export(vault: Vault, grant_id: str, brand: str, assets: list[str] | None = None,
                purpose: str | None = None, media: str | None = None, territory: str | None = None,
                on: dt.date | None = None) -> ExportPlan:
    """Everything the export will do, checked: raises ConsentError naming every reason it is refused."""
    rec = get_grant(vault, grant_id)
    require_not_paused(vault, rec.talent_id, rec.id)  # the talent's pause: refused before anything else (DR050)
    doc = rec.document
    b = get_brand(vault, brand)
    use = (purpose or doc["purposes"][0], media or doc["media"][0], territory or doc["territories"][0])
    decision = check_use(vault, rec.id, *use, on=on)
    reasons = list(decision.reasons)
    if not _same_name(doc["licensee"], b.name):
        reasons.append(f"the grant licenses {doc['licensee']!r}, not brand {b.name!r}")
    covered = [a["id"] for a in doc["assets"]]
    chosen = covered if not assets else [parse_id("asset", a) for a in assets]
    if len(set(chosen)) != len(chosen):
        raise InvalidInput("an asset is listed twice")
    for a in chosen:
        if a not in covered:
            reasons.append(f"asset {a} is not covered by grant {rec.id}")
    if not chosen:
        reasons.append(f"grant {rec.id} covers no assets")
    if reasons:
        raise ConsentError(f"export of grant {rec.id} to {b.name} refused:\n  - " + "\n  - ".join(reasons))
    return ExportPlan(rec, b, [get_asset(vault, a) for a in chosen], *use)


@dataclass
class _Item:
    """One file in the payload: an asset's original (maybe marked) or one of its companions."""
    asset: AssetRecord
    role: str
    name: str
    sha256: str
    size: int
    media_type: str
    path: str
    entry: dict | None = None


def _items(assets: list[AssetRecord]) -> list[_Item]:
    items = []
    for a in assets:
        folder = f"assets/{a.id}/"
        items.append(_Item(a, "original", a.original_name, a.sha256, a.size, a.media_type,
                           folder + mf.safe_name(a.original_name)))
        for f in a.files:
            if f.role == FileRole.COMPANION:
                items.append(_Item(a, "companion", f.name, f.sha256, f.size, f.media_type, folder + mf.safe_name(f.name)))
    paths = set()
    for it in items:
        while it.path.lower() in paths:
            stem, dot, ext = it.path.rpartition(".")
            it.path = f"{stem}_1{dot}{ext}" if dot else it.path + "_1"
        paths.add(it.path.lower())
    return items


class _TarWriter:
    """Writes a POSIX (pax) tar stream member by member without holding a member in memory (the
    talent's access copy; a version 1 package's payload was one too)."""

    def __init__(self, out: BinaryIO) -> None:
        self._out = out

    def member(self, path: str, size: int) -> None:
        info = tarfile.TarInfo(path)
        info.size, info.mode, info.mtime, info.type = size, 0o644, 0, tarfile.REGTYPE
        info.uname = info.gname = ""
        self._out.write(info.tobuf(format=tarfile.PAX_FORMAT, encoding="utf-8"))

    def pad(self, size: int) -> None:
        if size % tarfile.BLOCKSIZE:
            self._out.write(b"\0" * (tarfile.BLOCKSIZE - size % tarfile.BLOCKSIZE))

    def end(self) -> None:
        self._out.write(b"\0" * (tarfile.BLOCKSIZE * 2))


class _Exporter:
    def __init__(self, vault: Vault, plan: ExportPlan, package_id: str, progress: ProgressFn | None,
                 cancel: CancelToken | None) -> None:
        self.vault, self.plan, self.package_id = vault, plan, package_id
        self.key = vault.watermark_key(package_id)
        self.progress, self.cancel = progress, cancel
        self.items = _items(plan.assets)
        self.total = sum(i.size for i in self.items)
        self.done = self._reported = 0
        self._step = max(256 * 1024, self.total // 500)

    def _tick(self, n: int) -> None:  # per chunk: report every 0.2 %, not every call
        self.done += n
        if self.done - self._reported >= self._step or self.done >= self.total:
            self._reported = self.done
            report(self.progress, self.done, self.total, "packaging")

    def _jobs(self, parts: list[Path], in_workers: bool) -> list[SealJob]:
        jobs = []
        for item, part in zip(self.items, parts):
            scale = (item.asset.metrics.get("bbox_m") or {}).get("scale_to_m")
            source = self.vault.blobs.local_source(item.sha256) if in_workers else None
            jobs.append(SealJob(item.sha256, item.role, item.asset.format, scale, self.key, self.plan.brand.recipient,
                                str(part), *((str(source[0]), tuple(source[1])) if source else ())))
        return jobs

    def _seal_here(self, job: SealJob, cancel: CancelToken | None, on_bytes) -> Sealed:
        return seal(job, lambda w: self.vault.blobs.decrypt_to(job.blob_sha256, w), cancel, on_bytes)

    def write_payload(self, sink: HashingSink, folder: Path, name: str) -> list[Entry]:
        """Seal every file (in worker processes for a big package) and put each, as it is done,
        into ``sink`` behind its ZIP header, in order; returns the entries written."""
        workers = worker_count(self.total, len(self.items))
        if workers and self.vault.blobs.local_source(self.items[0].sha256) is None:
            workers = 0  # an object store: this process fetches and decrypts (DR058)
        parts = _Parts(folder, name, len(self.items))
        entries: list[Entry] = []
        with parts:
            jobs = self._jobs(parts.paths, in_workers=workers > 0)
            fn = seal_from_file if workers else self._seal_here
            for i, sealed in enumerate(run_in_order(fn, jobs, workers, self.cancel, self._tick)):
                entry = Entry(entry_name(i), sealed.stored_size, sealed.crc32)
                sink.write(local_header(entry))
                parts.copy(i, sink, sealed.stored_size)
                entries.append(entry)
                self.items[i].entry = self._entry(self.items[i], sealed, entry)
        return entries

    def _entry(self, item: _Item, sealed: Sealed, stored: Entry) -> dict:
        a = item.asset
        entry = {"asset": a.id, "role": item.role, "path": item.path, "original_name": item.name,
                 "media_type": item.media_type, "size": sealed.size, "sha256": sealed.sha256,
                 "original_size": item.size, "original_sha256": item.sha256,
                 "stored": {"entry": stored.name, "size": sealed.stored_size, "sha256": sealed.stored_sha256,
                            "crc32": sealed.crc32}}
        if item.role == FileRole.ORIGINAL:
            entry["kind"] = a.kind
            entry["format"] = a.format
            entry["watermark"] = ({"method": sealed.mark[0], "amplitude": sealed.mark[1]} if sealed.mark is not None
                                  else {"method": "none", "reason": sealed.reason})
        return entry


class _Parts:
    """The sealed files waiting to go into the package: private temp files beside it, each held
    (locked) by this process so that another export does not take one for an abandoned package,
    and removed as soon as it is copied in — or on any failure."""

    def __init__(self, folder: Path, name: str, n: int) -> None:
        self._folder, self._name, self._n = folder, name, n
        self.paths: list[Path] = []
        self._held: list[BinaryIO | None] = []

    def __enter__(self) -> "_Parts":
        try:
            for i in range(self._n):
                path = self._folder / f"{TEMP_PREFIX}{secrets.token_hex(8)}-{self._name}.part{i:06d}.twinpkg"
                fh = os.fdopen(create_private_file(path), "wb", buffering=0)
                self.paths.append(path)
                self._held.append(fh)
                leftovers.hold(fh)
        except BaseException:
            self.__exit__()
            raise
        return self

    def copy(self, i: int, sink: HashingSink, size: int) -> None:
        with open(self.paths[i], "rb", buffering=0) as src:
            left = size
            while left:
                data = src.read(min(COPY_CHUNK, left))
                if not data:
                    raise IntegrityError(f"a sealed file of the package is shorter than its worker wrote "
                                         f"({self.paths[i].name}); nothing was exported")
                sink.write(data)
                left -= len(data)
        self._drop(i)

    def _drop(self, i: int) -> None:
        fh = self._held[i]
        if fh is not None:
            fh.close()
            self._held[i] = None
        self.paths[i].unlink(missing_ok=True)

    def __exit__(self, *exc) -> None:
        for i in range(len(self.paths)):
            self._drop(i)


def _manifest(vault: Vault, exp: _Exporter, payload_size: int, created: str) -> dict:
    plan, rec = exp.plan, exp.plan.grant
    doc = rec.document
    studio_key = vault.studio_signing_key().public_key()
    return {
        "format": mf.FORMAT, "format_version": mf.FORMAT_VERSION,
        "package_id": exp.package_id, "created_at": created,
        "studio": {"vault": vault.header.vault_id, "key_fingerprint": public_key_fingerprint(studio_key),
                   "public_key": public_key_b64(studio_key),
                   # where a brand sends outputs for the talent's approval (DR047): the vault's age recipient
                   "recipient": vault.header.recipient},
        # the grant has no credit line, so the talent's name stays in the vault
        "talent": {"id": rec.talent_id, "display_name": None},
        "brand": {"id": plan.brand.id, "name": plan.brand.name, "recipient": plan.brand.recipient},
        "use": {"purpose": plan.purpose, "media": plan.media, "territory": plan.territory},
        "assets": [i.entry for i in exp.items],
        "payload": {"layout": "one age file per asset file, in the assets' order (payload/NNNNNN.age)",
                    "size": payload_size, "encryption": "age v1, X25519 recipient"},
        "grant": {"id": rec.id, "sha256": rec.sha256, "document": doc, "talent_signature": rec.talent_signature,
                  "studio_signature": rec.studio_signature, "talent_public_key": doc.get("talent_public_key")},
        # the licence in the brand's words; the talent, unnamed above, is "the talent" here too
        "licence": {"odrl": to_odrl(rec), "summary": brand_summary(doc)},
        "expires": doc["end"], "timezone": doc["timezone"],
        "labels": mf.labels(rec.id, doc["ai_label"]),
        "pause_policy": mf.PAUSE_POLICY,
    }


def export_package(vault: Vault, grant_id: str, brand: str, out: Path, assets: list[str] | None = None,
                   purpose: str | None = None, media: str | None = None, territory: str | None = None,
                   progress: ProgressFn | None = None, cancel: CancelToken | None = None) -> ExportResult:
    out = Path(out).expanduser().absolute()
    if out.exists():
        raise InvalidInput(f"{out} already exists; choose another file name")
    if not out.parent.is_dir():
        raise InvalidInput(f"folder {out.parent} does not exist")
    plan = plan_export(vault, grant_id, brand, assets, purpose, media, territory)
    package_id = new_id("package")
    exp = _Exporter(vault, plan, package_id, progress, cancel)
    created = now_iso()
    leftovers.remove_abandoned(out.parent, counted=lambda sha: intents.counted_file(vault, sha))
    suffix = "-" + out.name + ("" if out.name.endswith(".twinpkg") else ".twinpkg")
    with temp_file(out.parent, suffix=suffix) as (tmp, fh):
        leftovers.hold(fh)
        file_sink = HashingSink(fh.write, cancel)
        entries = exp.write_payload(file_sink, out.parent, tmp.name[len(TEMP_PREFIX):])
        manifest = _manifest(vault, exp, sum(e.size for e in entries), created)
        manifest_bytes = mf.to_bytes(manifest)
        signature = base64.b64encode(vault.studio_signing_key().sign(manifest_bytes)) + b"\n"
        write_tail(file_sink, entries, manifest_bytes, signature)
        finish_temp(fh)
        check_cancel(cancel)
        manifest_sha = hashlib.sha256(manifest_bytes).hexdigest()
        pause_point("export.packaged")  # written and signed, nothing counted: tests race exports here
        with vault.writer_lock():
            intents.reconcile(vault)  # an earlier export killed before its commit: void its package
            _recheck(vault, plan, out)
            intent = intents.record(vault, package_id, file_sink.hexdigest, file_sink.size, tmp, out)
            kill_point("export.after_intent")
            try:
                placed = place_package(tmp, out, package_id)
                kill_point("export.after_publish")
                _commit(vault, plan, manifest, manifest_bytes, manifest_sha, file_sink.hexdigest)
            except BaseException:
                _void_quietly(vault, intent)
                raise
            kill_point("export.after_commit")
            intents.clear(vault, package_id)
    return ExportResult(package_id, placed, file_sink.hexdigest, manifest_sha, manifest)


def _void_quietly(vault: Vault, intent: intents.Intent) -> None:
    """The export failed after its intent: remove the uncounted package now if we can (the
    commit may have failed, or never run); what cannot be removed the next export removes."""
    try:
        intents.resolve(vault, intent)
    except (OSError, StudioError):
        pass


def place_package(tmp: Path, out: Path, package_id: str) -> Path:
    """Put a package at ``out`` — or, if a file appeared there meanwhile, beside it under a free
    name; returns where. Never replaces a file. It runs before the use is counted: if the package
    cannot be put anywhere, nothing is counted."""
    try:
        return publish_new(tmp, out, elsewhere=True)
    except OSError as exc:
        raise StudioError(f"package {package_id} could not be put at {out} or beside it "
                          f"({exc.strerror or exc}); nothing was exported or counted") from exc


def _encrypt(src: BinaryIO, dst, recipient) -> None:
    """Encrypt ``src`` into ``dst`` to ``recipient`` (the talent's access copy)."""
    _encrypt_to(src, dst, str(recipient))


def _recheck(vault: Vault, plan: ExportPlan, out: Path) -> None:
    """Under the writer lock, before anything is published: another export may have used the
    last use, or taken the name."""
    plan_export(vault, plan.grant.id, plan.brand.id, [a.id for a in plan.assets], plan.purpose, plan.media,
                plan.territory)
    if out.exists():
        raise InvalidInput(f"{out} already exists; choose another file name")


def _commit(vault: Vault, plan: ExportPlan, manifest: dict, manifest_bytes: bytes, manifest_sha: str,
            file_sha: str) -> None:
    """Under the writer lock, once the package is in place: count the use and record the package
    in one transaction — or refuse and count nothing."""
    rec = plan.grant
    pid, doc = manifest["package_id"], rec.document
    with vault.session() as s:
        s.add(Package(id=pid, grant_id=rec.id, talent_id=rec.talent_id, brand_id=plan.brand.id,
                      manifest_sha256=manifest_sha, file_sha256=file_sha, created_at=manifest["created_at"],
                      manifest_sealed=vault.fields.seal(manifest_bytes.decode(), f"packages.manifest:{pid}")))
        s.flush()
        eid = new_id("entry")
        s.add(LedgerEntry(id=eid, kind=LedgerKind.EXPORT, on=rec.today().isoformat(), talent_id=rec.talent_id,
                          grant_id=rec.id, brand_id=plan.brand.id, package_id=pid, purpose=plan.purpose,
                          media=plan.media, territory=plan.territory, count=1,
                          fee=f"{fee_due(s, doc, rec.id, 1):.2f}", currency=doc["fee"]["currency"],
                          report_id=None, created_at=now_iso(),
                          details_sealed=vault.fields.seal(json.dumps({"description": "package export"}),
                                                           f"ledger.details:{eid}")))
        s.flush()
        audit.append(s, "ledger.export", eid, entry_facts(s.get(LedgerEntry, eid)))
        count_uses(s, vault, rec.id, 1, pid)
        audit.append(s, "package.exported", pid, {"grant": rec.id, "brand": plan.brand.id,
                                                  "manifest_sha256": manifest_sha, "file_sha256": file_sha})
