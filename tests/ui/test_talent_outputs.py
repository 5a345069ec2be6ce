"""The talent's window approves and rejects a brand's outputs carried by their review kit (DR053):
the PNG shown full size, the WAV in the voice player, Approve / Reject feeding *Your decisions*,
saved and imported by the studio as the talent's signed decisions on the request."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QDialogButtonBox

from studio.core.kits.decisions import import_decisions
from studio.core.kits.export import export_review_kit
from studio.core.kits.talent_side import Choices, decide, show_kit
from studio.core.package.approval_brand import create_request, write_request
from studio.core.package.approval_files import sha256
from studio.core.package.approvals import get_request, import_request
from studio.core.package.export import export_package
from tests.core.helpers import BRAND, brand
from tests.core.test_credentials import make_png, make_wav
from tests.ui.test_talent_window import T, kit_world, talent_window  # noqa: F401 (fixtures)

USE = dict(description="Spring lookbook, look 4", purpose="advertising", media="web", territory="FR")


@pytest.fixture
def outputs_kit(kit_world, tmp_path):
    """kit_world's talent (their own key, grant A active) with a brand's request for a PNG and a WAV
    imported, and a kit made after it: (vault, talent, me, side, kit, png, wav, request id)."""
    vault, talent, me, side, _kit, ids = kit_world
    keys = brand(vault)
    export_package(vault, ids["A"], BRAND, tmp_path / "p.twinpkg")
    png, wav = make_png(tmp_path / "look4.png", seed=4, size=(320, 200)), make_wav(tmp_path / "line3.wav")
    request, _ = create_request(tmp_path / "p.twinpkg", keys, [png, wav], **USE)
    write_request(request, tmp_path / "ask.twinrequest")
    rec = import_request(vault, tmp_path / "ask.twinrequest")
    kit = side / "kit3.twinreview"
    export_review_kit(vault, talent.id, kit)
    return vault, talent, me, side, kit, png, wav, rec.id


def test_when_the_talent_approves_an_output_in_their_window_then_the_studio_imports_it_as_theirs(
        qtbot, outputs_kit, talent_window, tmp_path):  # noqa: F811 (fixture)
    vault, talent, me, side, kit, png, wav, rid = outputs_kit
    window = talent_window(me, side)
    window.open_kit(kit)
    qtbot.waitUntil(lambda: window.shown is not None, timeout=T)
    if window.current_asset()["kind"] != "voice":  # the first asset's preview drawn before we look elsewhere
        qtbot.waitUntil(lambda: window.scan.viewport.image is not None or window.scan.viewport.error is not None,
                        timeout=T)
    window.tabs.setCurrentIndex(window.outputs_tab)
    assert window.outputs.count() == 2 and "(2)" in window.tabs.tabText(window.outputs_tab)
    assert not window.approve_output_button.isEnabled()

    window.outputs.setCurrentRow(0)  # the PNG, full size in the middle
    assert window.stack.currentWidget() is window.image
    assert (window.image.original.width(), window.image.original.height()) == (320, 200)
    assert BRAND in window.output_info.text() and USE["description"] in window.output_info.text()
    assert window.name.text() == "look4.png"
    assert not window.approve_button.isEnabled()  # the asset buttons do not act on an output
    window.approve_output_button.click()
    assert [(p.kind, p.subject) for p in window.pending] == [("approve_output", sha256(png.read_bytes()))]
    assert "you approve" in window.outputs.item(0).text()

    window.outputs.setCurrentRow(1)  # the WAV, in the window's voice player, from memory
    assert window.stack.currentWidget() is window.voice
    qtbot.waitUntil(lambda: window.voice.play_button.isEnabled(), timeout=T)
    window.reject_output_button.click()
    qtbot.waitUntil(lambda: window.reason_dialog is not None and window.reason_dialog.isVisible(), timeout=T)
    window.reason_dialog.reason.setText("not my voice")
    window.reason_dialog.buttons.button(QDialogButtonBox.Ok).click()
    qtbot.waitUntil(lambda: window.reason_dialog is None, timeout=T)
    assert window.decisions.count() == 2 and "not my voice" in window.decisions_reason.text()

    out = tmp_path / "outputs.twindecisions"
    window.save_to(out)
    qtbot.waitUntil(lambda: window.saved_path == out, timeout=T)
    assert window.decisions.count() == 0

    done = import_decisions(vault, out)  # the studio's side
    assert [k for k, _ in done.applied] == ["approve_output", "reject_output"]
    assert [(o.decision, o.note) for o in get_request(vault, rid).outputs] == [("approved", None),
                                                                               ("rejected", "not my voice")]


def test_when_the_studio_imports_output_decisions_then_its_window_lists_them(qtbot, outputs_kit, make_window,
                                                                              tmp_path):
    vault, talent, me, side, kit, png, wav, rid = outputs_kit
    png_sha, wav_sha = sha256(png.read_bytes()), sha256(wav.read_bytes())
    out = tmp_path / "d.twindecisions"
    decide(show_kit(kit, me, side), me, Choices(approve_output=(png_sha,), reject_output=(wav_sha,), reason="no"), out)
    window = make_window(vault)
    window.import_decisions(out)
    qtbot.waitUntil(lambda: getattr(window, "decisions_box", None) is not None, timeout=T)
    text = window.decisions_box.text()
    assert "2 decision(s)" in text and f"approved output {rid}:{png_sha}" in text
    assert f"rejected output {rid}:{wav_sha}" in text
    window.decisions_box.close()
    assert [o.decision for o in get_request(vault, rid).outputs] == ["approved", "rejected"]
