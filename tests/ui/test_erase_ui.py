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

    assert dialog.result_erasure is not None and dialog.result_erasure.removed > 0
    assert get_talent(new_vault, talent.id).name == "(erased)"
    qtbot.waitUntil(lambda: not window.erase_action.isEnabled(), timeout=T)
    assert check_vault(new_vault).ok
