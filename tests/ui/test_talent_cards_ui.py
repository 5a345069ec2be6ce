"""A talent's card registered from the app (DR045): *Add talent from card…* shows the card's name
and fingerprint and adds a talent who holds their own key; *Link talent's own key…* switches a
studio-held talent and says that the studio's copy of the key is destroyed; a bad card and a
card naming someone else are failed actions that change nothing. The talents list says who
holds each key."""

from __future__ import annotations

import json

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox

from studio.core.consent.talent_keys import has_key, key_holder, set_talent_passphrase
from studio.core.talent_identity import CARD_FILE, TalentCard, keygen_talent
from studio.core.talents import list_talents

T = 30_000
OWN_PASS = "a phrase only I know, on my laptop"
TALENT_PASS = "the talent's studio passphrase"


def _failure_box(qtbot, start) -> tuple[str, str]:
    """Run ``start`` and wait for the window's error display (a modal message box, shown by a
    nested event loop); read its title and text and close it."""
    seen: list[tuple[str, str]] = []

    def poll() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox):
            seen.append((box.windowTitle(), box.text()))
            box.close()
        elif not seen:
            QTimer.singleShot(20, poll)

    QTimer.singleShot(20, poll)
    start()
    qtbot.waitUntil(lambda: bool(seen), timeout=T)
    return seen[0]


def _tooltip(window, talent_id: str) -> str:
    items = [window.talents.list.item(i) for i in range(window.talents.list.count())]
    return next(i.toolTip() for i in items if i.toolTip().startswith(talent_id))


def test_when_a_card_is_added_in_the_app_then_the_talent_holds_their_own_key(qtbot, make_window, new_vault,
                                                                            tmp_path):
    card = keygen_talent(tmp_path / "laptop", "Ines Duarte", OWN_PASS)
    window = make_window()
    qtbot.waitUntil(lambda: not window.tasks.busy, timeout=T)

    # an altered card: the error display says so, nothing is added
    data = json.loads((tmp_path / "laptop" / CARD_FILE).read_text())
    altered = tmp_path / "altered.json"
    altered.write_text(json.dumps(dict(data, fingerprint="SHA256:" + "ab" * 32)))
    title, text = _failure_box(qtbot, lambda: window.talents.add_talent_from_card(altered))
    assert title == "Add talent from card failed" and "fingerprint is not its key's" in text
    assert getattr(window.talents, "card_dialog", None) is None and list_talents(new_vault) == []

    window.talents.add_talent_from_card(tmp_path / "laptop" / CARD_FILE)
    qtbot.waitUntil(lambda: getattr(window.talents, "card_dialog", None) is not None, timeout=T)
    dialog = window.talents.card_dialog
    assert dialog.name_label.text() == "Ines Duarte"
    assert dialog.fingerprint_label.text() == card.fingerprint, "the operator compares it with the talent's device"
    assert dialog.buttons.button(QDialogButtonBox.Ok).text() == "Add talent"
    qtbot.keyClicks(dialog.agency, "Northside Models")
    dialog.buttons.button(QDialogButtonBox.Ok).click()
    qtbot.waitUntil(lambda: window.talent is not None and window.talent.name == "Ines Duarte", timeout=T)
    (added,) = list_talents(new_vault)
    assert added.agency == "Northside Models" and key_holder(new_vault, added.id) == "talent"
    assert not has_key(new_vault, added.id), "the studio holds no private key of theirs"
    qtbot.waitUntil(lambda: window.talent.key_holder == "talent", timeout=T)
    assert _tooltip(window, added.id).endswith("Key: on their own device")


def test_when_a_studio_held_talent_links_their_card_in_the_app_then_the_studios_key_is_destroyed(
        qtbot, make_window, new_vault, talent, tmp_path):
    set_talent_passphrase(new_vault, talent.id, TALENT_PASS)
    card = keygen_talent(tmp_path / "laptop", talent.name, OWN_PASS)
    window = make_window()
    qtbot.waitUntil(lambda: window.talent is not None and window.talent.key_holder == "studio", timeout=T)
    assert _tooltip(window, talent.id).endswith("Key: held by the studio, under their passphrase")

    # a card naming someone else (a valid card: its own key and fingerprint): refused before any question
    other = tmp_path / "other.json"
    other.write_text(json.dumps(TalentCard("Grace Hopper", card.verify_key, card.recipient).to_json()))
    title, text = _failure_box(qtbot, lambda: window.link_talent_key(other))
    assert title == "Link talent's own key failed" and "is it the right card?" in text
    assert getattr(window, "card_dialog", None) is None and key_holder(new_vault, talent.id) == "studio"

    window.link_talent_key(tmp_path / "laptop" / CARD_FILE)
    qtbot.waitUntil(lambda: getattr(window, "card_dialog", None) is not None, timeout=T)
    dialog = window.card_dialog
    assert dialog.fingerprint_label.text() == card.fingerprint
    assert "copy of Ada Lovelace's key is destroyed" in dialog.consequence.text() and dialog.consequence.isVisible()
    assert dialog.buttons.button(QDialogButtonBox.Ok).text() == "Link key"
    dialog.buttons.button(QDialogButtonBox.Ok).click()
    qtbot.waitUntil(lambda: dialog.linked is not None, timeout=T)
    assert dialog.linked.destroyed_studio_key and dialog.linked.fingerprint == card.fingerprint
    assert key_holder(new_vault, talent.id) == "talent" and not has_key(new_vault, talent.id)
    qtbot.waitUntil(lambda: window.talent is not None and window.talent.key_holder == "talent", timeout=T)
    assert _tooltip(window, talent.id).endswith("Key: on their own device")

    # the same card again: refused by the write, after the question; the dialog goes, the error shows
    window.card_dialog = None
    window.link_talent_key(tmp_path / "laptop" / CARD_FILE)
    qtbot.waitUntil(lambda: window.card_dialog is not None, timeout=T)
    again = window.card_dialog
    assert "retired" in again.consequence.text(), "a card over a card: the key held until now is retired"
    title, text = _failure_box(qtbot, again.buttons.button(QDialogButtonBox.Ok).click)
    assert title == "Link talent's own key failed" and "already holds this key" in text
    assert again.linked is None and key_holder(new_vault, talent.id) == "talent"
