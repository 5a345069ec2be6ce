"""The talent's own key and signed reviews: only the talent's passphrase unlocks the key, the
studio cannot sign for them, and an edited review or status is caught by ``check``."""

from __future__ import annotations

import sqlite3

import pyrage
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from studio.core.assets import get_asset
from studio.core.consent.review import list_reviews, review_asset
from studio.core.consent.talent_keys import (export_public_key, has_key, set_talent_passphrase, talent_public_key,
                                             unlock_talent_key)
from studio.core.errors import IntegrityError, InvalidInput, NotFound, WrongPassphrase
from studio.core.intake import ingest_paths
from studio.core.talents import add_talent
from studio.core.vault import audit
from studio.core.check import check_vault
from studio.core.vault.keys import public_key_b64
from tests.conftest import PASSPHRASE, TESTDATA

TALENT_PASS = "my own words, not the studio's"
VOICE = TESTDATA / "voice" / "vctk_p225_001.wav"


@pytest.fixture
def keyed(new_vault, talent):
    set_talent_passphrase(new_vault, talent.id, TALENT_PASS)
    return talent


def test_when_a_talent_sets_a_passphrase_then_only_it_unlocks_their_key(new_vault, keyed):
    assert has_key(new_vault, keyed.id)
    key = unlock_talent_key(new_vault, keyed.id, TALENT_PASS)
    assert key.public_b64 == talent_public_key(new_vault, keyed.id)
    with pytest.raises(WrongPassphrase):
        unlock_talent_key(new_vault, keyed.id, "a wrong guess")
    with pytest.raises(WrongPassphrase):
        unlock_talent_key(new_vault, keyed.id, PASSPHRASE)  # the studio's passphrase
    with sqlite3.connect(new_vault.root / "catalog.sqlite") as db:
        (wrapped,) = db.execute("SELECT wrapped_key FROM talent_keys").fetchone()
    with pytest.raises(pyrage.DecryptError):
        pyrage.decrypt(wrapped, [new_vault._keys.identity])  # the vault key does not open it either
    assert b"PRIVATE KEY" not in wrapped


def test_when_the_passphrase_is_changed_then_the_key_stays_and_the_old_passphrase_stops(new_vault, keyed):
    before = talent_public_key(new_vault, keyed.id)
    with pytest.raises(InvalidInput, match="current passphrase"):
        set_talent_passphrase(new_vault, keyed.id, "another long phrase")
    with pytest.raises(WrongPassphrase):
        set_talent_passphrase(new_vault, keyed.id, "another long phrase", old_passphrase="not it at all")
    set_talent_passphrase(new_vault, keyed.id, "another long phrase", old_passphrase=TALENT_PASS)
    assert talent_public_key(new_vault, keyed.id) == before
    with pytest.raises(WrongPassphrase):
        unlock_talent_key(new_vault, keyed.id, TALENT_PASS)
    unlock_talent_key(new_vault, keyed.id, "another long phrase")
    with pytest.raises(InvalidInput, match="at least 8"):
        set_talent_passphrase(new_vault, keyed.id, "short", old_passphrase="another long phrase")


def test_when_the_public_key_is_exported_then_it_verifies_the_talents_signatures(new_vault, keyed):
    pem = export_public_key(new_vault, keyed.id)
    public = serialization.load_pem_public_key(pem.encode())
    assert isinstance(public, Ed25519PublicKey)
    key = unlock_talent_key(new_vault, keyed.id, TALENT_PASS)
    public.verify(key.private.sign(b"hello"), b"hello")
    assert public_key_b64(public) == talent_public_key(new_vault, keyed.id)
    other = add_talent(new_vault, "No Key Yet")
    with pytest.raises(NotFound, match="no key yet"):
        export_public_key(new_vault, other.id)


def test_when_the_talent_reviews_an_asset_then_the_signed_decision_sets_its_status(new_vault, keyed):
    (r,) = ingest_paths(new_vault, keyed.id, [VOICE])
    key = unlock_talent_key(new_vault, keyed.id, TALENT_PASS)
    review_asset(new_vault, r.asset_id, "reject", key, note="not my best take")
    assert get_asset(new_vault, r.asset_id).status == "rejected"
    review_asset(new_vault, r.asset_id, "approve", key)
    assert get_asset(new_vault, r.asset_id).status == "approved"
    reviews = list_reviews(new_vault, r.asset_id)
    assert [(x.decision, x.note, x.signature_valid) for x in reviews] == [
        ("rejected", "not my best take", True), ("approved", None, True)]
    events = [e for e in audit.list_events(new_vault) if e["subject"] == r.asset_id]
    assert [(e["action"], e["actor"]) for e in events[1:]] == [("asset.rejected", keyed.id), ("asset.approved", keyed.id)]
    assert not check_vault(new_vault).problems


def test_when_another_talent_or_the_studio_tries_to_review_then_nothing_changes(new_vault, keyed):
    (r,) = ingest_paths(new_vault, keyed.id, [VOICE])
    other = add_talent(new_vault, "Someone Else")
    set_talent_passphrase(new_vault, other.id, "someone else's phrase")
    with pytest.raises(InvalidInput, match="only that talent"):
        review_asset(new_vault, r.asset_id, "approve", unlock_talent_key(new_vault, other.id, "someone else's phrase"))
    from studio.core.consent.talent_keys import TalentKey

    studio_key = TalentKey(keyed.id, new_vault.studio_signing_key())
    with pytest.raises(InvalidInput, match="not the talent's registered key"):
        review_asset(new_vault, r.asset_id, "approve", studio_key)
    assert get_asset(new_vault, r.asset_id).status == "pending_review"
    assert list_reviews(new_vault, r.asset_id) == []


@pytest.mark.parametrize("edit", [
    "UPDATE assets SET status = 'approved'",                 # a status no signature backs
    "UPDATE reviews SET decision = 'approved'",              # the row says other than the signature
    "UPDATE reviews SET signature = substr(signature, 2) || 'A'",
])
def test_when_a_review_or_status_is_edited_in_the_catalog_then_check_finds_it(new_vault, keyed, edit):
    (r,) = ingest_paths(new_vault, keyed.id, [VOICE])
    review_asset(new_vault, r.asset_id, "reject", unlock_talent_key(new_vault, keyed.id, TALENT_PASS))
    assert not check_vault(new_vault).problems
    with sqlite3.connect(new_vault.root / "catalog.sqlite") as db:
        db.execute(edit)
    problems = check_vault(new_vault).problems
    assert any(r.asset_id in p or "review" in p for p in problems), problems


def test_when_a_talents_stored_key_asks_for_an_absurd_work_factor_then_it_is_altered_not_a_wrong_passphrase(
        new_vault, keyed):
    with sqlite3.connect(new_vault.root / "catalog.sqlite") as db:
        (wrapped,) = db.execute("SELECT wrapped_key FROM talent_keys WHERE talent_id = ?", (keyed.id,)).fetchone()
        head, sep, rest = bytes(wrapped).partition(b"\n---")
        stanza = head.split(b"\n")[1]  # "-> scrypt SALT N"
        altered = head.replace(stanza, stanza.rsplit(b" ", 1)[0] + b" 40") + sep + rest
        db.execute("UPDATE talent_keys SET wrapped_key = ? WHERE talent_id = ?", (altered, keyed.id))
    with pytest.raises(IntegrityError, match="work factor"):
        unlock_talent_key(new_vault, keyed.id, TALENT_PASS)
