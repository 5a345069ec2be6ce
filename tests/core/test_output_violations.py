"""A usage report that names the outputs it used (issue 14, DR057): each is judged against the
talent's approvals (DR047) when the studio imports the report. An output approved for this
package is a clean use; one never approved, rejected, awaiting a decision or approved for
another package makes the use a violation with a reason naming it. Real vaults, a real PNG and
WAV, the brand's and the talent's real signatures."""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo

import pytest
from sqlalchemy import func, select

from studio.core import clock
from studio.core.check import check_vault
from studio.core.consent.grants import get_grant
from studio.core.consent.signing import sign
from studio.core.errors import IntegrityError, InvalidInput, UnsupportedFormat
from studio.core.ledger.entries import import_report
from studio.core.ledger.statement import statement
from studio.core.package.approval_brand import create_request, write_request
from studio.core.package.approval_files import sha256
from studio.core.package.approvals import decide_outputs, import_request
from studio.core.package.export import export_package
from studio.core.package.reports import create_report, write_report
from studio.core.vault.audit import list_events
from studio.core.vault.catalog import LedgerEntry
from tests.conftest import snapshot
from tests.core.helpers import BRAND, active_grant, brand
from tests.core.test_credentials import make_png, make_wav
from tests.vaults import BOTH_VAULTS

USE = dict(description="Spring lookbook, look 4", purpose="advertising", media="web", territory="FR")


@pytest.fixture
def asked(world, tmp_path):
    """A package, a request for three outputs: the PNG approved, the WAV rejected, a second PNG
    awaiting the talent's decision; and a PNG never sent for approval."""
    vault, talent, key, assets = world
    grant = active_grant(vault, talent, key, assets, max_uses=10)
    keys = brand(vault)
    package = tmp_path / "p.twinpkg"
    export_package(vault, grant.id, BRAND, package)
    png, wav, waiting, never = (make_png(tmp_path / "look4.png", seed=4), make_wav(tmp_path / "line3.wav"),
                                make_png(tmp_path / "look5.png", seed=5), make_png(tmp_path / "look6.png", seed=6))
    request, _ = create_request(package, keys, [png, wav, waiting], **USE)
    write_request(request, tmp_path / "ask.twinrequest")
    rec = import_request(vault, tmp_path / "ask.twinrequest")
    decide_outputs(vault, rec.id, key, approve=[sha256(png.read_bytes())])
    decide_outputs(vault, rec.id, key, reject=[sha256(wav.read_bytes())], note="not this voice")
    today = clock.now().astimezone(zoneinfo.ZoneInfo(grant.document["timezone"])).date().isoformat()
    return vault, talent, key, keys, package, grant, rec, today, {"approved": png, "rejected": wav,
                                                                  "waiting": waiting, "never": never}


def _report(keys, package, tmp_path, name, outputs, date):
    rep, warnings = create_report(package, keys, USE["description"], USE["purpose"], USE["media"], USE["territory"],
                                  date, 1, outputs)
    write_report(rep, tmp_path / name)
    return tmp_path / name, rep


def _entries(vault) -> int:
    with vault.session() as s:
        return s.execute(select(func.count()).select_from(LedgerEntry)).scalar_one()


@BOTH_VAULTS
def test_when_a_report_names_only_an_approved_output_then_it_is_a_paid_use_and_the_report_carries_no_file(
        asked, tmp_path):
    vault, talent, _, keys, package, grant, rec, today, files = asked
    png = files["approved"]
    path, rep = _report(keys, package, tmp_path, "r.json", [png], today)
    assert rep["outputs"] == [{"sha256": sha256(png.read_bytes()), "media_type": "image/png"}]
    assert len(path.read_bytes()) < 4096  # the hash and the type, not the image

    result = import_report(vault, path)

    assert not result.violation and result.entry.reasons == [] and result.entry.fee > 0
    assert [(o["sha256"], o["state"], o["request"]) for o in result.entry.outputs] == [
        (sha256(png.read_bytes()), "approved", rec.id)]
    assert get_grant(vault, grant.id).uses == 2  # the export and this use
    st = statement(vault, talent.id)
    assert st.violations == [] and [e.kind for e in st.entries] == ["export", "use"]
    event = [e for e in list_events(vault) if e["subject"] == result.entry.id][0]
    assert event["details"]["outputs"] == [sha256(png.read_bytes())]
    assert not check_vault(vault).problems


@BOTH_VAULTS
def test_when_a_report_names_an_output_never_approved_rejected_or_awaiting_then_the_use_is_a_violation_saying_which(
        asked, tmp_path):
    vault, talent, _, keys, package, grant, rec, today, files = asked
    day = today
    expected = {
        "never": "output {short} was never approved by the talent",
        "rejected": f"output {{short}} was rejected by the talent on {day} (request {rec.id})",
        "waiting": f"output {{short}} was never approved by the talent: request {rec.id} still awaits their decision",
    }
    for n, (which, reason) in enumerate(expected.items()):
        sha = sha256(files[which].read_bytes())
        path, _ = _report(keys, package, tmp_path, f"r{n}.json", [files["approved"], files[which]], today)

        result = import_report(vault, path)

        assert result.violation and result.entry.fee == 0
        assert result.entry.reasons == [reason.format(short=sha[:12] + "…")]
        states = {o["sha256"]: o["state"] for o in result.entry.outputs}
        assert states[sha256(files["approved"].read_bytes())] == "approved"
        assert states[sha] == {"never": "never-approved", "rejected": "rejected", "waiting": "pending"}[which]
    assert get_grant(vault, grant.id).uses == 1  # a violation is recorded, not counted

    st = statement(vault, talent.id)
    assert len(st.violations) == 3 and st.uses == 1
    listed = st.to_json()["entries"][1]["outputs"]  # the statement names each output by its full hash
    never = [o for o in listed if o["state"] == "never-approved"][0]
    assert never == {"sha256": sha256(files["never"].read_bytes()), "media_type": "image/png",
                     "state": "never-approved", "reason": expected["never"].format(short=never["sha256"][:12] + "…"),
                     "request": None}  # never sent: no blob in the vault, no thumbnail
    rejected = [o for o in st.to_json()["entries"][2]["outputs"] if o["state"] == "rejected"][0]
    assert rejected["request"] == rec.id and vault.blobs.read_bytes(rejected["sha256"]) == files["rejected"].read_bytes()
    assert not check_vault(vault).problems


def test_when_an_output_was_approved_for_another_package_then_its_use_under_this_one_is_a_violation(
        asked, tmp_path):
    vault, talent, _, keys, package, grant, rec, today, files = asked
    other = tmp_path / "other.twinpkg"
    other_id = export_package(vault, grant.id, BRAND, other).package_id
    sha = sha256(files["approved"].read_bytes())
    path, _ = _report(keys, other, tmp_path, "r.json", [files["approved"]], today)

    result = import_report(vault, path)

    assert result.violation and result.entry.package_id == other_id
    assert result.entry.reasons == [f"output {sha[:12]}… was approved for package {rec.package_id}, not this one "
                                    f"(request {rec.id})"]
    assert result.entry.outputs[0]["state"] == "approved-elsewhere"


def test_when_an_output_is_used_before_the_talent_approved_it_then_that_use_is_a_violation(asked, tmp_path):
    vault, talent, key, keys, package, grant, rec, today, files = asked
    sha = sha256(files["waiting"].read_bytes())
    later = clock.now() + dt.timedelta(days=2)
    with clock.fixed_at(later):
        decide_outputs(vault, rec.id, key, approve=[sha])  # approved two days after the package was made
        zone = zoneinfo.ZoneInfo(grant.document["timezone"])
        used, approved = (later - dt.timedelta(days=1)).astimezone(zone).date(), later.astimezone(zone).date()
        early, _ = _report(keys, package, tmp_path, "early.json", [files["waiting"]], used.isoformat())
        on_the_day, _ = _report(keys, package, tmp_path, "day.json", [files["waiting"]], approved.isoformat())

        result = import_report(vault, early)
        assert result.violation and result.entry.reasons == [
            f"output {sha[:12]}… was used on {used}, before the talent approved it on {approved} (request {rec.id})"]
        assert not import_report(vault, on_the_day).violation  # from the day of the approval on: a paid use


def test_when_the_catalog_says_approved_but_the_talent_signed_a_rejection_then_it_is_still_a_violation(
        asked, tmp_path):
    """An edited decision column does not clear an output: the talent's signature decides."""
    vault, talent, _, keys, package, grant, rec, today, files = asked
    sha = sha256(files["rejected"].read_bytes())
    from studio.core.vault.catalog import ApprovalOutput
    with vault.session() as s:
        s.get(ApprovalOutput, (rec.id, sha)).decision = "approved"
    path, _ = _report(keys, package, tmp_path, "r.json", [files["rejected"]], today)

    result = import_report(vault, path)

    assert result.violation
    assert result.entry.reasons == [f"output {sha[:12]}… was never approved by the talent: the decision the catalog "
                                    "holds for it does not verify against their signature (altered? run "
                                    "`twin-studio check`)"]


def test_when_a_reports_output_hash_is_changed_or_malformed_then_it_is_refused_and_nothing_changes(asked, tmp_path):
    vault, talent, _, keys, package, grant, rec, today, files = asked
    path, rep = _report(keys, package, tmp_path, "r.json", [files["never"]], today)
    before, rows = snapshot(vault.root), _entries(vault)

    tampered = json.loads(path.read_text())
    tampered["outputs"][0]["sha256"] = sha256(files["approved"].read_bytes())  # claim the approved one
    (tmp_path / "t.json").write_text(json.dumps(tampered))
    with pytest.raises(IntegrityError, match="not signed by"):
        import_report(vault, tmp_path / "t.json")

    for bad, message in (([{"sha256": "AB" * 32, "media_type": "image/png"}], "has no SHA-256"),
                         ([{"sha256": "ab" * 32, "media_type": "model/gltf"}], "no image or audio media type"),
                         ([{"sha256": "ab" * 32, "media_type": "image/png"}] * 2, "twice"),
                         ({"sha256": "ab" * 32}, "not a list")):
        forged = {k: v for k, v in rep.items() if k != "signature"}
        forged["outputs"] = bad
        forged["signature"] = sign(keys.signing_key, forged)  # signed by the brand, and still malformed
        (tmp_path / "m.json").write_text(json.dumps(forged))
        with pytest.raises(InvalidInput, match=message):
            import_report(vault, tmp_path / "m.json")
    assert snapshot(vault.root) == before and _entries(vault) == rows


def test_when_a_brand_names_an_output_that_is_no_image_or_voice_line_then_no_report_is_made(asked, tmp_path):
    vault, talent, _, keys, package, grant, rec, today, files = asked
    (tmp_path / "notes.txt").write_text("not an output")
    with pytest.raises(UnsupportedFormat, match="notes.txt"):
        create_report(package, keys, USE["description"], USE["purpose"], USE["media"], USE["territory"], today, 1,
                      [tmp_path / "notes.txt"])
    with pytest.raises(InvalidInput, match="does not exist"):
        create_report(package, keys, USE["description"], USE["purpose"], USE["media"], USE["territory"], today, 1,
                      [tmp_path / "missing.png"])
