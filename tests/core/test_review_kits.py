"""Review kits and decisions files (issue 13, DR049): a talent keygen'd outside the vault decides
from a kit on their own side and the studio imports it (``check`` stays clean); the studio cannot
sign for them by any path; forged, foreign, replayed, stale and truncated files are refused and
change nothing; a kit whose history goes back is warned about."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import stat
import zipfile

import pyrage
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from studio.core.check import check_vault
from studio.core.consent.grants import (activate_grant, decline_grant, draft_grant, edit_draft, get_grant,
                                        revoke_grant, sign_draft)
from studio.core.consent.review import list_reviews, review_asset
from studio.core.consent.signing import canonical, sign
from studio.core.consent.talent_keys import TalentKey
from studio.core.consent.pause import active_pause, require_not_paused
from studio.core.errors import ConsentError, ExportsPaused, IntegrityError, InvalidInput, TalentSignsOnOwnDevice
from studio.core.kits.decisions import import_decisions
from studio.core.kits.export import export_review_kit
from studio.core.kits.kit_file import KIT_JSON, envelope_body, open_kit_bytes
from studio.core.kits.talent_side import SEEN_FILE, Choices, chain_warnings, decide, show_kit
from studio.core.talent_identity import (TalentCard, TalentIdentity, keygen_talent, link_talent_card,
                                         load_talent_identity)
from studio.core.talents import add_talent
from studio.core.vault import audit
from studio.core.vault.catalog import Base
from studio.core.vault.keys import public_key_b64
from tests.core.helpers import grant_fields
from tests.vaults import BOTH_VAULTS, folder_only

pytestmark = BOTH_VAULTS
TALENT_SIDE = "about the talent's side of the files: the same whatever the vault"

OWN_PASS = "a phrase only I know, on my laptop"


@pytest.fixture(scope="module")
def own(tmp_path_factory):
    """Keys made by ``talent keygen`` outside any vault, and unlocked from their folder, once for
    the module (four scrypt runs): (folder, identity)."""
    out = tmp_path_factory.mktemp("talent") / "keys"
    keygen_talent(out, "Ines Duarte", OWN_PASS)
    return out, load_talent_identity(out, OWN_PASS)


def _memory_identity(name: str = "Ines Duarte") -> TalentIdentity:
    """Another talent's keys, in memory (no scrypt): for the foreign-key cases."""
    signing, identity = Ed25519PrivateKey.generate(), pyrage.x25519.Identity.generate()
    return TalentIdentity(TalentCard(name, public_key_b64(signing.public_key()), str(identity.to_public())),
                          signing, identity)


@pytest.fixture
def linked(world, own, tmp_path):
    """The world's talent holding their own (keygen'd) key, a draft awaiting them and an active
    grant; the talent's side keeps its seen heads in its own folder."""
    vault, talent, key, assets = world
    active = draft_grant(vault, talent.id, grant_fields(assets))
    from studio.core.consent.grants import sign_grant

    sign_grant(vault, active.id, key)
    activate_grant(vault, active.id)
    draft = draft_grant(vault, talent.id, grant_fields(assets, use_description="Autumn campaign"))
    link_talent_card(vault, talent.id, own[1].card)
    side = tmp_path / "talent-side"
    side.mkdir()
    return vault, talent, key, assets, draft.id, active.id, side


def _catalog(vault) -> dict:
    """Every row of every table of the catalog, to compare before and after."""
    with vault.session() as s:
        return {t.name: sorted(map(repr, s.execute(select(t)).all())) for t in Base.metadata.sorted_tables}


def _kit_and_decide(vault, talent, side, me, out, choices: Choices, name: str = "kit.twinreview"):
    export_review_kit(vault, talent.id, side / name)
    shown = show_kit(side / name, me, side)
    return decide(shown, me, choices, out)


def test_when_a_talent_signs_through_a_kit_then_the_studio_imports_it_and_check_is_clean(linked, own, tmp_path):
    vault, talent, key, assets, draft, active, side = linked
    me = own[1]
    kit_path = side / "kit.twinreview"
    done = export_review_kit(vault, talent.id, kit_path)
    assert stat.S_IMODE(os.stat(kit_path).st_mode) == 0o600 and kit_path.read_bytes().startswith(b"age-encryption")
    shown = show_kit(kit_path, me, side)
    kit = shown.kit
    assert kit["kit"] == done.kit_id and kit["talent"]["id"] == talent.id
    assert {a["id"] for a in kit["assets"]} == set(assets)
    awaiting = [g for g in kit["grants"] if g["awaiting"]]
    assert [g["id"] for g in awaiting] == [draft] and "Autumn campaign" in awaiting[0]["summary"]
    # the exact bytes the talent signs: the stored draft with their key in it
    assert base64.b64decode(awaiting[0]["to_sign_b64"]) == canonical(
        dict(get_grant(vault, draft).document, talent_public_key=me.card.verify_key))
    voice = next(a for a in kit["assets"] if a["kind"] == "voice")
    take = next(p for p in voice["previews"] if p["role"] == "take")
    assert hashlib.sha256(shown.opened.files[take["file"]]).hexdigest() == voice["sha256"]  # the take itself
    head = audit.list_events(vault)[-2]  # the newest event before the kit's own
    assert kit["chain_head"] == {"seq": head["seq"], "hash": head["hash"]}
    assert shown.first_kit and (side / SEEN_FILE).is_file()

    out = tmp_path / "mine.twindecisions"
    doc = decide(shown, me, Choices(approve=(assets[0],), reject=(assets[1],), sign=(draft,), reason="not my voice"),
                 out)
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    result = import_decisions(vault, out)
    assert [k for k, _ in result.applied] == ["approve", "reject", "sign"]
    g = get_grant(vault, draft)
    assert g.state == "signed" and g.document["talent_public_key"] == me.card.verify_key
    assert g.talent_signature == doc["decisions"][2]["signature"]
    reviews = list_reviews(vault, assets[1])
    assert reviews[-1].decision == "rejected" and reviews[-1].note == "not my voice" and reviews[-1].signature_valid
    events = [e for e in audit.list_events(vault) if e["action"] in ("asset.approved", "asset.rejected",
                                                                     "grant.signed", "decisions.imported")]
    assert [e["actor"] for e in events[-4:]] == [talent.id] * 4
    assert not check_vault(vault).problems
    assert activate_grant(vault, draft).state == "active"  # the studio countersigns what the talent signed


def test_when_the_talent_declines_revokes_and_asks_then_each_is_stored_as_theirs(linked, own, tmp_path):
    vault, talent, key, assets, draft, active, side = linked
    out = tmp_path / "d.twindecisions"
    _kit_and_decide(vault, talent, side, own[1], out, Choices(decline=(draft,), revoke=(active,), reason="moved on",
                                                               pause=(None,), request_access=True))
    result = import_decisions(vault, out)
    assert [k for k, _ in result.applied] == ["decline", "revoke", "pause", "request_access"]
    assert get_grant(vault, draft).state == "declined"
    assert get_grant(vault, active).revocation["reason"] == "moved on"
    asked = [e for e in audit.list_events(vault) if e["action"] in ("talent.exports_paused",
                                                                    "talent.access_requested")]
    assert [(e["action"], e["subject"], e["actor"]) for e in asked] == [
        ("talent.exports_paused", talent.id, talent.id), ("talent.access_requested", talent.id, talent.id)]
    assert active_pause(vault, talent.id) is not None  # applied, as the studio's own path applies it
    assert not check_vault(vault).problems


def test_when_the_talent_pauses_and_resumes_from_kits_then_exports_stop_and_start_again(linked, own, tmp_path):
    vault, talent, key, assets, draft, active, side = linked
    me = own[1]
    with pytest.raises(InvalidInput, match="nothing to resume"):  # no pause in force when the kit was made
        _kit_and_decide(vault, talent, side, me, tmp_path / "early.twindecisions", Choices(resume=(active,)))
    _kit_and_decide(vault, talent, side, me, tmp_path / "p.twindecisions", Choices(pause=(active,)), "k1.twinreview")
    import_decisions(vault, tmp_path / "p.twindecisions")
    with pytest.raises(ExportsPaused, match=talent.id):
        require_not_paused(vault, talent.id, active)
    _kit_and_decide(vault, talent, side, me, tmp_path / "r.twindecisions", Choices(resume=(active,)), "k2.twinreview")
    kit = show_kit(side / "k2.twinreview", me, side).kit
    assert [p["grant"] for p in kit["pauses"]] == [active]
    with pytest.raises(InvalidInput, match="nothing to resume"):  # the whole likeness was never paused
        decide(show_kit(side / "k2.twinreview", me, side), me, Choices(resume=(None,)), tmp_path / "x.twindecisions")
    before = _catalog(vault)
    import_decisions(vault, tmp_path / "r.twindecisions")
    require_not_paused(vault, talent.id, active)  # exports under the grant are allowed again
    assert active_pause(vault, talent.id, active) is None and before != _catalog(vault)
    after = _catalog(vault)
    with pytest.raises(InvalidInput, match="already imported"):  # the same file again: refused, changes nothing
        import_decisions(vault, tmp_path / "r.twindecisions")
    assert _catalog(vault) == after
    assert not check_vault(vault).problems


def test_when_a_kit_is_asked_for_a_talent_without_their_own_key_then_it_is_refused(new_vault, tmp_path):
    t = add_talent(new_vault, "Walk In")
    with pytest.raises(InvalidInput, match="does not hold their own key"):
        export_review_kit(new_vault, t.id, tmp_path / "k.twinreview")
    assert not (tmp_path / "k.twinreview").exists()
    assert not [e for e in audit.list_events(new_vault) if e["action"] == "review_kit.exported"]


@folder_only(TALENT_SIDE)
def test_when_a_kit_is_opened_by_someone_else_or_altered_then_it_is_refused(linked, own, tmp_path):
    vault, talent, key, assets, draft, active, side = linked
    path = tmp_path / "k.twinreview"
    export_review_kit(vault, talent.id, path)
    with pytest.raises(IntegrityError, match="does not open with your key"):
        open_kit_bytes(path.read_bytes(), _memory_identity().identity)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 1
    with pytest.raises(IntegrityError):
        open_kit_bytes(bytes(data), own[1].identity)
    # re-encrypted to the talent with kit.json altered: the studio's signature gives it away
    plain = pyrage.decrypt(path.read_bytes(), [own[1].identity])
    with zipfile.ZipFile(io.BytesIO(plain)) as z:
        members = {n: z.read(n) for n in z.namelist()}
    members[KIT_JSON] = members[KIT_JSON].replace(b'"approved"', b'"rejected"', 1)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for n, d in members.items():
            z.writestr(n, d)
    forged = pyrage.encrypt(buf.getvalue(), [own[1].identity.to_public()])
    with pytest.raises(IntegrityError, match="signature does not verify"):
        open_kit_bytes(forged, own[1].identity)


def _resign(doc: dict, signer: Ed25519PrivateKey, verify_key: str | None = None) -> dict:
    doc = dict(doc, verify_key=verify_key or public_key_b64(signer.public_key()))
    return dict(doc, signature=sign(signer, envelope_body(doc)))


def _write(path, doc: dict):
    path.write_text(json.dumps(doc))
    return path


@pytest.mark.parametrize("case", ["forged", "foreign", "studio key", "old studio-held key", "truncated",
                                  "replayed", "stale", "another kit's decision", "unknown kit"])
def test_when_a_decisions_file_is_not_genuine_or_current_then_it_is_refused_and_nothing_changes(
        linked, own, tmp_path, case):
    vault, talent, key, assets, draft, active, side = linked
    out = tmp_path / "d.twindecisions"
    doc = _kit_and_decide(vault, talent, side, own[1], out, Choices(approve=(assets[0],), sign=(draft,)))
    path, expected = out, IntegrityError
    if case == "forged":  # one byte changed (in the grant's terms, inside the signed document)
        data = out.read_bytes()
        at = data.index(b"Autumn campaign")
        path = tmp_path / "forged.twindecisions"
        path.write_bytes(data[:at] + b"a" + data[at + 1:])
    elif case == "foreign":  # signed with another talent's key, which names itself
        path = _write(tmp_path / "x", _resign(doc, _memory_identity().signing_key))
    elif case == "studio key":  # the studio signing for the talent with the key it does hold
        path = _write(tmp_path / "x", _resign(doc, vault.studio_signing_key(), own[1].card.verify_key))
    elif case == "old studio-held key":  # the key the studio held before the talent's own, retired
        path = _write(tmp_path / "x", _resign(doc, key.private, own[1].card.verify_key))
    elif case == "truncated":
        path = tmp_path / "cut.twindecisions"
        path.write_bytes(out.read_bytes()[: len(out.read_bytes()) // 2])
        expected = InvalidInput
    elif case == "replayed":
        import_decisions(vault, out)
        expected = InvalidInput
    elif case == "stale":  # the draft changed after the kit: the talent signed other terms
        edit_draft(vault, draft, {"max_uses": 9})
        expected = ConsentError
    elif case == "another kit's decision":
        doc["decisions"][0]["kit"] = "kit_0000000000000000"
        path = _write(tmp_path / "x", _resign(doc, own[1].signing_key))
    elif case == "unknown kit":
        doc = dict(doc, kit="kit_0000000000000000")
        for d in doc["decisions"]:
            d["kit"] = doc["kit"]
        path = _write(tmp_path / "x", _resign(doc, own[1].signing_key))
        expected = InvalidInput
    before = _catalog(vault)
    with pytest.raises(expected) as err:
        import_decisions(vault, path)
    assert str(err.value)
    assert _catalog(vault) == before
    assert get_grant(vault, draft).state == ("signed" if case == "replayed" else "draft")


def test_when_the_talent_holds_their_own_key_then_the_studio_cannot_sign_for_them_by_any_path(linked, own):
    vault, talent, key, assets, draft, active, side = linked
    before = _catalog(vault)
    for k in (key, TalentKey(talent.id, own[1].signing_key)):
        with pytest.raises(TalentSignsOnOwnDevice):
            review_asset(vault, assets[1], "reject", k)
        with pytest.raises(TalentSignsOnOwnDevice):
            sign_draft(vault, draft, k)
        with pytest.raises(TalentSignsOnOwnDevice):
            decline_grant(vault, draft, k)
        with pytest.raises(TalentSignsOnOwnDevice):
            revoke_grant(vault, active, k)
    assert _catalog(vault) == before  # (the decisions-file paths: the refusals above)


@folder_only(TALENT_SIDE)
def test_when_a_kit_older_than_one_seen_is_opened_then_the_talent_is_warned(linked, own, tmp_path):
    vault, talent, key, assets, draft, active, side = linked
    export_review_kit(vault, talent.id, tmp_path / "old.twinreview")
    edit_draft(vault, draft, {"max_uses": 4})  # the history moves on
    export_review_kit(vault, talent.id, tmp_path / "new.twinreview")
    assert [w for w in show_kit(tmp_path / "new.twinreview", own[1], side).warnings if "WARNING" in w] == []
    warnings = show_kit(tmp_path / "old.twinreview", own[1], side).warnings
    assert any("went backwards" in w for w in warnings)
    again = show_kit(tmp_path / "new.twinreview", own[1], side)
    assert not again.first_kit and not [w for w in again.warnings if "WARNING" in w]


def test_when_a_head_is_seen_again_with_another_hash_then_it_is_a_rewrite():
    heads = [{"kit": "kit_1111111111111111", "seq": 7, "hash": "a" * 64}]
    assert chain_warnings(heads, 8, "b" * 64) == []
    assert chain_warnings(heads, 7, "a" * 64) == []
    (w,) = chain_warnings(heads, 7, "c" * 64)
    assert "rewritten" in w


@folder_only(TALENT_SIDE)
def test_when_a_kit_is_signed_by_another_studio_key_than_the_pinned_one_then_it_is_refused(linked, own, tmp_path):
    vault, talent, key, assets, draft, active, side = linked
    export_review_kit(vault, talent.id, tmp_path / "k.twinreview")
    seen = json.loads((side / SEEN_FILE).read_text()) if (side / SEEN_FILE).exists() else None
    assert seen is None
    show_kit(tmp_path / "k.twinreview", own[1], side)
    data = json.loads((side / SEEN_FILE).read_text())
    data["studio_verify_key"] = public_key_b64(Ed25519PrivateKey.generate().public_key())
    (side / SEEN_FILE).write_text(json.dumps(data))
    with pytest.raises(IntegrityError, match="another studio key"):
        show_kit(tmp_path / "k.twinreview", own[1], side)


def test_when_a_revocation_is_backdated_before_its_kit_then_it_is_refused_and_nothing_changes(linked, own, tmp_path):
    vault, talent, key, assets, draft, active, side = linked
    out = tmp_path / "d.twindecisions"
    doc = _kit_and_decide(vault, talent, side, own[1], out, Choices(revoke=(active,), reason="moved on"))
    (item,) = doc["decisions"]
    item["statement"] = dict(item["statement"], revoked_on="2020-01-01", effective="2020-01-01")
    item["signature"] = sign(own[1].signing_key, item["statement"])  # the talent's own key: only the date is wrong
    path = _write(tmp_path / "x", _resign(doc, own[1].signing_key))
    before = _catalog(vault)
    with pytest.raises(InvalidInput, match="outside the days from its kit to today"):
        import_decisions(vault, path)
    assert _catalog(vault) == before and get_grant(vault, active).revocation is None


def test_when_a_preview_is_larger_than_a_kit_carries_then_it_is_listed_not_put_in(linked, own, monkeypatch):
    vault, talent, key, assets, draft, active, side = linked
    import studio.core.kits.export as export

    monkeypatch.setattr(export, "MAX_PREVIEW", 1000)  # the bound, lowered: the test data's files are over it
    done = export_review_kit(vault, talent.id, side / "k.twinreview")
    kit = show_kit(side / "k.twinreview", own[1], side)
    assert done.previews == 0 and not kit.opened.files
    assert all(o["reason"] == "larger than a kit carries" for a in kit.kit["assets"] for o in a["omitted"])
    assert sum(len(a["omitted"]) for a in kit.kit["assets"]) == done.omitted == 2


@folder_only("the receipt is made from the import's audit event, the same on either vault")
def test_when_decisions_are_imported_then_the_studio_signs_a_receipt_the_talent_verifies(linked, own, tmp_path):
    from studio.core.kits.receipts import decisions_receipt, verify_receipt, write_decisions_receipt
    from studio.core.kits.talent_side import read_seen
    from studio.core.package.studio_key import write_studio_key
    from studio.core.package.verify import load_studio_key

    vault, talent, key, assets, draft, active, side = linked
    me = own[1]
    out = tmp_path / "d.twindecisions"
    _kit_and_decide(vault, talent, side, me, out, Choices(approve=(assets[0],)))
    done = import_decisions(vault, out)
    write_studio_key(vault, tmp_path / "studio.pem")
    studio_key = load_studio_key(tmp_path / "studio.pem")
    receipt_path = tmp_path / "receipt.json"
    written = write_decisions_receipt(vault, done.decisions_id, receipt_path)
    imported = [e for e in audit.list_events(vault) if e["action"] == "decisions.imported"][-1]
    assert written["chain_head"]["seq"] == imported["seq"] and written["applied"] == ["approve"]
    assert written["decisions_sha256"] == hashlib.sha256(out.read_bytes()).hexdigest()
    assert written["talent"] == talent.id and written == decisions_receipt(vault, done.decisions_id)

    checked = verify_receipt(receipt_path, studio_key, side)
    assert checked.warnings == [] and checked.receipt["decisions_id"] == done.decisions_id
    assert any(h["seq"] == imported["seq"] for h in read_seen(side)["heads"])  # remembered beside the kits
    # the kit opened before the import ends before the receipt's head: shown again, it is warned about
    assert any("went backwards" in w for w in show_kit(side / "kit.twinreview", me, side).warnings)

    for field, value in (("applied", ["approve", "sign"]), ("chain_head", {"seq": 1, "hash": "0" * 64})):
        forged = dict(written, **{field: value})
        (tmp_path / "forged.json").write_text(json.dumps(forged))
        with pytest.raises(IntegrityError, match="not signed by the studio key"):
            verify_receipt(tmp_path / "forged.json", studio_key)
    other = Ed25519PrivateKey.generate().public_key()
    with pytest.raises(IntegrityError, match="not signed by the studio key"):
        verify_receipt(receipt_path, other)
    (tmp_path / "cut.json").write_bytes(receipt_path.read_bytes()[:40])
    with pytest.raises(IntegrityError, match="damaged or truncated"):
        verify_receipt(tmp_path / "cut.json", studio_key)
    with pytest.raises(InvalidInput, match="already exists"):
        write_decisions_receipt(vault, done.decisions_id, receipt_path)
