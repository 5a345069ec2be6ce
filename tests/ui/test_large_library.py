"""A talent with 10,000 voice takes in a vault of 100 talents, with 1,000 grants and ledger
entries (issue 10, DR026): every screen opens and is used without the event loop stalling over
100 ms, and the thumbnails held stay a few screenfuls however far the grid is scrolled.

The gap is measured as in ``test_background_work``: a 5 ms timer records when it fires; the
worst interval between two firings is the longest the event loop was held."""

from __future__ import annotations

import contextlib
import gc
import time

import pytest
from PySide6.QtCore import QTimer, Qt
from PySide6.QtWidgets import QDialogButtonBox

from studio.ui.asset_model import ASSET_ROLE
from tests.library import TALENT_PASS

T = 120_000
FREEZE_S = 0.5


class GapMeter:
    """The event loop's longest stall while it runs, with what the test was doing then."""

    def __init__(self) -> None:
        self.ticks: list[tuple[float, str]] = []
        self.doing = "starting"
        self.timer = QTimer()
        self.timer.setInterval(5)
        self.timer.timeout.connect(lambda: self.ticks.append((time.perf_counter(), self.doing)))
        self.timer.start()

    def worst(self) -> tuple[float, str]:
        gaps = [(b - a, doing) for (a, _), (b, doing) in zip(self.ticks, self.ticks[1:])
                if doing != "checking" and a > 0]
        return max(gaps) if gaps else (0.0, "")

    @contextlib.contextmanager
    def checking(self):
        """Not measured: the test's own look at 10,000 rows, and the talent's key derivation
        (scrypt in pyrage holds the GIL for its second or two whatever the library's size:
        DR026 names it)."""
        self.ticks.append((0.0, "checking"))
        doing, self.doing = self.doing, "checking"
        try:
            yield
        finally:
            self.doing = doing
            self.ticks.append((0.0, "checking"))

    def stop(self) -> None:
        self.timer.stop()


@pytest.fixture
def settled():
    """The heap as ``run_app`` leaves it once its window is shown (``settle_heap``), for this
    test only: what it froze goes back to the collector afterwards."""
    from studio.ui.app import settle_heap

    yield settle_heap
    gc.unfreeze()


def _judge_gap(meter: GapMeter, record_property) -> None:
    """No freeze: the event loop is never held for ``FREEZE_S`` (before DR026 it was held 7.6 s
    selecting a talent of 1,000 takes). The 100 ms target itself is measured where timing
    belongs, in ``benchmarks/run.py library`` (DR026): on a loaded 2-core machine a worker
    starving the GUI thread of the GIL or the CPU gives gaps of 100–300 ms that no code here
    controls, and a test must not fail on how busy the machine is. The worst gap is recorded
    with the test's result (``--junitxml``) either way."""
    worst, doing = meter.worst()
    record_property("worst_event_loop_gap_ms", round(worst * 1000))
    record_property("worst_event_loop_gap_while", doing)
    assert worst < FREEZE_S, f"the event loop froze for {worst * 1000:.0f} ms while {doing}"


def _choose(qtbot, window, talent_id: str) -> None:
    talents = window.talents.list
    qtbot.waitUntil(lambda: talents.count() == 100, timeout=T)
    row = next(i for i in range(talents.count()) if talents.item(i).data(Qt.UserRole).id == talent_id)
    talents.setCurrentRow(row)


def _on_screen_have_thumbnails(lib) -> bool:
    rows = lib.visible_rows()
    return bool(rows) and all(lib.proxy.index(r, 0).data(ASSET_ROLE).id in lib.model.thumbnails for r in rows)


@pytest.mark.alone
def test_when_a_talent_with_10000_takes_is_browsed_then_the_event_loop_never_stalls_and_thumbnails_stay_few(
        qtbot, make_window, library_vault, settled, record_property):
    vault, library = library_vault
    window = make_window(vault)
    settled()
    lib = window.library
    meter = GapMeter()
    try:
        meter.doing = "selecting the talent"
        _choose(qtbot, window, library.talent_id)
        qtbot.waitUntil(lambda: lib.model.rowCount() > 0 and lib.stack.currentWidget() is lib.grid, timeout=T)
        assert lib.visible_rows(), "the first screenful is shown"
        meter.doing = "loading the rest"
        qtbot.waitUntil(lambda: lib.model.rowCount() == library.assets, timeout=T)
        meter.doing = "thumbnails of the first screen"
        qtbot.waitUntil(lambda: _on_screen_have_thumbnails(lib), timeout=T)

        meter.doing = "scrolling the grid to the end"
        bar = lib.grid.verticalScrollBar()
        qtbot.waitUntil(lambda: bar.maximum() > 0, timeout=T)  # laid out in batches
        for step in range(1, 9):
            bar.setValue(bar.maximum() * step // 8)
            qtbot.wait(40)
        qtbot.waitUntil(lambda: bar.value() == bar.maximum() and _on_screen_have_thumbnails(lib), timeout=T)
        last = lib.proxy.index(lib.proxy.rowCount() - 1, 0).data(ASSET_ROLE)
        assert last.id in lib.model.thumbnails, "the end of the grid shows its thumbnails"
        held = len(lib.model.thumbnails)
        assert 0 < held <= lib.model.thumbnails.limit < library.assets // 10, held

        meter.doing = "switching to the list"
        lib.set_view("list")
        qtbot.wait(20)  # each action its own turn of the event loop, as a person's clicks are
        meter.doing = "sorting by name"
        lib.table.sortByColumn(0, Qt.AscendingOrder)
        qtbot.wait(20)
        with meter.checking():
            names = [lib.proxy.index(r, 0).data() for r in range(lib.proxy.rowCount())]
            assert len(names) == library.assets and names == sorted(names, key=str.casefold)
        meter.doing = "scrolling the list to the end"
        tbar = lib.table.verticalScrollBar()
        tbar.setValue(tbar.maximum())
        qtbot.waitUntil(lambda: _on_screen_have_thumbnails(lib), timeout=T)
        meter.doing = "sorting by when added"
        lib.table.sortByColumn(6, Qt.DescendingOrder)
        qtbot.wait(20)
        with meter.checking():
            added = [lib.proxy.index(r, 0).data(ASSET_ROLE).created_at for r in range(lib.proxy.rowCount())]
            assert added == sorted(added, reverse=True)

        meter.doing = "filtering by name"
        with meter.checking():
            expected = sum("retake" in a.original_name.casefold() for a in lib.model.assets)
        lib.search.setText("retake")
        assert 0 < lib.proxy.rowCount() == expected < library.assets
        meter.doing = "switching to the grid"
        lib.set_view("grid")
        qtbot.waitUntil(lambda: _on_screen_have_thumbnails(lib), timeout=T)
        meter.doing = "clearing the filter"
        lib.search.clear()
        assert lib.proxy.rowCount() == library.assets
        qtbot.waitUntil(lambda: _on_screen_have_thumbnails(lib), timeout=T)
        qtbot.wait(100)  # a last tick after the end is measured too
    finally:
        meter.stop()
    assert len(lib.model.thumbnails) <= lib.model.thumbnails.limit
    _judge_gap(meter, record_property)


def _review_thumbnails_shown(rows) -> bool:
    shown = rows.visible_rows()
    return bool(shown) and all(rows.model.index(r, 0).data(ASSET_ROLE).id in rows.model.thumbnails for r in shown)


@pytest.mark.alone
def test_when_the_large_library_is_in_the_other_screens_then_they_open_without_a_stall(
        qtbot, make_window, library_vault, settled, record_property):
    vault, library = library_vault
    window = make_window(vault)
    settled()
    meter = GapMeter()
    try:
        meter.doing = "listing the talents"
        _choose(qtbot, window, library.talent_id)
        meter.doing = "opening the Consent tab"
        window.middle.setCurrentWidget(window.consent)
        qtbot.waitUntil(lambda: window.consent.table.rowCount() == library.grants, timeout=T)
        meter.doing = "opening Exports & Uses"
        window.middle.setCurrentWidget(window.ledger)
        qtbot.waitUntil(lambda: window.ledger.entries.rowCount() == library.entries, timeout=T)
        window.review_as_talent()
        unlock = window.review
        qtbot.keyClicks(unlock.passphrase, TALENT_PASS)
        with meter.checking():
            unlock.buttons.button(QDialogButtonBox.Ok).click()
            qtbot.waitUntil(lambda: getattr(unlock, "review_window", None) is not None, timeout=T)
        review = unlock.review_window
        meter.doing = "opening review mode"
        qtbot.waitUntil(lambda: review.assets.count() == library.assets and review.grants.rowCount() == library.grants,
                        timeout=T)
        qtbot.wait(100)
        rows = review.assets  # review mode's list at 10,000 (issue 16 item 6): filters, Ctrl+A, thumbnails
        meter.doing = "review mode: thumbnails on screen"
        qtbot.waitUntil(lambda: _review_thumbnails_shown(rows), timeout=T)
        meter.doing = "review mode: filtering by state"
        rows.set_state_filter("pending_review")
        assert rows.count() == library.assets - 1  # the fixture approved one
        meter.doing = "review mode: filtering by name"
        rows.search.setText("laugh")  # one filter pass, as the library's test filters
        laughs = sum("laugh" in a.original_name for a in rows.model.assets if a.status == "pending_review")
        assert 0 < rows.count() == laughs
        rows.search.clear()
        qtbot.wait(300)  # the full list painted again, under its own name
        meter.doing = "review mode: selecting all"
        rows.view.setFocus()
        qtbot.keyClick(rows.view, Qt.Key_A, Qt.ControlModifier)
        assert review.selection_label.text() == f"{library.assets - 1} selected"
        qtbot.wait(300)  # the selection painted, under its own name
        meter.doing = "review mode: the end of the list"
        rows.view.scrollToBottom()
        qtbot.waitUntil(lambda: _review_thumbnails_shown(rows), timeout=T)
        review.close()
    finally:
        meter.stop()
    _judge_gap(meter, record_property)
