"""The approval of each output (issue 14, DR047): a brand asks with outputs it made (a real PNG
and WAV made here), the studio imports the request into a real vault on disk, the talent
decides with their own key, the studio answers with credentialed copies made by c2pa-python,
the brand applies the answer. Refusals change nothing."""

from __future__ import annotations

import base64
import json
import stat

import c2pa
import pyrage
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select

from studio.core.check import check_vault
from studio.core.consent.signing import sign
from studio.core.consent.talent_keys import link_own_key
from studio.core.credentials import root_certificate_pem, verify_credentials
from studio.core.credentials.content import TRAINED, COMPOSITE
from studio.core.errors import (ConsentError, IntegrityError, InvalidInput, PackageRefused, TalentSignsOnOwnDevice,
                                UnsupportedFormat)
from studio.core.ledger.statement import statement
from studio.core.package.approval_brand import apply_response, create_request, write_request
from studio.core.package.approval_files import body_of, sha256
from studio.core.package.approvals import (
    PLUS_MR_LMR, apply_output_decisions, decide_outputs, decision_statement, get_request, import_request,
    list_requests, respond,
)
from studio.core.package.brand_keys import generate
from studio.core.package.brands import add_card
from studio.core.package.export import export_package
from studio.core.vault.audit import list_events
from studio.core.vault.catalog import ApprovalOutput, ApprovalRequest, Blob
from studio.core.vault.keys import public_key_b64, public_key_fingerprint
from tests.conftest import snapshot
from tests.core.helpers import BRAND, active_grant, brand
from tests.core.test_credentials import make_png, make_wav, png_with_one_pixel_changed, wav_with_one_sample_changed
from tests.vaults import BOTH_VAULTS

USE = dict(description="Spring lookbook, look 4", purpose="advertising", media="web", territory="FR")


@pytest.fixture
def made(world, tmp_path):
    """(vault, talent, talent key, the brand's keys, the package, [png, wav, second png])."""
    vault, talent, key, assets = world
    grant = active_grant(vault, talent, key, assets)
    keys = brand(vault)
    package = tmp_path / "p.twinpkg"
    export_package(vault, grant.id, BRAND, package)
    outputs = [make_png(tmp_path / "look4.png", seed=4), make_wav(tmp_path / "line3.wav"),
               make_png(tmp_path / "look5.png", seed=5)]
    return vault, talent, key, keys, package, outputs, grant


def _request(made, tmp_path, name="ask.twinrequest", outputs=None, **over):
    vault, talent, key, keys, package, outs, _ = made
    request, warnings = create_request(package, keys, outputs or outs, **{**USE, **over})
    path = tmp_path / name
    write_request(request, path)
    return path, request, warnings


def _state(vault):
    """What a refused import must leave as it was: the vault's files, the rows, the audit chain."""
    with vault.session() as s:
        rows = (s.execute(select(func.count()).select_from(ApprovalRequest)).scalar_one(),
                s.execute(select(func.count()).select_from(ApprovalOutput)).scalar_one(),
                s.execute(select(func.count()).select_from(Blob)).scalar_one())
    return snapshot(vault.root), rows, len(list_events(vault))


def _assertions(path) -> dict:
    with c2pa.Reader(str(path)) as reader:
        return {a["label"]: a["data"] for a in reader.get_active_manifest()["assertions"]}


@BOTH_VAULTS
def test_when_a_brand_asks_and_the_talent_decides_then_approved_outputs_carry_trusted_credentials_and_the_rejected_none(
        made, tmp_path):
    vault, talent, key, keys, package, (png, wav, other), grant = made
    path, request, warnings = _request(made, tmp_path)
    assert warnings == []
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    assert png.read_bytes()[:64].hex() not in text  # the outputs travel encrypted only
    assert base64.b64encode(png.read_bytes()[:48]).decode() not in text

    rec = import_request(vault, path)
    assert [o.sha256 for o in rec.outputs] == [sha256(p.read_bytes()) for p in (png, wav, other)]
    assert [r.id for r in list_requests(vault, talent.id)] == [rec.id]
    assert vault.blobs.read_bytes(rec.outputs[1].sha256) == wav.read_bytes()  # kept encrypted, read back whole
    assert any(e["action"] == "approval.imported" and e["subject"] == rec.id for e in list_events(vault))

    approve = [rec.outputs[0].sha256, rec.outputs[1].sha256]
    decide_outputs(vault, rec.id, key, approve=approve, note="fine by me")
    with pytest.raises(InvalidInput, match="not decided on 1 output"):
        respond(vault, rec.id, tmp_path / "early.twinapproval")
    decided = decide_outputs(vault, rec.id, key, reject=[rec.outputs[2].sha256], note="not this smile")
    assert [o.decision for o in decided.outputs] == ["approved", "approved", "rejected"]

    answer = respond(vault, rec.id, tmp_path / "answer.twinapproval")
    assert (answer.approved, answer.rejected) == (approve, [rec.outputs[2].sha256])
    assert stat.S_IMODE(answer.path.stat().st_mode) == 0o600
    root = root_certificate_pem(vault)

    for source, suffix, change in ((png, ".png", png_with_one_pixel_changed),
                                   (wav, ".wav", wav_with_one_sample_changed)):
        out = tmp_path / f"credentialed{suffix}"
        applied = apply_response(answer.path, keys, source, out)
        assert applied.approved and applied.path == out
        check = verify_credentials(out, root)
        assert (check.valid, check.trusted) == (True, True)
        assert (verify_credentials(out).valid, verify_credentials(out).trusted) == (True, False)
        assert check.digital_source_type == TRAINED
        assert (check.facts.talent, check.facts.grant, check.facts.package, check.facts.approval) == (
            talent.id, grant.id, rec.package_id, rec.id)
        assert check.facts.approved_by == public_key_fingerprint(key.private.public_key())
        labels = _assertions(out)
        assert labels["cawg.training-mining"]["entries"]["cawg.ai_training"] == {"use": "notAllowed"}
        plus = labels["stds.iptc.photo-metadata"]
        assert (plus["plus:ModelReleaseStatus"], plus["plus:ModelReleaseID"]) == (PLUS_MR_LMR, [grant.id])
        assert labels["io.twinstudio.approval"]["approval"] == rec.id
        assert labels["io.twinstudio.approval"]["output"] == sha256(source.read_bytes())
        tampered = tmp_path / f"tampered{suffix}"
        tampered.write_bytes(change(out.read_bytes()))
        assert not verify_credentials(tampered, root).valid

    rejected = apply_response(answer.path, keys, other, tmp_path / "never.png")
    assert (rejected.approved, rejected.note, rejected.path) == (False, "not this smile", None)
    assert not (tmp_path / "never.png").exists()
    listed = statement(vault, talent.id).approved_outputs  # the talent's statement lists what they approved
    assert [(o.sha256, o.request_id, o.brand, o.media_type) for o in listed] == [
        (approve[0], rec.id, BRAND, "image/png"), (approve[1], rec.id, BRAND, "audio/wav")]
    assert statement(vault, talent.id).to_json()["approved_outputs"][0]["description"] == USE["description"]
    assert not check_vault(vault).problems  # the kept outputs are blobs like any other
    actions = [e["action"] for e in list_events(vault) if e["subject"] == rec.id]
    assert actions == ["approval.imported"] + ["approval.decided"] * 3 + ["approval.responded"]


def test_when_the_brand_says_composite_then_the_credentials_say_composite(made, tmp_path):
    vault, talent, key, keys, package, (png, _, _), _ = made
    path, _, _ = _request(made, tmp_path, outputs=[png], composite=True)
    rec = import_request(vault, path)
    decide_outputs(vault, rec.id, key, approve=[rec.outputs[0].sha256])
    answer = respond(vault, rec.id, tmp_path / "a.twinapproval")
    apply_response(answer.path, keys, png, tmp_path / "c.png")
    assert verify_credentials(tmp_path / "c.png", root_certificate_pem(vault)).digital_source_type == COMPOSITE


def _rewrite(path, request, out):
    out.write_text(json.dumps(request))
    return out


def test_when_an_output_byte_changed_then_the_request_is_refused_and_nothing_changes(made, tmp_path):
    vault, talent, key, keys, package, outs, _ = made
    path, request, _ = _request(made, tmp_path)
    sha = request["outputs"][0]["sha256"]
    before = _state(vault)

    flipped = json.loads(json.dumps(request))  # one byte of the ciphertext as sent
    ct = bytearray(base64.b64decode(flipped["encrypted"][sha]))
    ct[-5] ^= 1
    flipped["encrypted"][sha] = base64.b64encode(bytes(ct)).decode()
    with pytest.raises(IntegrityError, match="changed after the brand signed"):
        import_request(vault, _rewrite(path, flipped, tmp_path / "flipped.twinrequest"))

    # one byte of the output itself, encrypted again and its ciphertext hash updated: the signature breaks
    changed = json.loads(json.dumps(request))
    data = bytearray(outs[0].read_bytes())
    data[-20] ^= 1
    new_ct = pyrage.encrypt(bytes(data), [pyrage.x25519.Recipient.from_str(vault.header.recipient)])
    changed["encrypted"][sha] = base64.b64encode(new_ct).decode()
    changed["outputs"][0]["encrypted_sha256"] = sha256(new_ct)
    with pytest.raises(IntegrityError, match="not signed by"):
        import_request(vault, _rewrite(path, changed, tmp_path / "changed.twinrequest"))
    assert _state(vault) == before


def test_when_a_foreign_brand_signs_a_request_then_it_is_refused_and_nothing_changes(made, tmp_path):
    vault, *_ = made
    path, request, _ = _request(made, tmp_path)
    foreign, card = generate("Another House")
    add_card(vault, card)
    forged = {**body_of(request, "signature"), "brand": {**request["brand"], "verify_key": foreign.verify_key}}
    forged = {**forged, "signature": sign(foreign.signing_key, forged), "encrypted": request["encrypted"]}
    before = _state(vault)
    with pytest.raises(IntegrityError, match=f"not signed by {BRAND}"):
        import_request(vault, _rewrite(path, forged, tmp_path / "forged.twinrequest"))
    assert _state(vault) == before


@pytest.mark.parametrize("over, reason", [({"territory": "US"}, "territory US not granted"),
                                          ({"media": "print"}, "medium print not granted")])
def test_when_a_request_is_outside_the_grants_scope_then_it_is_refused_with_the_reason_and_nothing_changes(
        made, tmp_path, over, reason):
    vault, *_ = made
    path, _, warnings = _request(made, tmp_path, **over)
    assert any(reason in w for w in warnings)  # the brand was told before sending
    before = _state(vault)
    with pytest.raises(ConsentError, match=reason):
        import_request(vault, path)
    assert _state(vault) == before


def test_when_a_request_is_imported_twice_then_the_second_is_refused_and_changes_nothing(made, tmp_path):
    vault, *_ = made
    path, _, _ = _request(made, tmp_path)
    import_request(vault, path)
    before = _state(vault)
    with pytest.raises(InvalidInput, match="already imported"):
        import_request(vault, path)
    assert _state(vault) == before


def test_when_an_output_is_not_an_image_or_voice_line_then_the_brand_cannot_ask(made, tmp_path):
    other = tmp_path / "clip.mp4"
    other.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(200))
    with pytest.raises(UnsupportedFormat, match="PNG, JPEG, WAV, FLAC or MP3"):
        _request(made, tmp_path, outputs=[other])


def test_when_the_package_is_for_another_brand_then_the_brand_cannot_ask_with_it(made, tmp_path):
    vault, talent, key, keys, package, outs, _ = made
    foreign, _ = generate("Another House")
    with pytest.raises(PackageRefused, match="not addressed to you"):
        create_request(package, foreign, outs[:1], **USE)


def test_when_the_talent_holds_their_own_key_then_the_studio_cannot_decide_but_their_signed_decisions_apply(
        made, tmp_path):
    vault, talent, key, keys, package, (png, _, _), _ = made
    path, _, _ = _request(made, tmp_path, outputs=[png])
    rec = import_request(vault, path)
    own = Ed25519PrivateKey.generate()
    link_own_key(vault, talent.id, public_key_b64(own.public_key()),
                 str(pyrage.x25519.Identity.generate().to_public()), public_key_fingerprint(own.public_key()))

    with pytest.raises(TalentSignsOnOwnDevice, match="decisions file"):
        decide_outputs(vault, rec.id, key, approve=[rec.outputs[0].sha256])
    assert get_request(vault, rec.id).outputs[0].decision is None

    st = decision_statement(rec, rec.outputs[0].sha256, "approved", "yes")
    with pytest.raises(IntegrityError, match="not signed by talent"):  # the old studio-held key no longer counts
        apply_output_decisions(vault, rec.id, [(st, sign(key.private, st))])
    done = apply_output_decisions(vault, rec.id, [(st, sign(own, st))])
    assert done.outputs[0].decision == "approved"
    answer = respond(vault, rec.id, tmp_path / "a.twinapproval")
    applied = apply_response(answer.path, keys, png, tmp_path / "c.png")
    assert applied.check.trusted and applied.approved_by == public_key_fingerprint(own.public_key())


def test_when_a_decision_names_an_output_not_in_the_request_or_one_decided_then_it_is_refused(made, tmp_path):
    vault, talent, key, keys, package, (png, wav, _), _ = made
    path, _, _ = _request(made, tmp_path, outputs=[png])
    rec = import_request(vault, path)
    with pytest.raises(InvalidInput, match="not in request"):
        decide_outputs(vault, rec.id, key, approve=[sha256(wav.read_bytes())])
    decide_outputs(vault, rec.id, key, reject=[rec.outputs[0].sha256])
    with pytest.raises(InvalidInput, match="decided already"):
        decide_outputs(vault, rec.id, key, approve=[rec.outputs[0].sha256])
    assert get_request(vault, rec.id).outputs[0].decision == "rejected"


def test_when_the_answer_is_altered_or_the_output_is_not_in_it_then_the_brand_is_refused(made, tmp_path):
    vault, talent, key, keys, package, (png, wav, _), _ = made
    path, _, _ = _request(made, tmp_path, outputs=[png])
    rec = import_request(vault, path)
    decide_outputs(vault, rec.id, key, reject=[rec.outputs[0].sha256], note="no")
    answer = respond(vault, rec.id, tmp_path / "a.twinapproval")
    doc = json.loads(answer.path.read_text())
    doc["outputs"][0]["decision"] = "approved"
    doc["decisions"][0]["statement"]["decision"] = "approved"
    forged = tmp_path / "forged.twinapproval"
    forged.write_text(json.dumps(doc))
    with pytest.raises(PackageRefused, match="not signed by the studio"):
        apply_response(forged, keys, png, tmp_path / "c.png")
    with pytest.raises(PackageRefused, match="not one of the outputs"):
        apply_response(answer.path, keys, wav, tmp_path / "c.wav")
    assert not (tmp_path / "c.png").exists() and not (tmp_path / "c.wav").exists()


def test_when_a_decision_is_edited_in_the_catalog_then_check_names_it(made, tmp_path):
    vault, talent, key, keys, package, (png, _, _), _ = made
    path, _, _ = _request(made, tmp_path, outputs=[png])
    rec = import_request(vault, path)
    decide_outputs(vault, rec.id, key, reject=[rec.outputs[0].sha256], note="no")
    assert not check_vault(vault).problems
    with vault.session() as s:  # someone with the catalog, not the talent's key, turns the rejection round
        s.get(ApprovalOutput, (rec.id, rec.outputs[0].sha256)).decision = "approved"

    problems = check_vault(vault).problems
    assert problems == [f"approval request {rec.id}: the decision on output {rec.outputs[0].sha256[:16]}… differs "
                        "from what its audit event recorded (altered)"]
    with pytest.raises(InvalidInput, match="decided already"):  # and it is not treated as undecided either
        decide_outputs(vault, rec.id, key, approve=[rec.outputs[0].sha256])
    with pytest.raises(IntegrityError, match="not the one the talent signed"):  # no credentials for it
        respond(vault, rec.id, tmp_path / "a.twinapproval")
    assert not (tmp_path / "a.twinapproval").exists()
