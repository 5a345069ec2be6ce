"""Ledger entries: exports (written by the package export), reported uses and violations
(written here, from a brand's signed usage report), and reading them back."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from studio.core.changes import Changes
from studio.core import clock
from studio.core.clock import day_in, day_text, instant_text, now_iso
from studio.core.consent.evidence import COUNTED, LEDGER_FACTS, require_grant_basis
from studio.core.consent.fees import fee_of, words as fee_words
from studio.core.consent.grants import GrantRecord, load_grant
from studio.core.consent.policy import scope_reasons
from studio.core.consent.uses import count_uses
from studio.core.errors import InvalidInput, IntegrityError, NotFound
from studio.core.ids import new_id
from studio.core.types import LedgerKind
from studio.core.ledger.output_uses import output_reasons
from studio.core.ledger.report_file import read_report, report_signed_by
from studio.core.vault import Vault, audit
from studio.core.vault.catalog import Brand, Grant, LedgerEntry, Package, Talent

KINDS = tuple(LedgerKind)
# How far ahead of the studio's clock a report may be dated and still be taken as now: the brand's
# clock may run a little fast. Beyond it, a report (or its use) is in the future, and refused.
CLOCK_SKEW = dt.timedelta(minutes=10)


@dataclass(frozen=True)
class EntryRecord:
    id: str
    kind: str
    on: str
    talent_id: str
    grant_id: str
    brand_id: str
    brand: str
    package_id: str
    purpose: str | None
    media: str | None
    territory: str | None
    count: int
    fee: Decimal
    currency: str
    report_id: str | None
    description: str
    reasons: list[str] = field(default_factory=list)
    at: str = ""            # the instant it was recorded, UTC (orders the statement)
    timezone: str = "UTC"   # the grant's: the zone ``on`` is a calendar day in (DR020)
    terms: str = ""         # the grant's fee in words: "4800.00 EUR per use" (DR033)
    # the outputs the report named (DR057): sha256, media_type, state, reason, request (the
    # approval request it was seen in: its blob is in the vault)
    outputs: list[dict] = field(default_factory=list)

    def to_json(self) -> dict:
        d = dict(self.__dict__)
        d["fee"] = f"{self.fee:.2f}"
        return d


@dataclass(frozen=True)
class ImportResult:
    entry: EntryRecord

    @property
    def changes(self) -> Changes:
        """What the call that returned this record changed (DR013)."""
        return Changes(ledger={self.entry.talent_id}, grants={self.entry.grant_id}, audit=True)

    @property
    def violation(self) -> bool:
        return self.entry.kind == LedgerKind.VIOLATION


FACTS = LEDGER_FACTS


def entry_facts(row: LedgerEntry) -> dict:
    """What the audit event of a ledger entry records, so `check` notices an entry edited later."""
    return {k: getattr(row, k) for k in FACTS}


def verify_ledger(vault: Vault) -> list[str]:
    """For ``check``: every entry matches the audit event that recorded it, none was removed,
    and every package's sealed manifest opens and has the hash recorded for it."""
    import hashlib

    from studio.core.vault.catalog import AuditEvent

    problems = []
    with vault.session() as s:
        events = {e.subject: json.loads(e.details) for e in
                  s.execute(select(AuditEvent).where(AuditEvent.action.like("ledger.%"))).scalars()}
        rows = {r.id: r for r in s.execute(select(LedgerEntry)).scalars()}
        for eid, row in rows.items():
            facts = events.get(eid)
            if facts is None:
                problems.append(f"ledger entry {eid} has no audit event (added outside Twin Studio)")
            elif any(facts.get(k) != v for k, v in entry_facts(row).items()):
                problems.append(f"ledger entry {eid} differs from what its audit event recorded (altered)")
            try:
                vault.fields.open(row.details_sealed, f"ledger.details:{eid}")
            except IntegrityError:
                problems.append(f"ledger entry {eid}: its sealed details were altered")
        for eid in sorted(set(events) - set(rows)):
            problems.append(f"ledger entry {eid} is in the audit chain but missing from the ledger (removed)")
        exported = {e.subject for e in s.execute(select(AuditEvent).where(
            AuditEvent.action == "package.exported")).scalars()}
        packages = {p.id: p for p in s.execute(select(Package)).scalars()}
        # an erased talent's packages keep ids, brands and hashes; their manifests (naming the
        # talent and the files) were replaced by the erasure, which the tombstone records (DR055)
        erased = set(s.execute(select(Talent.id).where(Talent.erased_at.is_not(None))).scalars())
        export_entries = {r.package_id for r in rows.values() if r.kind == LedgerKind.EXPORT}
        for pid in sorted(exported - set(packages)):
            problems.append(f"package {pid} is in the audit chain but missing from the catalog (removed)")
        for pid in sorted(set(packages) - exported):
            problems.append(f"package {pid} has no audit event (added outside Twin Studio)")
        for pid in sorted(set(packages) - export_entries):
            problems.append(f"package {pid} has no export entry in the ledger: its use is not counted")
        for pid in sorted(export_entries - set(packages)):
            problems.append(f"the ledger counts an export of package {pid}, which is not in the catalog")
        for pkg in packages.values():
            try:
                manifest = vault.fields.open(pkg.manifest_sealed, f"packages.manifest:{pkg.id}").encode()
            except IntegrityError:
                problems.append(f"package {pkg.id}: its sealed manifest was altered")
                continue
            if hashlib.sha256(manifest).hexdigest() != pkg.manifest_sha256 and pkg.talent_id not in erased:
                problems.append(f"package {pkg.id}: its manifest is not the one exported")
    return problems


def fee_due(s: Session, doc: dict, grant_id: str, count: int) -> Decimal:
    """What ``count`` more uses of a grant owe by its fee's basis (DR033), after the uses its
    ledger already counts — read in the caller's transaction, the grant's row locked first so
    that two stations recording uses of one grant charge them one after the other."""
    s.execute(select(Grant.id).where(Grant.id == grant_id).with_for_update()).all()
    rows = s.execute(select(LedgerEntry.count, LedgerEntry.fee)
                     .where(LedgerEntry.grant_id == grant_id, LedgerEntry.kind.in_(COUNTED))).all()
    return fee_of(doc).due(count, sum(r.count for r in rows), sum((Decimal(r.fee) for r in rows), Decimal(0)))


def _entry(vault: Vault, row: LedgerEntry, brand_name: str, timezone: str = "UTC", terms: str = "") -> EntryRecord:
    details = json.loads(vault.fields.open(row.details_sealed, f"ledger.details:{row.id}"))
    return EntryRecord(row.id, row.kind, row.on, row.talent_id, row.grant_id, row.brand_id, brand_name,
                       row.package_id, row.purpose, row.media, row.territory, row.count, Decimal(row.fee),
                       row.currency, row.report_id, details.get("description", ""), details.get("reasons", []),
                       at=row.created_at, timezone=timezone, terms=terms, outputs=details.get("outputs", []))


def _grant_facts(vault: Vault, grant_id: str, sealed: bytes | None) -> tuple[str, str]:
    """The time zone a grant's days are in, for showing an entry's day, and its fee in words
    (read, not verified: the grant's checks belong to the operations that act on it, and to
    ``check``)."""
    if sealed is None:
        return "UTC", ""
    try:
        doc = json.loads(vault.fields.open(sealed, f"grants.document:{grant_id}"))
    except (IntegrityError, ValueError):
        return "UTC", ""
    try:
        terms = fee_words(doc)
    except (KeyError, TypeError, ValueError, ArithmeticError):
        terms = ""
    return doc.get("timezone") or "UTC", terms


def list_entries(vault: Vault, talent_id: str | None = None, start: dt.date | None = None,
                 end: dt.date | None = None) -> list[EntryRecord]:
    q = (select(LedgerEntry, Brand.name, Grant.document_sealed).join(Brand, Brand.id == LedgerEntry.brand_id)
         .outerjoin(Grant, Grant.id == LedgerEntry.grant_id))  # outer: an entry never hides behind its grant
    if talent_id is not None:
        q = q.where(LedgerEntry.talent_id == talent_id)
    if start is not None:
        q = q.where(LedgerEntry.on >= start.isoformat())
    if end is not None:
        q = q.where(LedgerEntry.on <= end.isoformat())
    q = q.order_by(LedgerEntry.created_at, LedgerEntry.id)  # by instant: stored UTC instants sort as text
    grants: dict[str, tuple[str, str]] = {}
    with vault.session() as s:
        rows = s.execute(q).all()
        for row, _, sealed in rows:
            if row.grant_id not in grants:
                grants[row.grant_id] = _grant_facts(vault, row.grant_id, sealed)
        return [_entry(vault, row, name, *grants[row.grant_id]) for row, name, _ in rows]


def import_report(vault: Vault, path: Path) -> ImportResult:
    """Verify a brand's usage report and add it: a use with its fee, or a violation with reasons.
    A report that is not genuine, not for a known package, or already imported changes nothing.
    The grant is read, checked and its uses counted in the one transaction that adds the entry."""
    report = read_report(path)
    with vault.writer_lock(), vault.session() as s:
        pkg = s.get(Package, str(report["package"]))
        if pkg is None:
            raise NotFound(f"the report is for package {report['package']!r}, which this vault did not export")
        brand = s.get(Brand, pkg.brand_id)
        brand_name, verify_key = brand.name, brand.verify_key
        if report["brand"].get("verify_key") != verify_key or not report_signed_by(report, verify_key):
            raise IntegrityError(f"the report is not signed by {brand_name}, the brand package {pkg.id} was made for")
        if report["manifest_sha256"] != pkg.manifest_sha256 or report["grant"] != pkg.grant_id:
            raise IntegrityError(f"the report does not match package {pkg.id} as it was exported")
        dup = s.execute(select(LedgerEntry).where(LedgerEntry.report_id == report["report_id"])).scalar_one_or_none()
        if dup is not None:
            raise InvalidInput(f"report {report['report_id']} was already imported (entry {dup.id}, {dup.created_at})")
        pkg_id, talent_id, grant_id, brand_id = pkg.id, pkg.talent_id, pkg.grant_id, pkg.brand_id
        # the uses left, the revocation: from the ledger and the anchored audit chain (DR016)
        require_grant_basis(vault, s, grant_id, f"import of report {report['report_id']}")
        _, rec = load_grant(s, vault, grant_id)
        _refuse_future(report, rec.document["timezone"])
        exported_on = day_in(pkg.created_at, rec.document["timezone"]).isoformat()  # the grant's day (DR020)
        use = report["use"]
        reasons = _report_reasons(rec, use, exported_on)
        # each output it names, against the talent's approvals for this package (DR057)
        unapproved, outputs = output_reasons(vault, s, talent_id, pkg_id, use["date"], rec.document["timezone"],
                                             report.get("outputs", []))
        reasons += unapproved
        kind = LedgerKind.VIOLATION if reasons else LedgerKind.USE
        doc = rec.document
        fee = Decimal(0) if reasons else fee_due(s, doc, grant_id, use["count"])
        eid = new_id("entry")
        details = {"description": use["description"], "reasons": reasons}
        if outputs:
            details["outputs"] = outputs
        if kind == LedgerKind.USE:
            count_uses(s, vault, grant_id, use["count"], report["report_id"])
        s.add(LedgerEntry(id=eid, kind=kind, on=use["date"], talent_id=talent_id, grant_id=grant_id,
                          brand_id=brand_id, package_id=pkg_id, purpose=use["purpose"], media=use["media"],
                          territory=use["territory"], count=use["count"], fee=f"{fee:.2f}",
                          currency=doc["fee"]["currency"], report_id=report["report_id"], created_at=now_iso(),
                          details_sealed=vault.fields.seal(json.dumps(details), f"ledger.details:{eid}")))
        s.flush()
        row = s.get(LedgerEntry, eid)
        named = {"outputs": [o["sha256"] for o in outputs]} if outputs else {}
        audit.append(s, f"ledger.{kind}", eid, {**entry_facts(row), "report": report["report_id"],
                                                "signature": report["signature"], **named})
        return ImportResult(_entry(vault, row, brand_name, rec.document["timezone"], fee_words(rec.document)))


def _refuse_future(report: dict, tz: str) -> None:
    """A report written, or a use made, after now (beyond :data:`CLOCK_SKEW`) cannot be true:
    refused before anything is written. The use's date is a day in the grant's zone (DR020)."""
    now = clock.now()
    latest = now + CLOCK_SKEW
    rid, created = report["report_id"], report.get("created_at")
    if created is not None:
        try:
            at = clock.parse_iso(created)
        except (TypeError, ValueError, AttributeError) as exc:
            raise InvalidInput(f"report {rid}: its date {created!r} is not an ISO 8601 instant; "
                               "nothing was imported") from exc
        if at > latest:
            raise InvalidInput(f"report {rid} is dated {instant_text(at)}, in the future (it is now "
                               f"{instant_text(now)}); nothing was imported")
    day = dt.date.fromisoformat(str(report["use"]["date"]).strip())  # read_report checked it is a date
    if day > latest.astimezone(clock.zone(tz)).date():
        raise InvalidInput(f"report {rid}: its use is dated {day_text(day, tz)}, in the future (today is "
                           f"{day_text(now.astimezone(clock.zone(tz)).date(), tz)}); a use is reported once it "
                           "has happened — nothing was imported")


def _report_reasons(rec: GrantRecord, use: dict, exported_on: str) -> list[str]:
    """Every way a reported use falls outside the grant (none: a paid use)."""
    doc, day = rec.document, dt.date.fromisoformat(use["date"])
    reasons = scope_reasons(doc, use["purpose"], use["media"], use["territory"], day)
    if use["date"] < exported_on:
        reasons.append(f"used on {use['date']}, before the package was made ({exported_on})")
    if rec.revocation is not None and day >= dt.date.fromisoformat(rec.revocation["effective"]):
        reasons.append(f"the talent's consent was revoked from {rec.revocation['effective']}")
    if use["count"] > rec.uses_left:
        reasons.append(f"{use['count']} use(s) reported, but only {rec.uses_left} of {doc['max_uses']} were left")
    return reasons
