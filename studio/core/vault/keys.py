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

from studio.core import kdf
from studio.core.errors import IntegrityError, VaultLocked, WrongPassphrase

_STANZA = re.compile(rb"^-> (\S+)(?: (\S+))?(?: (\S+))?", re.MULTILINE)
_SCRYPT_STANZA = re.compile(rb"^-> scrypt \S+ (\d+)$", re.MULTILINE)

# The largest scrypt work factor (log2 N) a wrapped key may ask for: 2^22 at r = 8 is 4 GiB of
# memory and some ten seconds; rage picks about one second's worth (2^17..2^20) when wrapping.
MAX_WORK_FACTOR = 22
# pyrage (1.4) gives no way to pass age a work-factor limit: rage times scrypt on this machine
# and refuses a factor it estimates too slow ("Excessive work"), which a loaded machine can
# misjudge. The factor having been checked against the header first, such a refusal is retried.
_BUSY_RETRIES = 3


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

    def object_name(self, sha256: str) -> str:
        """A blob's name in a shared vault's object store: keyed, so that whoever can list the
        bucket cannot test whether a file they hold is stored there (DR027)."""
        key = _hkdf(self._secret, b"twin-studio/v1/object-names")
        return hmac.new(key, sha256.encode(), hashlib.sha256).hexdigest()

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
        # surrogateescape: a file name that is not UTF-8 (a Latin-1 capture tool) is sealed as
        # the bytes it was given; valid text is plain UTF-8 as before
        return nonce + self._aead.encrypt(nonce, plaintext.encode("utf-8", "surrogateescape"), context.encode())

    def open(self, sealed: bytes, context: str) -> str:
        try:
            return self._aead.decrypt(sealed[:12], sealed[12:], context.encode()).decode("utf-8", "surrogateescape")
        except Exception as exc:  # InvalidTag or a short value
            raise IntegrityError(f"catalog field {context} failed its authenticity check") from exc


def generate_keys() -> VaultKeys:
    return VaultKeys(pyrage.x25519.Identity.generate())


def wrap_identity(keys: VaultKeys, passphrase: str) -> bytes:
    return kdf.encrypt(str(keys.identity).encode(), passphrase)


def scrypt_work_factor(wrapped: bytes) -> int | None:
    match = _SCRYPT_STANZA.search(wrapped[:512])
    return int(match.group(1)) if match else None


def check_work_factor(wrapped: bytes, recorded: object, what: str = "the vault header") -> int:
    """The work factor of a passphrase-wrapped age file, checked before any scrypt runs: one
    scrypt stanza, its factor between 1 and :data:`MAX_WORK_FACTOR`, and equal to the factor
    ``what`` records (``None``: nothing recorded). A mismatch is an altered header, not a wrong
    passphrase."""
    head = wrapped[: wrapped.find(b"\n---")] if b"\n---" in wrapped[:4096] else wrapped[:4096]
    stanzas = _STANZA.findall(head)
    if len(stanzas) != 1 or stanzas[0][0] != b"scrypt" or not stanzas[0][2].isdigit():
        raise IntegrityError(f"{what}: the wrapped key is not a single age scrypt (passphrase) stanza")
    factor = int(stanzas[0][2])
    if not 1 <= factor <= MAX_WORK_FACTOR:
        raise IntegrityError(f"{what} was altered: its wrapped key asks for a scrypt work factor of 2^{factor}, "
                             f"beyond the 2^{MAX_WORK_FACTOR} Twin Studio accepts")
    if recorded is not None and recorded != factor:
        raise IntegrityError(f"{what} was altered: its wrapped key's scrypt work factor (2^{factor}) differs "
                             f"from the one it records (2^{recorded})")
    return factor


def passphrase_decrypt(wrapped: bytes, passphrase: str, recorded_work_factor: object = None,
                       what: str = "the vault header", wrong: str = "wrong passphrase for this vault") -> bytes:
    """Decrypt an age file wrapped with a passphrase, telling a wrong passphrase
    (:class:`WrongPassphrase`) from a damaged or altered file (:class:`IntegrityError`) and from
    a machine too busy to derive the key (:class:`VaultLocked`). The scrypt itself runs in
    :mod:`studio.core.kdf` (a child process in the app, DR043)."""
    check_work_factor(wrapped, recorded_work_factor, what)
    for _ in range(_BUSY_RETRIES):
        try:
            return kdf.decrypt(wrapped, passphrase)  # in a child process where the app asked for it (DR043)
        except pyrage.DecryptError as exc:
            message = str(exc)
            if message.startswith("Excessive work"):
                continue  # rage's own time estimate on a loaded machine: the factor was checked
            if message == "Decryption failed":  # the passphrase did not open the scrypt stanza
                raise WrongPassphrase(wrong) from exc
            raise IntegrityError(f"{what}: the wrapped key is damaged ({message.splitlines()[0]})") from exc
    raise VaultLocked("this machine is too busy to unlock now (age judged the key derivation too slow); "
                      "try again in a moment")


def unwrap_identity(wrapped: bytes, passphrase: str, recorded_work_factor: object = None) -> VaultKeys:
    secret = passphrase_decrypt(wrapped, passphrase, recorded_work_factor)
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
