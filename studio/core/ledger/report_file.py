"""Usage reports as the studio reads them: the brand says how it used a package, signed with its
own key. The brand writes them (:mod:`studio.core.package.reports`); the ledger reads them.

A report is a JSON object; ``signature`` is Ed25519 (base64) over the RFC 8785 canonical JSON of
the object without ``signature`` — the same construction as the talent's consent signatures.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from studio.core.consent import vocab
from studio.core.consent.signing import verify
from studio.core.errors import InvalidInput
from studio.core.ids import parse_id
from studio.core.jsonfile import read_typed

REPORT_TYPE = "twin-studio/usage-report"
MAX_REPORT = 256 * 1024
MAX_COUNT = 1_000_000


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except (ValueError, AttributeError) as exc:
        raise InvalidInput(f"date {text!r} is not YYYY-MM-DD") from exc


def check_use_fields(description: str, purpose: str, media: str, territory: str, date: str,
                     count: int) -> dict:
    text = " ".join((description or "").split())
    if not text:
        raise InvalidInput("say what the use was (--use-description)")
    if len(text) > 2000:
        raise InvalidInput("the use description is longer than 2000 characters")
    if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= MAX_COUNT:
        raise InvalidInput(f"the count must be a whole number from 1 to {MAX_COUNT}")
    return {"description": text, "purpose": vocab.purposes([purpose])[0], "media": vocab.media([media])[0],
            "territory": vocab.territory(territory), "date": _day(date).isoformat(), "count": count}


def read_report(path: Path) -> dict:
    """A report's JSON with its shape checked (the signature is checked against the registered brand)."""
    r = read_typed(path, REPORT_TYPE, "usage report", MAX_REPORT)
    if r.get("version") != 1:
        raise InvalidInput(f"unknown usage report version {r.get('version')!r}")
    for key in ("report_id", "package", "manifest_sha256", "grant", "brand", "use", "signature"):
        if key not in r:
            raise InvalidInput(f"the usage report lacks {key}")
    # its ids exactly as the catalog keeps them (rpt_/pkg_ and 16 hex digits): a shared vault's
    # PostgreSQL refuses a longer one, a number or a NUL with an error of its own, SQLite keeps it
    for key, kind in (("report_id", "report"), ("package", "package")):
        value = r[key]
        if not isinstance(value, str) or parse_id(kind, value) != value:
            raise InvalidInput(f"the usage report's {key} {value!r} is not a {kind} id")
    if not isinstance(r["brand"], dict):
        raise InvalidInput("the usage report's brand is not an object")
    u = r["use"]
    if not isinstance(u, dict):
        raise InvalidInput("the usage report's use is not an object")
    check_use_fields(u.get("description", ""), u.get("purpose", ""), u.get("media", ""), u.get("territory", ""),
                     str(u.get("date", "")), u.get("count"))
    return r


def report_signed_by(report: dict, verify_key_b64: str) -> bool:
    body = {k: v for k, v in report.items() if k != "signature"}
    return isinstance(report.get("signature"), str) and verify(verify_key_b64, body, report["signature"])
