"""The vault's keys.

* The **vault identity** is an ``age`` X25519 identity. Every blob and derived file is
  age-encrypted to its recipient, so any blob can be recovered with the standard ``age`` tool.
* The identity is stored wrapped by the passphrase through age's scrypt recipient (memory-hard
  KDF; rage picks the work factor, recorded in the header). ``age -d`` with the passphrase
  unwraps it without Twin Studio.
* Sub-keys for catalog field encryption and the header MAC are derived from the identity with
  HKDF-SHA256; fields are sealed with ChaCha20-Poly1305. All primitives come from ``pyrage`` and
  ``cryptography``; nothing here is home-made.
"""

from __future__ import annotations

import base64
import hmac
import hashlib
import os
import re
from dataclasses import dataclass, field

import pyrage
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from studio.core.errors import IntegrityError, WrongPassphrase

_SCRYPT_STANZA = re.compile(rb"^-> scrypt \S+ (\d+)$", re.MULTILINE)


def _hkdf(secret: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(secret)


@dataclass(frozen=True)
class VaultKeys:
    identity: pyrage.x25519.Identity = field(repr=False)

    @property
    def recipient(self) -> pyrage.x25519.Recipient:
        return self.identity.to_public()

    @property
    def _secret(self) -> bytes:
        return str(self.identity).encode()

    def header_mac(self, message: bytes) -> str:
        key = _hkdf(self._secret, b"twin-studio/v1/header-mac")
        return hmac.new(key, message, hashlib.sha256).hexdigest()

    def audit_head_mac(self, message: bytes) -> str:
        """The MAC of the audit chain's head file: only the vault key can move the head."""
        key = _hkdf(self._secret, b"twin-studio/v1/audit-head-mac")
        return hmac.new(key, message, hashlib.sha256).hexdigest()

    def watermark_key(self, package_id: str) -> bytes:
        """The key of one package's leak-tracing mark: only this vault can make or find it."""
        return _hkdf(self._secret, b"twin-studio/v1/watermark:" + package_id.encode())

    def field_cipher(self) -> "FieldCipher":
        return FieldCipher(_hkdf(self._secret, b"twin-studio/v1/catalog-fields"))


class FieldCipher:
    """Seals catalog fields that would reveal a person (names, e-mail, file names, body metrics)."""

    def __init__(self, key: bytes) -> None:
        self._aead = ChaCha20Poly1305(key)

    def seal(self, plaintext: str, context: str) -> bytes:
        """``context`` names the column and row ("talents.name:tal_…"): a sealed value copied
        to another row or column no longer opens."""
        nonce = os.urandom(12)
        return nonce + self._aead.encrypt(nonce, plaintext.encode(), context.encode())

    def open(self, sealed: bytes, context: str) -> str:
        try:
            return self._aead.decrypt(sealed[:12], sealed[12:], context.encode()).decode()
        except Exception as exc:  # InvalidTag or a short value
            raise IntegrityError(f"catalog field {context} failed its authenticity check") from exc


def generate_keys() -> VaultKeys:
    return VaultKeys(pyrage.x25519.Identity.generate())


def wrap_identity(keys: VaultKeys, passphrase: str) -> bytes:
    return pyrage.passphrase.encrypt(str(keys.identity).encode(), passphrase)


def scrypt_work_factor(wrapped: bytes) -> int | None:
    match = _SCRYPT_STANZA.search(wrapped[:512])
    return int(match.group(1)) if match else None


def unwrap_identity(wrapped: bytes, passphrase: str) -> VaultKeys:
    try:
        secret = pyrage.passphrase.decrypt(wrapped, passphrase)
    except pyrage.DecryptError as exc:
        raise WrongPassphrase("wrong passphrase for this vault") from exc
    try:
        return VaultKeys(pyrage.x25519.Identity.from_str(secret.decode().strip()))
    except Exception as exc:
        raise IntegrityError("the vault key in the header is damaged") from exc


# --- Ed25519 signing keys (the studio's now; talents' later) -------------------------------

def new_signing_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.generate()


def signing_key_to_bytes(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def signing_key_from_bytes(data: bytes) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(data, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise IntegrityError("the stored signing key is not an Ed25519 key")
    return key


def public_key_b64(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def public_key_fingerprint(key: Ed25519PublicKey) -> str:
    spki = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return "SHA256:" + hashlib.sha256(spki).hexdigest()
