"""Usage reports: the brand says how it used a package, signed with its own key.

A report is a JSON object; ``signature`` is Ed25519 (base64) over the RFC 8785 canonical JSON of
the object without ``signature`` — the same construction as the talent's consent signatures.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

from studio.core.clock import now_iso
from studio.core.consent import vocab
from studio.core.consent.policy import scope_reasons
from studio.core.consent.signing import sign, verify
from studio.core.errors import InvalidInput, PackageRefused
from studio.core.ids import new_id
from studio.core.package import manifest as mf
from studio.core.package.brand_keys import load_identity
from studio.core.package.container import read_entries
from studio.core.package.jsonfile import read_typed
from studio.core.package.publish import publish_new
from studio.core.vault.atomic import finish_temp, temp_file

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


def create_report(package: Path, identity_dir: Path, description: str, purpose: str, media: str,
                  territory: str, date: str, count: int = 1) -> tuple[dict, list[str]]:
    """The signed report, and the ways the use falls outside the licence (the brand is told, and
    the report still says what happened: the talent sees it as a violation)."""
    identity = load_identity(identity_dir)
    if identity.signing_key is None:
        raise InvalidInput(f"{identity_dir} has no signing-key.pem to sign a report with")
    entries = read_entries(package)
    m = mf.parse(entries.manifest)
    if m["brand"]["recipient"] != identity.recipient:
        raise PackageRefused(f"this package is not addressed to you: it is for {m['brand']['name']}")
    use = check_use_fields(description, purpose, media, territory, date, count)
    report = {"type": REPORT_TYPE, "version": 1, "report_id": new_id("report"), "created_at": now_iso(),
              "package": m["package_id"], "manifest_sha256": hashlib.sha256(entries.manifest).hexdigest(),
              "grant": m["grant"]["id"], "brand": {"id": m["brand"]["id"], "recipient": identity.recipient,
                                                   "verify_key": identity.verify_key},
              "use": use}
    report["signature"] = sign(identity.signing_key, report)
    warnings = scope_reasons(m["grant"]["document"], use["purpose"], use["media"], use["territory"],
                             dt.date.fromisoformat(use["date"]))
    return report, warnings


def write_report(report: dict, out: Path) -> None:
    """Write the report to ``out``, never over a file there — even one that appears while it is
    written (the name is claimed with a hard link, not checked and then replaced)."""
    out = Path(out)
    if out.exists():
        raise InvalidInput(f"{out} already exists")
    with temp_file(out.parent, suffix="-" + out.name) as (tmp, fh):
        fh.write((json.dumps(report, indent=2, ensure_ascii=False) + "\n").encode())
        finish_temp(fh)
        try:
            publish_new(tmp, out)
        except FileExistsError:
            tmp.unlink(missing_ok=True)
            raise InvalidInput(f"{out} already exists (it appeared while the report was written); "
                               "nothing was written — choose another name") from None


def read_report(path: Path) -> dict:
    """A report's JSON with its shape checked (the signature is checked against the registered brand)."""
    r = read_typed(path, REPORT_TYPE, "usage report", MAX_REPORT)
    if r.get("version") != 1:
        raise InvalidInput(f"unknown usage report version {r.get('version')!r}")
    for key in ("report_id", "package", "manifest_sha256", "grant", "brand", "use", "signature"):
        if key not in r:
            raise InvalidInput(f"the usage report lacks {key}")
    u = r["use"]
    if not isinstance(u, dict):
        raise InvalidInput("the usage report's use is not an object")
    check_use_fields(u.get("description", ""), u.get("purpose", ""), u.get("media", ""), u.get("territory", ""),
                     str(u.get("date", "")), u.get("count"))
    return r


def report_signed_by(report: dict, verify_key_b64: str) -> bool:
    body = {k: v for k, v in report.items() if k != "signature"}
    return isinstance(report.get("signature"), str) and verify(verify_key_b64, body, report["signature"])
