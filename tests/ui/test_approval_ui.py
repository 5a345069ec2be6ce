"""The studio app's side of the approval of each output (issue 14, DR047, DR054): a brand's
request imported through File ▸ Import Approval Request…, the talent approving one output and
rejecting another in review mode (passphrase typed in the dialog), a replayed request refused
with its reason and nothing changed, an own-key talent told they decide on their device, the
answer written for the brand, and the talent's statement listing what they approved. Real
vault, real request made with the brand's keys, real PNG and WAV."""

from __future__ import annotations

import pytest
import shiboken6
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PySide6.QtWidgets import QMessageBox

from studio.core.assets import get_asset
from studio.core.consent.talent_keys import link_own_key
from studio.core.package.approval_brand import apply_response, create_request, write_request
from studio.core.package.approvals import get_request, list_requests
from studio.core.package.export import export_package
from studio.core.talents import get_talent
from studio.core.vault.keys import public_key_b64, public_key_fingerprint
from studio.ui.approval_outputs import OutputsPanel
from studio.ui.review_window import ReviewWindow
from tests.conftest import PASSPHRASE
from tests.core.conftest import TALENT_PASS, _consent_template, world  # noqa: F401 (fixtures)
from tests.core.helpers import BRAND, active_grant, brand, fresh_card_keys
from tests.core.test_approvals import _state
from tests.core.test_credentials import make_png, make_wav

T = 60_000
USE = dict(description="Spring lookbook, look 4", purpose="advertising", media="web", territory="FR")


def _made(world, tmp_path):
    """(vault, talent record, key, the brand's keys, the request file, [png, wav])."""
    vault, talent, key, assets = world
    grant = active_grant(vault, talent, key, assets)
    keys = brand(vault)
    package = tmp_path / "p.twinpkg"
    export_package(vault, grant.id, BRAND, package)
    outputs = [make_png(tmp_path / "look4.png", seed=4, size=(640, 480)), make_wav(tmp_path / "line3.wav")]
    request, _ = create_request(package, keys, outputs, **USE)
    path = tmp_path / "ask.twinrequest"
    write_request(request, path)
    return vault, get_talent(vault, talent.id), key, keys, path, outputs


@pytest.fixture
def studio_window(qtbot, tasks):
    """The studio's main window on a given vault (the app's task manager), closed after the test."""
    from studio.ui.main_window import MainWindow

    made = []

    def make(vault):
        window = MainWindow(vault, tasks)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        made.append(window)
        return window

    yield make
    for w in made:
        if w.isVisible():
            w.close()


def _import(qtbot, window, path) -> QMessageBox:
    window.approval_box = None
    window.import_approval_request(path)
    qtbot.waitUntil(lambda: getattr(window, "approval_box", None) is not None, timeout=T)
    return window.approval_box


def _closed(dialog) -> bool:
    return not shiboken6.isValid(dialog) or not dialog.isVisible()


def _decide(qtbot, panel, row: int, button, note: str, passphrase: str = TALENT_PASS):
    qtbot.waitUntil(lambda: panel.outputs.count() > row, timeout=T)
    panel.outputs.setCurrentRow(row)
    qtbot.waitUntil(lambda: panel.preview is not None and panel.preview.sha256 == panel.current_output().sha256,
                    timeout=T)
    panel.note.setText(note)
    qtbot.waitUntil(button.isEnabled, timeout=T)
    button.click()
    qtbot.waitUntil(lambda: panel.confirm is not None and panel.confirm.isVisible(), timeout=T)
    dialog = panel.confirm
    qtbot.keyClicks(dialog.passphrase, passphrase)
    dialog.confirm_button.click()
    return dialog


def test_when_a_request_is_imported_through_the_window_then_the_talent_approves_one_output_and_rejects_another(
        qtbot, world, studio_window, tasks, tmp_path):
    vault, talent, key, keys, path, (png, wav) = _made(world, tmp_path)
    window = studio_window(vault)
    action = next(a for a in window.menuBar().actions()[0].menu().actions() if "Approval Request" in a.text())
    assert action.isEnabled()
    box = _import(qtbot, window, path)
    (rec,) = list_requests(vault, talent.id)
    assert box.icon() == QMessageBox.Information
    assert f"{BRAND} asks talent {talent.id} to approve 2 output(s) (request {rec.id})" in box.text()
    assert "look4.png (image/png)" in box.text() and "review mode" in box.text()
    box.close()

    review = ReviewWindow(vault, talent, key, tasks)
    qtbot.addWidget(review)
    review.show()
    review.modes.setCurrentWidget(review.outputs)
    panel = review.outputs
    qtbot.waitUntil(lambda: panel.requests.count() == 1, timeout=T)
    assert review.modes.tabText(1) == "Outputs to approve (2)"
    assert BRAND in panel.terms.text() and "Spring lookbook, look 4" in panel.terms.text()
    assert "advertising" in panel.terms.text() and "FR" in panel.terms.text() and rec.grant_id in panel.terms.text()
    assert not panel.own_key_note.isVisible()

    # the image, full size: scaled to fit, then at 100 %
    qtbot.waitUntil(lambda: panel.stack.currentWidget() is panel.image, timeout=T)
    assert (panel.image.image.width(), panel.image.image.height()) == (640, 480)
    panel.actual_size.setChecked(True)
    assert panel.image.shown_size().width() == 640

    dialog = _decide(qtbot, panel, 0, panel.approve_button, "Fine for the web shop", passphrase=PASSPHRASE)
    qtbot.waitUntil(lambda: dialog.banner.level == "error", timeout=T)  # the studio's passphrase signs nothing
    assert dialog.banner.text().startswith("Nothing was signed: wrong passphrase for talent")
    assert get_request(vault, rec.id).outputs[0].decision is None
    assert "I approve the output “look4.png”" in dialog.text.toPlainText()
    assert "Fine for the web shop" in dialog.text.toPlainText()
    qtbot.keyClicks(dialog.passphrase, TALENT_PASS)
    dialog.confirm_button.click()
    qtbot.waitUntil(lambda: _closed(dialog), timeout=T)
    qtbot.waitUntil(lambda: review.modes.tabText(1) == "Outputs to approve (1)", timeout=T)

    # the voice line, in the app's player with its waveform
    qtbot.waitUntil(lambda: panel.current_output() is not None and panel.current_output().name == "line3.wav",
                    timeout=T)
    qtbot.waitUntil(lambda: panel.stack.currentWidget() is panel.voice, timeout=T)
    assert panel.voice.waveform.duration() > 0.4
    dialog = _decide(qtbot, panel, 1, panel.reject_button, "Not my voice on that line")
    qtbot.waitUntil(lambda: _closed(dialog), timeout=T)
    qtbot.waitUntil(lambda: panel.requests.count() == 0 and panel.empty.isVisible(), timeout=T)
    assert review.modes.tabText(1) == "Outputs to approve"

    decided = get_request(vault, rec.id)
    assert [(o.name, o.decision, o.note) for o in decided.outputs] == [
        ("look4.png", "approved", "Fine for the web shop"), ("line3.wav", "rejected", "Not my voice on that line")]

    # the talent's statement (review mode's Uses & fees) lists the approved output, with its thumbnail
    review.tabs.setCurrentWidget(review.ledger)
    review.modes.setCurrentIndex(0)
    qtbot.waitUntil(lambda: review.ledger.approved.count() == 1, timeout=T)
    item = review.ledger.approved.item(0)
    assert BRAND in item.text() and "Spring lookbook, look 4" in item.text()
    assert not item.icon().isNull()
    review.close()

    # the answer for the brand, from the studio window
    answer = tmp_path / "answer.twinapproval"
    window.approval_box = None
    window.respond_to_request(rec.id, answer)
    qtbot.waitUntil(lambda: getattr(window, "approval_box", None) is not None, timeout=T)
    assert "1 approved output(s) with content credentials, 1 rejected" in window.approval_box.text()
    window.approval_box.close()
    applied = apply_response(answer, keys, png, tmp_path / "credentialed.png")
    assert applied.approved and applied.path.exists()


def test_when_a_request_is_imported_twice_then_the_window_says_why_and_nothing_changes(
        qtbot, world, studio_window, tasks, tmp_path):
    vault, talent, key, keys, path, _ = _made(world, tmp_path)
    window = studio_window(vault)
    _import(qtbot, window, path).close()
    scan = world[3][0]  # the window stores the scan's thumbnail as it shows it: a write of its own
    qtbot.waitUntil(lambda: get_asset(vault, scan).file("thumbnail") is not None and tasks.busy == 0, timeout=T)
    before = _state(vault)
    box = _import(qtbot, window, path)
    assert box.icon() == QMessageBox.Warning and box.windowTitle() == "Approval request refused"
    assert box.text().startswith("Nothing was imported:") and "already imported" in box.text()
    box.close()
    assert _state(vault) == before
    assert len(list_requests(vault, talent.id)) == 1


def test_when_the_talent_holds_their_own_key_then_they_are_told_they_decide_on_their_device_and_see_no_buttons(
        qtbot, world, studio_window, tasks, tmp_path):
    vault, talent, key, keys, path, _ = _made(world, tmp_path)
    own = Ed25519PrivateKey.generate()
    _, recipient = fresh_card_keys()
    link_own_key(vault, talent.id, public_key_b64(own.public_key()), recipient,
                 public_key_fingerprint(own.public_key()))
    window = studio_window(vault)
    box = _import(qtbot, window, path)
    assert "holds their own key" in box.text() and "decisions file" in box.text()
    assert "review mode" not in box.text()
    box.close()

    panel = OutputsPanel(vault, tasks, talent)
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitUntil(lambda: panel.loaded and panel.requests.count() == 1, timeout=T)
    assert panel.own_key_note.isVisible()
    assert "holds their own key: the studio cannot decide for them" in panel.own_key_note.text()
    qtbot.waitUntil(lambda: panel.preview is not None, timeout=T)  # they may still see what was sent
    for w in (panel.approve_button, panel.reject_button, panel.note):
        assert not w.isVisible()
    panel.decide("approve")
    assert panel.confirm is None
    assert all(o.decision is None for o in list_requests(vault, talent.id)[0].outputs)
    panel.shutdown()
    panel.close()
