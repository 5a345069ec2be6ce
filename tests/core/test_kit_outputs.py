"""A brand's outputs approved or rejected by the talent with their OWN key, through their review
kit (issues 13 and 14, DR053): the request imported at the studio, the outputs carried full size
in the kit, the talent's decisions signed on their side (``decide``), imported in the decisions
file's one transaction, answered (``respond``) and applied by the brand (``apply_response``). An
output the kit left out, one decided since the kit and a replayed file are refused, changing
nothing."""

from __future__ import annotations

import hashlib
import json

import pytest

from studio.core.check import check_vault
from studio.core.consent.signing import sign
from studio.core.credentials import root_certificate_pem, verify_credentials
from studio.core.errors import ConsentError, InvalidInput
from studio.core.kits import export as kit_export
from studio.core.kits.decisions import import_decisions
from studio.core.kits.export import export_review_kit
from studio.core.kits.kit_file import envelope_body
from studio.core.kits.talent_side import Choices, decide, show_kit
from studio.core.package.approval_brand import apply_response, create_request, write_request
from studio.core.package.approval_files import output_decision_statement, sha256
from studio.core.package.approvals import decision_statement, get_request, import_request, respond
from studio.core.package.export import export_package
from studio.core.talent_identity import keygen_talent, link_talent_card, load_talent_identity
from studio.core.vault.audit import list_events
from studio.core.vault.keys import public_key_fingerprint
from tests.core.helpers import BRAND, active_grant, brand
from tests.core.test_credentials import make_png, make_wav
from tests.core.test_review_kits import _catalog
from tests.vaults import BOTH_VAULTS

OWN_PASS = "my own phrase, on my own laptop"
USE = dict(description="Spring lookbook, look 4", purpose="advertising", media="web", territory="FR")


@pytest.fixture(scope="module")
def own(tmp_path_factory):
    """The talent's keys made by ``talent keygen`` outside any vault, unlocked once for the module."""
    out = tmp_path_factory.mktemp("talent") / "keys"
    keygen_talent(out, "Ines Duarte", OWN_PASS)
    return out, load_talent_identity(out, OWN_PASS)


@pytest.fixture
def asked(world, own, tmp_path):
    """A brand's request (a PNG and a WAV) imported at the studio, for a talent who holds their own
    key: (vault, talent, brand keys, request record, png, wav, talent-side folder)."""
    vault, talent, key, assets = world
    grant = active_grant(vault, talent, key, assets)
    keys = brand(vault)
    package = tmp_path / "p.twinpkg"
    export_package(vault, grant.id, BRAND, package)
    png, wav = make_png(tmp_path / "look4.png", seed=4), make_wav(tmp_path / "line3.wav")
    request, _ = create_request(package, keys, [png, wav], **USE)
    write_request(request, tmp_path / "ask.twinrequest")
    rec = import_request(vault, tmp_path / "ask.twinrequest")
    link_talent_card(vault, talent.id, own[1].card)
    side = tmp_path / "talent-side"
    side.mkdir()
    return vault, talent, keys, rec, png, wav, side


def _kit(vault, talent, side, me, name="kit.twinreview"):
    export_review_kit(vault, talent.id, side / name)
    return show_kit(side / name, me, side)


@BOTH_VAULTS
def test_when_the_talent_approves_a_png_and_rejects_a_wav_through_their_kit_then_only_the_png_gets_trusted_credentials(
        asked, own, tmp_path):
    vault, talent, keys, rec, png, wav, side = asked
    me = own[1]
    png_sha, wav_sha = sha256(png.read_bytes()), sha256(wav.read_bytes())
    shown = _kit(vault, talent, side, me)
    [entry] = shown.kit["approvals"]
    assert (entry["id"], entry["brand"], entry["grant"], entry["use"]["description"], entry["use"]["territory"]) == (
        rec.id, BRAND, rec.grant_id, USE["description"], "FR")
    assert "Spring lookbook" in entry["grant_summary"] and entry["omitted"] == []
    assert [(o["sha256"], o["media_type"]) for o in entry["outputs"]] == [(png_sha, "image/png"),
                                                                          (wav_sha, "audio/wav")]
    for o, source in zip(entry["outputs"], (png, wav)):  # the output itself, full size, read in memory
        assert shown.opened.files[o["file"]] == source.read_bytes()

    out = tmp_path / "mine.twindecisions"
    doc = decide(shown, me, Choices(approve_output=(png_sha,), reject_output=(wav_sha.upper(),),
                                    reason="not my voice"), out)
    item = doc["decisions"][0]
    # exactly the statement the studio's own path signs, with the talent's own key
    rebuilt = decision_statement(rec, png_sha, "approved", None, item["statement"]["at"])
    assert item["statement"] == rebuilt and item["kind"] == "approve_output"
    result = import_decisions(vault, out)
    assert result.applied == (("approve_output", f"{rec.id}:{png_sha}"), ("reject_output", f"{rec.id}:{wav_sha}"))
    assert talent.id in result.changes.ledger
    decided = get_request(vault, rec.id)
    assert [(o.decision, o.note) for o in decided.outputs] == [("approved", None), ("rejected", "not my voice")]
    events = [e for e in list_events(vault) if e["action"] == "approval.decided" and e["subject"] == rec.id]
    assert [e["actor"] for e in events] == [talent.id] * 2

    answer = respond(vault, rec.id, tmp_path / "answer.twinapproval")
    assert (answer.approved, answer.rejected) == ([png_sha], [wav_sha])
    applied = apply_response(answer.path, keys, png, tmp_path / "credentialed.png")
    check = verify_credentials(tmp_path / "credentialed.png", root_certificate_pem(vault))
    assert (check.valid, check.trusted, check.facts.approval) == (True, True, rec.id)
    assert applied.approved_by == public_key_fingerprint(me.signing_key.public_key())
    assert not verify_credentials(tmp_path / "credentialed.png").trusted  # not without the studio root
    rejected = apply_response(answer.path, keys, wav, tmp_path / "never.wav")
    assert (rejected.approved, rejected.note, rejected.path) == (False, "not my voice", None)
    assert not (tmp_path / "never.wav").exists()
    assert not check_vault(vault).problems

    # a later kit carries no request awaiting the talent any more
    assert _kit(vault, talent, side, me, "later.twinreview").kit["approvals"] == []


def test_when_an_output_did_not_fit_the_kit_then_it_cannot_be_decided_from_it(asked, own, tmp_path, monkeypatch):
    vault, talent, keys, rec, png, wav, side = asked
    me = own[1]
    png_sha, wav_sha = sha256(png.read_bytes()), sha256(wav.read_bytes())
    monkeypatch.setattr(kit_export, "MAX_PREVIEW", png.stat().st_size)  # the WAV is larger: left out
    shown = _kit(vault, talent, side, me)
    [entry] = shown.kit["approvals"]
    assert [o["sha256"] for o in entry["outputs"]] == [png_sha]
    assert [(o["sha256"], o["reason"]) for o in entry["omitted"]] == [(wav_sha, "larger than a kit carries")]
    assert not any(wav_sha in name for name in shown.opened.files)
    with pytest.raises(InvalidInput, match="cannot be decided from this kit"):
        decide(shown, me, Choices(approve_output=(wav_sha,)), tmp_path / "no.twindecisions")
    assert not (tmp_path / "no.twindecisions").exists()

    # a file made by hand, signed with the talent's own key, deciding on the output left out
    out = tmp_path / "d.twindecisions"
    doc = decide(shown, me, Choices(approve_output=(png_sha,)), out)
    st = output_decision_statement(rec.id, rec.package_id, rec.grant_id, talent.id, wav_sha, "approved", None,
                                   doc["made_at"])
    doc["decisions"].append({"kind": "approve_output", "kit": doc["kit"], "request": rec.id, "output": wav_sha,
                             "statement": st, "signature": sign(me.signing_key, st)})
    doc["signature"] = sign(me.signing_key, envelope_body(doc))
    forged = tmp_path / "forged.twindecisions"
    forged.write_text(json.dumps(doc))
    before = _catalog(vault)
    with pytest.raises(InvalidInput, match="not carried by the kit"):
        import_decisions(vault, forged)
    assert _catalog(vault) == before
    assert [o.decision for o in get_request(vault, rec.id).outputs] == [None, None]


def test_when_an_output_was_decided_since_the_kit_or_a_file_is_replayed_then_it_is_refused_and_nothing_changes(
        asked, own, tmp_path):
    vault, talent, keys, rec, png, wav, side = asked
    me = own[1]
    png_sha = sha256(png.read_bytes())
    first = _kit(vault, talent, side, me, "first.twinreview")
    second = _kit(vault, talent, side, me, "second.twinreview")
    approve = decide(second, me, Choices(approve_output=(png_sha,)), tmp_path / "approve.twindecisions")
    reject = decide(first, me, Choices(reject_output=(png_sha,), reason="changed my mind"),
                    tmp_path / "reject.twindecisions")
    import_decisions(vault, tmp_path / "approve.twindecisions")
    assert get_request(vault, rec.id).outputs[0].decision == "approved"

    before = _catalog(vault)
    with pytest.raises(ConsentError, match="decided .approved. since the kit"):
        import_decisions(vault, tmp_path / "reject.twindecisions")
    with pytest.raises(InvalidInput, match="already imported"):
        import_decisions(vault, tmp_path / "approve.twindecisions")
    assert _catalog(vault) == before
    assert get_request(vault, rec.id).outputs[0].decision == "approved"
    assert approve["decisions_id"] != reject["decisions_id"]


def test_when_a_rejection_note_is_not_one_short_line_then_the_talent_is_told_before_signing(asked, own, tmp_path):
    vault, talent, keys, rec, png, wav, side = asked
    shown = _kit(vault, talent, side, own[1])
    with pytest.raises(InvalidInput, match="one line of at most 500"):
        decide(shown, own[1], Choices(reject_output=(sha256(wav.read_bytes()),), reason="x" * 501),
               tmp_path / "long.twindecisions")
    with pytest.raises(InvalidInput, match="not awaiting you"):
        decide(shown, own[1], Choices(approve_output=(hashlib.sha256(b"other").hexdigest(),)),
               tmp_path / "other.twindecisions")
    assert not list(tmp_path.glob("*.twindecisions"))
