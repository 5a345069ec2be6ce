"""A history the studio cannot quietly rewrite (issue 13, DR056): ``decisions import`` keeps the
talent-signed file, encrypted; ``check`` finds a chain rewritten or cut below a head a talent's
decisions file echoes — even one rewritten as a studio insider would, every hash and the head's
MAC recomputed, so that the plain chain check passes; a kept file altered or gone is reported.
A kit carries the chain's links since the talent's last kit, and the talent's side warns when
they do not reach its signed head or contradict a head it saw; decisions and erasure receipts
carry them too, checked the same way by ``receipt verify``.

The talent's keys here are made in memory (no scrypt): what is tested is the vault's and the
kit's side, not the key folder (tests/core/test_review_kits.py)."""

from __future__ import annotations

import json

import pyrage
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from studio.core.check import check_vault
from studio.core.consent.grants import activate_grant, draft_grant, edit_draft, sign_grant
from studio.core.consent.signing import sign
from studio.core.derived import add_derived
from studio.core.erasure import erase_talent
from studio.core.errors import IntegrityError
from studio.core.kits.decisions import import_decisions
from studio.core.kits.echoed_heads import verify_echoed_heads
from studio.core.kits.export import export_review_kit
from studio.core.kits.kit_chain import excerpt_warnings
from studio.core.kits.receipts import (decisions_receipt, erasure_receipt, verify_receipt, write_decisions_receipt,
                                       write_erasure_receipt)
from studio.core.kits.talent_side import Choices, decide, show_kit
from studio.core.talent_identity import TalentCard, TalentIdentity, link_talent_card
from studio.core.vault import audit
from studio.core.vault.catalog import AuditEvent, Blob
from studio.core.vault.check import check_store
from studio.core.vault.head import GENESIS, HEAD_NAME, anchor_existing_chain
from studio.core.vault.keys import public_key_b64
from studio.core.vault.writes import add_blob_rows
from tests.core.helpers import grant_fields, studio_key
from tests.vaults import BOTH_VAULTS, folder_only

pytestmark = BOTH_VAULTS
INSIDER = "the insider edits the folder vault's catalog and head file; check's comparison is the same on both"
RECEIPTS = "a receipt is made from the audit events and checked on the talent's side: the same whatever the vault"
THUMB = b"\x89PNG\r\n\x1a\n" + b"a thumbnail the studio made after the kit" * 4


def _identity(name: str = "Ines Duarte") -> TalentIdentity:
    signing, identity = Ed25519PrivateKey.generate(), pyrage.x25519.Identity.generate()
    return TalentIdentity(TalentCard(name, public_key_b64(signing.public_key()), str(identity.to_public())),
                          signing, identity)


@pytest.fixture
def linked(world, tmp_path):
    """The world's talent holding their own key (in memory), a draft awaiting them and an active
    grant; the talent's side keeps its seen heads in its own folder."""
    vault, talent, key, assets = world
    active = draft_grant(vault, talent.id, grant_fields(assets))
    sign_grant(vault, active.id, key)
    activate_grant(vault, active.id)
    draft = draft_grant(vault, talent.id, grant_fields(assets, use_description="Autumn campaign"))
    me = _identity()
    link_talent_card(vault, talent.id, me.card)
    side = tmp_path / "talent-side"
    side.mkdir()
    return vault, talent, me, assets, draft.id, side


def _round(vault, talent, me, side, n: int, choices: Choices):
    """One kit out, opened and decided on the talent's side, the decisions imported: the kit shown
    and the decisions file's path."""
    kit = side / f"kit{n}.twinreview"
    export_review_kit(vault, talent.id, kit)
    shown = show_kit(kit, me, side)
    out = side / f"d{n}.twindecisions"
    decide(shown, me, choices, out)
    import_decisions(vault, out)
    return shown, out


def _insider_rewrite(vault, change=None, cut_from: int | None = None) -> None:
    """What a studio insider with the vault key can do: edit or cut the chain, then recompute
    every hash after the edit and the head file's MAC, so the plain chain check passes."""
    with vault.session() as s:
        rows = s.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars().all()
        if cut_from is not None:
            for ev in rows[cut_from - 1:]:
                s.delete(ev)
            rows = rows[:cut_from - 1]
        prev = GENESIS
        for ev in rows:
            if change is not None:
                change(ev)
            ev.prev_hash = prev
            ev.hash = audit.event_hash(ev.seq, ev.at, ev.actor, ev.action, ev.subject, ev.details, prev)
            prev = ev.hash
        last = audit.last_head(s) if not rows else audit.Head(rows[-1].seq, rows[-1].hash)
    (vault.root / HEAD_NAME).unlink()
    anchor_existing_chain(vault.files, vault._keys, vault.header.vault_id, last)


def _imported(vault) -> list[dict]:
    return [e for e in audit.list_events(vault) if e["action"] == "decisions.imported"]


def test_when_several_decisions_are_imported_then_each_file_is_kept_encrypted_and_check_is_clean(linked):
    vault, talent, me, assets, draft, side = linked
    first, out1 = _round(vault, talent, me, side, 1, Choices(approve=(assets[0],)))
    second, out2 = _round(vault, talent, me, side, 2, Choices(reject=(assets[1],), reason="not my voice"))
    third, out3 = _round(vault, talent, me, side, 3, Choices(sign=(draft,)))
    for shown in (first, second, third):
        assert [w for w in shown.warnings if "WARNING" in w] == []
    # each later kit's links start at the head of the kit before and reach its own signed head
    assert second.kit["chain"]["from"] == first.kit["chain_head"]["seq"]
    assert third.kit["chain"]["events"][-1]["hash"] == third.kit["chain_head"]["hash"]
    bodies = [e for e in third.kit["chain"]["events"] if "action" in e]
    assert {"decisions.imported", "asset.rejected"} <= {e["action"] for e in bodies}
    events = _imported(vault)
    for e, out in zip(events, (out1, out2, out3)):
        data = out.read_bytes()
        assert e["details"]["kept"] is True and vault.blobs.read_bytes(e["details"]["sha256"]) == data
    if not vault.shared:  # on disk, only age ciphertext
        stored = vault.blobs.path_for(events[1]["details"]["sha256"]).read_bytes()
        assert stored.startswith(b"age-encryption") and b"not my voice" not in stored
    assert verify_echoed_heads(vault) == []
    assert check_vault(vault).problems == []


def test_when_an_import_is_refused_then_no_copy_of_the_file_is_kept(linked):
    vault, talent, me, assets, draft, side = linked
    kit = side / "kit.twinreview"
    export_review_kit(vault, talent.id, kit)
    shown = show_kit(kit, me, side)
    doc = decide(shown, me, Choices(approve=(assets[0],)), side / "d.twindecisions")
    forged = side / "forged.twindecisions"
    forged.write_text(json.dumps(dict(doc, made_at="2020-01-01T00:00:00+00:00")))  # signature no longer covers it
    names = set(vault.blobs.stored_names())
    with vault.session() as s:
        rows = s.execute(select(Blob.sha256)).scalars().all()
    with pytest.raises(IntegrityError, match="registered key"):
        import_decisions(vault, forged)
    assert set(vault.blobs.stored_names()) == names
    with vault.session() as s:
        assert s.execute(select(Blob.sha256)).scalars().all() == rows


@folder_only(INSIDER)
def test_when_an_insider_rewrites_an_event_below_an_echoed_head_then_only_the_talents_echo_shows_it(linked):
    vault, talent, me, assets, draft, side = linked
    shown, _ = _round(vault, talent, me, side, 1, Choices(approve=(assets[0],)))
    echoed = shown.kit["chain_head"]["seq"]
    assert check_vault(vault).problems == []

    def change(ev):
        if ev.seq == 3:  # an early event, well below the head the talent echoed
            ev.details = json.dumps({**json.loads(ev.details), "insider": "was here"}, separators=(",", ":"),
                                    sort_keys=True)

    _insider_rewrite(vault, change)
    assert check_store(vault).problems == []  # the chain and its anchored head verify
    (problem,) = verify_echoed_heads(vault)
    assert problem.startswith(f"the audit chain was rewritten or cut at or before event {echoed}: talent "
                              f"{talent.id}'s decisions file of ")
    assert f"(signed by key {me.card.fingerprint})" in problem and "the vault has event" in problem
    assert problem in check_vault(vault).problems


@folder_only(INSIDER)
@pytest.mark.parametrize("where", ["below the echoed head", "between the head and the import"])
def test_when_an_insider_cuts_the_tail_below_an_echoed_head_then_check_reports_it(linked, where):
    vault, talent, me, assets, draft, side = linked
    shown, _ = _round(vault, talent, me, side, 1, Choices(approve=(assets[0],)))
    echoed = shown.kit["chain_head"]["seq"]
    _insider_rewrite(vault, cut_from=echoed if where == "below the echoed head" else echoed + 1)
    assert check_store(vault).problems == []
    assert _imported(vault) == []  # the import's own event went with the tail
    (problem,) = verify_echoed_heads(vault)
    if where == "below the echoed head":
        assert f"rewritten or cut at or before event {echoed}" in problem
        assert f"the vault has no event {echoed} (the chain ends at event {echoed - 1})" in problem
    else:
        assert "no audit event records its import" in problem
    assert problem in check_vault(vault).problems


@folder_only(INSIDER)
@pytest.mark.parametrize("how", ["bytes flipped", "replaced by the insider", "deleted"])
def test_when_a_kept_decisions_file_is_tampered_with_then_check_reports_it(linked, how):
    vault, talent, me, assets, draft, side = linked
    _round(vault, talent, me, side, 1, Choices(approve=(assets[0],)))
    event = _imported(vault)[0]
    sha = event["details"]["sha256"]
    path = vault.blobs.path_for(sha)
    if how == "bytes flipped":
        data = bytearray(path.read_bytes())
        data[len(data) // 2] ^= 1
        path.write_bytes(bytes(data))
        expected = "cannot be read back"
    elif how == "deleted":
        path.unlink()
        with vault.session() as s:
            s.delete(s.get(Blob, sha))
        expected = "is not kept in the vault any more"
    else:  # another file put in its place, its hash written into the chain, everything re-hashed
        doc = json.loads(vault.blobs.read_bytes(sha))
        doc["decisions"] = doc["decisions"][:1] + doc["decisions"]  # one decision more than the talent made
        staged = vault.blobs.stage_bytes(json.dumps(doc).encode())
        vault.blobs.publish(staged)
        with vault.session() as s:
            add_blob_rows(s, [("blobs", staged)], "2026-01-01T00:00:00+00:00")

        def change(ev):
            if ev.seq == event["seq"]:
                ev.details = ev.details.replace(sha, staged.sha256)

        _insider_rewrite(vault, change)
        expected = "is not signed by the talent's registered key"
        assert any(f"audit event {event['seq']} names another file" in p for p in verify_echoed_heads(vault))
    problems = verify_echoed_heads(vault)
    assert any(expected in p for p in problems), problems
    assert set(problems) <= set(check_vault(vault).problems)


@folder_only("about the talent's side of the kit: the same whatever the vault")
def test_when_the_history_was_rewritten_between_two_kits_then_the_talent_is_warned(linked):
    vault, talent, me, assets, draft, side = linked
    export_review_kit(vault, talent.id, side / "k1.twinreview")
    first = show_kit(side / "k1.twinreview", me, side)
    seen = first.kit["chain_head"]["seq"]
    edit_draft(vault, draft, {"max_uses": 4})  # the history moves on

    def change(ev):
        if ev.seq == 2:
            ev.at = "2020-01-01T00:00:00+00:00"

    _insider_rewrite(vault, change)
    export_review_kit(vault, talent.id, side / "k2.twinreview")
    second = show_kit(side / "k2.twinreview", me, side)
    assert second.kit["chain"]["from"] == seen
    warnings = [w for w in second.warnings if w.startswith("WARNING")]
    assert len(warnings) == 1 and f"event {seen} of the studio's history is not the one" in warnings[0]
    assert "rewritten" in warnings[0]


@folder_only("about the talent's side of the kit: the same whatever the vault")
def test_when_a_kits_links_do_not_reach_its_signed_head_then_the_talent_is_warned(linked):
    vault, talent, me, assets, draft, side = linked
    edit_draft(vault, draft, {"max_uses": 4})
    export_review_kit(vault, talent.id, side / "k.twinreview")
    kit = show_kit(side / "k.twinreview", me, side).kit
    assert excerpt_warnings(kit, []) == []
    events = kit["chain"]["events"]
    full = next(i for i, e in enumerate(events) if "action" in e)

    def with_events(evs, **head):
        return dict(kit, chain={"from": evs[0]["seq"], "events": evs}, chain_head=head or kit["chain_head"])

    altered = [dict(e) for e in events]
    altered[full]["subject"] = "talent_someone_else"
    gap = events[:1] + events[2:]
    cases = {"is not the event its hash says": with_events(altered),
             "does not follow": with_events(gap),
             "not at the head the studio signed": with_events(events[:-1])}
    for expected, forged in cases.items():
        (w,) = excerpt_warnings(forged, [])
        assert w.startswith("WARNING:") and expected in w
    seen = [{"kit": "kit_1111111111111111", "seq": events[0]["seq"], "hash": "f" * 64}]
    (w,) = excerpt_warnings(kit, seen)
    assert "rewritten" in w


def _resigned(vault, receipt: dict, **changes) -> dict:
    """``receipt`` changed and signed again by the studio's own key: what the studio itself claims."""
    body = {k: v for k, v in dict(receipt, **changes).items() if k != "signature" and v is not None}
    return dict(body, signature=sign(vault.studio_signing_key(), body))


@folder_only(RECEIPTS)
def test_when_decisions_are_imported_and_the_talent_erased_then_both_receipts_carry_links_that_verify(linked,
                                                                                                     tmp_path):
    vault, talent, me, assets, draft, side = linked
    shown, _ = _round(vault, talent, me, side, 1, Choices(approve=(assets[0],), request_erasure=True))
    kit_head = shown.kit["chain_head"]
    (imported,) = _imported(vault)
    did = imported["subject"]
    receipt = write_decisions_receipt(vault, did, side / "receipt.json")
    chain = receipt["chain"]  # from the kit's head to the import's event, inside the signed body
    assert chain["from"] == kit_head["seq"] and chain["events"][0]["hash"] == kit_head["hash"]
    assert chain["events"][-1]["hash"] == receipt["chain_head"]["hash"] == imported["hash"]
    assert {"asset.approved", "talent.erasure_requested", "decisions.imported"} <= {
        e["action"] for e in chain["events"] if "action" in e}
    checked = verify_receipt(side / "receipt.json", studio_key(vault), side)
    assert checked.warnings == [] and checked.receipt["chain"] == chain

    second, _ = _round(vault, talent, me, side, 2, Choices(sign=(draft,)))  # a later kit, decided
    add_derived(vault, assets[0], "thumbnail", "image/png", THUMB)  # the studio's event about the asset alone
    erase_talent(vault, talent.id)
    assert decisions_receipt(vault, did) == receipt  # written again later (a later kit, the asset rows gone): the same
    erasure = write_erasure_receipt(vault, talent.id, side / "erasure.json")
    tomb = [e for e in audit.list_events(vault) if e["action"] == "talent.erased"][0]
    links = erasure["chain"]["events"]
    assert erasure["chain"]["from"] == second.kit["chain_head"]["seq"] and links[-1]["hash"] == tomb["hash"]
    derived = next(e for e in links if e["seq"] == tomb["seq"] - 1)
    assert derived["action"] == "asset.derived" and derived["subject"] == assets[0]  # in full, from the tombstone
    assert "Ines" not in (side / "erasure.json").read_text()
    checked = verify_receipt(side / "erasure.json", studio_key(vault), side)
    assert checked.warnings == [] and erasure_receipt(vault, talent.id) == erasure

    raw = (side / "erasure.json").read_bytes()  # one byte of the links changed: the signature breaks
    i = raw.index(b'"hash": "', raw.index(b'"chain"')) + 9
    (tmp_path / "changed.json").write_bytes(raw[:i] + (b"0" if raw[i:i + 1] != b"0" else b"1") + raw[i + 1:])
    with pytest.raises(IntegrityError, match="not signed by the studio key"):
        verify_receipt(tmp_path / "changed.json", studio_key(vault))

    older = tmp_path / "older.json"  # a receipt made before the links: verifies, no warning
    older.write_text(json.dumps(_resigned(vault, erasure, chain=None)))
    assert "chain" not in verify_receipt(older, studio_key(vault)).receipt
    assert verify_receipt(older, studio_key(vault), side).warnings == []
    gap = tmp_path / "gap.json"  # signed by the studio, but its links skip an event
    gap.write_text(json.dumps(_resigned(vault, erasure, chain={"from": links[0]["seq"],
                                                                "events": links[:1] + links[2:]})))
    (warning,) = verify_receipt(gap, studio_key(vault)).warnings
    assert warning.startswith("WARNING: the studio's history in this receipt does not hold together")
    assert "does not follow" in warning


@folder_only(INSIDER)
def test_when_the_history_was_rewritten_between_the_kit_and_the_receipt_then_the_talent_is_warned(linked):
    vault, talent, me, assets, draft, side = linked
    shown, _ = _round(vault, talent, me, side, 1, Choices(approve=(assets[0],)))
    seen = shown.kit["chain_head"]["seq"]

    def change(ev):
        if ev.seq == 2:
            ev.at = "2020-01-01T00:00:00+00:00"

    _insider_rewrite(vault, change)
    assert check_store(vault).problems == []
    (imported,) = _imported(vault)
    write_decisions_receipt(vault, imported["subject"], side / "receipt.json")
    assert verify_receipt(side / "receipt.json", studio_key(vault)).warnings == []  # its links hold together
    warnings = verify_receipt(side / "receipt.json", studio_key(vault), side).warnings
    assert len(warnings) == 1 and warnings[0].startswith(f"WARNING: event {seen} of the studio's history is not the "
                                                         f"one {shown.opened.id} showed you before")
    assert "rewritten" in warnings[0]
