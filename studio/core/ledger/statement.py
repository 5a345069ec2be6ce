"""A talent's statement: every export and use of their likeness, its fee, totals per currency,
and the violations brands reported; as text rows or CSV.

Entries are in the order they were recorded (their UTC instants); each one's date is the calendar
day in its grant's time zone, the day the grant's limits were checked on, and says so (DR020)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from studio.core.clock import day_in
from studio.core.errors import InvalidInput
from studio.core.ids import parse_id
from studio.core.ledger.entries import EntryRecord, _grant_facts, list_entries
from studio.core.talents import get_talent
from studio.core.types import LedgerKind
from studio.core.vault import Vault
from studio.core.vault.atomic import write_bytes_atomic
from studio.core.vault.catalog import ApprovalOutput, ApprovalRequest, Brand, Grant

CSV_COLUMNS = ("date", "timezone", "recorded_utc", "kind", "brand", "package", "grant", "purpose", "media", "territory", "count", "fee",
               "currency", "description", "reasons", "fee_terms")


@dataclass(frozen=True)
class ApprovedOutput:
    """An output a brand made with the talent's likeness and the talent approved (DR047): no fee
    of its own (the grant's uses are counted by exports and reports), listed so the talent sees
    every image and voice line published with their approval."""

    on: str             # the day of the decision, in the grant's time zone
    timezone: str
    at: str             # the decision's instant, UTC
    request_id: str
    brand: str
    package_id: str
    grant_id: str
    sha256: str
    media_type: str
    description: str

    def to_json(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Statement:
    talent_id: str
    start: dt.date | None
    end: dt.date | None
    entries: list[EntryRecord]
    approved_outputs: list[ApprovedOutput] = field(default_factory=list)

    @property
    def totals(self) -> dict[str, Decimal]:
        out: dict[str, Decimal] = {}
        for e in self.entries:
            if e.kind != LedgerKind.VIOLATION:
                out[e.currency] = out.get(e.currency, Decimal(0)) + e.fee
        return dict(sorted(out.items()))

    @property
    def fee_terms(self) -> dict[str, str]:
        """Each grant in the statement, in order of its first entry, with its fee in words: what
        each entry's fee was worked out from ("4800.00 EUR flat fee for up to 10 uses", DR033)."""
        return {e.grant_id: e.terms for e in self.entries}

    @property
    def uses(self) -> int:
        return sum(e.count for e in self.entries if e.kind != LedgerKind.VIOLATION)

    @property
    def violations(self) -> list[EntryRecord]:
        return [e for e in self.entries if e.kind == LedgerKind.VIOLATION]

    def to_json(self) -> dict:
        return {"talent": self.talent_id, "from": self.start.isoformat() if self.start else None,
                "to": self.end.isoformat() if self.end else None, "entries": [e.to_json() for e in self.entries],
                "totals": {c: f"{v:.2f}" for c, v in self.totals.items()}, "uses": self.uses,
                "violations": len(self.violations), "fee_terms": self.fee_terms,
                "approved_outputs": [a.to_json() for a in self.approved_outputs]}

    def csv_text(self) -> str:
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(CSV_COLUMNS)
        for e in self.entries:
            w.writerow([e.on, e.timezone, e.at, e.kind, e.brand, e.package_id, e.grant_id, e.purpose or "",
                        e.media or "", e.territory or "", e.count, f"{e.fee:.2f}", e.currency, e.description, "; ".join(e.reasons), e.terms])
        for currency, total in self.totals.items():
            w.writerow(["", "", "", "total", "", "", "", "", "", "", "", f"{total:.2f}", currency, "", "", ""])
        return buf.getvalue()


def _date(text: str | dt.date | None, what: str) -> dt.date | None:
    if text is None or isinstance(text, dt.date):
        return text
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(f"{what} {text!r} is not YYYY-MM-DD") from exc


def statement(vault: Vault, talent_id: str, start: str | dt.date | None = None,
              end: str | dt.date | None = None) -> Statement:
    tid = get_talent(vault, parse_id("talent", talent_id)).id
    a, b = _date(start, "--from"), _date(end, "--to")
    if a and b and a > b:
        raise InvalidInput(f"--from {a} is after --to {b}")
    return Statement(tid, a, b, list_entries(vault, tid, a, b), approved_outputs(vault, tid, a, b))


def approved_outputs(vault: Vault, talent_id: str, start: dt.date | None = None,
                     end: dt.date | None = None) -> list[ApprovedOutput]:
    """The outputs the talent approved, in the order decided, each dated in its grant's zone."""
    import json

    q = (select(ApprovalOutput, ApprovalRequest, Brand.name, Grant.document_sealed)
         .join(ApprovalRequest, ApprovalRequest.id == ApprovalOutput.request_id)
         .join(Brand, Brand.id == ApprovalRequest.brand_id)
         .outerjoin(Grant, Grant.id == ApprovalRequest.grant_id)
         .where(ApprovalRequest.talent_id == talent_id, ApprovalOutput.decision == "approved")
         .order_by(ApprovalOutput.decided_at))
    out = []
    with vault.session() as s:
        for o, req, brand, sealed in s.execute(q).all():
            tz, _ = _grant_facts(vault, req.grant_id, sealed)
            day = day_in(o.decided_at, tz)
            if (start and day < start) or (end and day > end):
                continue
            doc = json.loads(vault.fields.open(req.request_sealed, f"approval_requests.request:{req.id}"))
            place = next((i for i, d in enumerate(doc["outputs"]) if d.get("sha256") == o.sha256), 0)
            out.append(((o.decided_at, req.created_at, place), ApprovedOutput(
                day.isoformat(), tz, o.decided_at, req.id, brand, req.package_id, req.grant_id, o.sha256,
                o.media_type, doc["use"].get("description", ""))))
    # decided together, they share an instant: then in the order the brand's request listed them
    return [a for _, a in sorted(out, key=lambda pair: pair[0])]


def write_csv(st: Statement, out: Path) -> None:
    write_bytes_atomic(Path(out), st.csv_text().encode(), overwrite=True)
