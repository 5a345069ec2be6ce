"""Typed ids: a short prefix naming the kind of thing, then 16 random hex digits.

Each kind has its own ``str`` subclass (``TalentId``, ``AssetId``, ``GrantId`` …): an id is still
the string the catalog stores and compares equal to it, so every caller that handles plain
strings keeps working, while ``isinstance(x, AssetId)`` and type checkers tell the kinds apart.
Building one validates it: ``AssetId("tal_…")`` raises :class:`InvalidInput`.
"""

from __future__ import annotations

import re
import secrets

from studio.core.errors import InvalidInput


class TypedId(str):
    """An id of one kind; subclasses set ``kind`` and ``prefix``."""

    kind = ""
    prefix = ""
    __slots__ = ()

    def __new__(cls, text: str) -> TypedId:
        if not cls.prefix:
            raise TypeError("TypedId is abstract: use TalentId, AssetId, …")
        value = str(text).strip()
        if not re.fullmatch(rf"{cls.prefix}_[0-9a-f]{{16}}", value):
            article = "an" if cls.kind[0] in "aeiou" else "a"
            raise InvalidInput(f"{str(text)!r} is not {article} {cls.kind} id "
                               f"(they look like {cls.prefix}_0123456789abcdef)")
        return super().__new__(cls, value)

    def __init_subclass__(cls, *, kind: str, prefix: str, **kw) -> None:
        super().__init_subclass__(**kw)
        cls.kind, cls.prefix = kind, prefix


class TalentId(TypedId, kind="talent", prefix="tal"):
    __slots__ = ()


class AssetId(TypedId, kind="asset", prefix="ast"):
    __slots__ = ()


class VaultId(TypedId, kind="vault", prefix="vlt"):
    __slots__ = ()


class ReviewId(TypedId, kind="review", prefix="rev"):
    __slots__ = ()


class GrantId(TypedId, kind="grant", prefix="grt"):
    __slots__ = ()


class BrandId(TypedId, kind="brand", prefix="brd"):
    __slots__ = ()


class PackageId(TypedId, kind="package", prefix="pkg"):
    __slots__ = ()


class EntryId(TypedId, kind="entry", prefix="led"):
    __slots__ = ()


class ReportId(TypedId, kind="report", prefix="rpt"):
    __slots__ = ()


class KitId(TypedId, kind="kit", prefix="kit"):
    __slots__ = ()


class DecisionsId(TypedId, kind="decisions", prefix="dcs"):
    __slots__ = ()


class ApprovalId(TypedId, kind="approval", prefix="apr"):
    __slots__ = ()


ID_TYPES: dict[str, type[TypedId]] = {t.kind: t for t in (TalentId, AssetId, VaultId, ReviewId, GrantId, BrandId,
                                                          PackageId, EntryId, ReportId, KitId, DecisionsId,
                                                          ApprovalId)}


def new_id(kind: str) -> TypedId:
    cls = ID_TYPES[kind]
    return cls(f"{cls.prefix}_{secrets.token_hex(8)}")


def parse_id(kind: str, text: str) -> TypedId:
    """``text`` as the typed id of ``kind`` (surrounding spaces ignored), or :class:`InvalidInput`."""
    return ID_TYPES[kind](text)
