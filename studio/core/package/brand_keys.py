"""A brand's own keys, made and kept on the brand's machine.

``brand keygen --out DIR`` writes three files (DR046):

* ``identity.txt`` — an ``age`` X25519 identity in the standard ``age-keygen`` layout, encrypted
  with age's passphrase (scrypt) recipient under a passphrase the brand chooses: an encrypted
  identity file as age itself reads them, so ``age -d -i identity.txt`` (asking the passphrase)
  opens a package's payload without Twin Studio;
* ``signing-key.pem.age`` — an Ed25519 private key (PKCS#8 PEM) that signs the brand's usage
  reports, age-encrypted to the brand's own recipient (as the studio keeps its signing key,
  ``keys/studio-signing-key.pem.age``): the one passphrase unlocks both with one key derivation;
* ``brand-card.json`` — the public half (name, age recipient, verify key as PEM) to hand to
  the studio, which registers it with ``brand add --card``.

The private files are written 0600 and never overwritten. A folder from before DR046 holds the
same keys in clear (``identity.txt`` as ``age-keygen`` writes it, ``signing-key.pem``):
:func:`load_identity` refuses it (:class:`UnprotectedKeys`) and :func:`protect` encrypts it in place.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from pathlib import Path

import pyrage
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from studio.core import kdf
from studio.core.clock import now_iso
from studio.core.errors import IntegrityError, InvalidInput, NotFound, UnprotectedKeys
from studio.core.jsonfile import read_typed
from studio.core.keyfiles import read_locked, write_locked_new, write_private_new
from studio.core.vault.atomic import fsync_dir, write_bytes_atomic
from studio.core.vault.keys import passphrase_decrypt, public_key_b64, public_key_fingerprint

IDENTITY_FILE = "identity.txt"
SIGNING_FILE = "signing-key.pem.age"
OLD_SIGNING_FILE = "signing-key.pem"  # in clear, before DR046
CARD_FILE = "brand-card.json"
CARD_TYPE = "twin-studio/brand-card"
MAX_CARD = 64 * 1024
MIN_PASSPHRASE = 8  # as for a vault
WHOSE = "a brand's keys"
AGE_MAGIC = b"age-encryption.org/v1\n"
CLEAR_IDENTITY_MARK = b"AGE-SECRET-KEY-1"


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
    """A brand's unlocked keys, held in memory only; ``signing_key`` is None where it was not loaded."""

    identity: pyrage.x25519.Identity = field(repr=False)
    signing_key: Ed25519PrivateKey | None = field(repr=False)

    @property
    def recipient(self) -> str:
        return str(self.identity.to_public())

    @property
    def verify_key(self) -> str:
        if self.signing_key is None:
            raise InvalidInput("these brand keys were loaded without their signing key")
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


def generate(name: str) -> tuple[BrandIdentity, BrandCard]:
    """New brand keys, in memory only, and the card that goes with them."""
    name = _check_name(name)
    identity = BrandIdentity(pyrage.x25519.Identity.generate(), Ed25519PrivateKey.generate())
    return identity, BrandCard(name, identity.recipient, identity.verify_key)


def check_new_passphrase(passphrase: str) -> None:
    if len(passphrase) < MIN_PASSPHRASE:
        raise InvalidInput(f"the passphrase of a brand's keys must be at least {MIN_PASSPHRASE} characters long")


def _identity_text(identity: pyrage.x25519.Identity) -> bytes:
    return f"# created: {now_iso()}\n# public key: {identity.to_public()}\n{identity}\n".encode()


def _signing_pem(key: Ed25519PrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def keygen(out: Path, name: str, passphrase: str) -> BrandCard:
    """Make a brand's keys in ``out`` (a new or key-less folder), locked by ``passphrase``."""
    out = Path(out)
    name = _check_name(name)
    check_new_passphrase(passphrase)
    existing = [f for f in (IDENTITY_FILE, SIGNING_FILE, OLD_SIGNING_FILE, CARD_FILE) if (out / f).exists()]
    if existing:
        raise InvalidInput(f"{out} already holds {', '.join(existing)}; refusing to overwrite a brand's keys")
    out.mkdir(parents=True, exist_ok=True)
    identity, card = generate(name)
    write_locked_new(out / IDENTITY_FILE, _identity_text(identity.identity), passphrase, WHOSE)
    write_private_new(out / SIGNING_FILE, pyrage.encrypt(_signing_pem(identity.signing_key),
                                                         [identity.identity.to_public()]), WHOSE)
    write_bytes_atomic(out / CARD_FILE, (json.dumps(card.to_json(), indent=2) + "\n").encode(), public=True)
    return card


def _parse_identity(text: bytes, where: Path) -> pyrage.x25519.Identity:
    try:
        lines = [ln.strip() for ln in text.decode().splitlines() if ln.strip() and not ln.startswith("#")]
        return pyrage.x25519.Identity.from_str(lines[0])
    except (IndexError, UnicodeDecodeError, pyrage.IdentityError, ValueError) as exc:
        raise IntegrityError(f"{where} does not hold an age X25519 identity (damaged?)") from exc


def _parse_signing(pem: bytes, where: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise IntegrityError(f"{where} does not hold a readable private key (damaged?)") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise IntegrityError(f"{where} is not an Ed25519 private key")
    return key


def _is_locked(data: bytes) -> bool:
    return data.startswith(AGE_MAGIC)


def _is_clear_identity(data: bytes) -> bool:
    return CLEAR_IDENTITY_MARK in data


def _unprotected(folder: Path) -> UnprotectedKeys:
    return UnprotectedKeys(f"the brand's keys in {folder} are stored in clear (made before keys were locked by a "
                           f"passphrase): run `twin-studio brand protect {folder}` to lock them, then try again")


def load_identity(folder: Path, passphrase: str, *, signing: bool = True) -> BrandIdentity:
    """The brand's keys from the folder `brand keygen` wrote, unlocked by ``passphrase`` (or an
    encrypted age identity file alone, which opens packages but cannot sign reports).
    ``signing=False`` leaves the signing key locked (it is then ``None``).

    A wrong passphrase is :class:`WrongPassphrase`; a damaged or altered file :class:`IntegrityError`;
    keys in the older clear layout :class:`UnprotectedKeys` (see :func:`protect`)."""
    folder = Path(folder)
    alone = folder.is_file()
    ident_path = folder if alone else folder / IDENTITY_FILE
    if not ident_path.is_file():
        raise NotFound(f"no brand identity in {folder} (expected {IDENTITY_FILE} from `twin-studio brand keygen`)")
    data = ident_path.read_bytes()
    if not _is_locked(data):
        if _is_clear_identity(data):
            if alone:
                raise UnprotectedKeys(f"{ident_path} holds an age identity in clear: lock it with age's passphrase "
                                      f"(`age -p -o identity-locked.txt {ident_path}`) and give that file")
            raise _unprotected(folder)
        raise IntegrityError(f"{ident_path} is neither an age identity nor one locked by a passphrase (damaged?)")
    identity = _parse_identity(read_locked(ident_path, passphrase, f"the brand identity {ident_path}",
                                           f"wrong passphrase for the brand's keys in {folder}"), ident_path)
    key = None
    if signing and not alone:
        key = _load_signing(folder, identity)
    return BrandIdentity(identity, key)  # type: ignore[arg-type]


def _load_signing(folder: Path, identity: pyrage.x25519.Identity) -> Ed25519PrivateKey | None:
    path = folder / SIGNING_FILE
    if not path.is_file():
        if (folder / OLD_SIGNING_FILE).is_file():
            raise _unprotected(folder)
        return None
    try:
        pem = pyrage.decrypt(path.read_bytes(), [identity])
    except pyrage.DecryptError as exc:
        raise IntegrityError(f"{path} cannot be decrypted with this folder's identity: it is damaged, or from "
                             f"another brand's keys ({str(exc).splitlines()[0] if str(exc) else 'no match'})") from exc
    key = _parse_signing(pem, path)
    return key


def protect(folder: Path, passphrase: str) -> BrandCard | None:
    """Lock a brand folder from before DR046 (keys in clear) in place, under ``passphrase``.

    Crash-safe: the signing key's locked copy is written beside the clear one before the clear
    one goes; ``identity.txt`` is replaced by a rename (the clear file or the locked one is there
    at every moment, never neither). Run again after a crash, it finishes the job. Keys already
    locked are refused (``InvalidInput``), nothing changed."""
    folder = Path(folder)
    check_new_passphrase(passphrase)
    ident_path = folder / IDENTITY_FILE
    if not ident_path.is_file():
        raise NotFound(f"no brand identity in {folder} (expected {IDENTITY_FILE} from `twin-studio brand keygen`)")
    data = ident_path.read_bytes()
    if _is_locked(data):
        if (folder / OLD_SIGNING_FILE).exists():
            raise InvalidInput(f"{ident_path} is locked already, but {folder / OLD_SIGNING_FILE} is still in clear: "
                               f"check that {SIGNING_FILE} opens (`twin-studio report create`), then delete it")
        raise InvalidInput(f"the brand's keys in {folder} are locked already; nothing to do")
    if not _is_clear_identity(data):
        raise IntegrityError(f"{ident_path} is neither an age identity nor one locked by a passphrase (damaged?)")
    identity = _parse_identity(data, ident_path)
    old, new = folder / OLD_SIGNING_FILE, folder / SIGNING_FILE
    if old.is_file():
        clear_key = _parse_signing(old.read_bytes(), old)
        if new.is_file():  # a run that stopped after writing the locked copy: it must hold the same key
            if _signing_pem(_load_signing(folder, identity)) != _signing_pem(clear_key):
                raise IntegrityError(f"{new} and {old} hold different keys; move one of them away first")
        else:
            write_private_new(new, pyrage.encrypt(_signing_pem(clear_key), [identity.to_public()]), WHOSE)
        _remove_durably(old)
    locked = kdf.encrypt(data, passphrase)
    if read_locked_bytes(locked, passphrase, ident_path) != data:  # never replace the only copy with a bad one
        raise IntegrityError(f"locking {ident_path} did not give back the same key; nothing was replaced")
    write_bytes_atomic(ident_path, locked, overwrite=True)  # 0600 temp file, fsync, rename over the clear one
    return _card_or_none(folder)


def read_locked_bytes(locked: bytes, passphrase: str, where: Path) -> bytes:
    return passphrase_decrypt(locked, passphrase, what=str(where), wrong=f"wrong passphrase for {where}")


def _remove_durably(path: Path) -> None:
    path.unlink()
    fsync_dir(path.parent)


def _card_or_none(folder: Path) -> BrandCard | None:
    try:
        return read_card(folder / CARD_FILE)
    except (NotFound, InvalidInput, IntegrityError, OSError):
        return None


def read_card(path: Path) -> BrandCard:
    data = read_typed(path, CARD_TYPE, "brand card", MAX_CARD)
    return BrandCard(_check_name(str(data.get("name", ""))), check_recipient(str(data.get("recipient", ""))),
                     parse_verify_key(str(data.get("verify_key_pem", ""))))
