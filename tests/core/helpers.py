"""Shared by the consent and package tests: grant fields, a brand with its own keys, an active
grant for it, and the studio key a brand pins."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from studio.core import clock
from studio.core.consent.grants import activate_grant, draft_grant, sign_grant
from studio.core.package.brand_keys import keygen
from studio.core.package.brands import add_card

BRAND = "Maison Lumière"


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


def brand(vault, folder: Path, name: str = BRAND):
    card = keygen(folder, name)
    return add_card(vault, card)


def studio_pem(vault, path: Path) -> Path:
    key = vault.studio_signing_key().public_key()
    path.write_bytes(key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    return path


def studio_key(vault):
    return vault.studio_signing_key().public_key()
