"""Review mode with a session of 80 takes (issue 16 item 6): the talent selects 50 and approves
them in one go, decides with the keyboard and moves on to the next take awaiting review by
itself, filters by name and by state, and reads in their history which take was decided and why.

Real vault, real takes (``tests/library.py``: 80 voice takes, one approved by the fixture),
the talent's real key, real signatures."""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, QItemSelectionModel, Qt
from PySide6.QtWidgets import QDialogButtonBox

from studio.core.assets import get_asset, list_assets
from studio.core.consent.review import list_reviews
from studio.core.consent.talent_keys import unlock_talent_key
from studio.core.talents import get_talent
from studio.ui.asset_model import ASSET_ROLE
from studio.ui.review_window import ReviewWindow
from tests.library import TALENT_PASS, make_library

T = 60_000
TAKES = 80


def _open(qtbot, new_vault, tasks, tmp_path):
    library = make_library(new_vault, tmp_path / "work", assets=TAKES, talents=2, grants=1, entries=0)
    talent = get_talent(new_vault, library.talent_id)
    key = unlock_talent_key(new_vault, talent.id, TALENT_PASS)
    review = ReviewWindow(new_vault, talent, key, tasks)
    qtbot.addWidget(review)
    review.show()
    qtbot.waitExposed(review)
    qtbot.waitUntil(lambda: review.assets.count() == TAKES and review.history.count() > TAKES, timeout=T)
    return review, talent


def _shown(review) -> list:
    m = review.assets.model
    return [m.index(r, 0).data(ASSET_ROLE) for r in range(m.rowCount())]


def _statuses(vault, talent_id) -> dict[str, str]:
    return {a.id: a.status for a in list_assets(vault, talent_id)}


def _click_row(qtbot, view, row: int, modifier=Qt.NoModifier) -> None:
    index = view.model().index(row, 0)
    view.scrollTo(index)
    qtbot.mouseClick(view.viewport(), Qt.LeftButton, modifier, view.visualRect(index).center())


def test_when_the_talent_selects_50_takes_and_approves_them_then_one_write_signs_each(qtbot, new_vault, tasks,
                                                                                    tmp_path):
    review, talent = _open(qtbot, new_vault, tasks, tmp_path)
    review.assets.set_state_filter("pending_review")
    qtbot.waitUntil(lambda: review.assets.count() == TAKES - 1, timeout=T)
    assert review.assets.state.currentText() == "Awaiting review (79)"
    awaiting = _shown(review)
    view = review.assets.view
    _click_row(qtbot, view, 0)
    _click_row(qtbot, view, 49, Qt.ShiftModifier)
    chosen = [a.id for a in awaiting[:50]]
    assert [a.id for a in review.assets.selected()] == chosen
    assert review.selection_label.text() == "50 selected"
    announced = []
    tasks.changed.connect(lambda changes: announced.append(changes))

    review.approve_button.click()
    # at once: the next take awaiting review is the one selected, the decision still on its way
    assert review.assets.current_record().id == awaiting[50].id
    assert [a.id for a in review.assets.selected()] == [awaiting[50].id]
    qtbot.waitUntil(lambda: review.assets.count() == TAKES - 51, timeout=T)
    assert review.assets.state.currentText() == "Awaiting review (29)"
    assert review.assets.current_record().id == awaiting[50].id
    statuses = _statuses(new_vault, talent.id)
    assert all(statuses[a] == "approved" for a in chosen)
    assert sum(s == "approved" for s in statuses.values()) == 51, "the other 29 still await review"
    reviews = [r for a in chosen for r in list_reviews(new_vault, a)]
    assert len(reviews) == 50 and all(r.signature_valid and r.decision == "approved" for r in reviews)
    # one write for the 50: the task manager announced one change naming them all
    decided = [c for c in announced if c.assets & set(chosen)]
    assert len(decided) == 1 and decided[0].assets == set(chosen)
    review.close()


def test_when_the_talent_decides_with_the_keyboard_then_the_next_take_awaiting_review_follows(qtbot, new_vault,
                                                                                             tasks, tmp_path):
    review, talent = _open(qtbot, new_vault, tasks, tmp_path)
    shown = _shown(review)  # in the order captured; the first take is approved already
    assert shown[0].status == "approved" and all(a.status == "pending_review" for a in shown[1:])
    assert review.assets.current_record().id == shown[1].id, "review mode opens on the first take awaiting review"
    view = review.assets.view
    view.setFocus()

    qtbot.keyClick(view, Qt.Key_A)
    assert review.assets.current_record().id == shown[2].id, "A approves and moves on at once"
    qtbot.keyClick(view, Qt.Key_A)
    assert review.assets.current_record().id == shown[3].id
    qtbot.keyClick(view, Qt.Key_R)
    dialog = review.reason_dialog
    qtbot.waitUntil(lambda: dialog.isVisible(), timeout=T)
    assert shown[3].original_name in dialog.windowTitle()
    qtbot.keyClicks(dialog.reason, "my voice cracks here")
    dialog.buttons.button(QDialogButtonBox.Ok).click()
    assert review.assets.current_record().id == shown[4].id
    qtbot.waitUntil(lambda: view.hasFocus(), timeout=T)

    # X rejects too; Cancel in its dialog decides nothing and stays
    qtbot.keyClick(view, Qt.Key_X)
    dialog = review.reason_dialog
    qtbot.waitUntil(lambda: dialog.isVisible(), timeout=T)
    dialog.buttons.button(QDialogButtonBox.Cancel).click()
    assert review.assets.current_record().id == shown[4].id

    qtbot.waitUntil(lambda: get_asset(new_vault, shown[3].id).status == "rejected", timeout=T)
    assert [get_asset(new_vault, a.id).status for a in shown[1:5]] == ["approved", "approved", "rejected",
                                                                      "pending_review"]
    assert list_reviews(new_vault, shown[3].id)[-1].note == "my voice cracks here"
    qtbot.waitUntil(lambda: review.assets.model.index(3, 2).data() == "Rejected", timeout=T)
    assert review.assets.current_record().id == shown[4].id, "a refresh keeps the take being looked at"

    # keys typed in a text field are text, not decisions
    review.note.setFocus()
    qtbot.keyClicks(review.note, "ar")
    assert review.note.text() == "ar" and review.assets.current_record().id == shown[4].id

    # the history names the takes and gives the reason
    review.tabs.setCurrentIndex(2)
    history = review.history  # it arrives in a turn of its own after the list
    qtbot.waitUntil(lambda: any(history.text(i).startswith("rejected — ") for i in range(history.count())), timeout=T)
    lines = [history.text(i) for i in range(history.count())]
    rejected = [text for text in lines if text.startswith("rejected — ")]
    assert len(rejected) == 1
    what, when = rejected[0].split("\n")
    assert what == f"rejected — {shown[3].original_name}"
    assert when.endswith(" UTC · by you · “my voice cracks here”")
    approved = {text.split("\n")[0] for text in lines if text.startswith("approved — ")}
    assert {f"approved — {a.original_name}" for a in shown[:3]} == approved
    assert f"asset stored — {shown[5].original_name}" in {text.split("\n")[0] for text in lines}
    assert not any("ast_" in text for text in lines), "names, not ids"
    review.close()


def test_when_the_talent_filters_by_name_and_state_then_only_those_takes_are_shown(qtbot, new_vault, tasks,
                                                                                  tmp_path):
    review, talent = _open(qtbot, new_vault, tasks, tmp_path)
    everything = _shown(review)
    laughs = [a.id for a in everything if "laugh" in a.original_name]
    assert 0 < len(laughs) < TAKES
    qtbot.keyClicks(review.assets.search, "laugh")
    qtbot.waitUntil(lambda: review.assets.count() == len(laughs), timeout=T)
    assert [a.id for a in _shown(review)] == laughs
    assert review.assets.current_record().id in laughs, "the current take is one that is shown"

    # reject every laugh at once: one reason for all
    view = review.assets.view
    view.setFocus()
    qtbot.keyClick(view, Qt.Key_A, Qt.ControlModifier)
    assert len(review.assets.selected()) == len(laughs)
    review.reject_button.click()
    dialog = review.reason_dialog
    qtbot.waitUntil(lambda: dialog.isVisible(), timeout=T)
    assert dialog.windowTitle() == f"Reject {len(laughs)} assets"
    qtbot.keyClicks(dialog.reason, "no laughing takes")
    dialog.buttons.button(QDialogButtonBox.Ok).click()
    qtbot.waitUntil(lambda: all(get_asset(new_vault, a).status == "rejected" for a in laughs), timeout=T)
    assert {list_reviews(new_vault, a)[-1].note for a in laughs} == {"no laughing takes"}

    review.assets.set_state_filter("rejected")
    qtbot.waitUntil(lambda: review.assets.count() == len(laughs), timeout=T)
    review.assets.search.clear()
    assert review.assets.count() == len(laughs), "the state filter alone: the rejected takes"
    assert review.assets.state.currentText() == f"Rejected ({len(laughs)})"
    review.assets.set_state_filter("approved")
    assert [a.id for a in _shown(review)] == [everything[0].id]
    qtbot.keyClicks(review.assets.search, "no such take")
    assert review.assets.count() == 0 and review.assets.current_record() is None
    assert not review.approve_button.isEnabled() and review.detail.asset is None
    review.assets.search.clear()
    review.assets.set_state_filter(None)
    assert review.assets.count() == TAKES
    assert review.assets.state.currentText() == f"All ({TAKES})"
    review.close()
