"""Issue 16 item 4: a long file name never widens the window, the list shows the names, and the
window tiles on half of a 1920 px screen (DR035)."""

from __future__ import annotations

import shutil

from PySide6.QtCore import Qt

from tests.conftest import TESTDATA
from tests.ui.helpers import drop_files

TAKE = TESTDATA / "voice" / "cmu_arctic_us_aew_a0001.wav"
LONG_NAME = "capture-session-2026-12-02-" + "x" * 169 + ".wav"
HALF_A_1920_SCREEN = 960
T = 60_000


def test_the_main_window_fits_half_of_a_1920_px_screen(qtbot, make_window, new_vault, talent):
    window = make_window()
    qtbot.waitUntil(lambda: window.talent is not None and not window.tasks.busy, timeout=T)
    assert window.minimumSizeHint().width() <= HALF_A_1920_SCREEN
    window.resize(HALF_A_1920_SCREEN, 800)
    qtbot.waitUntil(lambda: window.width() == HALF_A_1920_SCREEN, timeout=T)
    # every column keeps a usable width
    assert window.talents.width() >= window.talents.minimumWidth() >= 150
    assert window.middle.width() >= 250 and window.detail.width() >= 250


def test_when_a_200_character_name_is_ingested_and_selected_then_the_window_keeps_its_width(
        qtbot, make_window, new_vault, talent, tmp_path):
    assert len(LONG_NAME) == 200
    long = tmp_path / LONG_NAME
    shutil.copy(TAKE, long)
    window = make_window()
    qtbot.waitUntil(lambda: window.talent is not None and not window.tasks.busy, timeout=T)
    width, talents_width = window.width(), window.talents.width()

    assert drop_files(window.library, [long])
    qtbot.waitUntil(lambda: window.library.model.rowCount() == 1 and not window.activity.running, timeout=T)
    (asset,) = window.library.model.assets
    assert window.library.select(asset.id)
    qtbot.waitUntil(lambda: window.detail.voice.loaded, timeout=T)
    window.set_library_view("list")
    header = window.library.table.horizontalHeader()
    qtbot.waitUntil(lambda: header.sectionSize(0) >= 160 and not window.tasks.busy, timeout=T)

    # the window, and the talents column in it, are as wide as before
    assert window.width() == width and window.talents.width() == talents_width
    assert window.minimumSizeHint().width() <= HALF_A_1920_SCREEN
    # the name is elided where it is shown, the whole name in the tool tip
    for label in (window.detail.name, window.detail.voice.title):
        assert label.text() == LONG_NAME and label.elided() and "…" in label.shown()
        assert label.toolTip() == LONG_NAME
        assert label.width() <= window.detail.width()
    # the list shows the name: the model's text is the file name, in a column wide enough to read
    index = window.library.proxy.index(0, 0)
    assert index.data(Qt.DisplayRole) == LONG_NAME
    assert header.sectionViewportPosition(0) == 0

    # narrowed to 900 px (half a 1920 px screen, less a margin): it narrows, the names stay readable
    window.resize(900, 800)
    qtbot.waitUntil(lambda: window.width() == 900, timeout=T)
    assert window.talents.width() >= window.talents.minimumWidth()
    assert header.sectionSize(0) >= 160 and header.sectionViewportPosition(0) == 0
    assert window.detail.name.elided() and window.detail.name.width() <= window.detail.width()


def test_a_short_name_is_shown_whole_and_the_name_column_takes_the_spare_width(
        qtbot, make_window, new_vault, talent):
    from studio.core.intake import ingest_paths

    ingest_paths(new_vault, talent.id, [TAKE])
    window = make_window()
    window.set_library_view("list")
    header = window.library.table.horizontalHeader()
    qtbot.waitUntil(lambda: window.library.model.rowCount() == 1 and header.sectionSize(0) >= 160
                    and not window.tasks.busy, timeout=T)
    (asset,) = window.library.model.assets
    assert window.library.select(asset.id)
    qtbot.waitUntil(lambda: window.detail.voice.loaded, timeout=T)
    assert window.detail.name.text() == TAKE.name and not window.detail.name.elided()
    assert window.detail.name.toolTip() == ""
    table = window.library.table
    others = sum(header.sectionSize(c) for c in range(1, header.count()))
    # a wide list: the name column fills what the other columns leave (no empty band at the end)
    window.resize(1800, 860)
    qtbot.waitUntil(lambda: window.width() == 1800, timeout=T)
    qtbot.waitUntil(lambda: header.sectionSize(0) + others >= table.viewport().width(), timeout=T)


def test_when_assets_arrive_one_by_one_then_the_list_columns_fit_all_their_texts(
        qtbot, make_window, new_vault, talent, tmp_path):
    short = tmp_path / "a.wav"  # committed first: the columns must not stay sized to it alone
    shutil.copy(TAKE, short)
    longer = [TESTDATA / "voice" / "ljspeech_LJ050-0131.wav", TESTDATA / "scans" / "pointclouds" / "ism_train_michael.pcd"]
    window = make_window()
    qtbot.waitUntil(lambda: window.talent is not None and not window.tasks.busy, timeout=T)
    window.set_library_view("list")
    assert drop_files(window.library, [short, *longer])
    qtbot.waitUntil(lambda: window.library.model.rowCount() == 3 and not window.activity.running, timeout=T)
    qtbot.waitUntil(lambda: not window.tasks.busy, timeout=T)
    table, model = window.library.table, window.library.model
    header, metrics = table.horizontalHeader(), table.fontMetrics()

    def fits() -> bool:  # every text of every row within its column (the name with its icon)
        return model.rowCount() == 3 and all(
            header.sectionSize(column) >= metrics.horizontalAdvance(model.index(row, column).data())
            + (table.iconSize().width() if column == 0 else 0)
            for row in range(model.rowCount()) for column in range(model.columnCount()))

    # the last asset's row is inserted a moment after its commit: waited for, not assumed
    qtbot.waitUntil(fits, timeout=T)
