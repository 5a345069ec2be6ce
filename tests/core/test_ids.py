"""Typed ids: parse_id and new_id give each kind its own str subclass, which still is, stores as
and compares equal to the plain string every caller used before."""

from __future__ import annotations

import json
import pickle

import pytest

from studio.core.errors import InvalidInput
from studio.core.ids import (ID_TYPES, ApprovalId, AssetId, BrandId, DecisionsId, EntryId, GrantId, KitId, PackageId,
                             ReportId, ReviewId, TalentId, TypedId, VaultId, new_id, parse_id)
from studio.core.talents import add_talent, get_talent, list_talents

KINDS = {"talent": TalentId, "asset": AssetId, "vault": VaultId, "review": ReviewId, "grant": GrantId,
         "brand": BrandId, "package": PackageId, "entry": EntryId, "report": ReportId,
         "kit": KitId, "decisions": DecisionsId, "approval": ApprovalId}


@pytest.mark.parametrize("kind, cls", KINDS.items())
def test_when_an_id_is_parsed_then_it_is_typed_and_still_the_same_string(kind, cls):
    text = f"{cls.prefix}_0123456789abcdef"
    parsed = parse_id(kind, f"  {text}\n")
    assert type(parsed) is cls and isinstance(parsed, str)
    assert parsed == text and hash(parsed) == hash(text) and str(parsed) == text and f"{parsed}" == text
    assert json.dumps({"id": parsed}) == json.dumps({"id": text})
    assert type(pickle.loads(pickle.dumps(parsed))) is cls
    made = new_id(kind)
    assert type(made) is cls and parse_id(kind, made) == made and made != new_id(kind)


def test_every_kind_has_its_own_type_with_its_own_prefix():
    assert ID_TYPES == KINDS
    assert len({cls.prefix for cls in KINDS.values()}) == len(KINDS)


@pytest.mark.parametrize("kind, text, message", [
    ("asset", "not-an-id", "'not-an-id' is not an asset id (they look like ast_0123456789abcdef)"),
    ("talent", "ast_0123456789abcdef", "is not a talent id (they look like tal_0123456789abcdef)"),
    ("grant", "grt_0123456789ABCDEF", "is not a grant id"),
    ("entry", "led_0123456789abcde", "is not an entry id"),
])
def test_when_an_id_is_malformed_or_of_another_kind_then_a_clear_error(kind, text, message):
    with pytest.raises(InvalidInput, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_id(kind, text)


def test_when_an_id_of_one_kind_is_given_as_another_then_the_type_refuses_it():
    asset = new_id("asset")
    with pytest.raises(InvalidInput, match="is not a talent id"):
        TalentId(asset)
    with pytest.raises(TypeError):
        TypedId("tal_0123456789abcdef")


def test_when_a_typed_id_goes_through_the_catalog_then_plain_and_typed_ids_find_the_same_row(new_vault):
    record = add_talent(new_vault, "Grace Hopper", "grace@example.com")
    assert type(record.id) is TalentId
    listed = [t.id for t in list_talents(new_vault)]
    assert listed == [record.id] and type(listed[0]) is str  # read back from SQLite: a plain string
    assert get_talent(new_vault, str(record.id)).name == get_talent(new_vault, parse_id("talent", listed[0])).name
