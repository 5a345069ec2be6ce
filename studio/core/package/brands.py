"""Brands registered in the vault: who a package can be addressed to."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from studio.core.changes import Changes
from studio.core.clock import now_iso
from studio.core.errors import InvalidInput, NotFound
from studio.core.ids import new_id
from studio.core.text import check_name
from studio.core.package.brand_keys import BrandCard, _check_name, check_recipient, parse_verify_key
from studio.core.vault import Vault, audit
from studio.core.vault.catalog import Brand


@dataclass(frozen=True)
class BrandRecord:
    id: str
    name: str
    recipient: str
    verify_key: str
    created_at: str

    @property
    def changes(self) -> Changes:
        """What the call that returned this record changed (DR013)."""
        return Changes(brands={self.id}, audit=True)

    def to_json(self) -> dict:
        return dict(self.__dict__)


def _record(row: Brand) -> BrandRecord:
    return BrandRecord(row.id, row.name, row.recipient, row.verify_key, row.created_at)


def add_brand(vault: Vault, name: str, recipient: str, verify_key: str) -> BrandRecord:
    card = BrandCard(_check_name(name), check_recipient(recipient), parse_verify_key(verify_key))
    return add_card(vault, card)


def add_card(vault: Vault, card: BrandCard) -> BrandRecord:
    check_name(card.name, "the brand's name")  # a card from elsewhere: one line, no control characters
    with vault.session() as s:
        if s.execute(select(Brand).where(func.lower(Brand.name) == card.name.lower())).first():
            raise InvalidInput(f"a brand named {card.name!r} is already registered")
        if s.execute(select(Brand).where(Brand.recipient == card.recipient)).first():
            raise InvalidInput("this age recipient is already registered for another brand")
        row = Brand(id=new_id("brand"), name=card.name, recipient=card.recipient, verify_key=card.verify_key,
                    created_at=now_iso())
        s.add(row)
        s.flush()
        audit.append(s, "brand.added", row.id, {"recipient": card.recipient, "verify_key": card.verify_key})
        return _record(row)


def list_brands(vault: Vault) -> list[BrandRecord]:
    with vault.session() as s:
        return [_record(r) for r in s.execute(select(Brand).order_by(func.lower(Brand.name))).scalars()]


def get_brand(vault: Vault, name_or_id: str) -> BrandRecord:
    key = name_or_id.strip()
    with vault.session() as s:
        row = s.get(Brand, key) or s.execute(
            select(Brand).where(func.lower(Brand.name) == key.lower())).scalar_one_or_none()
        if row is None:
            raise NotFound(f"no brand {name_or_id!r} is registered (see `twin-studio brand list`)")
        return _record(row)
