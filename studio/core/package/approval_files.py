"""The files of the approval of each output (DR047), as both sides read them.

- ``.twinrequest`` (the brand → the studio): the brand asks the talent to approve outputs made
  with a package. The **body** (everything but ``signature`` and ``encrypted``) is signed with
  the brand's Ed25519 key; it names the package (its id and manifest hash), the grant, the
  studio's keys as the package named them, the intended use, and each output by SHA-256, size,
  media type and the SHA-256 of its ciphertext. ``encrypted`` holds each output age-encrypted
  to the studio's recipient (base64), bound to the signed body by that ciphertext hash.
- ``.twinapproval`` (the studio → the brand): the brand's signed request body, echoed; the
  talent's signed decision on each output; for each approved output the credentialed copy's
  hash (its bytes in ``encrypted``, age-encrypted to the brand); the whole countersigned by
  the studio's Ed25519 key (``studio_signature`` over everything but itself and ``encrypted``).

Signatures are Ed25519 over RFC 8785 canonical JSON, as the consent statements and usage
reports (:mod:`studio.core.consent.signing`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from pathlib import Path

from studio.core.consent.signing import verify
from studio.core.errors import InvalidInput, PackageRefused
from studio.core.ids import parse_id
from studio.core.jsonfile import read_typed
from studio.core.text import check_name

REQUEST_TYPE = "twin-studio/approval-request"
RESPONSE_TYPE = "twin-studio/approval-response"
DECISION_TYPE = "twin-studio/output-decision"
VERSION = 1
MAX_OUTPUTS = 50
MAX_OUTPUT_BYTES = 256 * 1024 ** 2          # an image or a voice line, held in memory
MAX_TOTAL_BYTES = 512 * 1024 ** 2           # all the outputs of one request
MAX_FILE = MAX_TOTAL_BYTES * 4 // 3 + (4 << 20)  # base64 of the outputs, and the JSON around them
APPROVED, REJECTED = "approved", "rejected"
DECISIONS = (APPROVED, REJECTED)
NOTE_LIMIT = 500
_SHA = re.compile(r"[0-9a-f]{64}")


def output_decision_statement(request_id: str, package_id: str, grant_id: str, talent_id: str, output_sha256: str,
                              decision: str, note: str | None, at: str) -> dict:
    """The statement the talent signs for one output (``twin-studio/output-decision`` v1): the same
    bytes whether their key is held at the studio or on their own device (a review kit, DR053)."""
    if decision not in DECISIONS:
        raise InvalidInput(f"a decision is {' or '.join(DECISIONS)}, not {decision!r}")
    return {"type": DECISION_TYPE, "version": VERSION, "request": request_id, "package": package_id,
            "grant": grant_id, "talent": talent_id, "output": check_sha(output_sha256, "the output"),
            "decision": decision, "note": check_name(note, "the note", NOTE_LIMIT, required=False), "at": at}


def body_of(doc: dict, *signatures: str) -> dict:
    """What a file's signature covers: the document without the signatures and the ciphertexts."""
    return {k: v for k, v in doc.items() if k not in ("encrypted", *signatures)}


def check_sha(value: object, what: str) -> str:
    if not isinstance(value, str) or _SHA.fullmatch(value) is None:
        raise InvalidInput(f"{what} is not a SHA-256 (64 hexadecimal digits): {str(value)[:80]!r}")
    return value


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def encode(ciphertext: bytes) -> str:
    return base64.b64encode(ciphertext).decode()


def decode(doc: dict, key: str, what: str) -> bytes:
    """The ciphertext ``doc['encrypted'][key]`` as bytes, checked against nothing yet."""
    enc = doc.get("encrypted")
    if not isinstance(enc, dict) or not isinstance(enc.get(key), str):
        raise InvalidInput(f"{what} is missing from the file")
    try:
        return base64.b64decode(enc[key], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidInput(f"{what} is not base64") from exc


def _need(cond: bool, what: str, message: str) -> None:
    if not cond:
        raise InvalidInput(f"{what}: {message}")


def read_request(path: Path) -> dict:
    """A request's JSON with its shape checked (its signature is checked against the registered
    brand by the studio, :func:`studio.core.package.approvals.import_request`)."""
    r = read_typed(path, REQUEST_TYPE, "approval request", MAX_FILE)
    what = f"the approval request {Path(path).name}"
    _need(r.get("version") == VERSION, what, f"unknown version {r.get('version')!r}")
    for key in ("request_id", "created_at", "package", "manifest_sha256", "grant", "studio", "brand", "use",
                "outputs", "signature", "encrypted"):
        _need(key in r, what, f"it lacks {key}")
    for key, kind in (("request_id", "approval"), ("package", "package"), ("grant", "grant")):
        _need(isinstance(r[key], str) and parse_id(kind, r[key]) == r[key], what, f"its {key} is not a {kind} id")
    check_sha(r["manifest_sha256"], f"{what}: the manifest hash")
    for key, fields in (("studio", ("key_fingerprint", "public_key", "recipient")),
                        ("brand", ("id", "recipient", "verify_key"))):
        _need(isinstance(r[key], dict) and all(isinstance(r[key].get(f), str) for f in fields), what,
              f"its {key} is not an object with {', '.join(fields)}")
    use = r["use"]
    _need(isinstance(use, dict) and isinstance(use.get("composite"), bool), what, "its use is not an object")
    outputs = r["outputs"]
    _need(isinstance(outputs, list) and 0 < len(outputs) <= MAX_OUTPUTS, what,
          f"it names no outputs, or more than {MAX_OUTPUTS}")
    seen = set()
    for i, o in enumerate(outputs):
        _need(isinstance(o, dict), what, f"output {i + 1} is not an object")
        sha = check_sha(o.get("sha256"), f"{what}: output {i + 1}")
        check_sha(o.get("encrypted_sha256"), f"{what}: output {i + 1}'s ciphertext hash")
        _need(sha not in seen, what, f"output {sha[:16]}… appears twice")
        seen.add(sha)
        _need(isinstance(o.get("size"), int) and not isinstance(o["size"], bool)
              and 0 < o["size"] <= MAX_OUTPUT_BYTES, what, f"output {sha[:16]}…'s size is not in range")
        _need(isinstance(o.get("media_type"), str) and isinstance(o.get("name"), str), what,
              f"output {sha[:16]}… lacks its media type or name")
    _need(isinstance(r["signature"], str) and isinstance(r["encrypted"], dict), what, "its signature is missing")
    return r


def request_signed_by(request: dict, verify_key_b64: str) -> bool:
    return isinstance(request.get("signature"), str) and verify(verify_key_b64, body_of(request, "signature"),
                                                                request["signature"])


def read_response(path: Path) -> dict:
    """A response's JSON with its shape checked (its signatures by :func:`check_response`)."""
    r = read_typed(path, RESPONSE_TYPE, "approval response", MAX_FILE)
    what = f"the approval response {Path(path).name}"
    if r.get("version") != VERSION:
        raise PackageRefused(f"{what}: unknown version {r.get('version')!r}")
    for key in ("request", "request_signature", "talent", "decisions", "outputs", "root_certificate",
                "responded_at", "studio_signature", "encrypted"):
        if key not in r:
            raise PackageRefused(f"{what} lacks {key}")
    if not (isinstance(r["request"], dict) and isinstance(r["talent"], dict) and isinstance(r["decisions"], list)
            and isinstance(r["outputs"], list) and isinstance(r["encrypted"], dict)):
        raise PackageRefused(f"{what} is malformed")
    return r


def check_response(r: dict, brand_verify_key: str) -> dict:
    """Verify a response: the echoed request is the brand's own (signed with ``brand_verify_key``);
    the studio's signature is by the studio key that request names (the one in the package the
    brand opened); each decision is signed by the talent key the studio countersigned, and is
    about this request. Returns ``{output sha256: (decision, note, credentialed or None)}``;
    :class:`PackageRefused` for anything that does not hold."""
    request = r["request"]
    if not verify(brand_verify_key, request, str(r["request_signature"])):
        raise PackageRefused("this approval answers a request that is not yours (the brand signature on the "
                             "request it echoes is not made with your key)")
    studio = request.get("studio") or {}
    if not verify(str(studio.get("public_key")), body_of(r, "studio_signature"), str(r["studio_signature"])):
        raise PackageRefused(f"this approval is not signed by the studio that made the package "
                             f"({studio.get('key_fingerprint')}): altered, or from someone else")
    talent_key = str(r["talent"].get("public_key"))
    decided: dict[str, dict] = {}
    for d in r["decisions"]:
        st, sig = (d or {}).get("statement"), (d or {}).get("signature")
        if not isinstance(st, dict) or not isinstance(sig, str) or not verify(talent_key, st, sig):
            raise PackageRefused("a decision in this approval is not signed by the talent's key")
        if (st.get("type") != DECISION_TYPE or st.get("request") != request.get("request_id")
                or st.get("package") != request.get("package") or st.get("decision") not in DECISIONS):
            raise PackageRefused("a decision in this approval is about another request")
        decided[str(st.get("output"))] = st
    out = {}
    for o in r["outputs"]:
        sha = str((o or {}).get("sha256"))
        st = decided.get(sha)
        if st is None or st["decision"] != o.get("decision"):
            raise PackageRefused(f"output {sha[:16]}… has no decision signed by the talent that says so")
        out[sha] = (st["decision"], st.get("note"), o.get("credentialed"), st)
    return out
