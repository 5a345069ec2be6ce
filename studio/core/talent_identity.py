"""The talent's own keys, made and kept on the talent's device (DR045).

``talent keygen --out DIR --name NAME`` writes, in a folder only its owner can open (0700):

* ``signing-key.pem.age`` — the talent's Ed25519 signing key (PKCS#8 PEM);
* ``identity.txt.age`` — an age X25519 identity, in the ``age-keygen`` layout, that review kits
  will be encrypted to;

both encrypted with age's passphrase (scrypt) recipient under the *talent's* passphrase and
written 0600, never overwritten (``age -d`` opens either with that passphrase); and

* ``talent-card.json`` — the public half (name, Ed25519 public key, age recipient, the key's
  fingerprint) to hand to the studio, which registers it with ``talent add --card`` or
  ``talent link ID --card``.

``talent export-kit`` writes the same folder for a talent whose key the studio held, with that
very key, then destroys the studio's copy. Brands' cards and these share the recipient and
verify-key checks (:mod:`studio.core.package.brand_keys`) and the key-file writers
(:mod:`studio.core.keyfiles`).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, replace
from pathlib import Path

import pyrage
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from studio.core.clock import now_iso
from studio.core.consent.talent_keys import (STUDIO, TALENT, LinkedKey, check_talent_passphrase, key_holder,
                                             link_own_key, own_device_message, refuse_if_key_taken,
                                             unlock_talent_key)
from studio.core.errors import IntegrityError, InvalidInput, NotFound, TalentSignsOnOwnDevice
from studio.core.ids import parse_id
from studio.core.jsonfile import read_typed
from studio.core.keyfiles import read_locked, write_locked_new
from studio.core.package.brand_keys import check_recipient, parse_verify_key
from studio.core.talents import TalentRecord, add_talent, get_talent
from studio.core.text import check_name
from studio.core.vault import Vault
from studio.core.vault.atomic import write_bytes_atomic
from studio.core.vault.keys import public_key_b64, public_key_fingerprint, signing_key_from_bytes

SIGNING_FILE = "signing-key.pem.age"
IDENTITY_FILE = "identity.txt.age"
CARD_FILE = "talent-card.json"
CARD_TYPE = "twin-studio/talent-card"
MAX_CARD = 64 * 1024
WHOSE = "a talent's keys"


def _public(b64: str) -> Ed25519PublicKey:
    import base64

    return Ed25519PublicKey.from_public_bytes(base64.b64decode(b64))


@dataclass(frozen=True)
class TalentCard:
    """The public half of a talent's own keys."""

    name: str
    verify_key: str  # base64 of the raw Ed25519 public key
    recipient: str   # age1…

    @property
    def fingerprint(self) -> str:
        return public_key_fingerprint(_public(self.verify_key))

    def to_json(self) -> dict:
        pem = _public(self.verify_key).public_bytes(serialization.Encoding.PEM,
                                                    serialization.PublicFormat.SubjectPublicKeyInfo)
        return {"type": CARD_TYPE, "version": 1, "name": self.name, "verify_key_pem": pem.decode(),
                "recipient": self.recipient, "fingerprint": self.fingerprint}


@dataclass(frozen=True)
class TalentIdentity:
    """A talent's own keys, unlocked on their device: sign with ``signing_key``, open what was
    encrypted to them with ``identity``."""

    card: TalentCard
    signing_key: Ed25519PrivateKey
    identity: pyrage.x25519.Identity


def _name(name: object) -> str:
    return " ".join(check_name(name, "the talent's name").split())


def read_talent_card(path: Path) -> TalentCard:
    """A ``talent-card.json``, checked: its name, its age recipient, its Ed25519 key, and that
    its fingerprint is its key's (a card altered on the way is refused)."""
    data = read_typed(Path(path), CARD_TYPE, "talent card", MAX_CARD)
    if data.get("version") != 1:
        raise InvalidInput(f"{path}: talent card version {data.get('version')!r} is not one this Twin Studio reads")
    card = TalentCard(_name(data.get("name")), parse_verify_key(str(data.get("verify_key_pem", ""))),
                      check_recipient(str(data.get("recipient", ""))))
    if data.get("fingerprint") != card.fingerprint:
        raise IntegrityError(f"{path}: the card's fingerprint is not its key's (the card was altered or damaged); "
                             "ask the talent for their card again")
    return card


def _key_folder(out: Path) -> Path:
    """``out`` made (or taken, when it holds none of the key files) and closed to everyone but its owner."""
    out = Path(out)
    existing = [f for f in (SIGNING_FILE, IDENTITY_FILE, CARD_FILE) if (out / f).exists()]
    if existing:
        raise InvalidInput(f"{out} already holds {', '.join(existing)}; refusing to overwrite {WHOSE}")
    if out.exists() and not out.is_dir():
        raise InvalidInput(f"{out} is a file, not a folder")
    out.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(out, 0o700)
    return out


def _write_keys(out: Path, name: str, signing: Ed25519PrivateKey, passphrase: str) -> TalentCard:
    check_talent_passphrase(passphrase)
    out = _key_folder(out)
    identity = pyrage.x25519.Identity.generate()
    recipient = str(identity.to_public())
    card = TalentCard(name, public_key_b64(signing.public_key()), recipient)
    pem = signing.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    age_text = f"# created: {now_iso()}\n# public key: {recipient}\n{identity}\n"
    write_locked_new(out / SIGNING_FILE, pem, passphrase, WHOSE)
    write_locked_new(out / IDENTITY_FILE, age_text.encode(), passphrase, WHOSE)
    write_bytes_atomic(out / CARD_FILE, (json.dumps(card.to_json(), indent=2) + "\n").encode(), public=True)
    return card


def keygen_talent(out: Path, name: str, passphrase: str) -> TalentCard:
    """Make a talent's own keys in ``out`` under their ``passphrase`` (no vault involved)."""
    name = _name(name)
    check_talent_passphrase(passphrase)
    return _write_keys(out, name, Ed25519PrivateKey.generate(), passphrase)


def load_talent_identity(folder: Path, passphrase: str) -> TalentIdentity:
    """The talent's keys from the folder ``talent keygen`` (or ``talent export-kit``) wrote,
    unlocked with their passphrase: :class:`WrongPassphrase` for a wrong one,
    :class:`IntegrityError` for a damaged file or keys that are not the card's."""
    folder = Path(folder)
    for f in (SIGNING_FILE, IDENTITY_FILE, CARD_FILE):
        if not (folder / f).is_file():
            raise NotFound(f"no {f} in {folder} (a talent's keys come from `twin-studio talent keygen`)")
    card = read_talent_card(folder / CARD_FILE)
    wrong = f"wrong passphrase for the talent's keys in {folder}"
    pem = read_locked(folder / SIGNING_FILE, passphrase, f"the signing key in {folder}", wrong)
    age_text = read_locked(folder / IDENTITY_FILE, passphrase, f"the age identity in {folder}", wrong)
    try:
        signing = signing_key_from_bytes(pem)
        lines = [ln.strip() for ln in age_text.decode().splitlines() if ln.strip() and not ln.startswith("#")]
        identity = pyrage.x25519.Identity.from_str(lines[0])
    except (ValueError, TypeError, IndexError, UnicodeDecodeError, pyrage.IdentityError) as exc:
        raise IntegrityError(f"the talent's keys in {folder} cannot be read (damaged)") from exc
    if public_key_b64(signing.public_key()) != card.verify_key or str(identity.to_public()) != card.recipient:
        raise IntegrityError(f"the keys in {folder} are not the ones its {CARD_FILE} names")
    return TalentIdentity(card, signing, identity)


# -- the studio's side ---------------------------------------------------------------------------

def check_card_name(talent: TalentRecord, card: TalentCard) -> None:
    """:class:`InvalidInput` when ``card`` names someone other than ``talent`` (the wrong card):
    :func:`link_talent_card` checks it; the app, also before it asks the operator to confirm."""
    if " ".join(talent.name.split()).casefold() != card.name.casefold():
        raise InvalidInput(f"the card is for {card.name!r}, but talent {talent.id} is {talent.name!r}: "
                           "is it the right card?")


def add_talent_with_card(vault: Vault, card: TalentCard, email: str | None = None,
                         agency: str | None = None) -> TalentRecord:
    """A new talent who holds their own key from the start. A key already another talent's is
    refused before the talent is added (the link, a transaction of its own, checks it again)."""
    refuse_if_key_taken(vault, card.verify_key)
    talent = add_talent(vault, card.name, email, agency)
    link_own_key(vault, talent.id, card.verify_key, card.recipient, card.fingerprint)
    return replace(talent, key_holder=TALENT)


def link_talent_card(vault: Vault, talent_id: str, card: TalentCard) -> LinkedKey:
    """An existing talent switches to the key on ``card`` (see
    :func:`studio.core.consent.talent_keys.link_own_key`)."""
    talent = get_talent(vault, talent_id)
    check_card_name(talent, card)
    return link_own_key(vault, talent.id, card.verify_key, card.recipient, card.fingerprint)


@dataclass(frozen=True)
class ExportedKit:
    card: TalentCard
    linked: LinkedKey

    @property
    def changes(self):
        return self.linked.changes


def export_kit(vault: Vault, talent_id: str, passphrase: str, out: Path) -> ExportedKit:
    """Hand a talent whose key the studio holds their key: the folder ``talent keygen`` writes,
    with that same key (under the same passphrase, which unlocks it here first) and a new age
    identity; then the studio's copy is destroyed and the talent holds their own key. Files are
    written first: if that fails the studio still holds the key and nothing changed."""
    tid = parse_id("talent", talent_id)
    holder = key_holder(vault, tid)
    if holder == TALENT:
        raise TalentSignsOnOwnDevice(own_device_message(tid) + "; there is no key here to hand over")
    if holder != STUDIO:
        raise NotFound(f"talent {tid} has no key yet: there is nothing to hand over (give them "
                       "`twin-studio talent keygen` and link their card)")
    key = unlock_talent_key(vault, tid, passphrase)
    talent = get_talent(vault, tid)
    card = _write_keys(Path(out), _name(talent.name), key.private, passphrase)
    return ExportedKit(card, link_own_key(vault, tid, card.verify_key, card.recipient, card.fingerprint,
                                          handing_over=True))
