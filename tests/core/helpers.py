"""Shared by the consent and package tests: grant fields, a brand with its own keys, an active
grant for it, and the studio key a brand pins."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from studio.core import clock
from studio.core.consent.grants import activate_grant, draft_grant, sign_grant
from studio.core.package.brand_keys import CARD_FILE, BrandIdentity, generate, keygen, load_identity
from studio.core.package.brands import add_card

BRAND = "Maison Lumière"
BRAND_PASSPHRASE = "the brand's own passphrase"


def fields(asset_ids, **over) -> dict:
    """A grant's fields, for a spring 2027 lookbook (fixed dates: for the policy tables)."""
    base = {"licensee": BRAND, "assets": asset_ids, "use_description": "Spring lookbook, web shop",
            "purposes": "e-commerce,advertising", "media": "web,social", "territories": "FR,BE",
            "start": "2027-01-01", "end": "2027-03-31", "max_uses": 2, "fee": "1500", "currency": "EUR",
            "exclude": "political,tobacco", "notice_days": 14, "jurisdiction": "FR"}
    base.update(over)
    return base


def grant_fields(assets, **over) -> dict:
    """The same grant running today (from 30 days ago to 60 days ahead), revocable at once; today
    by the core's clock (which a test may have set), a day either way of the grant's own."""
    today = clock.now().date()
    return fields(assets, **{"start": (today - dt.timedelta(days=30)).isoformat(),
                             "end": (today + dt.timedelta(days=60)).isoformat(), "max_uses": 5,
                             "exclude": "", "notice_days": 0, **over})


def active_grant(vault, talent, key, assets, **over):
    g = draft_grant(vault, talent.id, grant_fields(assets, **over))
    sign_grant(vault, g.id, key)
    return activate_grant(vault, g.id)


def brand(vault, name: str = BRAND) -> BrandIdentity:
    """A brand registered with the vault, and its keys as they are once unlocked: held in memory
    (no key derivation: the tests about the key files themselves use :func:`brand_folder`)."""
    keys, card = generate(name)
    add_card(vault, card)
    return keys


def write_card(folder: Path, keys: BrandIdentity, card) -> BrandIdentity:
    """The card ``brand keygen`` leaves in ``folder`` (for the studio), the keys kept in memory."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / CARD_FILE).write_text(json.dumps(card.to_json(), indent=2))
    return keys


def brand_folder(vault, folder: Path, name: str = BRAND) -> Path:
    """A brand registered from the folder ``brand keygen`` writes, locked by :data:`BRAND_PASSPHRASE`
    (some three seconds of scrypt: where a test needs the files)."""
    add_card(vault, keygen(folder, name, BRAND_PASSPHRASE))
    return folder


def unlock(folder: Path, signing: bool = True) -> BrandIdentity:
    return load_identity(folder, BRAND_PASSPHRASE, signing=signing)


def studio_pem(vault, path: Path) -> Path:
    key = vault.studio_signing_key().public_key()
    path.write_bytes(key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    return path


def studio_key(vault):
    return vault.studio_signing_key().public_key()


def fresh_card_keys() -> tuple[str, str]:
    """The public halves of a new talent's keys as a card holds them (Ed25519 verify key in
    base64, age recipient), made without ``talent keygen``'s two scrypt runs."""
    import pyrage
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from studio.core.vault.keys import public_key_b64

    return public_key_b64(Ed25519PrivateKey.generate().public_key()), str(pyrage.x25519.Identity.generate().to_public())
