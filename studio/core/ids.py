"""Typed ids: a short prefix naming the kind of thing, then 16 random hex digits."""

from __future__ import annotations

import re
import secrets
from typing import NewType

from studio.core.errors import InvalidInput

TalentId = NewType("TalentId", str)
AssetId = NewType("AssetId", str)
VaultId = NewType("VaultId", str)

_PREFIX = {"talent": "tal", "asset": "ast", "vault": "vlt", "review": "rev", "grant": "grt",
           "brand": "brd", "package": "pkg", "entry": "led", "report": "rpt"}


def new_id(kind: str) -> str:
    return f"{_PREFIX[kind]}_{secrets.token_hex(8)}"


def parse_id(kind: str, text: str) -> str:
    prefix = _PREFIX[kind]
    value = text.strip()
    if not re.fullmatch(rf"{prefix}_[0-9a-f]{{16}}", value):
        article = "an" if kind[0] in "aeiou" else "a"
        raise InvalidInput(f"{text!r} is not {article} {kind} id (they look like {prefix}_0123456789abcdef)")
    return value
