"""A brand's own keys, made and kept on the brand's machine.

``brand keygen --out DIR`` writes three files:

* ``identity.txt`` — an ``age`` X25519 identity in the standard ``age-keygen`` layout, so
  ``age -d -i identity.txt`` opens a package's payload without Twin Studio;
* ``signing-key.pem`` — an Ed25519 private key (PKCS#8) that signs the brand's usage reports;
* ``brand-card.json`` — the public half (name, age recipient, verify key as PEM) to hand to
  the studio, which registers it with ``brand add --card``.

The private files are written 0600 and never overwritten.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path

import pyrage
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from studio.core.clock import now_iso
from studio.core.errors import InvalidInput, NotFound
from studio.core.jsonfile import read_typed
from studio.core.keyfiles import write_private_new
from studio.core.vault.atomic import write_bytes_atomic
from studio.core.vault.keys import public_key_b64, public_key_fingerprint

IDENTITY_FILE = "identity.txt"
SIGNING_FILE = "signing-key.pem"
CARD_FILE = "brand-card.json"
CARD_TYPE = "twin-studio/brand-card"
MAX_CARD = 64 * 1024


@dataclass(frozen=True)
class BrandCard:
    name: str
    recipient: str
    verify_key: str  # base64 of the raw Ed25519 public key

    def to_json(self) -> dict:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(self.verify_key))
        pem = key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        return {"type": CARD_TYPE, "version": 1, "name": self.name, "recipient": self.recipient,
                "verify_key_pem": pem.decode(), "verify_key_fingerprint": public_key_fingerprint(key)}


@dataclass(frozen=True)
class BrandIdentity:
    identity: pyrage.x25519.Identity
    signing_key: Ed25519PrivateKey

    @property
    def recipient(self) -> str:
        return str(self.identity.to_public())

    @property
    def verify_key(self) -> str:
        return public_key_b64(self.signing_key.public_key())


def check_recipient(text: str) -> str:
    value = text.strip()
    try:
        pyrage.x25519.Recipient.from_str(value)
    except Exception as exc:
        raise InvalidInput(f"{text!r} is not an age X25519 recipient (they start with age1…)") from exc
    return value


def parse_verify_key(text: str) -> str:
    """A verify key given as PEM (SubjectPublicKeyInfo) or base64 of the raw 32 bytes → base64."""
    value = text.strip()
    if value.startswith("-----BEGIN"):
        try:
            key = serialization.load_pem_public_key(value.encode())
        except ValueError as exc:
            raise InvalidInput("the verify key PEM cannot be read") from exc
        if not isinstance(key, Ed25519PublicKey):
            raise InvalidInput("the verify key is not an Ed25519 key")
        return public_key_b64(key)
    try:
        raw = base64.b64decode(value, validate=True)
        Ed25519PublicKey.from_public_bytes(raw)
    except ValueError as exc:
        raise InvalidInput("the verify key is neither an Ed25519 PEM nor base64 of 32 raw bytes") from exc
    return value


def _check_name(name: str) -> str:
    value = " ".join(name.split())
    if not value or len(value) > 200:
        raise InvalidInput("a brand name is 1 to 200 characters")
    return value


def keygen(out: Path, name: str) -> BrandCard:
    out = Path(out)
    name = _check_name(name)
    existing = [f for f in (IDENTITY_FILE, SIGNING_FILE, CARD_FILE) if (out / f).exists()]
    if existing:
        raise InvalidInput(f"{out} already holds {', '.join(existing)}; refusing to overwrite a brand's keys")
    out.mkdir(parents=True, exist_ok=True)
    identity = pyrage.x25519.Identity.generate()
    signing = Ed25519PrivateKey.generate()
    recipient = str(identity.to_public())
    age_text = f"# created: {now_iso()}\n# public key: {recipient}\n{identity}\n"
    pem = signing.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    card = BrandCard(name, recipient, public_key_b64(signing.public_key()))
    write_private_new(out / IDENTITY_FILE, age_text.encode(), "a brand's keys")
    write_private_new(out / SIGNING_FILE, pem, "a brand's keys")
    write_bytes_atomic(out / CARD_FILE, (json.dumps(card.to_json(), indent=2) + "\n").encode(), public=True)
    return card


def load_identity(folder: Path) -> BrandIdentity:
    """The brand's keys from the folder `brand keygen` wrote (or an age identity file alone,
    which opens packages but cannot sign reports)."""
    folder = Path(folder)
    ident_path, key_path = (folder, None) if folder.is_file() else (folder / IDENTITY_FILE, folder / SIGNING_FILE)
    if not ident_path.is_file():
        raise NotFound(f"no brand identity in {folder} (expected {IDENTITY_FILE} from `twin-studio brand keygen`)")
    lines = [ln.strip() for ln in ident_path.read_text().splitlines()
             if ln.strip() and not ln.startswith("#")]
    try:
        identity = pyrage.x25519.Identity.from_str(lines[0])
    except (IndexError, pyrage.IdentityError, ValueError) as exc:
        raise InvalidInput(f"{ident_path} does not hold an age X25519 identity") from exc
    signing = None
    if key_path is not None and key_path.is_file():
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise InvalidInput(f"{key_path} is not an Ed25519 private key")
        signing = key
    return BrandIdentity(identity, signing)  # type: ignore[arg-type]


def read_card(path: Path) -> BrandCard:
    data = read_typed(path, CARD_TYPE, "brand card", MAX_CARD)
    return BrandCard(_check_name(str(data.get("name", ""))), check_recipient(str(data.get("recipient", ""))),
                     parse_verify_key(str(data.get("verify_key_pem", ""))))
