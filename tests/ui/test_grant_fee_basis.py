"""The grant editor's fee basis: per use, flat, or per use capped at a total the operator types;
what the talent will sign follows it, and a capped fee without its cap cannot be saved (DR033)."""

from __future__ import annotations

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QDialogButtonBox

from studio.core.assets import get_asset
from studio.core.consent.grants import get_grant
from studio.core.consent.review import review_asset
from studio.core.consent.talent_keys import set_talent_passphrase, unlock_talent_key
from studio.core.intake import ingest_paths
from studio.ui.grant_editor import GrantEditor
from tests.conftest import TESTDATA

T = 30_000


def _tick(box, keys) -> None:
    for i in range(box.count()):
        if box.item(i).data(Qt.UserRole) in keys:
            box.item(i).setCheckState(Qt.Checked)


def _choose(editor, basis: str) -> None:
    editor.fee_basis.setCurrentIndex(editor.fee_basis.findData(basis))


def test_when_the_operator_picks_a_fee_basis_then_the_summary_states_it_and_the_draft_keeps_it(
        qtbot, tasks, new_vault, talent):
    (r,) = ingest_paths(new_vault, talent.id, [TESTDATA / "voice" / "vctk_p225_001.wav"])
    set_talent_passphrase(new_vault, talent.id, "the talent's own long phrase")
    review_asset(new_vault, r.asset_id, "approve", unlock_talent_key(new_vault, talent.id, "the talent's own long phrase"))
    asset = get_asset(new_vault, r.asset_id)
    editor = GrantEditor(new_vault, tasks, talent.id, [asset])
    qtbot.addWidget(editor)
    editor.show()
    save = editor.buttons.button(QDialogButtonBox.Save)
    editor.licensee.setText("Maison Lumiere")
    editor.description.setPlainText("Spring campaign voice-over")
    editor.asset_picker.check([r.asset_id])
    _tick(editor.purposes, {"advertising"})
    _tick(editor.media, {"web"})
    editor.territory_picker.check(["FR"])
    editor.start.setDate(QDate(2027, 1, 1))
    editor.end.setDate(QDate(2027, 3, 31))
    editor.max_uses.setValue(10)
    editor.fee.setText("4800")
    qtbot.waitUntil(lambda: "Pay: 4800.00 EUR per use." in editor.summary.text(), timeout=T)
    assert [editor.fee_basis.itemData(i) for i in range(editor.fee_basis.count())] == [
        "per-use", "flat", "per-use-capped"]
    assert not editor.fee_cap.isEnabled()  # a cap only for a capped fee

    _choose(editor, "flat")
    qtbot.waitUntil(lambda: "Pay: 4800.00 EUR flat fee for up to 10 uses." in editor.summary.text(), timeout=T)
    assert save.isEnabled() and not editor.fee_cap.isEnabled()

    _choose(editor, "per-use-capped")
    assert editor.fee_cap.isEnabled()
    qtbot.waitUntil(lambda: not save.isEnabled() and "needs the cap" in editor.banner.text(), timeout=T)
    assert "Pay:" not in editor.summary.text()  # nothing to sign while the fee is incomplete
    editor.fee_cap.setText("20000")
    qtbot.waitUntil(lambda: "Pay: 4800.00 EUR per use, at most 20000.00 EUR in total."
                    in editor.summary.text() and save.isEnabled(), timeout=T)
    save.click()
    qtbot.waitUntil(lambda: editor.saved is not None, timeout=T)
    assert get_grant(new_vault, editor.saved.id).document["fee"] == {
        "amount": "4800.00", "currency": "EUR", "basis": "per-use-capped", "cap": "20000.00"}

    again = GrantEditor(new_vault, tasks, talent.id, [asset], get_grant(new_vault, editor.saved.id))
    qtbot.addWidget(again)
    again.show()
    assert again.fee_basis.currentData() == "per-use-capped" and again.fee_cap.isEnabled()
    assert again.fee_cap.text() == "20000.00"
    qtbot.waitUntil(lambda: "at most 20000.00 EUR in total" in again.summary.text(), timeout=T)
    again.reject()
