"""Grant transitions are one transaction each, guarded against a change in between: a signature
over a draft that was edited meanwhile is refused and nothing changes; every use — an export or a
reported use — goes through the one counter, which only counts on a countersigned grant."""

from __future__ import annotations

import pytest

from studio.core.consent.grants import (activate_grant, apply_signature, draft_grant, edit_draft, get_grant,
                                        list_grants, sign_draft, sign_grant, verify_grants)
from studio.core.consent.uses import count_uses
from studio.core.errors import ConsentError
from studio.core.vault import audit
from tests.core.helpers import grant_fields
from tests.vaults import BOTH_VAULTS

pytestmark = BOTH_VAULTS


def _events(vault, gid):
    return [e["action"] for e in audit.list_events(vault) if e["subject"] == gid]


def test_when_the_draft_is_edited_between_the_talent_signing_and_the_signature_landing_then_it_is_refused(world):
    vault, talent, key, assets = world
    g = draft_grant(vault, talent.id, grant_fields(assets))
    signed = sign_draft(vault, g.id, key)  # the talent signs document A …
    edited = edit_draft(vault, g.id, {"max_uses": 9})  # … the operator saves B before it lands
    assert edited.sha256 != g.sha256

    with pytest.raises(ConsentError, match="edited while it was being signed"):
        apply_signature(vault, signed)

    now = get_grant(vault, g.id)
    assert (now.state, now.sha256, now.talent_signature, now.document["max_uses"]) == ("draft", edited.sha256, None, 9)
    assert [r.id for r in list_grants(vault, talent.id)] == [g.id]  # the talent's Consent tab still loads
    assert verify_grants(vault) == []
    assert "grant.signed" not in _events(vault, g.id)


def test_when_a_signature_lands_twice_then_the_second_is_refused_and_the_grant_stays_as_signed(world):
    vault, talent, key, assets = world
    g = draft_grant(vault, talent.id, grant_fields(assets))
    signed = sign_draft(vault, g.id, key)
    first = apply_signature(vault, signed)
    with pytest.raises(ConsentError, match="already signed"):
        apply_signature(vault, signed)
    assert get_grant(vault, g.id) == first and _events(vault, g.id).count("grant.signed") == 1


def test_when_a_signed_document_is_not_the_stored_draft_then_it_is_refused_and_nothing_changes(world):
    vault, talent, key, assets = world
    g = draft_grant(vault, talent.id, grant_fields(assets))
    signed = sign_draft(vault, g.id, key)
    from dataclasses import replace

    from studio.core.consent.signing import sign
    forged_doc = dict(signed.document, max_uses=999)  # signed by the talent's key, but not what is stored
    forged = replace(signed, document=forged_doc, signature=sign(key.private, forged_doc))
    with pytest.raises(ConsentError, match="not grant .* as stored"):
        apply_signature(vault, forged)
    assert get_grant(vault, g.id).state == "draft" and verify_grants(vault) == []


def test_when_the_draft_is_signed_then_editing_it_is_refused(world):
    vault, talent, key, assets = world
    g = draft_grant(vault, talent.id, grant_fields(assets))
    apply_signature(vault, sign_draft(vault, g.id, key))
    with pytest.raises(ConsentError, match="a signed grant cannot change"):
        edit_draft(vault, g.id, {"max_uses": 9})
    assert get_grant(vault, g.id).document["max_uses"] == 5 and verify_grants(vault) == []


def test_when_a_grant_is_only_signed_then_no_use_is_counted_on_it(world):
    vault, talent, key, assets = world
    g = draft_grant(vault, talent.id, grant_fields(assets))
    apply_signature(vault, sign_draft(vault, g.id, key))
    with pytest.raises(ConsentError, match="only a grant the studio countersigned can be used"):
        with vault.session() as s:
            count_uses(s, vault, g.id, 1, "package pkg_test")
    assert get_grant(vault, g.id).uses == 0 and "grant.used" not in _events(vault, g.id)


def test_when_uses_are_counted_past_the_limit_then_none_is_counted(world):
    vault, talent, key, assets = world
    g = draft_grant(vault, talent.id, grant_fields(assets, max_uses=2))
    apply_signature(vault, sign_draft(vault, g.id, key))
    activate_grant(vault, g.id)
    with vault.session() as s:
        count_uses(s, vault, g.id, 1, "a")
    with pytest.raises(ConsentError, match="1 of 2 use"):
        with vault.session() as s:
            count_uses(s, vault, g.id, 2, "b")
    assert get_grant(vault, g.id).uses == 1 and _events(vault, g.id).count("grant.used") == 1


def test_when_the_draft_changed_after_the_talent_read_it_then_signing_what_they_read_is_refused(world):
    vault, talent, key, assets = world
    shown = draft_grant(vault, talent.id, grant_fields(assets))  # what the talent's window shows
    edit_draft(vault, shown.id, {"use_description": "Autumn campaign, billboards"})
    with pytest.raises(ConsentError, match="edited while it was being read by the talent"):
        sign_grant(vault, shown.id, key, expected_sha256=shown.sha256)
    assert get_grant(vault, shown.id).state == "draft"
    assert sign_grant(vault, shown.id, key, expected_sha256=get_grant(vault, shown.id).sha256).state == "signed"


def test_when_two_operators_edit_the_same_draft_then_the_second_save_is_refused_not_laid_over(world):
    vault, talent, key, assets = world
    opened = draft_grant(vault, talent.id, grant_fields(assets))  # both editors opened this draft
    first = edit_draft(vault, opened.id, {"max_uses": 3}, expected_sha256=opened.sha256)
    with pytest.raises(ConsentError, match="edited while it was being changed in this editor"):
        edit_draft(vault, opened.id, {"fee": "9000"}, expected_sha256=opened.sha256)
    assert get_grant(vault, opened.id) == first
