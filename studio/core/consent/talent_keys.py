"""Each talent's own Ed25519 key, locked by the talent's own passphrase.

The private key is stored age-encrypted with age's scrypt passphrase recipient. The vault key
never wraps it, so whoever holds the studio's passphrase still cannot sign as the talent.
Unlocking gives a :class:`TalentKey` that lives only in memory.
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from studio.core import kdf
from studio.core.changes import Changes
from studio.core.clock import now_iso
from studio.core.errors import InvalidInput, NotFound, WrongPassphrase
from studio.core.ids import parse_id
from studio.core.testpoints import pause_point
from studio.core.vault import Vault, audit
from studio.core.vault.catalog import Talent, TalentKey as TalentKeyRow
from studio.core.vault.keys import (new_signing_key, passphrase_decrypt, public_key_b64, public_key_fingerprint,
                                    signing_key_from_bytes, signing_key_to_bytes)

MIN_LENGTH = 8


@dataclass(frozen=True)
class TalentKey:
    """An unlocked talent key: sign with it, then let it go."""

    talent_id: str
    private: Ed25519PrivateKey

    @property
    def public_b64(self) -> str:
        return public_key_b64(self.private.public_key())


def check_talent_passphrase(passphrase: str) -> None:
    if len(passphrase) < MIN_LENGTH:
        raise InvalidInput(f"the talent's passphrase must be at least {MIN_LENGTH} characters")


def _row(s, talent_id: str) -> TalentKeyRow | None:
    if s.get(Talent, talent_id) is None:
        raise NotFound(f"no talent {talent_id} in this vault")
    return s.get(TalentKeyRow, talent_id)


def has_key(vault: Vault, talent_id: str) -> bool:
    tid = parse_id("talent", talent_id)
    with vault.session() as s:
        return _row(s, tid) is not None


@dataclass(frozen=True)
class _Stored:
    """A talent's key row as read, so that the key derivation runs outside any transaction."""

    talent_id: str
    public_key: str
    wrapped_key: bytes


def _stored(vault: Vault, tid: str) -> _Stored | None:
    with vault.session() as s:
        row = _row(s, tid)
        return None if row is None else _Stored(row.talent_id, row.public_key, row.wrapped_key)


def _unwrap(row: _Stored, passphrase: str) -> Ed25519PrivateKey:
    # a wrong passphrase, an altered or damaged key and a machine too busy are told apart (DR021)
    pem = passphrase_decrypt(row.wrapped_key, passphrase, what=f"the stored key of talent {row.talent_id}",
                             wrong=f"wrong passphrase for talent {row.talent_id}")
    key = signing_key_from_bytes(pem)
    if public_key_b64(key.public_key()) != row.public_key:
        raise WrongPassphrase(f"the stored key of talent {row.talent_id} does not match its public key")
    return key


def set_talent_passphrase(vault: Vault, talent_id: str, passphrase: str, old_passphrase: str | None = None) -> str:
    """Create the talent's key under ``passphrase`` — or, when they have one, re-lock the same
    key under a new passphrase (``old_passphrase`` is then required). Returns the public key's
    fingerprint.

    The key derivations (scrypt, a second or more each) run outside the catalog transaction, which
    would otherwise keep every other writer waiting (DR025); the transaction then checks that the
    stored key is still the one read, and refuses if another change came first."""
    tid = parse_id("talent", talent_id)
    check_talent_passphrase(passphrase)
    before = _stored(vault, tid)
    if before is None:
        key = new_signing_key()
        action = "talent.key_created"
    else:
        if old_passphrase is None:
            raise InvalidInput(f"talent {tid} already has a key: give the current passphrase to change it")
        key = _unwrap(before, old_passphrase)
        action = "talent.passphrase_changed"
    wrapped = kdf.encrypt(signing_key_to_bytes(key), passphrase)
    public = public_key_b64(key.public_key())
    fingerprint = public_key_fingerprint(key.public_key())
    pause_point("talent_key.derived")
    with vault.session() as s:
        row = _row(s, tid)
        now = now_iso()
        if (row is None) != (before is None) or (row is not None and row.wrapped_key != before.wrapped_key):
            raise InvalidInput(f"the key of talent {tid} was set or changed by another window or command meanwhile: "
                               "nothing was changed; try again")
        if row is None:
            row = TalentKeyRow(talent_id=tid, public_key=public, wrapped_key=wrapped, created_at=now, updated_at=now)
            s.add(row)
        else:
            row.wrapped_key = wrapped
            row.updated_at = now
        s.flush()
        audit.append(s, action, tid, {"public_key": row.public_key, "fingerprint": fingerprint}, actor=tid)
    return KeyFingerprint(fingerprint, tid)


def unlock_talent_key(vault: Vault, talent_id: str, passphrase: str) -> TalentKey:
    tid = parse_id("talent", talent_id)
    row = _stored(vault, tid)
    if row is None:
        raise NotFound(f"talent {tid} has no key yet: set their passphrase first "
                       f"(twin-studio talent set-passphrase {tid})")
    return TalentKey(tid, _unwrap(row, passphrase))


def talent_public_key(vault: Vault, talent_id: str) -> str | None:
    tid = parse_id("talent", talent_id)
    with vault.session() as s:
        row = _row(s, tid)
        return row.public_key if row is not None else None


def export_public_key(vault: Vault, talent_id: str) -> str:
    """The talent's public key as PEM (SubjectPublicKeyInfo), for anyone to verify with."""
    import base64

    b64 = talent_public_key(vault, talent_id)
    if b64 is None:
        raise NotFound(f"talent {parse_id('talent', talent_id)} has no key yet")
    key = Ed25519PublicKey.from_public_bytes(base64.b64decode(b64))
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


class KeyFingerprint(str):
    """The fingerprint :func:`set_talent_passphrase` returns (a plain string to every caller),
    carrying what the call changed (DR013)."""

    def __new__(cls, fingerprint: str, talent_id: str) -> "KeyFingerprint":
        value = super().__new__(cls, fingerprint)
        value.talent_id = talent_id
        return value

    @property
    def changes(self) -> Changes:
        return Changes(talents={self.talent_id}, audit=True)
