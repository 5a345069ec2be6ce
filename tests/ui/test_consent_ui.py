"""The Consent tab and review mode through the real widgets: the studio drafts a grant in the
editor, the talent unlocks review mode with their own passphrase, approves an asset and signs."""

from __future__ import annotations

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from studio.core.assets import get_asset
from studio.core.consent.grants import draft_grant, get_grant
from studio.core.consent.review import review_asset
from studio.core.consent.talent_keys import set_talent_passphrase, unlock_talent_key
from studio.core.intake import ingest_paths
from studio.core.check import check_vault
from tests.conftest import TESTDATA

TALENT_PASS = "the talent's own long phrase"
T = 30_000


def _tick(box, keys) -> None:
    for i in range(box.count()):
        if box.item(i).data(Qt.UserRole) in keys:
            box.item(i).setCheckState(Qt.Checked)


def test_when_the_studio_drafts_in_the_editor_then_validation_and_summary_follow_the_fields(qtbot, make_window,
                                                                                          new_vault, talent):
    (r,) = ingest_paths(new_vault, talent.id, [TESTDATA / "voice" / "vctk_p225_001.wav"])
    set_talent_passphrase(new_vault, talent.id, TALENT_PASS)
    # the editor offers only the assets the talent approved
    review_asset(new_vault, r.asset_id, "approve", unlock_talent_key(new_vault, talent.id, TALENT_PASS))
    window = make_window()
    qtbot.waitUntil(lambda: window.talent is not None, timeout=T)
    window.middle.setCurrentWidget(window.consent)
    window.consent.new_button.click()
    qtbot.waitUntil(lambda: getattr(window.consent, "editor", None) is not None and window.consent.editor.isVisible(),
                    timeout=T)
    editor = window.consent.editor
    save = editor.buttons.button(QDialogButtonBox.Save)
    qtbot.waitUntil(lambda: editor.banner.isVisible(), timeout=T)
    assert not save.isEnabled() and "at least one asset" in editor.banner.text()
    editor.licensee.setText("Maison Lumière")  # (QTest types ASCII only)
    editor.description.setPlainText("Spring campaign voice-over")
    _tick(editor.assets, {r.asset_id})
    _tick(editor.purposes, {"advertising"})
    _tick(editor.media, {"audio", "web"})
    _tick(editor.territories, {"FR", "BE"})
    _tick(editor.excluded, {"political"})
    editor.start.setDate(QDate(2027, 1, 1))
    editor.end.setDate(QDate(2026, 12, 1))
    qtbot.waitUntil(lambda: "before the start date" in editor.banner.text(), timeout=T)
    editor.end.setDate(QDate(2027, 3, 31))
    editor.fee.setText("900")
    qtbot.waitUntil(lambda: save.isEnabled(), timeout=T)
    assert "Maison Lumière may use your voice" in editor.summary.text()
    assert "Never for: political or campaign content" in editor.summary.text()
    save.click()
    qtbot.waitUntil(lambda: window.consent.table.rowCount() == 1, timeout=T)
    g = window.consent.table.current()
    assert g.state == "draft" and g.document["territories"] == ["BE", "FR"]
    assert "Maison Lumière" in window.consent.summary.text()
    assert window.consent.edit_button.isEnabled() and not window.consent.activate_button.isEnabled()


def test_when_the_talent_reviews_then_only_their_passphrase_opens_it_and_their_decisions_are_signed(
        qtbot, make_window, new_vault, talent):
    set_talent_passphrase(new_vault, talent.id, TALENT_PASS)
    (r,) = ingest_paths(new_vault, talent.id, [TESTDATA / "scans" / "stanford-bunny.obj"])
    g = draft_grant(new_vault, talent.id, {
        "licensee": "Maison Lumière", "assets": [r.asset_id], "use_description": "Lookbook", "purposes": "e-commerce",
        "media": "web", "territories": "FR", "start": "2027-01-01", "end": "2027-03-31", "max_uses": 3,
        "fee": "1200", "currency": "EUR"})
    window = make_window()
    qtbot.waitUntil(lambda: window.talent is not None, timeout=T)
    window.review_as_talent()
    unlock = window.review
    qtbot.keyClicks(unlock.passphrase, "correct horse battery staple")  # the studio's passphrase
    unlock.buttons.button(QDialogButtonBox.Ok).click()
    qtbot.waitUntil(lambda: unlock.banner.isVisible(), timeout=T)
    assert "wrong passphrase for talent" in unlock.banner.text()
    unlock.passphrase.clear()
    qtbot.keyClicks(unlock.passphrase, TALENT_PASS)
    unlock.buttons.button(QDialogButtonBox.Ok).click()
    qtbot.waitUntil(lambda: getattr(unlock, "review_window", None) is not None, timeout=T)
    review = unlock.review_window
    qtbot.waitUntil(lambda: review.assets.count() == 1 and review.grants.rowCount() == 1, timeout=T)
    assert "Lookbook" in review.grant_summary.text()
    assert review.grants.item(0, 6).text() == "1200.00 EUR per use"  # the fee with its basis (DR033)

    review.note.setText("fine by me")
    review.approve_button.click()
    qtbot.waitUntil(lambda: get_asset(new_vault, r.asset_id).status == "approved", timeout=T)
    review.grants.selectRow(0)
    review.sign_button.click()  # asked once, with the talent's passphrase (tests/ui/test_confirm_decision.py)
    qtbot.keyClicks(review.confirm.passphrase, TALENT_PASS)
    review.confirm.confirm_button.click()
    qtbot.waitUntil(lambda: get_grant(new_vault, g.id).state == "signed", timeout=T)
    qtbot.waitUntil(lambda: any("grant signed" in review.history.text(i) and "by you" in
                                review.history.text(i) for i in range(review.history.count())), timeout=T)
    assert any(review.history.text(i).startswith("approved — stanford-bunny.obj\n") and
               review.history.text(i).endswith("by you · “fine by me”") for i in range(review.history.count()))
    review.close()
    qtbot.waitUntil(lambda: not review.isVisible(), timeout=T)
    assert review.key is None, "leaving review mode drops the unlocked key"
    assert not check_vault(new_vault).problems
    QApplication.processEvents()


def test_when_the_talent_sets_then_changes_their_passphrase_in_the_app_then_only_the_new_one_unlocks(
        qtbot, make_window, new_vault, talent):
    from studio.core.consent.talent_keys import talent_public_key, unlock_talent_key
    from studio.core.errors import WrongPassphrase
    import pytest

    window = make_window()
    qtbot.waitUntil(lambda: window.talent is not None, timeout=T)
    window.talent_passphrase()
    qtbot.waitUntil(lambda: getattr(window, "passphrase_dialog", None) is not None, timeout=T)
    d = window.passphrase_dialog
    assert not d.has_key
    d.new.setText(TALENT_PASS)
    d.repeat.setText(TALENT_PASS)
    d.buttons.button(QDialogButtonBox.Ok).click()
    qtbot.waitUntil(lambda: talent_public_key(new_vault, talent.id) is not None, timeout=T)
    first = talent_public_key(new_vault, talent.id)
    window.passphrase_dialog = None
    window.talent_passphrase()
    qtbot.waitUntil(lambda: getattr(window, "passphrase_dialog", None) is not None, timeout=T)
    d = window.passphrase_dialog
    assert d.has_key
    d.current.setText("not the current one")
    d.new.setText("a brand new phrase")
    d.repeat.setText("a brand new phrase")
    d.buttons.button(QDialogButtonBox.Ok).click()
    qtbot.waitUntil(lambda: d.banner.isVisible(), timeout=T)
    assert "wrong passphrase for talent" in d.banner.text()
    d.current.setText(TALENT_PASS)
    d.buttons.button(QDialogButtonBox.Ok).click()
    # done (the dialog closes) or failed (its buttons come back): no key derivation is polled
    # on the GUI thread meanwhile
    import shiboken6

    def closed() -> bool:
        return not shiboken6.isValid(d) or not d.isVisible()

    qtbot.waitUntil(lambda: closed() or d.buttons.isEnabled(), timeout=T)
    assert closed(), d.banner.text()
    assert unlock_ok(new_vault, talent.id, "a brand new phrase")
    assert talent_public_key(new_vault, talent.id) == first
    with pytest.raises(WrongPassphrase):
        unlock_talent_key(new_vault, talent.id, TALENT_PASS)


def unlock_ok(vault, talent_id: str, passphrase: str) -> bool:
    from studio.core.consent.talent_keys import unlock_talent_key
    from studio.core.errors import WrongPassphrase

    try:
        unlock_talent_key(vault, talent_id, passphrase)
        return True
    except WrongPassphrase:
        return False
