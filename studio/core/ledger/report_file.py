"""Usage reports as the studio reads them: the brand says how it used a package, signed with its
own key. The brand writes them (:mod:`studio.core.package.reports`); the ledger reads them.

A report is a JSON object; ``signature`` is Ed25519 (base64) over the RFC 8785 canonical JSON of
the object without ``signature`` — the same construction as the talent's consent signatures.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from studio.core.consent import vocab
from studio.core.consent.signing import verify
from studio.core.errors import InvalidInput
from studio.core.ids import parse_id
from studio.core.jsonfile import read_typed

REPORT_TYPE = "twin-studio/usage-report"
MAX_REPORT = 256 * 1024
MAX_COUNT = 1_000_000
MAX_OUTPUTS = 200  # outputs one report names (each ~100 bytes of the report)
_SHA = re.compile(r"[0-9a-f]{64}")
_MIME = re.compile(r"(image|audio)/[a-z0-9.+-]{1,40}")


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
    check_outputs(r.get("outputs", []))
    return r


def check_outputs(outputs: object) -> list[dict]:
    """The outputs a report names as used (DR057): each ``{"sha256", "media_type"}``, no two the
    same. A report made before DR057 names none (the key is absent): the same as an empty list."""
    if not isinstance(outputs, list):
        raise InvalidInput("the usage report's outputs is not a list")
    if len(outputs) > MAX_OUTPUTS:
        raise InvalidInput(f"a usage report names at most {MAX_OUTPUTS} outputs; split the use over several reports")
    seen: set[str] = set()
    for i, o in enumerate(outputs, 1):
        if not isinstance(o, dict) or set(o) != {"sha256", "media_type"}:
            raise InvalidInput(f"the usage report's output {i} is not an object of sha256 and media_type")
        sha, mime = o["sha256"], o["media_type"]
        if not isinstance(sha, str) or _SHA.fullmatch(sha) is None:
            raise InvalidInput(f"the usage report's output {i} has no SHA-256 (64 hexadecimal digits): "
                               f"{str(sha)[:80]!r}")
        if not isinstance(mime, str) or _MIME.fullmatch(mime) is None:
            raise InvalidInput(f"the usage report's output {i} has no image or audio media type: {str(mime)[:80]!r}")
        if sha in seen:
            raise InvalidInput(f"the usage report names output {sha[:12]}… twice")
        seen.add(sha)
    return outputs


def short_hash(sha: str) -> str:
    """How a reason names an output: its SHA-256's first 12 digits (the full one is in the entry)."""
    return sha[:12] + "…"


def report_signed_by(report: dict, verify_key_b64: str) -> bool:
    body = {k: v for k, v in report.items() if k != "signature"}
    return isinstance(report.get("signature"), str) and verify(verify_key_b64, body, report["signature"])
