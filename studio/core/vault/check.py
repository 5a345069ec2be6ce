"""The vault's own part of ``twin-studio check``: decrypt and re-hash every blob, cross-check
catalog and stores, open every sealed field and verify the audit chain. Problems make the vault
inconsistent; notes (leftovers of an interrupted write, which the next write cleans up) do not.
The full check, which adds the layers built on the vault (reviews, grants, ledger), is
:func:`studio.core.check.check_vault`.

By default every blob is decrypted and re-hashed. ``subset`` (a percentage, after restic's
``check --read-data-subset``) decrypts a random sample of that share of the blobs instead; every
other blob is still looked for on disk, and the catalog, sealed fields and audit chain are
checked in full either way (DR025).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from sqlalchemy import func, select

from studio.core.errors import IntegrityError, InvalidInput
from studio.core.progress import CancelToken, ProgressFn, check_cancel, report
from studio.core.testpoints import pause_point
from studio.core.vault.audit import interrupted_head, verify_chain
from studio.core.vault.catalog import Asset, AssetFile, AuditEvent, Blob, PendingWrite, Talent, TalentBlobKey
from studio.core.vault.likeness_keys import decrypts_with_any, erased_hashes
from studio.core.vault.staging import abandoned
from studio.core.vault.vault import Vault


def parse_subset(text: str | float) -> float:
    """A share of the blobs to read, in percent: ``10%``, ``10`` or ``2.5%``; more than 0 and at
    most 100. Anything else is an :class:`InvalidInput` that says what is accepted."""
    raw = str(text).strip()
    number = raw[:-1].strip() if raw.endswith("%") else raw
    try:
        value = float(number)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not 0 < value <= 100:
        raise InvalidInput(f"the share of blobs to read must be a percentage above 0 and at most 100 "
                           f"(such as 10% or 2.5), not {raw!r}")
    return value


def subset_size(total: int, percent: float) -> int:
    """How many of ``total`` blobs a ``percent`` subset reads: rounded up, so never none of some."""
    return min(total, math.ceil(total * percent / 100 - 1e-9))


@dataclass
class CheckReport:
    blobs_checked: int = 0
    bytes_checked: int = 0
    audit_events: int = 0
    blobs_total: int = 0
    subset_percent: float | None = None  # None: every blob was read
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict:
        return {"ok": self.ok, **self.__dict__}


def check_store(vault: Vault, progress: ProgressFn | None = None, cancel: CancelToken | None = None,
                subset: float | None = None, rng: random.Random | None = None) -> CheckReport:
    """``subset``: the percentage of blobs to decrypt (None: all); ``rng`` picks them (default:
    the system's randomness)."""
    rep = CheckReport(subset_percent=subset)
    # List files before reading the catalog: a blob published meanwhile is then already
    # referenced (or pending) in the snapshot we read next, never mistaken for an extra.
    on_disk = {name: set(vault.store(name).stored_names()) for name in ("blobs", "derived")}
    leftovers = [p for name in ("blobs", "derived") for p in vault.store(name).temp_leftovers()]
    staged_leftovers, _ = abandoned(vault.root)  # a live writer's staged files are its own business
    pause_point("check.listed")  # tests let another station drop its uploads here
    try:
        anchor, head_problem = vault.audit_anchor(), None
    except IntegrityError as exc:
        anchor, head_problem = None, str(exc)
    with vault.session() as s:
        # the chain first: its head file is read just before and after the snapshot starts
        # an older vault not yet anchored (opened read-only since): its hashes are checked, and
        # it is anchored the next time it opens writable (DR016)
        anchored = vault.header.audit_anchored
        chain = verify_chain(s, vault.audit_anchor if head_problem is None and anchored else None)
        interrupted = interrupted_head(s, anchor)
        # plain rows, not ORM objects: 10,000 assets made 70,000 of those, 3 s of a check (DR043)
        blobs = {b.sha256: b for b in s.execute(select(Blob.__table__))}
        pending = {(p.store, vault.store(p.store).name_for(p.sha256))
                   for p in s.execute(select(PendingWrite.__table__))}
        assets = s.execute(select(Asset.__table__)).all()
        files = s.execute(select(AssetFile.__table__)).all()
        talent_rows = s.execute(select(Talent.__table__)).all()
        talents = {t.id for t in talent_rows}
        erased = erased_hashes(s)  # DR055: what erasures destroyed, by store
        erased_talents = {t.id for t in talent_rows if t.erased_at is not None}
        keyed = set(s.execute(select(TalentBlobKey.talent_id)).scalars())
        rep.audit_events = s.execute(select(func.count()).select_from(AuditEvent)).scalar_one()
        # a shared vault's uploads in the same snapshot: a station that commits after it and
        # drops its upload rows must not leave its new objects looking like unknown ones
        live_uploads, dead_uploads = vault.dead_uploads(s) if vault.shared else (set(), set())
    pause_point("check.catalog-read")  # tests let other stations commit here

    if head_problem is not None:
        rep.problems.append(head_problem)
    if not anchored:
        rep.notes.append("the audit chain is not anchored yet (a vault made by an older Twin Studio, opened "
                         "read-only): it is anchored the next time the vault is opened writable")
    for p in chain:
        rep.problems.append(p.problem)
    if interrupted:
        rep.notes.append("the audit chain's last write was interrupted before its head was anchored "
                         "(it ends at the pending head; anchored by the next write)")
    if leftovers:
        rep.notes.append(f"{len(leftovers)} temp file(s) from an interrupted write (removed by the next write)")
    if staged_leftovers:
        rep.notes.append(f"{len(staged_leftovers)} staged file(s) of a write that was interrupted before its commit "
                         "(removed by the next write)")
    rep.problems.extend(_sealed_field_problems(vault, talent_rows, assets, files))
    for tid in sorted(erased_talents & keyed):
        rep.problems.append(f"talent {tid} was erased but their likeness key is still in the catalog")
    for sha, b in sorted(blobs.items()):
        if b.owner is not None and b.owner in erased_talents:
            rep.problems.append(f"{b.store} {sha[:16]}… belongs to the erased talent {b.owner}")
    for a in assets:
        if a.talent_id not in talents:
            rep.problems.append(f"asset {a.id} belongs to a talent that is not in the catalog")
        if a.sha256 not in blobs:
            rep.problems.append(f"asset {a.id} has no blob record")
    for f in files:
        if f.sha256 not in blobs:
            rep.problems.append(f"asset {f.asset_id}: its {f.role} file has no blob record")

    if dead_uploads:
        rep.notes.append(f"{len(dead_uploads)} blob(s) uploaded by a station that stopped before its commit "
                         "(removed by the next write)")
    uploads = {(store, vault.store(store).name_for(sha)) for store, sha in live_uploads | dead_uploads}
    rep.blobs_total = len(blobs)
    for sha, b in sorted(blobs.items()):
        if vault.store(b.store).name_for(sha) not in on_disk.get(b.store, set()):
            rep.problems.append(f"missing {b.store} file for {sha[:16]}… (catalog lists it, disk has none)")
    chosen = sorted(blobs)
    if subset is not None:
        chosen = sorted((rng or random.SystemRandom()).sample(chosen, subset_size(len(chosen), subset)))
    total = len(chosen)
    pause_point("check.blobs")  # tests interrupt a running check here
    for i, sha in enumerate(chosen):
        b = blobs[sha]
        report(progress, i, total, "verifying blobs")
        check_cancel(cancel)
        if vault.store(b.store).name_for(sha) not in on_disk.get(b.store, set()):
            continue  # said above
        try:
            size = vault.store(b.store).verify(sha, cancel)
        except IntegrityError as exc:
            rep.problems.append(str(exc))
            continue
        if size != b.size:
            rep.problems.append(f"{b.store} {sha[:16]}…: size {size} differs from catalog's {b.size}")
        rep.blobs_checked += 1
        rep.bytes_checked += size
    report(progress, total, total, "verifying blobs")

    for store, names in on_disk.items():
        known = {vault.store(store).name_for(sha) for sha, b in blobs.items() if b.store == store}
        shredded = {vault.store(store).name_for(sha): sha for sha in erased.get(store, ())}
        for name in sorted(names - known):
            if name in shredded:
                _stray(vault, rep, store, name)
            elif (store, name) in pending:
                rep.notes.append(f"{store} {name[:16]}… is from an interrupted ingest (removed by the next write)")
            elif (store, name) not in uploads:  # an upload in progress, or a dead station's (noted above)
                if vault.shared and not vault.store(store).name_exists(name):
                    continue  # removed since the listing: a station dropped its upload
                rep.problems.append(f"extra {store} file {name[:16]}… that the catalog does not know")
    return rep


def _stray(vault: Vault, rep: CheckReport, store: str, name: str) -> None:
    """A file of an erased talent still (or again: a backup put back) in the store: it must not
    decrypt with any key this vault holds (DR055). Removed by running the erasure again."""
    data = vault.store(store).read_stored(name)
    if data is None:
        return  # removed since the listing
    if decrypts_with_any(data, vault.keyring.all_identities()):
        rep.problems.append(f"stray {store} file {name[:16]}… of an erased talent still decrypts with this vault's "
                            "key (stored before per-talent keys): remove it by running `twin-studio talent erase` "
                            "for that talent again")
    else:
        rep.notes.append(f"stray {store} file {name[:16]}… of an erased talent: no key this vault holds decrypts it "
                         "(removed by running `twin-studio talent erase` for that talent again)")


def _sealed_field_problems(vault: Vault, talents, assets, files) -> list[str]:
    """Every sealed catalog field must open: a value edited or moved between rows fails."""
    problems = []
    f = vault.fields
    checks = [(f"talent {t.id}", t, [("name_sealed", f"talents.name:{t.id}"),
                                      ("email_sealed", f"talents.email:{t.id}"),
                                      ("agency_sealed", f"talents.agency:{t.id}")]) for t in talents]
    checks += [(f"asset {a.id}", a, [("original_name_sealed", f"assets.original_name:{a.id}"),
                                     ("metrics_sealed", f"assets.metrics:{a.id}"),
                                     ("warnings_sealed", f"assets.warnings:{a.id}")]) for a in assets]
    checks += [(f"asset {x.asset_id} {x.role} file", x, [("name_sealed", f"asset_files.name:{x.asset_id}:{x.role}")])
               for x in files]
    for label, row, columns in checks:
        for attr, context in columns:
            value = getattr(row, attr)
            if value is None:
                continue
            try:
                f.open(value, context)
            except IntegrityError:
                problems.append(f"{label}: sealed field {context.split('.')[1].split(':')[0]} was altered")
    return problems
