"""Each talent's own Ed25519 key, locked by the talent's own passphrase.

The private key is stored age-encrypted with age's scrypt passphrase recipient. The vault key
never wraps it, so whoever holds the studio's passphrase still cannot sign as the talent.
Unlocking gives a :class:`TalentKey` that lives only in memory.

A talent may instead hold their own key (DR045): ``talent keygen`` on their device, the card
linked here (``talent_cards``). The studio then holds no private key of theirs: every path that
would sign for them here refuses with :class:`TalentSignsOnOwnDevice`, and the public halves of
the keys they had before stay (``retired_talent_keys``) so that what was signed with them still
verifies (:class:`Keyring`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select, text
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from studio.core import kdf
from studio.core.changes import Changes
from studio.core.clock import now_iso
from studio.core.consent.signing import verify
from studio.core.errors import InvalidInput, NotFound, TalentSignsOnOwnDevice, WrongPassphrase
from studio.core.ids import parse_id
from studio.core.talents import STUDIO, TALENT
from studio.core.testpoints import pause_point
from studio.core.vault import Vault, audit
from studio.core.vault.catalog import RetiredTalentKey, Talent, TalentCard, TalentKey as TalentKeyRow
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
    """Whether the studio holds a key of the talent (locked by their passphrase)."""
    tid = parse_id("talent", talent_id)
    with vault.session() as s:
        return _row(s, tid) is not None


def key_holder(vault: Vault, talent_id: str) -> str | None:
    """Who holds the talent's private key: ``"talent"`` (their own device, a linked card),
    ``"studio"`` (in the vault, under their passphrase), or ``None`` (no key yet)."""
    tid = parse_id("talent", talent_id)
    with vault.session() as s:
        row = _row(s, tid)
        if s.get(TalentCard, tid) is not None:
            return TALENT
        return STUDIO if row is not None else None


def own_device_message(talent_id: str) -> str:
    return (f"talent {talent_id} holds their own key and signs on their own device: the studio holds no "
            "private key of theirs and cannot sign for them")


def require_studio_held(s, talent_id: str) -> None:
    """Inside the caller's transaction: refuse, with :class:`TalentSignsOnOwnDevice`, when the
    talent holds their own key (every path that signs for the talent here calls this)."""
    if s.get(TalentCard, talent_id) is not None:
        raise TalentSignsOnOwnDevice(own_device_message(talent_id))


def refuse_if_own_device(vault: Vault, talent_id: str) -> None:
    """:func:`require_studio_held` in a transaction of its own."""
    with vault.session() as s:
        require_studio_held(s, parse_id("talent", talent_id))


@dataclass(frozen=True)
class Keyring:
    """The public keys a talent's signatures are checked against: the current one (studio-held
    or on their card) for anything, and each retired one for statements dated before it was
    retired."""

    current: str | None
    retired: tuple[tuple[str, str], ...] = field(default=())  # (public key, retired_at)

    def keys_for(self, at: str | None) -> list[str]:
        keys = [self.current] if self.current else []
        if isinstance(at, str):
            keys += [k for k, retired_at in self.retired if at <= retired_at]  # both as clock.iso writes them
        return keys

    def verifies(self, statement: dict, signature: str, at: str | None) -> bool:
        return any(verify(k, statement, signature) for k in self.keys_for(at))


def current_public_key(s, talent_id: str) -> str | None:
    """Inside the caller's transaction: the talent's key in use (their card's, or the studio-held one)."""
    card = s.get(TalentCard, talent_id)
    if card is not None:
        return card.public_key
    row = s.get(TalentKeyRow, talent_id)
    return row.public_key if row is not None else None


def keyring(s, talent_id: str) -> Keyring:
    retired = s.execute(select(RetiredTalentKey.public_key, RetiredTalentKey.retired_at)
                        .where(RetiredTalentKey.talent_id == talent_id).order_by(RetiredTalentKey.id)).all()
    return Keyring(current_public_key(s, talent_id), tuple((k, at) for k, at in retired))


def keyrings(s) -> dict[str, Keyring]:
    """Every talent's :class:`Keyring` (one query per table), for ``check``."""
    current = {k.talent_id: k.public_key for k in s.execute(select(TalentKeyRow)).scalars()}
    current.update({c.talent_id: c.public_key for c in s.execute(select(TalentCard)).scalars()})
    retired: dict[str, list[tuple[str, str]]] = {}
    for r in s.execute(select(RetiredTalentKey).order_by(RetiredTalentKey.id)).scalars():
        retired.setdefault(r.talent_id, []).append((r.public_key, r.retired_at))
    return {tid: Keyring(current.get(tid), tuple(retired.get(tid, ())))
            for tid in set(current) | set(retired)}


@dataclass(frozen=True)
class _Stored:
    """A talent's key row as read, so that the key derivation runs outside any transaction."""

    talent_id: str
    public_key: str
    wrapped_key: bytes


def _stored(vault: Vault, tid: str) -> _Stored | None:
    with vault.session() as s:
        row = _row(s, tid)
        require_studio_held(s, tid)
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
        require_studio_held(s, tid)  # linked meanwhile
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
    """The talent's key in use (base64): their card's when they hold their own key."""
    tid = parse_id("talent", talent_id)
    with vault.session() as s:
        _row(s, tid)
        return current_public_key(s, tid)


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


# -- the talent's own key (DR045) ------------------------------------------------------------

@dataclass(frozen=True)
class LinkedKey:
    """What :func:`link_own_key` did: the talent now holds the key with ``fingerprint``."""

    talent_id: str
    fingerprint: str
    retired: tuple[str, ...]  # the public keys no longer in use (kept for verification)
    destroyed_studio_key: bool

    @property
    def changes(self) -> Changes:
        return Changes(talents={self.talent_id}, audit=True)


def _secure_delete(s, row) -> None:
    """Delete ``row`` so that SQLite overwrites its bytes (``secure_delete``) instead of leaving
    them in a free page; PostgreSQL reclaims a dead row at its next vacuum (DR045)."""
    sqlite = s.get_bind().dialect.name == "sqlite"
    before = s.execute(text("PRAGMA secure_delete")).scalar() if sqlite else None
    if sqlite:
        s.execute(text("PRAGMA secure_delete=ON"))
    try:
        s.delete(row)
        s.flush()
    finally:
        if sqlite:  # the connection goes back to the pool as it came (a build may default to on)
            s.execute(text(f"PRAGMA secure_delete={int(before or 0)}"))


def link_own_key(vault: Vault, talent_id: str, public_key: str, recipient: str, fingerprint: str,
                 *, handing_over: bool = False) -> LinkedKey:
    """The talent holds their own key from now on: the card's ``public_key`` (base64),
    ``recipient`` (age) and ``fingerprint`` become theirs, in one transaction that destroys the
    studio-held key row (if any), keeps the public half of every key replaced (a retired key
    verifies what was signed before it was retired) and records the switch in the audit chain.

    ``handing_over``: ``talent export-kit`` — the card carries the studio-held key itself, which
    must still be the talent's (it was handed over, not replaced)."""
    tid = parse_id("talent", talent_id)
    with vault.session() as s:
        row = _row(s, tid)
        card = s.get(TalentCard, tid)
        if handing_over:
            if card is not None:
                raise TalentSignsOnOwnDevice(f"talent {tid} already holds their own key: there is nothing to hand over")
            if row is None or row.public_key != public_key:
                raise InvalidInput(f"the studio-held key of talent {tid} changed or went meanwhile: nothing was changed")
        elif card is not None and card.public_key == public_key:
            raise InvalidInput(f"talent {tid} already holds this key ({fingerprint})")
        owner = _owner_of(s, public_key)
        if owner is not None and owner != tid:
            raise InvalidInput(f"this key is already talent {owner}'s: one key belongs to one talent")
        if owner == tid and not handing_over and (row is None or row.public_key != public_key):
            raise InvalidInput(f"this key was talent {tid}'s before and was retired: give a new card")
        now = now_iso()
        retired = []
        if row is not None and row.public_key != public_key:
            retired.append(RetiredTalentKey(talent_id=tid, public_key=row.public_key, held_by=STUDIO,
                                            created_at=row.created_at, retired_at=now))
        if card is not None:
            retired.append(RetiredTalentKey(talent_id=tid, public_key=card.public_key, held_by=TALENT,
                                            created_at=card.linked_at, retired_at=now))
            s.delete(card)
            s.flush()
        s.add_all(retired)
        if row is not None:
            _secure_delete(s, row)
        s.add(TalentCard(talent_id=tid, public_key=public_key, recipient=recipient, fingerprint=fingerprint,
                         linked_at=now))
        s.flush()
        action = "talent.key_handed_over" if handing_over else "talent.key_linked"
        audit.append(s, action, tid, {"public_key": public_key, "fingerprint": fingerprint, "recipient": recipient,
                                      "retired": [r.public_key for r in retired],
                                      "studio_key_destroyed": row is not None})
    if row is not None:
        vault.flush_journal()  # the deleted key's page, overwritten, into the catalog file
    return LinkedKey(tid, fingerprint, tuple(r.public_key for r in retired), row is not None)


def refuse_if_key_taken(vault: Vault, public_key: str) -> None:
    """:class:`InvalidInput` when ``public_key`` is already a talent's (in use or retired): checked
    before a new talent is added with it, so that a refused card adds nobody."""
    with vault.session() as s:
        owner = _owner_of(s, public_key)
    if owner is not None:
        raise InvalidInput(f"this key is already talent {owner}'s: one key belongs to one talent")


def _owner_of(s, public_key: str) -> str | None:
    """The talent whose key (in use or retired) ``public_key`` is, if any."""
    for model in (TalentCard, TalentKeyRow, RetiredTalentKey):
        found = s.execute(select(model.talent_id).where(model.public_key == public_key).limit(1)).scalar()
        if found is not None:
            return found
    return None


def talent_card_row(vault: Vault, talent_id: str) -> dict | None:
    """The linked card of a talent who holds their own key (public key, recipient, fingerprint,
    linked_at), or ``None``."""
    tid = parse_id("talent", talent_id)
    with vault.session() as s:
        _row(s, tid)
        card = s.get(TalentCard, tid)
        return None if card is None else {"public_key": card.public_key, "recipient": card.recipient,
                                           "fingerprint": card.fingerprint, "linked_at": card.linked_at}


LINK_ACTIONS = ("talent.key_linked", "talent.key_handed_over")


def verify_talent_keys(vault: Vault) -> list[str]:
    """For ``check``: each talent's card is the one the audit chain recorded last for them, a
    talent with a card has no studio-held key, and each retired key was retired by a recorded
    switch, no later than it (a retired key added or backdated outside Twin Studio would make
    other signatures count)."""
    import json

    from studio.core.vault.catalog import AuditEvent

    problems: list[str] = []
    with vault.session() as s:
        events: dict[str, list] = {}
        for ev in s.execute(select(AuditEvent).where(AuditEvent.action.in_(LINK_ACTIONS))
                            .order_by(AuditEvent.seq)).scalars():
            events.setdefault(ev.subject, []).append((ev.at, json.loads(ev.details)))
        for card in s.execute(select(TalentCard)).scalars():
            recorded = events.get(card.talent_id)
            last = recorded[-1][1] if recorded else {}
            if (last.get("public_key"), last.get("fingerprint"), last.get("recipient")) != \
                    (card.public_key, card.fingerprint, card.recipient):
                problems.append(f"talent {card.talent_id}: their card in the catalog is not the one the audit chain "
                                "recorded (altered or added outside Twin Studio)")
            if s.get(TalentKeyRow, card.talent_id) is not None:
                problems.append(f"talent {card.talent_id} holds their own key, yet the studio holds a key of theirs "
                                "(added outside Twin Studio)")
        for r in s.execute(select(RetiredTalentKey)).scalars():
            if not any(r.public_key in (d.get("retired") or []) and r.retired_at <= at
                       for at, d in events.get(r.talent_id, [])):
                problems.append(f"talent {r.talent_id}: retired key {r.id} was not retired by a recorded switch "
                                "(added or altered outside Twin Studio)")
    return problems
