"""The grant editor (issue 16 item 7, DR037): nothing in it moves when its message comes or goes;
the asset picker offers the talent's approved assets by name and can be searched; the chosen
territories are listed first."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QDate, QPoint, Qt
from PySide6.QtWidgets import QApplication, QCheckBox, QDialogButtonBox, QListWidget, QWidget

from studio.core.assets import list_assets
from studio.core.consent.grants import draft_grant
from studio.core.consent.review import review_asset
from studio.core.consent.talent_keys import set_talent_passphrase, unlock_talent_key
from studio.core.intake import ingest_paths
from studio.ui.grant_editor import GrantEditor
from tests.conftest import TESTDATA

TALENT_PASS = "the talent's own long phrase"
T = 30_000
VOICE = TESTDATA / "voice"
FILES = {"p225": VOICE / "vctk_p225_001.wav", "p226": VOICE / "vctk_p226_001.wav",
         "lj": VOICE / "ljspeech_LJ050-0131.wav", "aew": VOICE / "cmu_arctic_us_aew_a0001.wav"}


@pytest.fixture
def reviewed(new_vault, talent):
    """Four real voice takes: p225 and p226 approved by the talent, lj rejected, aew awaiting review."""
    results = ingest_paths(new_vault, talent.id, list(FILES.values()))
    ids = {name: r.asset_id for name, r in zip(FILES, results)}
    set_talent_passphrase(new_vault, talent.id, TALENT_PASS)
    key = unlock_talent_key(new_vault, talent.id, TALENT_PASS)
    review_asset(new_vault, ids["p225"], "approve", key)
    review_asset(new_vault, ids["p226"], "approve", key)
    review_asset(new_vault, ids["lj"], "reject", key)
    return ids, key


def _open(qtbot, vault, tasks, talent_id, grant=None) -> GrantEditor:
    editor = GrantEditor(vault, tasks, talent_id, list_assets(vault, talent_id), grant)
    qtbot.addWidget(editor)
    editor.show()
    qtbot.waitExposed(editor)
    return editor


def _fields(editor: GrantEditor, asset_id: str) -> None:
    """Everything a valid draft needs, entered as the operator does."""
    editor.licensee.setText("Maison Lumiere")
    editor.description.setPlainText("Spring campaign voice-over")
    editor.asset_picker.check([asset_id])
    editor.purposes.item(0).setCheckState(Qt.Checked)
    editor.media.item(0).setCheckState(Qt.Checked)
    editor.territory_picker.check(["FR"])
    editor.start.setDate(QDate(2027, 1, 1))
    editor.end.setDate(QDate(2027, 3, 31))


def _places(editor: GrantEditor) -> dict[str, tuple[int, int, int, int]]:
    """Where every field, list and checkbox of the form sits in the dialog, and its size, once the
    layout has taken in what changed (it does so on a posted event)."""
    QApplication.processEvents()
    editor.layout().activate()
    places = {}
    for w in editor.findChildren(QWidget):
        if w.isVisible() and isinstance(w, (QListWidget, QCheckBox)) or w in (
                editor.licensee, editor.fee, editor.start, editor.end, editor.summary.parentWidget(),
                editor.buttons, editor.asset_picker.filter, editor.territory_picker.filter):
            p = w.mapTo(editor, QPoint())
            places[f"{type(w).__name__}:{w.objectName() or id(w)}"] = (p.x(), p.y(), w.width(), w.height())
    return places


def test_when_the_validation_message_comes_and_goes_then_no_widget_of_the_form_moves(qtbot, new_vault, talent,
                                                                                      reviewed, tasks):
    ids, _key = reviewed
    editor = _open(qtbot, new_vault, tasks, talent.id)
    save = editor.buttons.button(QDialogButtonBox.Save)
    qtbot.waitUntil(lambda: editor.banner.isVisible(), timeout=T)
    assert "at least one asset" in editor.banner.text() and not save.isEnabled()
    with_message = _places(editor)
    assert len(with_message) >= 12, with_message  # the lists, the checkboxes, the fields, the buttons

    _fields(editor, ids["p225"])
    qtbot.waitUntil(lambda: save.isEnabled() and not editor.banner.isVisible(), timeout=T)
    assert "Maison Lumiere may use your voice" in editor.summary.text()
    assert _places(editor) == with_message, "a widget moved when the message went"

    editor.end.setDate(QDate(2026, 12, 1))
    qtbot.waitUntil(lambda: "before the start date" in editor.banner.text(), timeout=T)
    assert not save.isEnabled()
    assert _places(editor) == with_message, "a widget moved when the message came back"

    long = "the licensee field " * 40  # a message far longer than its place: still nothing moves
    editor.banner.show_message(long, "warning")
    assert _places(editor) == with_message
    assert editor.banner.label.toolTip() == long
    editor.close()


def test_when_the_editor_opens_then_only_approved_assets_are_offered_by_name_and_the_filter_narrows_them(
        qtbot, new_vault, talent, reviewed, tasks):
    ids, _key = reviewed
    editor = _open(qtbot, new_vault, tasks, talent.id)
    picker = editor.asset_picker
    assert picker.keys() == [ids["p225"], ids["p226"]], "approved only, by name"
    for i, name in enumerate(("vctk_p225_001.wav", "vctk_p226_001.wav")):
        item = editor.assets.item(i)
        assert item.text().startswith(f"{name} · Voice take")
        assert "ast_" not in item.text() and ids[("p225", "p226")[i]] in item.toolTip()
    assert "1 awaiting review, 1 rejected" in editor.not_offered.text()
    rows = editor.assets.viewport().height() // editor.assets.sizeHintForRow(0)
    assert rows >= 20, f"the asset list shows {rows} rows at the editor's size: too few for a talent's 80 takes"

    qtbot.keyClicks(picker.filter, "P226")
    assert picker.shown() == [ids["p226"]]
    picker.select_all_shown()
    assert picker.checked() == [ids["p226"]]
    picker.filter.clear()
    qtbot.keyClicks(picker.filter, ids["p225"][:12])  # an ID pasted from elsewhere finds its asset
    assert picker.shown() == [ids["p225"]]
    picker.filter.clear()
    assert picker.shown() == [ids["p226"], ids["p225"]], "the chosen one first once the filter changes"
    assert editor.fields()["assets"] == [ids["p226"]]
    assert "vctk_p226_001.wav" in picker.chosen.text()
    picker.clear()
    assert picker.checked() == [] and editor.fields()["assets"] == []
    editor.close()


def test_when_a_draft_names_an_asset_since_rejected_then_it_shows_ticked_with_why_and_once_dropped_stays_out(
        qtbot, new_vault, talent, reviewed, tasks):
    ids, key = reviewed
    g = draft_grant(new_vault, talent.id, {
        "licensee": "Maison Lumiere", "assets": [ids["p226"], ids["aew"]], "use_description": "Lookbook",
        "purposes": "advertising", "media": "web", "territories": "FR", "start": "2027-01-01", "end": "2027-03-31",
        "max_uses": 3, "fee": "1200", "currency": "EUR"})
    review_asset(new_vault, ids["aew"], "reject", key)
    editor = _open(qtbot, new_vault, tasks, talent.id, g)
    picker = editor.asset_picker
    assert picker.keys()[:2] == [ids["p226"], ids["aew"]], "the draft's assets first"
    assert set(picker.keys()) == {ids["p225"], ids["p226"], ids["aew"]}, "the other rejected one is not offered"
    refused = editor.assets.item(1)
    assert refused.checkState() == Qt.Checked and "Rejected" in refused.text()
    assert "only approved assets can be granted" in refused.toolTip()
    refused.setCheckState(Qt.Unchecked)
    assert not refused.flags() & Qt.ItemIsUserCheckable and not refused.flags() & Qt.ItemIsEnabled
    picker.select_all_shown()
    assert refused.checkState() == Qt.Unchecked, "select all does not bring a rejected asset back"
    assert set(editor.fields()["assets"]) == {ids["p225"], ids["p226"]}
    editor.close()


def test_when_a_draft_opens_then_its_territories_are_listed_first_and_a_tick_does_not_move_its_row(
        qtbot, new_vault, talent, reviewed, tasks):
    ids, _key = reviewed
    g = draft_grant(new_vault, talent.id, {
        "licensee": "Maison Lumiere", "assets": [ids["p225"]], "use_description": "Lookbook",
        "purposes": "advertising", "media": "web", "territories": "LU,FR,BE", "start": "2027-01-01",
        "end": "2027-03-31", "max_uses": 3, "fee": "1200", "currency": "EUR"})
    editor = _open(qtbot, new_vault, tasks, talent.id, g)
    picker, box = editor.territory_picker, editor.territories
    assert picker.keys()[:3] == ["BE", "FR", "LU"], "chosen first, by country name"
    assert box.item(3).checkState() == Qt.Unchecked and box.count() > 240
    assert picker.chosen.text() == "Chosen (3): BE, FR, LU"

    for code in ("SE", "AT"):
        row = picker.keys().index(code)
        box.item(row).setCheckState(Qt.Checked)  # ticked where it is listed: it stays under the pointer
        assert picker.keys().index(code) == row
        assert code in picker.chosen.text()
    fields = editor.fields()
    assert fields["territories"] == ["AT", "BE", "FR", "LU", "SE"]
    qtbot.keyClicks(picker.filter, "sw")
    assert {"SE", "CH"} <= set(picker.shown()) and "FR" not in picker.shown()
    assert picker.shown()[0] == "SE", "chosen first in the filtered list too"
    picker.filter.clear()
    assert picker.keys()[:5] == ["AT", "BE", "FR", "LU", "SE"]
    assert editor.fields() == fields, "moving rows changes nothing the draft holds"
    editor.close()
