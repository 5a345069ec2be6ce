"""The approval of each output, the brand's side (DR047; no vault): ask the talent to approve
outputs made with a package (:func:`create_request`), and apply the studio's answer
(:func:`apply_response`): the credentialed copy of an approved output, or the talent's reason
for a rejected one. The studio's side is :mod:`studio.core.package.approvals`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pyrage

from studio.core import clock
from studio.core.clock import now_iso
from studio.core.consent.policy import scope_reasons
from studio.core.consent.signing import sign
from studio.core.credentials.content import SUPPORTED_NAMES, CredentialCheck, media_type, verify_credentials
from studio.core.errors import IntegrityError, InvalidInput, PackageRefused
from studio.core.ids import new_id
from studio.core.ledger.report_file import check_use_fields
from studio.core.package import manifest as mf
from studio.core.package.approval_files import (
    APPROVED, MAX_OUTPUT_BYTES, MAX_OUTPUTS, MAX_TOTAL_BYTES, REQUEST_TYPE, VERSION, check_response, decode,
    encode, read_response, sha256,
)
from studio.core.package.brand_keys import SIGNING_FILE, BrandIdentity
from studio.core.package.container import read_entries
from studio.core.package.publish import publish_new
from studio.core.vault.atomic import finish_temp, temp_file

__all__ = ["Applied", "apply_response", "create_request", "write_request"]


def _output_bytes(paths: list[Path]) -> list[tuple[Path, bytes, str]]:
    if not paths:
        raise InvalidInput("name at least one output to approve (--output FILE)")
    if len(paths) > MAX_OUTPUTS:
        raise InvalidInput(f"one request asks about at most {MAX_OUTPUTS} outputs; split them")
    out, total, seen = [], 0, {}
    for p in map(Path, paths):
        if not p.is_file():
            raise InvalidInput(f"{p} is not a file" if p.exists() else f"{p} does not exist")
        size = p.stat().st_size
        if size == 0 or size > MAX_OUTPUT_BYTES:
            raise InvalidInput(f"{p.name} is {'empty' if size == 0 else 'larger than 256 MiB'}: an output for "
                               f"approval is a {SUPPORTED_NAMES} image or voice line")
        media = media_type(p)  # by content: anything else is UnsupportedFormat, naming the formats
        total += size
        if total > MAX_TOTAL_BYTES:
            raise InvalidInput("the outputs come to more than 512 MiB: split them over several requests")
        data = p.read_bytes()
        sha = sha256(data)
        if sha in seen:
            raise InvalidInput(f"{p} and {seen[sha]} are the same file")
        seen[sha] = p
        out.append((p, data, media.mime))
    return out


def create_request(package: Path, identity: BrandIdentity, outputs: list[Path], description: str, purpose: str,
                   media: str, territory: str, *, composite: bool = False) -> tuple[dict, list[str]]:
    """The signed request, and the ways the intended use falls outside the licence (the studio
    refuses such a request; the brand is told first). Each output is age-encrypted to the
    studio's recipient the package names: outputs show the likeness too."""
    if identity.signing_key is None:
        raise InvalidInput(f"these brand keys have no signing key ({SIGNING_FILE}) to sign a request with")
    entries = read_entries(Path(package))
    m = mf.parse(entries.manifest)
    if m["brand"]["recipient"] != identity.recipient:
        raise PackageRefused(f"this package is not addressed to you: it is for {m['brand']['name']}")
    studio = m["studio"]
    if not studio.get("recipient"):
        raise PackageRefused("this package was made before outputs could be sent for approval: it names no key to "
                             "send them to the studio with — ask the studio for a new package")
    try:
        to_studio = pyrage.x25519.Recipient.from_str(studio["recipient"])
    except Exception as exc:
        raise PackageRefused("the package's studio recipient is not an age recipient") from exc
    today = clock.now().astimezone(clock.zone(m["timezone"])).date()
    use = check_use_fields(description, purpose, media, territory, today.isoformat(), 1)
    use = {k: use[k] for k in ("description", "purpose", "media", "territory")}
    use["composite"] = bool(composite)
    files = _output_bytes(list(outputs))
    encrypted, listed = {}, []
    for p, data, mime in files:
        ct = pyrage.encrypt(data, [to_studio])
        sha = sha256(data)
        encrypted[sha] = encode(ct)
        listed.append({"sha256": sha, "name": mf.safe_name(p.name), "media_type": mime, "size": len(data),
                       "encrypted_sha256": sha256(ct)})
    body = {"type": REQUEST_TYPE, "version": VERSION, "request_id": new_id("approval"), "created_at": now_iso(),
            "package": m["package_id"], "manifest_sha256": sha256(entries.manifest), "grant": m["grant"]["id"],
            "studio": {"vault": studio["vault"], "key_fingerprint": studio["key_fingerprint"],
                       "public_key": studio["public_key"], "recipient": studio["recipient"]},
            "brand": {"id": m["brand"]["id"], "recipient": identity.recipient, "verify_key": identity.verify_key},
            "use": use, "outputs": listed}
    request = {**body, "signature": sign(identity.signing_key, body), "encrypted": encrypted}
    warnings = scope_reasons(m["grant"]["document"], use["purpose"], use["media"], use["territory"], today)
    return request, warnings


def _write_new(data: bytes, out: Path, what: str) -> None:
    """Write ``out`` (owner-only), never over a file there — even one that appears meanwhile."""
    out = Path(out)
    if out.exists():
        raise InvalidInput(f"{out} already exists")
    with temp_file(out.parent, suffix="-" + out.name) as (tmp, fh):
        fh.write(data)
        finish_temp(fh)
        try:
            publish_new(tmp, out, mode=0o600)
        except FileExistsError:
            tmp.unlink(missing_ok=True)
            raise InvalidInput(f"{out} already exists (it appeared while the {what} was written); nothing was "
                               "written — choose another name") from None


def write_request(request: dict, out: Path) -> None:
    _write_new((json.dumps(request, indent=1, ensure_ascii=False) + "\n").encode(), Path(out), "request")


@dataclass(frozen=True)
class Applied:
    """What the talent decided on one output: ``approved`` with the credentialed copy written to
    ``path`` (and its check), or rejected with the talent's ``note`` (nothing written)."""

    output_sha256: str
    approved: bool
    note: str | None
    approval: str
    approved_by: str
    path: Path | None = None
    check: CredentialCheck | None = None

    def to_json(self) -> dict:
        return {"output": self.output_sha256, "decision": "approved" if self.approved else "rejected",
                "note": self.note, "approval": self.approval, "talent_key": self.approved_by,
                "path": str(self.path) if self.path else None,
                "credentials": self.check.to_json() if self.check else None}


def apply_response(path: Path, identity: BrandIdentity, output: Path, out: Path) -> Applied:
    """Check the studio's answer (the brand's own request in it, the studio's countersignature
    by the key the package named, the talent's signature on each decision) and, when the talent
    approved ``output`` (found by its SHA-256), write its credentialed copy to ``out`` — checked
    first against the studio root the answer carries. A rejected output writes nothing."""
    if identity.signing_key is None:
        raise InvalidInput(f"these brand keys have no signing key ({SIGNING_FILE}): it identifies your requests")
    r = read_response(Path(path))
    decided = check_response(r, identity.verify_key)
    output, out = Path(output), Path(out)
    if not output.is_file():
        raise InvalidInput(f"{output} is not a file" if output.exists() else f"{output} does not exist")
    sha = sha256(output.read_bytes())
    if sha not in decided:
        raise PackageRefused(f"{output.name} is not one of the outputs of request {r['request']['request_id']} "
                             f"(its SHA-256 {sha[:16]}… is not in the request: changed since it was sent?)")
    decision, note, credentialed, statement = decided[sha]
    talent = r["talent"]
    common = dict(output_sha256=sha, note=note, approval=str(r["request"]["request_id"]),
                  approved_by=str(talent.get("fingerprint")))
    if decision != APPROVED:
        return Applied(approved=False, **common)
    if out.exists():
        raise InvalidInput(f"{out} already exists")
    if out.resolve() == output.resolve():
        raise InvalidInput(f"{out} is the output itself: write the credentialed copy to another file")
    if not isinstance(credentialed, dict):
        raise PackageRefused(f"the approval of {output.name} carries no credentialed copy")
    ct = decode(r, str(credentialed.get("sha256")), f"the credentialed copy of {output.name}")
    if sha256(ct) != credentialed.get("encrypted_sha256"):
        raise PackageRefused(f"the credentialed copy of {output.name} was altered after the studio signed")
    try:
        data = pyrage.decrypt(ct, [identity.identity])
    except pyrage.DecryptError as exc:
        raise PackageRefused("the credentialed copy is not addressed to you") from exc
    if sha256(data) != credentialed.get("sha256"):
        raise IntegrityError(f"the credentialed copy of {output.name} does not match what the studio signed")
    root = str(r["root_certificate"]).encode()
    with temp_file(out.parent, suffix="-" + out.name) as (tmp, fh):
        fh.write(data)
        finish_temp(fh)
        check = verify_credentials(tmp, root)
        facts = check.facts
        if not check.trusted or facts is None or facts.approval != common["approval"]:
            tmp.unlink(missing_ok=True)
            raise PackageRefused(f"the credentialed copy of {output.name} does not verify "
                                 f"({'; '.join(check.problems) or 'not this approval'})")
        try:
            publish_new(tmp, out, mode=0o600)
        except FileExistsError:
            tmp.unlink(missing_ok=True)
            raise InvalidInput(f"{out} already exists (it appeared meanwhile); nothing was written") from None
    return Applied(approved=True, path=out, check=check, **common)
