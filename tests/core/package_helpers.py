"""Shared by the package tests: a brand with its own keys, an active grant for it, and the
studio key a brand pins."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from studio.core.consent.grants import activate_grant, draft_grant, sign_grant
from studio.core.package.brand_keys import keygen
from studio.core.package.brands import add_card

BRAND = "Maison Lumière"


def grant_fields(assets, **over) -> dict:
    today = dt.date.today()
    base = {"licensee": BRAND, "assets": assets, "use_description": "Spring lookbook, web shop",
            "purposes": "e-commerce,advertising", "media": "web,social", "territories": "FR,BE",
            "start": (today - dt.timedelta(days=30)).isoformat(), "end": (today + dt.timedelta(days=60)).isoformat(),
            "max_uses": 5, "fee": "1500", "currency": "EUR", "notice_days": 0, "jurisdiction": "FR"}
    base.update(over)
    return base


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
