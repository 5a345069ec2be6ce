"""The app and a talent who holds their own key (DR045): *Talent's passphrase…* shows who holds
the key and its fingerprint, with nothing that sets or uses a passphrase; review mode asks for
no passphrase and does not open; a studio-held talent is told the own key is recommended."""

from __future__ import annotations

from PySide6.QtWidgets import QDialogButtonBox

from studio.core.talent_identity import add_talent_with_card, keygen_talent
from studio.core.consent.talent_keys import key_holder

T = 30_000
OWN_PASS = "a phrase only I know, on my laptop"


def test_when_a_talent_holds_their_own_key_then_the_app_shows_it_and_offers_no_signing(qtbot, make_window,
                                                                                       new_vault, tmp_path):
    card = keygen_talent(tmp_path / "keys", "Ada Lovelace", OWN_PASS)
    talent = add_talent_with_card(new_vault, card)
    window = make_window()
    qtbot.waitUntil(lambda: window.talent is not None and window.talent.id == talent.id, timeout=T)

    window.talent_passphrase()
    qtbot.waitUntil(lambda: getattr(window, "passphrase_dialog", None) is not None, timeout=T)
    d = window.passphrase_dialog
    assert d.own_key and not d.has_key
    assert d.fingerprint_label.text() == card.fingerprint
    assert not hasattr(d, "new"), "no passphrase field for a key the studio does not hold"
    assert d.buttons.standardButtons() == QDialogButtonBox.Close
    assert d.windowTitle() == "Ada Lovelace's key"
    d.close()

    window.review_as_talent()
    unlock = window.review
    qtbot.waitUntil(lambda: unlock.own_key, timeout=T)
    assert "holds their own key" in unlock.text.text()
    assert not unlock.passphrase.isVisible() and not unlock.buttons.button(QDialogButtonBox.Ok).isVisible()
    assert getattr(unlock, "review_window", None) is None
    unlock.close()
    assert key_holder(new_vault, talent.id) == "talent"


def test_when_the_studio_holds_a_talents_key_then_the_dialog_recommends_their_own(qtbot, make_window, new_vault,
                                                                                  talent):
    window = make_window()
    qtbot.waitUntil(lambda: window.talent is not None, timeout=T)
    window.talent_passphrase()
    qtbot.waitUntil(lambda: getattr(window, "passphrase_dialog", None) is not None, timeout=T)
    d = window.passphrase_dialog
    assert not d.own_key and d.new.isVisible()
    assert "keygen" in d.advice.text() and d.advice.isVisible()
    d.close()
    window.review_as_talent()
    unlock = window.review
    qtbot.waitUntil(lambda: unlock.holder != "unknown", timeout=T)
    assert unlock.holder is None and not unlock.own_key and unlock.passphrase.isVisible()
