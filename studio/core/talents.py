"""Talents: the people whose likeness the vault holds. Names and contact details are sealed."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select

from studio.core.changes import Changes
from studio.core.clock import now_iso
from studio.core.errors import InvalidInput, NotFound
from studio.core.ids import new_id, parse_id
from studio.core.text import check_name
from studio.core.vault import Vault
from studio.core.vault import audit
from studio.core.vault.likeness_keys import make_key
from studio.core.vault.catalog import Asset, Talent, TalentCard, TalentKey

# who holds a talent's private key (DR045): their own device (a linked card), the studio (under
# their passphrase, in the vault), or nobody yet (``None``)
STUDIO, TALENT = "studio", "talent"

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class TalentRecord:
    id: str
    name: str
    email: str | None
    agency: str | None
    created_at: str
    asset_count: int = 0
    key_holder: str | None = None  # STUDIO, TALENT, or None: no key yet

    @property
    def changes(self) -> Changes:
        """What the call that returned this record changed (DR013)."""
        return Changes(talents={self.id}, audit=True)

    def to_json(self) -> dict:
        return dict(self.__dict__)


def _clean(value: str | None, what: str, limit: int = 200) -> str | None:
    return check_name(value, what, limit, required=False)


def add_talent(vault: Vault, name: str, email: str | None = None, agency: str | None = None) -> TalentRecord:
    name_clean = _clean(name, "the talent's name")
    if not name_clean:
        raise InvalidInput("the talent's name must not be empty")
    email_clean = _clean(email, "the e-mail address")
    if email_clean and not _EMAIL.match(email_clean):
        raise InvalidInput(f"{email_clean!r} is not an e-mail address")
    agency_clean = _clean(agency, "the agency")
    tid = new_id("talent")
    f = vault.fields
    row = Talent(
        id=tid,
        name_sealed=f.seal(name_clean, f"talents.name:{tid}"),
        email_sealed=f.seal(email_clean, f"talents.email:{tid}") if email_clean else None,
        agency_sealed=f.seal(agency_clean, f"talents.agency:{tid}") if agency_clean else None,
        created_at=now_iso(),
    )
    with vault.session() as s:
        s.add(row)
        s.flush()
        make_key(s, vault._keys, tid)  # their likeness key (DR055), in the same transaction
        audit.append(s, "talent.added", tid)
    return TalentRecord(tid, name_clean, email_clean, agency_clean, row.created_at)


def _holders(s, talent_ids=None) -> dict[str, str]:
    """Who holds each talent's key (one query per table); a talent absent holds none yet."""
    found: dict[str, str] = {}
    for model, holder in ((TalentKey, STUDIO), (TalentCard, TALENT)):  # a card wins (check flags both)
        query = select(model.talent_id)
        if talent_ids is not None:
            query = query.where(model.talent_id.in_(talent_ids))
        found.update((tid, holder) for tid in s.execute(query).scalars())
    return found


def _record(vault: Vault, row: Talent, count: int, holder: str | None = None) -> TalentRecord:
    f = vault.fields
    return TalentRecord(
        id=row.id,
        name=f.open(row.name_sealed, f"talents.name:{row.id}"),
        email=f.open(row.email_sealed, f"talents.email:{row.id}") if row.email_sealed else None,
        agency=f.open(row.agency_sealed, f"talents.agency:{row.id}") if row.agency_sealed else None,
        created_at=row.created_at,
        asset_count=count,
        key_holder=holder,
    )


def list_talents(vault: Vault) -> list[TalentRecord]:
    with vault.session() as s:
        counts = dict(s.execute(select(Asset.talent_id, func.count()).group_by(Asset.talent_id)).all())
        rows = s.execute(select(Talent).order_by(Talent.created_at)).scalars().all()
        holders = _holders(s)
        records = [_record(vault, r, counts.get(r.id, 0), holders.get(r.id)) for r in rows]
    return sorted(records, key=lambda r: r.name.casefold())


def get_talent(vault: Vault, talent_id: str) -> TalentRecord:
    tid = parse_id("talent", talent_id)
    with vault.session() as s:
        row = s.get(Talent, tid)
        if row is None:
            raise NotFound(f"no talent {tid} in this vault")
        count = s.execute(select(func.count()).select_from(Asset).where(Asset.talent_id == tid)).scalar_one()
        return _record(vault, row, count, _holders(s, [tid]).get(tid))
