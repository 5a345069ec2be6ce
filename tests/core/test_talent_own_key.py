"""The talent's own key (issue 13, DR045): ``talent keygen`` writes no clear private key, a bad
or altered card is refused, ``add --card`` / ``link`` / ``export-kit`` round trip, the studio
cannot sign for a talent who holds their own key by any path, and what was signed before the
switch still verifies."""

from __future__ import annotations

import json
import os
import sqlite3
import stat

import pyrage
import pytest

from studio.core.check import check_vault
from studio.core.consent.grants import (activate_grant, decline_grant, draft_grant, get_grant, revoke_grant,
                                        sign_draft, sign_grant)
from studio.core.consent.review import list_reviews, review_asset
from studio.core.consent.talent_keys import (TalentKey, export_public_key, has_key, key_holder,
                                             set_talent_passphrase, talent_public_key, unlock_talent_key)
from studio.core.errors import (InvalidInput, IntegrityError, NotFound, TalentSignsOnOwnDevice,
                                WrongPassphrase)
from studio.core.talent_identity import (CARD_FILE, IDENTITY_FILE, SIGNING_FILE, add_talent_with_card, export_kit,
                                         keygen_talent, link_talent_card, load_talent_identity, read_talent_card)
from studio.core.talents import add_talent, get_talent, list_talents
from studio.core.vault import audit
from studio.core.vault.keys import public_key_b64
from tests.core.conftest import TALENT_PASS
from tests.core.helpers import fields
from tests.vaults import BOTH_VAULTS, catalog_db

OWN_PASS = "a phrase only I know, on my laptop"


@pytest.fixture(scope="module")
def kit(tmp_path_factory):
    """Keys made once for the module (two scrypt encryptions): (folder, card)."""
    out = tmp_path_factory.mktemp("talent") / "keys"
    return out, keygen_talent(out, "Ines  Duarte", OWN_PASS)


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def _rows(vault, table: str, talent_id: str) -> int:
    with sqlite3.connect(vault.root / "catalog.sqlite") as db:
        return db.execute(f"SELECT count(*) FROM {table} WHERE talent_id = ?", (talent_id,)).fetchone()[0]


def _card_copy(tmp_path, kit, **edit):
    data = json.loads((kit[0] / CARD_FILE).read_text())
    data.update(edit)
    path = tmp_path / "card.json"
    path.write_text(json.dumps(data))
    return path


def test_when_a_talent_makes_their_keys_then_no_private_key_is_on_disk_in_clear(kit):
    out, card = kit
    assert _mode(out) == 0o700
    assert {p.name for p in out.iterdir()} == {SIGNING_FILE, IDENTITY_FILE, CARD_FILE}
    for name in (SIGNING_FILE, IDENTITY_FILE):
        data = (out / name).read_bytes()
        assert _mode(out / name) == 0o600
        assert data.startswith(b"age-encryption.org/v1\n-> scrypt ")
        assert b"PRIVATE KEY" not in data and b"AGE-SECRET-KEY" not in data
    # the standard age format: the passphrase alone opens each, and it holds the key
    assert b"-----BEGIN PRIVATE KEY-----" in pyrage.passphrase.decrypt((out / SIGNING_FILE).read_bytes(), OWN_PASS)
    assert b"AGE-SECRET-KEY-1" in pyrage.passphrase.decrypt((out / IDENTITY_FILE).read_bytes(), OWN_PASS)
    text = (out / CARD_FILE).read_text()
    assert "PRIVATE" not in text and "AGE-SECRET" not in text
    assert read_talent_card(out / CARD_FILE) == card and card.name == "Ines Duarte"
    assert card.fingerprint.startswith("SHA256:") and card.recipient.startswith("age1")


def test_when_the_keys_are_loaded_then_only_the_talents_passphrase_opens_them_and_they_sign(kit):
    out, card = kit
    me = load_talent_identity(out, OWN_PASS)
    assert public_key_b64(me.signing_key.public_key()) == card.verify_key
    assert str(me.identity.to_public()) == card.recipient
    assert pyrage.decrypt(pyrage.encrypt(b"a kit", [pyrage.x25519.Recipient.from_str(card.recipient)]),
                          [me.identity]) == b"a kit"
    with pytest.raises(WrongPassphrase, match="wrong passphrase"):
        load_talent_identity(out, "not my phrase at all")


def test_when_keygen_would_overwrite_or_the_passphrase_is_short_then_nothing_is_written(kit, tmp_path):
    out, _ = kit
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    with pytest.raises(InvalidInput, match="refusing to overwrite"):
        keygen_talent(out, "Ines Duarte", OWN_PASS)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    with pytest.raises(InvalidInput, match="at least 8"):
        keygen_talent(tmp_path / "new", "Ines Duarte", "short")
    assert not (tmp_path / "new").exists()
    with pytest.raises(InvalidInput, match="name"):
        keygen_talent(tmp_path / "new", "  ", OWN_PASS)
    assert not (tmp_path / "new").exists()


@pytest.mark.parametrize("edit, error, message", [
    ({"fingerprint": "SHA256:" + "0" * 64}, IntegrityError, "fingerprint is not its key's"),
    ({"verify_key_pem": "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"}, InvalidInput,
     "verify key"),
    ({"recipient": "age1notarecipient"}, InvalidInput, "not an age X25519 recipient"),
    ({"type": "twin-studio/brand-card"}, InvalidInput, "not a Twin Studio talent card"),
    ({"name": "Ines\nDuarte"}, InvalidInput, "line breaks"),
    ({"version": 2}, InvalidInput, "version 2"),
])
def test_when_a_card_is_bad_or_altered_then_it_is_refused_and_nothing_is_added(new_vault, kit, tmp_path, edit,
                                                                               error, message):
    with pytest.raises(error, match=message):
        add_talent_with_card(new_vault, read_talent_card(_card_copy(tmp_path, kit, **edit)))
    assert list_talents(new_vault) == []


def test_when_another_talents_key_is_put_on_the_card_then_the_fingerprint_gives_it_away(kit, tmp_path):
    other = keygen_talent(tmp_path / "other", "Ines Duarte", OWN_PASS)
    pem = json.loads((tmp_path / "other" / CARD_FILE).read_text())["verify_key_pem"]
    with pytest.raises(IntegrityError, match="fingerprint"):
        read_talent_card(_card_copy(tmp_path, kit, verify_key_pem=pem))
    assert other.verify_key != kit[1].verify_key


def test_when_a_talent_is_added_from_their_card_then_the_studio_holds_no_key_and_cannot_sign(new_vault, kit):
    _, card = kit
    t = add_talent_with_card(new_vault, card, email="ines@example.com")
    assert key_holder(new_vault, t.id) == "talent" and not has_key(new_vault, t.id)
    assert talent_public_key(new_vault, t.id) == card.verify_key
    assert export_public_key(new_vault, t.id).startswith("-----BEGIN PUBLIC KEY-----")
    assert _rows(new_vault, "talent_keys", t.id) == 0
    with pytest.raises(TalentSignsOnOwnDevice, match="signs on their own device"):
        unlock_talent_key(new_vault, t.id, OWN_PASS)
    with pytest.raises(TalentSignsOnOwnDevice, match="signs on their own device"):
        set_talent_passphrase(new_vault, t.id, "a studio-chosen phrase")
    assert _rows(new_vault, "talent_keys", t.id) == 0
    events = [e for e in audit.list_events(new_vault) if e["subject"] == t.id]
    assert [e["action"] for e in events] == ["talent.added", "talent.key_linked"]
    with pytest.raises(InvalidInput, match="already talent"):
        add_talent_with_card(new_vault, card)  # one key, one talent
    assert [x.id for x in list_talents(new_vault)] == [t.id], "the refused card added nobody"
    assert not check_vault(new_vault).problems


def _signed_before(world):
    """A review and a signed, active grant made with the studio-held key, and a draft."""
    vault, talent, key, assets = world
    review_asset(vault, assets[0], "approve", key, note="still fine")
    g = draft_grant(vault, talent.id, fields(assets))
    sign_grant(vault, g.id, key)
    activate_grant(vault, g.id)
    draft = draft_grant(vault, talent.id, fields(assets))
    return g.id, draft.id


def test_when_a_talent_links_their_card_then_old_signatures_verify_and_the_studio_key_is_gone(world, kit):
    vault, talent, key, assets = world
    grant, draft = _signed_before(world)
    with sqlite3.connect(vault.root / "catalog.sqlite") as db:
        (wrapped,) = db.execute("SELECT wrapped_key FROM talent_keys WHERE talent_id = ?", (talent.id,)).fetchone()
    linked = link_talent_card(vault, talent.id, kit[1])
    assert linked.destroyed_studio_key and linked.retired == (key.public_b64,)
    assert linked.changes.talents == {talent.id}
    assert _rows(vault, "talent_keys", talent.id) == 0 and _rows(vault, "retired_talent_keys", talent.id) == 1
    root, header, keys = vault.root, vault.header, vault._keys
    vault.close()  # its connections go: SQLite checkpoints its WAL into the file
    for f in root.glob("catalog.sqlite*"):
        assert bytes(wrapped)[-64:] not in f.read_bytes(), f"the destroyed key is still in {f.name}"
    vault = type(vault)(root, header, keys)
    try:
        assert talent_public_key(vault, talent.id) == kit[1].verify_key
        assert all(r.signature_valid for a in assets for r in list_reviews(vault, a))
        assert get_grant(vault, grant).state == "active"
        assert not check_vault(vault).problems
        (event,) = [e for e in audit.list_events(vault) if e["action"] == "talent.key_linked"]
        assert event["subject"] == talent.id
    finally:
        vault.close()


def test_when_a_talent_holds_their_own_key_then_no_path_signs_for_them(world, kit):
    vault, talent, key, assets = world
    grant, draft = _signed_before(world)
    link_talent_card(vault, talent.id, kit[1])
    own = TalentKey(talent.id, load_talent_identity(kit[0], OWN_PASS).signing_key)  # even their own key, here
    for k in (key, own):
        with pytest.raises(TalentSignsOnOwnDevice):
            review_asset(vault, assets[1], "reject", k)
        with pytest.raises(TalentSignsOnOwnDevice):
            sign_draft(vault, draft, k)
        with pytest.raises(TalentSignsOnOwnDevice):
            decline_grant(vault, draft, k)
        with pytest.raises(TalentSignsOnOwnDevice):
            revoke_grant(vault, grant, k)
    for passphrase in (TALENT_PASS, OWN_PASS):
        with pytest.raises(TalentSignsOnOwnDevice):
            unlock_talent_key(vault, talent.id, passphrase)
        with pytest.raises(TalentSignsOnOwnDevice):
            set_talent_passphrase(vault, talent.id, "a brand new phrase", passphrase)
    assert get_grant(vault, draft).state == "draft" and get_grant(vault, grant).revocation is None
    assert [r.decision for r in list_reviews(vault, assets[1])] == ["approved"]
    assert not check_vault(vault).problems


def test_when_a_card_for_someone_else_or_the_same_card_again_is_linked_then_nothing_changes(world, kit, tmp_path):
    vault, talent, key, _ = world
    stranger = keygen_talent(tmp_path / "stranger", "Someone Else", OWN_PASS)
    with pytest.raises(InvalidInput, match="is it the right card"):
        link_talent_card(vault, talent.id, stranger)
    assert key_holder(vault, talent.id) == "studio"
    link_talent_card(vault, talent.id, kit[1])
    with pytest.raises(InvalidInput, match="already holds this key"):
        link_talent_card(vault, talent.id, kit[1])
    other = add_talent(vault, "Ines Duarte")
    with pytest.raises(InvalidInput, match="already talent"):
        link_talent_card(vault, other.id, kit[1])
    assert key_holder(vault, other.id) is None
    with pytest.raises(NotFound):
        link_talent_card(vault, "tal_0123456789abcdef", kit[1])


def test_when_a_talent_with_a_card_links_a_new_one_then_the_first_is_retired(world, kit, tmp_path):
    vault, talent, _, assets = world
    link_talent_card(vault, talent.id, kit[1])
    second = keygen_talent(tmp_path / "new-laptop", "Ines Duarte", OWN_PASS)
    linked = link_talent_card(vault, talent.id, second)
    assert linked.retired == (kit[1].verify_key,) and not linked.destroyed_studio_key
    assert talent_public_key(vault, talent.id) == second.verify_key
    assert _rows(vault, "retired_talent_keys", talent.id) == 2
    assert not check_vault(vault).problems


def test_when_the_studio_hands_a_talent_their_key_then_it_opens_on_their_side_and_the_studio_copy_is_gone(
        world, tmp_path):
    vault, talent, key, assets = world
    grant, _ = _signed_before(world)
    out = tmp_path / "for-ines"
    with pytest.raises(WrongPassphrase):
        export_kit(vault, talent.id, "not their phrase", out)
    assert not out.exists() and key_holder(vault, talent.id) == "studio"
    done = export_kit(vault, talent.id, TALENT_PASS, out)
    assert done.linked.destroyed_studio_key and done.linked.retired == ()
    me = load_talent_identity(out, TALENT_PASS)
    assert public_key_b64(me.signing_key.public_key()) == key.public_b64 == done.card.verify_key
    assert me.card.name == "Ines Duarte" and _mode(out) == 0o700 and _mode(out / SIGNING_FILE) == 0o600
    assert key_holder(vault, talent.id) == "talent" and _rows(vault, "talent_keys", talent.id) == 0
    assert [e["action"] for e in audit.list_events(vault) if e["subject"] == talent.id][-1] == \
        "talent.key_handed_over"
    with pytest.raises(TalentSignsOnOwnDevice):
        unlock_talent_key(vault, talent.id, TALENT_PASS)
    with pytest.raises(TalentSignsOnOwnDevice, match="nothing to hand over|no key here"):
        export_kit(vault, talent.id, TALENT_PASS, tmp_path / "again")
    assert get_grant(vault, grant).state == "active" and not check_vault(vault).problems


def test_when_a_talent_without_a_key_is_handed_a_kit_then_it_is_refused(new_vault, talent, tmp_path):
    with pytest.raises(NotFound, match="nothing to hand over"):
        export_kit(new_vault, talent.id, TALENT_PASS, tmp_path / "kit")
    assert not (tmp_path / "kit").exists()


def test_when_a_retired_key_signs_after_its_retirement_then_the_signature_does_not_count(world, kit):
    """The old key stays valid only for what it signed before the switch."""
    from studio.core.consent.talent_keys import Keyring
    from studio.core.consent.signing import sign

    _, _, key, _ = world
    ring = Keyring(kit[1].verify_key, ((key.public_b64, "2026-12-02T10:00:00.000000Z"),))
    before = {"at": "2026-12-02T09:59:59.000000Z", "x": 1}
    after = {"at": "2026-12-02T10:00:01.000000Z", "x": 1}
    assert ring.verifies(before, sign(key.private, before), before["at"])
    assert not ring.verifies(after, sign(key.private, after), after["at"])


def test_when_a_vault_from_before_talent_cards_is_opened_then_it_migrates_and_keeps_its_keys(world, kit):
    """A catalog at schema 0005 (no talent_cards) with a studio-held key and a signed review:
    opening it upgrades it; the key, the review and check stay intact, and a card links."""
    from alembic import command
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from studio.core.vault import Vault
    from studio.core.vault.database import _alembic_config, make_engine
    from studio.core.vault.header import read_header

    vault, talent, key, assets = world
    root, keys = vault.root, vault._keys
    vault.close()
    engine = make_engine(root)
    with engine.begin() as conn:
        cfg = _alembic_config()
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0005")
    with engine.connect() as conn:
        assert MigrationContext.configure(conn).get_current_revision() == "0005"
    engine.dispose()
    with sqlite3.connect(root / "catalog.sqlite") as db:
        tables = {t for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert "talent_cards" not in tables and "talent_keys" in tables

    with Vault(root, read_header(root), keys) as old:
        engine = make_engine(root)
        with engine.connect() as conn:
            # the newest schema, whichever migration that is now (0006 added the cards)
            assert MigrationContext.configure(conn).get_current_revision() == ScriptDirectory.from_config(
                _alembic_config()).get_current_head()
        engine.dispose()
        assert key_holder(old, talent.id) == "studio"
        assert unlock_talent_key(old, talent.id, TALENT_PASS).public_b64 == key.public_b64
        assert all(r.signature_valid for a in assets for r in list_reviews(old, a))
        assert not check_vault(old).problems
        link_talent_card(old, talent.id, kit[1])
        assert key_holder(old, talent.id) == "talent" and not check_vault(old).problems


@pytest.mark.parametrize("edit, found", [
    ("UPDATE talent_cards SET public_key = '{other}'", "not the one the audit chain recorded"),
    ("UPDATE retired_talent_keys SET retired_at = '2999-01-01T00:00:00.000000Z'", "not retired by a recorded switch"),
    ("INSERT INTO retired_talent_keys (talent_id, public_key, held_by, created_at, retired_at) "
     "VALUES ('{tid}', '{other}', 'studio', '2026-01-01T00:00:00.000000Z', '2999-01-01T00:00:00.000000Z')",
     "not retired by a recorded switch"),
    ("INSERT INTO talent_keys VALUES ('{tid}', '{other}', x'00', '2026-01-01', '2026-01-01')",
     "yet the studio holds a key"),
])
def test_when_a_card_or_retired_key_is_edited_in_the_catalog_then_check_finds_it(world, kit, tmp_path, edit, found):
    vault, talent, _, _ = world
    link_talent_card(vault, talent.id, kit[1])
    assert not check_vault(vault).problems
    other = keygen_talent(tmp_path / "forger", "Forger", OWN_PASS).verify_key
    with sqlite3.connect(vault.root / "catalog.sqlite") as db:
        db.execute(edit.format(other=other, tid=talent.id))
    problems = check_vault(vault).problems
    assert any(found in p and talent.id in p for p in problems), problems


@BOTH_VAULTS
def test_when_a_card_is_linked_on_either_kind_of_vault_then_the_studio_key_row_goes_and_old_reviews_verify(
        world, kit):
    vault, talent, key, assets = world
    link_talent_card(vault, talent.id, kit[1])
    with catalog_db(vault) as db:
        assert db.execute("SELECT count(*) FROM talent_keys WHERE talent_id = ?", (talent.id,)).fetchone()[0] == 0
        assert db.execute("SELECT held_by FROM retired_talent_keys WHERE talent_id = ?",
                          (talent.id,)).fetchall() == [("studio",)]
    assert all(r.signature_valid for a in assets for r in list_reviews(vault, a))
    with pytest.raises(TalentSignsOnOwnDevice):
        review_asset(vault, assets[0], "reject", key)
    assert not check_vault(vault).problems


def test_when_talents_are_listed_then_each_says_who_holds_their_key(world, kit):
    vault, talent, _key, _assets = world
    walk_in = add_talent(vault, "Walk In")
    assert {t.id: t.key_holder for t in list_talents(vault)} == {talent.id: "studio", walk_in.id: None}
    assert get_talent(vault, talent.id).key_holder == "studio"
    link_talent_card(vault, talent.id, kit[1])
    assert {t.id: t.key_holder for t in list_talents(vault)} == {talent.id: "talent", walk_in.id: None}
    assert get_talent(vault, talent.id).key_holder == "talent" and get_talent(vault, walk_in.id).key_holder is None
    assert list_talents(vault)[0].to_json()["key_holder"] in ("talent", None)
