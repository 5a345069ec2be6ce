"""Signing, revoking or declining a grant in review mode is asked once (issue 16 item 3, DR034):
the dialog shows the exact words signed and says the decision is final; only the talent's own
passphrase lets it through; a wrong one or Cancel leaves the grant in the vault as it was."""

from __future__ import annotations

import logging

import shiboken6
from PySide6.QtWidgets import QApplication

from studio.core.consent.document import summary
from studio.core.consent.grants import activate_grant, decline_text, draft_grant, get_grant, revocation_text, sign_grant
from studio.core.consent.talent_keys import set_talent_passphrase, unlock_talent_key
from studio.core.intake import ingest_paths
from studio.core.vault.audit import list_events
from studio.ui.review_window import ReviewWindow
from tests.conftest import PASSPHRASE, TESTDATA

TALENT_PASS = "the talent's own long phrase"
T = 60_000


def _world(vault, talent, active: bool = False):
    set_talent_passphrase(vault, talent.id, TALENT_PASS)
    key = unlock_talent_key(vault, talent.id, TALENT_PASS)
    (r,) = ingest_paths(vault, talent.id, [TESTDATA / "voice" / "vctk_p225_001.wav"])
    g = draft_grant(vault, talent.id, {
        "licensee": "Maison Lumière", "assets": [r.asset_id], "use_description": "Radio spot",
        "purposes": "advertising", "media": "audio", "territories": "FR", "start": "2027-01-01",
        "end": "2027-03-31", "max_uses": 3, "fee": "1200", "currency": "EUR", "notice_days": 21})
    if active:
        g = activate_grant(vault, sign_grant(vault, g.id, key).id)
    return key, g


def _review(qtbot, vault, talent, key, tasks) -> ReviewWindow:
    review = ReviewWindow(vault, talent, key, tasks)
    qtbot.addWidget(review)
    review.show()
    qtbot.waitUntil(lambda: review.grants.rowCount() == 1, timeout=T)
    review.grants.selectRow(0)
    return review


def _ask(qtbot, review, button):
    qtbot.waitUntil(button.isEnabled, timeout=T)
    button.click()
    qtbot.waitUntil(lambda: getattr(review, "confirm", None) is not None and review.confirm.isVisible(), timeout=T)
    return review.confirm


def _confirm_with(qtbot, dialog, passphrase: str) -> None:
    qtbot.keyClicks(dialog.passphrase, passphrase)
    assert dialog.confirm_button.isEnabled()
    dialog.confirm_button.click()


def _actions(vault, grant_id: str) -> list[str]:
    return [e["action"] for e in list_events(vault) if e["subject"] == grant_id]


def test_when_the_talent_signs_then_the_exact_text_is_shown_and_only_their_passphrase_signs_it(
        qtbot, new_vault, talent, tasks, caplog):
    caplog.set_level(logging.DEBUG)
    key, g = _world(new_vault, talent)
    review = _review(qtbot, new_vault, talent, key, tasks)

    dialog = _ask(qtbot, review, review.sign_button)
    assert get_grant(new_vault, g.id).state == "draft", "the click alone signs nothing"
    assert dialog.text.toPlainText() == summary(get_grant(new_vault, g.id).document)
    assert dialog.text.toPlainText().startswith("Maison Lumière may use your voice (1 asset) for: advertising")
    assert "This is final." in dialog.final.text() and dialog.confirm_button.text() == "Sign"
    assert not dialog.confirm_button.isEnabled(), "no passphrase, no signature"

    _confirm_with(qtbot, dialog, PASSPHRASE)  # the studio's passphrase does not open the talent's key
    qtbot.waitUntil(lambda: dialog.banner.level == "error", timeout=T)
    assert dialog.banner.text().startswith("Nothing was signed: wrong passphrase for talent")
    assert dialog.isVisible() and dialog.passphrase.text() == "", "the typed passphrase is not kept"
    now = get_grant(new_vault, g.id)
    assert now.state == "draft" and now.talent_signature is None
    assert _actions(new_vault, g.id) == ["grant.drafted"]

    _confirm_with(qtbot, dialog, TALENT_PASS)
    qtbot.waitUntil(lambda: get_grant(new_vault, g.id).state == "signed", timeout=T)
    qtbot.waitUntil(lambda: _closed(dialog), timeout=T)
    signed = get_grant(new_vault, g.id)
    assert summary(signed.document) == summary(g.document), "what was signed reads as what was shown"
    assert _actions(new_vault, g.id) == ["grant.drafted", "grant.signed"]
    qtbot.waitUntil(lambda: not review.sign_button.isEnabled() and review.revoke_button.isEnabled(), timeout=T)
    assert not [r for r in caplog.records if TALENT_PASS in r.getMessage() or PASSPHRASE in r.getMessage()]
    review.close()


def test_when_the_talent_cancels_then_nothing_changes_and_only_a_confirmed_decline_declines(
        qtbot, new_vault, talent, tasks):
    key, g = _world(new_vault, talent)
    review = _review(qtbot, new_vault, talent, key, tasks)
    for button, text in ((review.sign_button, "Sign"), (review.decline_button, "Decline")):
        dialog = _ask(qtbot, review, button)
        assert dialog.confirm_button.text() == text
        qtbot.keyClicks(dialog.passphrase, TALENT_PASS)
        dialog.buttons.rejected.emit()  # Cancel, with the right passphrase typed
        qtbot.waitUntil(lambda d=dialog: _closed(d), timeout=T)
    dialog = _ask(qtbot, review, review.sign_button)
    _confirm_with(qtbot, dialog, TALENT_PASS)
    dialog.reject()  # Cancel while the key is being unlocked (its result is not delivered yet)
    qtbot.waitUntil(lambda: tasks.busy == 0 and _closed(dialog), timeout=T)
    QApplication.processEvents()
    now = get_grant(new_vault, g.id)
    assert now.state == "draft" and now.talent_signature is None and now.revocation is None
    assert _actions(new_vault, g.id) == ["grant.drafted"]

    review.reason.setText("not this brand")
    dialog = _ask(qtbot, review, review.decline_button)
    assert dialog.text.toPlainText() == decline_text(now, "not this brand")
    assert "can never be signed" in dialog.final.text()
    _confirm_with(qtbot, dialog, TALENT_PASS)
    qtbot.waitUntil(lambda: get_grant(new_vault, g.id).status() == "declined", timeout=T)
    # the commit is seen before the worker hands the result back: the dialog closes on delivery
    qtbot.waitUntil(lambda: _closed(dialog) and review.reason.text() == "", timeout=T)
    assert get_grant(new_vault, g.id).revocation["reason"] == "not this brand"
    review.close()


def test_when_the_talent_revokes_then_the_revocation_and_reason_are_shown_and_their_passphrase_needed(
        qtbot, new_vault, talent, tasks):
    key, g = _world(new_vault, talent, active=True)
    review = _review(qtbot, new_vault, talent, key, tasks)
    review.reason.setText("moving on")

    dialog = _ask(qtbot, review, review.revoke_button)
    shown = dialog.text.toPlainText()
    assert shown == revocation_text(get_grant(new_vault, g.id), "moving on")
    assert "no use is allowed from" in shown and shown.endswith("Your reason: moving on")
    assert "cannot be taken back" in dialog.final.text() and dialog.confirm_button.text() == "Revoke"
    dialog.reject()
    qtbot.waitUntil(lambda: _closed(dialog), timeout=T)
    assert get_grant(new_vault, g.id).revocation is None, "Cancel revokes nothing"

    dialog = _ask(qtbot, review, review.revoke_button)
    _confirm_with(qtbot, dialog, "not the talent's phrase")
    qtbot.waitUntil(lambda: dialog.banner.level == "error", timeout=T)
    assert "wrong passphrase for talent" in dialog.banner.text()
    assert get_grant(new_vault, g.id).revocation is None
    assert "grant.revoked" not in _actions(new_vault, g.id)

    _confirm_with(qtbot, dialog, TALENT_PASS)
    qtbot.waitUntil(lambda: get_grant(new_vault, g.id).revocation is not None, timeout=T)
    revocation = get_grant(new_vault, g.id).revocation
    assert revocation["reason"] == "moving on" and f"from {revocation['effective']} on" in shown
    qtbot.waitUntil(lambda: review.reason.text() == "", timeout=T)
    assert _actions(new_vault, g.id).count("grant.revoked") == 1
    review.close()


def _closed(dialog) -> bool:
    """Closed (and, being deleted on close, perhaps gone already)."""
    return not shiboken6.isValid(dialog) or not dialog.isVisible()
