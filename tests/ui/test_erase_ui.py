"""*Erase talent…* (issue 13, DR055): enabled only for a talent who asked by a signed request; the
dialog says what is destroyed, erases only once the talent's id is typed, off the GUI thread."""

from __future__ import annotations

import shiboken6

from studio.core.check import check_vault
from studio.core.consent.talent_keys import set_talent_passphrase, unlock_talent_key
from studio.core.erasure import request_erasure_with_key
from studio.core.intake import ingest_paths
from studio.core.talents import get_talent
from tests.conftest import TESTDATA

TALENT_PASS = "the talent's own long phrase"
T = 60_000


def test_when_the_talent_asked_then_erase_talent_erases_after_the_id_is_typed(qtbot, make_window, new_vault, talent):
    (r,) = ingest_paths(new_vault, talent.id, [TESTDATA / "voice" / "vctk_p225_001.wav"])
    window = make_window()
    qtbot.waitUntil(lambda: window.talent is not None, timeout=T)
    qtbot.wait(300)  # the request is looked for on a worker: none yet
    assert not window.erase_action.isEnabled()

    set_talent_passphrase(new_vault, talent.id, TALENT_PASS)
    request_erasure_with_key(new_vault, talent.id, unlock_talent_key(new_vault, talent.id, TALENT_PASS))
    window._update_erase_action()
    qtbot.waitUntil(window.erase_action.isEnabled, timeout=T)
    window.erase_action.trigger()
    qtbot.waitUntil(lambda: getattr(window, "erase_dialog", None) is not None and window.erase_dialog.isVisible(),
                    timeout=T)
    dialog = window.erase_dialog
    assert "1 asset(s)" in dialog.text.toPlainText() and "likeness key" in dialog.text.toPlainText()
    assert not dialog.confirm_button.isEnabled()
    qtbot.keyClicks(dialog.typed, "tal_not_them")
    assert not dialog.confirm_button.isEnabled()
    dialog.typed.clear()
    qtbot.keyClicks(dialog.typed, talent.id)
    assert dialog.confirm_button.isEnabled()
    dialog.confirm_button.click()
    qtbot.waitUntil(lambda: not shiboken6.isValid(dialog) or not dialog.isVisible(), timeout=T)
    qtbot.waitUntil(lambda: getattr(window, "receipt_dialog", None) is not None, timeout=T)  # offered
    window.receipt_dialog.reject()  # not now: Talent ▸ Save Erasure Receipt… later

    assert dialog.result_erasure is not None and dialog.result_erasure.removed > 0
    assert get_talent(new_vault, talent.id).name == "(erased)"
    qtbot.waitUntil(lambda: not window.erase_action.isEnabled(), timeout=T)
    assert check_vault(new_vault).ok


def test_when_the_talent_asks_in_review_mode_then_the_studio_erases_and_saves_a_receipt_that_verifies(
        qtbot, make_window, new_vault, talent, tmp_path):
    from PySide6.QtWidgets import QLineEdit

    from studio.core.erasure import erasure_status
    from studio.core.kits.receipts import verify_receipt
    from studio.ui.review_window import ReviewWindow

    ingest_paths(new_vault, talent.id, [TESTDATA / "voice" / "vctk_p225_001.wav"])
    set_talent_passphrase(new_vault, talent.id, TALENT_PASS)
    key = unlock_talent_key(new_vault, talent.id, TALENT_PASS)
    window = make_window()
    qtbot.waitUntil(lambda: window.talent is not None, timeout=T)
    review = ReviewWindow(new_vault, talent, key, window.tasks, window)
    qtbot.addWidget(review)
    review.show()
    qtbot.waitUntil(review.erasure_button.isEnabled, timeout=T)

    review.erasure_button.click()
    dialog = review.erasure_dialog
    assert "likeness key" in dialog.text.toPlainText() and "not recalled" in dialog.text.toPlainText()
    qtbot.keyClicks(dialog.passphrase, "not the talent's phrase")
    dialog.confirm_button.click()
    qtbot.waitUntil(lambda: "Nothing was signed" in dialog.banner.text(), timeout=T)
    assert dialog.isVisible() and erasure_status(new_vault, talent.id) is None  # a wrong passphrase signs nothing
    assert not window.erase_action.isEnabled()
    qtbot.keyClicks(dialog.passphrase, TALENT_PASS)
    dialog.confirm_button.click()
    qtbot.waitUntil(lambda: not shiboken6.isValid(dialog) or not dialog.isVisible(), timeout=T)
    assert erasure_status(new_vault, talent.id) == "requested"
    qtbot.waitUntil(lambda: not review.erasure_button.isEnabled(), timeout=T)  # asked once
    qtbot.waitUntil(window.erase_action.isEnabled, timeout=T)  # the studio's Erase talent… follows
    review.close()

    window.erase_action.trigger()
    qtbot.waitUntil(lambda: getattr(window, "erase_dialog", None) is not None and window.erase_dialog.isVisible(),
                    timeout=T)
    qtbot.keyClicks(window.erase_dialog.typed, talent.id)
    window.erase_dialog.confirm_button.click()
    qtbot.waitUntil(lambda: getattr(window, "receipt_dialog", None) is not None, timeout=T)  # offered at once
    saved = tmp_path / "erasure.json"
    qtbot.waitUntil(window.receipt_dialog.isVisible, timeout=T)
    name = window.receipt_dialog.findChild(QLineEdit, "fileNameEdit")  # the picker's field, as typed
    name.setText(str(saved))
    assert window.receipt_dialog.selectedFiles() == [str(saved)]
    window.receipt_dialog.accept()
    qtbot.waitUntil(lambda: getattr(window, "receipt_saved", None) is not None
                    or getattr(window, "receipt_box", None) is not None, timeout=T)
    assert getattr(window, "receipt_box", None) is None, window.receipt_box.text()
    assert window.receipt_saved == saved
    receipt = verify_receipt(saved, new_vault.studio_signing_key().public_key()).receipt
    assert receipt["talent"] == talent.id and receipt["type"] == "twin-studio/erasure-receipt"
    qtbot.waitUntil(window.receipt_action.isEnabled, timeout=T)
    assert not window.erase_action.isEnabled()

    before = saved.read_bytes()
    window.save_erasure_receipt(talent.id, saved)  # Talent ▸ Save Erasure Receipt… onto the same file
    qtbot.waitUntil(lambda: getattr(window, "receipt_box", None) is not None, timeout=T)
    assert "already exists" in window.receipt_box.text() and saved.read_bytes() == before
    window.receipt_box.close()
