"""Grants: validated drafts, the talent's signature, the studio's countersignature, revocation
after notice, tamper detection, and the one policy check on a table of cases."""

from __future__ import annotations

import datetime as dt

import pytest

from studio.core.consent.document import summary
from studio.core.consent.grants import (activate_grant, decline_text, draft_grant, edit_draft, get_grant,
                                        revocation_text, revoke_grant, sign_grant)
from studio.core.consent.policy import check_use
from studio.core.consent.review import review_asset
from studio.core.consent.talent_keys import TalentKey, set_talent_passphrase, unlock_talent_key
from studio.core.errors import ConsentError, IntegrityError, InvalidInput, WrongPassphrase
from studio.core.talents import add_talent
from studio.core.check import check_vault
from studio.core.package.export import export_package
from tests.core.helpers import BRAND, active_grant, brand, fields
from tests.vaults import BOTH_VAULTS, catalog_db, folder_only

pytestmark = BOTH_VAULTS


def active(world, **over):
    vault, talent, key, assets = world
    g = draft_grant(vault, talent.id, fields(assets, **over))
    sign_grant(vault, g.id, key)
    return activate_grant(vault, g.id)


@pytest.mark.parametrize("over, message", [
    ({"purposes": "advertising,mind-control"}, "unknown purpose 'mind-control'"),
    ({"media": "telepathy"}, "unknown medium"),
    ({"territories": "FR,XX"}, "'XX' is not an ISO 3166-1"),
    ({"end": "2026-12-31"}, "before the start date"),
    ({"start": "2027-02-30"}, "is not a date"),
    ({"fee": "10.005"}, "at most 2 decimals"),
    ({"fee": "-1"}, "zero or more"),
    ({"currency": "EURO"}, "ISO 4217"),
    ({"max_uses": 0}, "between 1 and"),
    ({"exclude": "adult,knitting"}, "unknown excluded category 'knitting'"),
    ({"licensee": "  "}, "the licensee is required"),
    ({"assets": []}, "at least one asset"),
    ({"colour": "blue"}, "unknown grant field"),
])
def test_when_a_draft_has_a_bad_field_then_it_is_named_and_nothing_is_stored(world, over, message):
    vault, talent, _, assets = world
    with pytest.raises(InvalidInput, match=message):
        draft_grant(vault, talent.id, fields(assets, **over))
    with catalog_db(vault) as db:
        assert db.execute("SELECT count(*) FROM grants").fetchone() == (0,)


def test_when_a_grant_is_drafted_then_modalities_follow_the_assets_and_the_summary_reads_plainly(world):
    vault, talent, _, assets = world
    g = draft_grant(vault, talent.id, fields(assets))
    assert g.document["modalities"] == ["face", "voice"]  # the bunny scan is 15 cm tall: a head-sized scan
    assert [a["sha256"] for a in g.document["assets"]] and g.document["timezone"] == "Europe/Paris"
    text = summary(g.document)
    assert "Maison Lumière may use your face scan and voice" in text and "2027-01-01 to 2027-03-31" in text
    assert "Never for: political or campaign content, tobacco and vaping." in text
    assert "1500.00 EUR" in text


@folder_only("the suite's budget: three talent-key KDFs (10 s) that are the same on both kinds")
def test_when_someone_else_tries_to_sign_then_only_the_talent_can(world):
    vault, talent, key, assets = world
    g = draft_grant(vault, talent.id, fields(assets))
    with pytest.raises(WrongPassphrase):
        unlock_talent_key(vault, talent.id, "a guess")
    with pytest.raises(ConsentError, match="registered key"):
        sign_grant(vault, g.id, TalentKey(talent.id, vault.studio_signing_key()))
    other = add_talent(vault, "Other Person")
    set_talent_passphrase(vault, other.id, "other person's phrase")
    with pytest.raises(ConsentError, match="only they can sign"):
        sign_grant(vault, g.id, unlock_talent_key(vault, other.id, "other person's phrase"))
    assert get_grant(vault, g.id).state == "draft"


def test_when_a_grant_goes_through_its_life_then_each_step_holds(world):
    vault, talent, key, assets = world
    g = draft_grant(vault, talent.id, fields(assets))
    g = edit_draft(vault, g.id, {"max_uses": 3})
    assert g.document["max_uses"] == 3
    with pytest.raises(ConsentError, match="only a grant the talent signed"):
        activate_grant(vault, g.id)
    g = sign_grant(vault, g.id, key)
    with pytest.raises(ConsentError, match="cannot change"):
        edit_draft(vault, g.id, {"max_uses": 99})
    assert not check_use(vault, g.id, "e-commerce", "web", "FR", "2027-02-01").permitted
    g = activate_grant(vault, g.id)
    assert check_use(vault, g.id, "e-commerce", "web", "FR", "2027-02-01").permitted
    read = revocation_text(g, "  changed my mind ")  # what the talent reads before revoking
    g = revoke_grant(vault, g.id, key, reason="changed my mind")
    revoked_on = dt.date.fromisoformat(g.revocation["revoked_on"])
    effective = dt.date.fromisoformat(g.revocation["effective"])
    assert effective - revoked_on == dt.timedelta(days=14)
    assert read.startswith("You withdraw the consent you gave Maison Lumière to use your face scan and voice")
    assert (f"After the 14 days' notice you agreed to, no use is allowed from {effective.isoformat()} on "
            "(Europe/Paris time); until then the grant still holds.") in read
    assert read.endswith("\nYour reason: changed my mind")
    assert g.status(effective - dt.timedelta(days=1)) == "active" and g.status(effective) == "revoked"
    with pytest.raises(ConsentError, match="already revoked"):
        revoke_grant(vault, g.id, key)
    assert not check_vault(vault).problems


def test_when_a_grant_row_is_altered_then_show_check_and_policy_refuse(world):
    vault, talent, key, assets = world
    a = active(world)
    b = active(world, licensee="Other Brand")
    assert check_use(vault, a.id, "e-commerce", "web", "FR", "2027-02-01").permitted
    with catalog_db(vault) as db:  # give grant a the document of grant b
        (doc_b,) = db.execute("SELECT document_sealed FROM grants WHERE id = ?", (b.id,)).fetchone()
        db.execute("UPDATE grants SET document_sealed = ? WHERE id = ?", (doc_b, a.id))
    with pytest.raises(IntegrityError):
        get_grant(vault, a.id)
    decision = check_use(vault, a.id, "e-commerce", "web", "FR", "2027-02-01")
    assert not decision.permitted and decision.reasons[0].startswith("signature invalid")
    assert any(a.id in p for p in check_vault(vault).problems)


def test_when_the_studio_forges_a_signed_state_then_it_does_not_verify(world):
    vault, talent, key, assets = world
    g = draft_grant(vault, talent.id, fields(assets))
    with catalog_db(vault) as db:
        db.execute("UPDATE grants SET state = 'active' WHERE id = ?", (g.id,))
    with pytest.raises(IntegrityError, match="talent's signature"):
        get_grant(vault, g.id)


CASES = [  # (purpose, medium, territory, date, permitted, reason fragment)
    ("e-commerce", "web", "FR", "2027-01-01", True, None),            # first day
    ("e-commerce", "web", "FR", "2027-03-31", True, None),            # last day
    ("e-commerce", "web", "FR", "2026-12-31", False, "not yet started"),
    ("e-commerce", "web", "FR", "2027-04-01", False, "ended on 2027-03-31"),
    ("advertising", "social", "BE", "2027-02-01", True, None),
    ("e-commerce", "web", "DE", "2027-02-01", False, "territory DE not granted"),
    ("editorial", "web", "FR", "2027-02-01", False, "purpose editorial not granted"),
    ("e-commerce", "print", "FR", "2027-02-01", False, "medium print not granted"),
    ("editorial", "print", "US", "2027-05-01", False, "ended"),
]


@pytest.mark.parametrize("purpose, medium, territory, day, permitted, reason", CASES)
def test_when_a_use_is_checked_then_the_answer_and_its_reasons_are_right(world, purpose, medium, territory, day,
                                                                        permitted, reason):
    vault = world[0]
    g = active(world)
    decision = check_use(vault, g.id, purpose, medium, territory, day)
    assert decision.permitted is permitted, decision.reasons
    if reason:
        assert any(reason in r for r in decision.reasons), decision.reasons


def test_when_every_reason_applies_then_every_reason_is_given(world):
    vault = world[0]
    g = active(world)
    decision = check_use(vault, g.id, "editorial", "print", "US", "2027-05-01")
    assert len(decision.reasons) == 4  # ended, territory, purpose, medium


def test_when_uses_run_out_or_an_asset_is_rejected_then_the_use_is_refused(world, tmp_path):
    vault, talent, key, assets = world
    g = active_grant(vault, talent, key, assets, max_uses=1)
    brand(vault)
    export_package(vault, g.id, BRAND, tmp_path / "p.twinpkg", assets=[assets[1]])  # the one use, counted
    decision = check_use(vault, g.id, "e-commerce", "web", "FR")
    assert not decision.permitted and "no uses left (all 1 used)" in decision.reasons
    g2 = active(world)
    review_asset(vault, assets[0], "reject", key, note="please not this one")
    decision = check_use(vault, g2.id, "e-commerce", "web", "FR", "2027-02-01")
    assert any("not approved by the talent (rejected)" in r for r in decision.reasons)


def test_when_a_grant_is_revoked_then_uses_stop_after_the_notice_period(world):
    vault, talent, key, assets = world
    g = active(world, start="2020-01-01", end="2099-12-31", notice_days=10)
    g = revoke_grant(vault, g.id, key)
    effective = dt.date.fromisoformat(g.revocation["effective"])
    within = check_use(vault, g.id, "e-commerce", "web", "FR", effective - dt.timedelta(days=1))
    after = check_use(vault, g.id, "e-commerce", "web", "FR", effective)
    assert within.permitted and not after.permitted
    assert any("revoked by the talent" in r for r in after.reasons)


def test_when_the_talent_declines_a_draft_then_it_cannot_be_signed_and_check_still_verifies(world):
    vault, talent, key, assets = world
    from studio.core.consent.grants import decline_grant, preview_document

    doc = preview_document(vault, talent.id, fields(assets))
    assert doc["licensee"] == "Maison Lumière"
    with catalog_db(vault) as db:
        assert db.execute("SELECT count(*) FROM grants").fetchone() == (0,), "a preview writes nothing"
    g = draft_grant(vault, talent.id, fields(assets))
    read = decline_text(g)
    assert read.startswith("You decline the draft in which Maison Lumière would use your face scan and voice")
    assert "it can never be signed" in read and read.endswith("You give no reason.")
    g = decline_grant(vault, g.id, key, reason="not this brand")
    assert g.status() == "declined"
    with pytest.raises(ConsentError):
        sign_grant(vault, g.id, key)
    assert not check_use(vault, g.id, "e-commerce", "web", "FR", "2027-02-01").permitted
    assert not check_vault(vault).problems


def test_when_each_purpose_medium_and_territory_is_checked_then_only_the_granted_ones_pass(world):
    from studio.core.consent import vocab

    vault = world[0]
    g = active(world)  # purposes e-commerce, advertising; media web, social; territories FR, BE
    doc = g.document
    for purpose in vocab.PURPOSES:
        d = check_use(vault, g.id, purpose, "web", "FR", "2027-02-01")
        assert d.permitted is (purpose in doc["purposes"]), (purpose, d.reasons)
    for medium in vocab.MEDIA:
        d = check_use(vault, g.id, "e-commerce", medium, "FR", "2027-02-01")
        assert d.permitted is (medium in doc["media"]), (medium, d.reasons)
    for territory in ("FR", "BE", "LU", "DE", "US", "JP", "NG"):
        d = check_use(vault, g.id, "e-commerce", "web", territory, "2027-02-01")
        assert d.permitted is (territory in doc["territories"]), (territory, d.reasons)
    with pytest.raises(InvalidInput, match="ISO 3166-1"):
        check_use(vault, g.id, "e-commerce", "web", "Narnia", "2027-02-01")


def test_when_the_talent_revokes_near_midnight_then_the_revocation_is_dated_by_the_grants_calendar(
        world, clock_at):
    import zoneinfo

    vault, talent, key, assets = world
    g = active(world, start="2020-01-01", end="2099-12-31", notice_days=0)
    today = clock_at.astimezone(zoneinfo.ZoneInfo(g.document["timezone"])).date()  # worked out here

    read = revocation_text(g)
    g = revoke_grant(vault, g.id, key)

    assert f"No use is allowed from today, {today.isoformat()} (Europe/Paris time), on." in read
    assert g.document["timezone"] == "Europe/Paris"
    assert g.revocation["revoked_on"] == g.revocation["effective"] == today.isoformat()
    assert g.status(today - dt.timedelta(days=1)) == "active" and g.status() == "revoked"
    assert not check_use(vault, g.id, "e-commerce", "web", "FR").permitted
