"""Pause exports… / Resume exports… on the Consent tab (issue 13, DR050): asked as a grant's
signature is, with the talent's own passphrase; a wrong one changes nothing; the Paused badge
follows what the vault holds."""

from __future__ import annotations

import pytest
import shiboken6

from studio.core.consent.grants import activate_grant, draft_grant, sign_grant
from studio.core.consent.pause import active_pause
from studio.core.consent.review import review_asset
from studio.core.consent.talent_keys import set_talent_passphrase, unlock_talent_key
from studio.core.errors import ExportsPaused
from studio.core.intake import ingest_paths
from studio.core.package.export import plan_export
from tests.conftest import TESTDATA
from tests.core.helpers import BRAND, brand, grant_fields

TALENT_PASS = "the talent's own long phrase"
T = 60_000


def _ask(qtbot, panel, button):
    qtbot.waitUntil(button.isEnabled, timeout=T)
    button.click()
    qtbot.waitUntil(lambda: getattr(panel, "confirm", None) is not None and panel.confirm.isVisible(), timeout=T)
    return panel.confirm


def _closed(dialog) -> bool:
    return not shiboken6.isValid(dialog) or not dialog.isVisible()  # closed: hidden, or already deleted


def _confirm_with(qtbot, dialog, passphrase: str) -> None:
    qtbot.keyClicks(dialog.passphrase, passphrase)
    assert dialog.confirm_button.isEnabled()
    dialog.confirm_button.click()


def test_when_the_talent_pauses_and_resumes_on_the_consent_tab_then_only_their_passphrase_signs(
        qtbot, make_window, new_vault, talent):
    set_talent_passphrase(new_vault, talent.id, TALENT_PASS)
    key = unlock_talent_key(new_vault, talent.id, TALENT_PASS)
    (r,) = ingest_paths(new_vault, talent.id, [TESTDATA / "voice" / "vctk_p225_001.wav"])
    review_asset(new_vault, r.asset_id, "approve", key)
    g = draft_grant(new_vault, talent.id, grant_fields([r.asset_id]))
    activate_grant(new_vault, sign_grant(new_vault, g.id, key).id)
    brand(new_vault)
    window = make_window()
    qtbot.waitUntil(lambda: window.talent is not None, timeout=T)
    window.middle.setCurrentWidget(window.consent)
    panel = window.consent
    qtbot.waitUntil(lambda: panel.table.rowCount() == 1, timeout=T)
    assert not panel.paused_badge.isVisible() and not panel.resume_button.isEnabled()

    dialog = _ask(qtbot, panel, panel.pause_button)
    assert dialog.scope.count() == 2 and dialog.grant_id is None  # all exports, or only this grant
    assert "Packages already delivered to brands are not affected" in dialog.text.toPlainText()
    _confirm_with(qtbot, dialog, "not the talent's phrase")
    qtbot.waitUntil(lambda: "Nothing was signed" in dialog.banner.text(), timeout=T)
    assert dialog.isVisible() and active_pause(new_vault, talent.id) is None
    _confirm_with(qtbot, dialog, TALENT_PASS)
    qtbot.waitUntil(lambda: _closed(dialog), timeout=T)

    qtbot.waitUntil(panel.paused_badge.isVisible, timeout=T)
    assert panel.paused_badge.text() == "Paused"
    since = active_pause(new_vault, talent.id).paused_at
    assert since in panel.paused_badge.toolTip()
    with pytest.raises(ExportsPaused):
        plan_export(new_vault, g.id, BRAND)

    dialog = _ask(qtbot, panel, panel.resume_button)
    assert dialog.scope.count() == 1 and since in dialog.scope.currentText()
    _confirm_with(qtbot, dialog, TALENT_PASS)
    qtbot.waitUntil(lambda: not panel.paused_badge.isVisible(), timeout=T)
    assert active_pause(new_vault, talent.id) is None
    assert plan_export(new_vault, g.id, BRAND).grant.id == g.id


def test_when_the_talent_holds_their_own_key_then_the_tab_offers_no_pause_here(qtbot, make_window, new_vault, talent):
    import pyrage
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from studio.core.consent.talent_keys import link_own_key
    from studio.core.vault.keys import public_key_b64, public_key_fingerprint

    own = Ed25519PrivateKey.generate()
    link_own_key(new_vault, talent.id, public_key_b64(own.public_key()),
                 str(pyrage.x25519.Identity.generate().to_public()), public_key_fingerprint(own.public_key()))
    window = make_window()
    qtbot.waitUntil(lambda: window.talent is not None, timeout=T)
    window.middle.setCurrentWidget(window.consent)
    panel = window.consent
    qtbot.waitUntil(lambda: panel.key_holder == "talent", timeout=T)
    assert not panel.pause_button.isEnabled() and not panel.resume_button.isEnabled()
    assert "own device" in panel.pause_button.toolTip()
