"""Usage reports, the brand's side: say how a package was used, signed with the brand's own key
(the studio reads them with :mod:`studio.core.ledger.report_file`).

A report is a JSON object; ``signature`` is Ed25519 (base64) over the RFC 8785 canonical JSON of
the object without ``signature`` — the same construction as the talent's consent signatures.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

from studio.core.clock import now_iso
from studio.core.consent.policy import scope_reasons
from studio.core.consent.signing import sign
from studio.core.credentials.content import media_type
from studio.core.errors import InvalidInput, PackageRefused
from studio.core.ids import new_id
from studio.core.ledger.report_file import MAX_OUTPUTS, REPORT_TYPE, check_outputs, check_use_fields
from studio.core.package import manifest as mf
from studio.core.package.brand_keys import SIGNING_FILE, BrandIdentity
from studio.core.package.container import read_entries
from studio.core.package.publish import publish_new
from studio.core.vault.atomic import finish_temp, temp_file

__all__ = ["create_report", "output_fingerprint", "write_report"]
_CHUNK = 1 << 20


def output_fingerprint(path: Path) -> dict:
    """What a report says of an output it used (DR057): its SHA-256 and media type (by content: the
    PNG, JPEG, WAV, FLAC or MP3 an approval request takes, else :class:`UnsupportedFormat`). The
    file itself never goes in the report."""
    path = Path(path)
    if not path.is_file():
        raise InvalidInput(f"{path} is not a file" if path.exists() else f"{path} does not exist")
    if path.stat().st_size == 0:
        raise InvalidInput(f"{path.name} is empty: an output is an image or a voice line")
    mime = media_type(path).mime
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return {"sha256": digest.hexdigest(), "media_type": mime}


def create_report(package: Path, identity: BrandIdentity, description: str, purpose: str, media: str,
                  territory: str, date: str, count: int = 1,
                  outputs: list[Path] | tuple[Path, ...] = ()) -> tuple[dict, list[str]]:
    """The signed report, and the ways the use falls outside the licence (the brand is told, and
    the report still says what happened: the talent sees it as a violation). ``identity``: the
    brand's unlocked keys, signing key included (:func:`~studio.core.package.brand_keys.load_identity`).
    ``outputs``: the files the use published (DR057); each must be one the talent approved for this
    package, or the studio records the use as a violation."""
    if len(outputs) > MAX_OUTPUTS:
        raise InvalidInput(f"a usage report names at most {MAX_OUTPUTS} outputs; split the use over several reports")
    named = check_outputs([output_fingerprint(p) for p in outputs])
    if identity.signing_key is None:
        raise InvalidInput(f"these brand keys have no signing key ({SIGNING_FILE}) to sign a report with")
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
    if named:  # a report naming none reads as one made before DR057, byte for byte
        report["outputs"] = named
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
