"""The two files a talent and the studio exchange, as bytes: no vault here (DR049).

A review kit (``.twinreview``) is an age file encrypted to the talent's age recipient (their
card's). Inside, a ZIP (stored, not compressed) of

* ``kit.json`` — what the talent decides on (assets with their hashes, metrics and warnings,
  grants with the exact bytes they would sign, the statement, the history, the audit chain's
  head) and, under ``files``, the SHA-256 and size of every other member;
* ``kit.sig`` — the studio's Ed25519 signature (base64) over the bytes of ``kit.json``;
* ``previews/<asset>/<role>`` — a scan's thumbnail and smallest LOD, a voice take itself;
* ``outputs/<request>/<sha256>`` — a brand's output awaiting the talent's decision (DR053).

A decisions file (``.twindecisions``) is a JSON object signed by the talent like a usage report:
``signature`` is Ed25519 (base64) over the RFC 8785 canonical JSON of the object without it.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pyrage
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from studio.core.consent.signing import verify
from studio.core.errors import IntegrityError, InvalidInput, NotFound
from studio.core.ids import parse_id
from studio.core.jsonfile import read_typed

KIT_TYPE = "twin-studio/review-kit"
DECISIONS_TYPE = "twin-studio/decisions"
REQUEST_TYPE = "twin-studio/talent-request"
VERSION = 1
KIT_JSON, KIT_SIG = "kit.json", "kit.sig"

MAX_PREVIEW = 64 * 1024 * 1024        # one preview file (a LOD, a voice take): larger ones are listed, not put in
MAX_PREVIEWS = 256 * 1024 * 1024      # all previews of one kit together
MAX_KIT_JSON = 32 * 1024 * 1024
MAX_KIT_FILE = MAX_PREVIEWS + MAX_KIT_JSON + 1024 * 1024  # what the talent's side reads at most
MAX_MEMBERS = 10_000
MAX_DECISIONS_FILE = 16 * 1024 * 1024

REVIEW_KINDS = ("approve", "reject")
GRANT_KINDS = ("sign", "decline", "revoke")
REQUEST_KINDS = ("pause", "resume", "request_access", "request_erasure")
OUTPUT_KINDS = ("approve_output", "reject_output")  # a brand's output, through the kit (DR053)
KINDS = REVIEW_KINDS + GRANT_KINDS + REQUEST_KINDS + OUTPUT_KINDS


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _b64_key(b64: str) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(base64.b64decode(b64, validate=True))


def seal_kit(kit: dict, files: dict[str, bytes], studio_key: Ed25519PrivateKey, recipient: str) -> bytes:
    """The kit file's bytes: ``kit`` (its ``files`` listing filled in here), signed by the studio,
    with ``files``, encrypted to ``recipient``."""
    kit = dict(kit, files={name: {"sha256": sha256(data), "size": len(data)} for name, data in sorted(files.items())})
    body = json.dumps(kit, indent=1, ensure_ascii=False).encode()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        z.writestr(KIT_JSON, body)
        z.writestr(KIT_SIG, base64.b64encode(studio_key.sign(body)))
        for name, data in sorted(files.items()):
            z.writestr(name, data)
    return pyrage.encrypt(buf.getvalue(), [pyrage.x25519.Recipient.from_str(recipient)])


@dataclass(frozen=True)
class OpenedKit:
    """A kit decrypted and verified: ``kit`` is ``kit.json``; ``files`` every preview's bytes."""

    kit: dict
    files: dict[str, bytes]

    @property
    def id(self) -> str:
        return self.kit["kit"]

    @property
    def studio_key(self) -> str:
        return self.kit["studio"]["verify_key"]


def open_kit_bytes(data: bytes, identity: pyrage.x25519.Identity, where: str = "the kit") -> OpenedKit:
    """Decrypt with the talent's identity, verify the studio's signature with the key the kit
    names (the caller pins that key) and every member's hash; anything else is refused."""
    if len(data) > MAX_KIT_FILE:
        raise InvalidInput(f"{where} is too large to be a review kit")
    try:
        plain = pyrage.decrypt(data, [identity])
    except pyrage.DecryptError as exc:
        raise IntegrityError(f"{where} does not open with your key: it was made for someone else, or it is "
                             "damaged or cut short") from exc
    try:
        with zipfile.ZipFile(io.BytesIO(plain)) as z:
            infos = z.infolist()
            if len(infos) > MAX_MEMBERS:
                raise InvalidInput(f"{where} holds too many files")
            if sum(i.file_size for i in infos) > MAX_KIT_FILE:
                raise InvalidInput(f"{where} unpacks to too much")
            names = [i.filename for i in infos]
            if len(set(names)) != len(names) or KIT_JSON not in names or KIT_SIG not in names:
                raise IntegrityError(f"{where} is not a whole review kit")
            body, sig = z.read(KIT_JSON), z.read(KIT_SIG)
            members = {n: z.read(n) for n in names if n not in (KIT_JSON, KIT_SIG)}
    except (zipfile.BadZipFile, EOFError, KeyError) as exc:
        raise IntegrityError(f"{where} is damaged (not a readable review kit)") from exc
    try:
        kit = json.loads(body)
        key = _b64_key(kit["studio"]["verify_key"])
        key.verify(base64.b64decode(sig, validate=True), body)
    except InvalidSignature as exc:
        raise IntegrityError(f"{where}: the studio's signature does not verify (the kit was altered)") from exc
    except (ValueError, KeyError, TypeError) as exc:
        raise IntegrityError(f"{where} is damaged (its contents cannot be read)") from exc
    if kit.get("type") != KIT_TYPE or kit.get("version") != VERSION:
        raise InvalidInput(f"{where} is not a review kit this Twin Studio reads")
    listed = kit.get("files") or {}
    if set(listed) != set(members):
        raise IntegrityError(f"{where}: its files are not the ones the studio signed")
    for name, data in members.items():
        if listed[name].get("sha256") != sha256(data):
            raise IntegrityError(f"{where}: {name} is not the file the studio signed")
    parse_id("kit", kit.get("kit", ""))
    return OpenedKit(kit, members)


# -- decisions files ------------------------------------------------------------------------------

def envelope_body(decisions: dict) -> dict:
    return {k: v for k, v in decisions.items() if k != "signature"}


def signed_by(decisions: dict, verify_key_b64: str) -> bool:
    return isinstance(decisions.get("signature"), str) and verify(verify_key_b64, envelope_body(decisions),
                                                                  decisions["signature"])


def read_decisions(path: Path) -> tuple[dict, bytes]:
    """A decisions file's JSON with its shape checked (its signatures are checked against the
    talent's registered key by the importer), and its bytes (their hash goes in the audit chain)."""
    path = Path(path)
    if not path.is_file():
        raise NotFound(f"no decisions file at {path}")
    d = read_typed(path, DECISIONS_TYPE, "decisions file", MAX_DECISIONS_FILE)
    if d.get("version") != VERSION:
        raise InvalidInput(f"{path}: decisions file version {d.get('version')!r} is not one this Twin Studio reads")
    for key, kind in (("decisions_id", "decisions"), ("kit", "kit"), ("talent", "talent")):
        value = d.get(key)
        if not isinstance(value, str) or parse_id(kind, value) != value:
            raise InvalidInput(f"{path}: the decisions file's {key} {value!r} is not a {kind} id")
    head = d.get("chain_head")
    if not isinstance(head, dict) or not isinstance(head.get("seq"), int) or not isinstance(head.get("hash"), str):
        raise InvalidInput(f"{path}: the decisions file lacks the chain head of its kit")
    items = d.get("decisions")
    if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
        raise InvalidInput(f"{path}: the decisions file holds no decisions")
    for i in items:
        if i.get("kind") not in KINDS:
            raise InvalidInput(f"{path}: unknown decision {i.get('kind')!r}")
        if not isinstance(i.get("signature"), str):
            raise InvalidInput(f"{path}: a {i.get('kind')} decision is not signed")
    if not isinstance(d.get("verify_key"), str) or not isinstance(d.get("signature"), str):
        raise InvalidInput(f"{path}: the decisions file is not signed")
    return d, path.read_bytes()
