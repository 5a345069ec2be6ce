"""The main window, driven like an operator drives it: add a talent, drop a capture session,
watch each file reach its state, turn the scan, play the take, and find the layout again."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QDialogButtonBox

from studio.core.assets import list_assets
from studio.core.talents import add_talent, list_talents
from studio.core.check import check_vault
from tests.conftest import TESTDATA
from tests.ui.helpers import drag, drop_files, foreground, image_array
from tests.vaults import BOTH_VAULTS

SCAN = TESTDATA / "scans" / "stanford-bunny.obj"
VOICE = TESTDATA / "voice" / "vctk_p225_001.wav"
BROKEN = TESTDATA / "malformed" / "assimp" / "invalid" / "empty.obj"
RENDER_TIMEOUT = 120_000


def _states(window) -> dict[str, tuple[str, str]]:
    return {r.path.name: (r.state, r.detail) for r in window.activity.model.rows}


def test_when_a_talent_is_added_through_the_dialog_then_the_list_shows_and_selects_them(qtbot, make_window, new_vault):
    window = make_window()
    qtbot.waitUntil(lambda: window.talents.list.count() == 0 and not window.tasks.busy, timeout=10_000)
    assert not window.library.import_button.isEnabled(), "nothing can be imported without a talent"
    dialog = window.talents.add_talent()
    ok = dialog.buttons.button(QDialogButtonBox.Ok)
    qtbot.keyClicks(dialog.email, "not-an-address")
    qtbot.keyClicks(dialog.name, "Amara Okafor")
    ok.click()
    qtbot.waitUntil(lambda: dialog.banner.isVisible(), timeout=10_000)
    assert "is not an e-mail address" in dialog.banner.text()
    assert list_talents(new_vault) == [], "a refused talent leaves nothing behind"
    dialog.email.clear()
    qtbot.keyClicks(dialog.email, "amara@example.com")
    ok.click()
    qtbot.waitUntil(lambda: window.talents.list.count() == 1, timeout=10_000)
    qtbot.waitUntil(lambda: window.talent is not None, timeout=10_000)
    assert window.talent.name == "Amara Okafor" and window.library.import_button.isEnabled()
    assert [t.name for t in list_talents(new_vault)] == ["Amara Okafor"]


def test_when_a_session_is_dropped_then_each_file_reaches_its_state_and_the_scan_turns(qtbot, make_window, new_vault):
    add_talent(new_vault, "Ada Lovelace")
    window = make_window()
    qtbot.waitUntil(lambda: window.talent is not None, timeout=10_000)
    assert drop_files(window.library, [SCAN, VOICE, BROKEN])
    qtbot.waitUntil(lambda: len(window.activity.model.rows) == 3, timeout=10_000)
    qtbot.waitUntil(lambda: not window.activity.running, timeout=RENDER_TIMEOUT)
    states = _states(window)
    assert states["stanford-bunny.obj"][0] == "ingested" and states["vctk_p225_001.wav"][0] == "ingested"
    assert states["empty.obj"] == ("rejected", "empty file (0 bytes)")
    assert window.activity.overall.value() == 3

    # the library lists both new assets; the scan gets a rendered thumbnail
    qtbot.waitUntil(lambda: window.library.model.rowCount() == 2, timeout=10_000)
    scan = next(a for a in window.library.model.assets if a.kind == "mesh")
    voice = next(a for a in window.library.model.assets if a.kind == "voice")
    qtbot.waitUntil(lambda: scan.id in window.library.model.thumbnails, timeout=RENDER_TIMEOUT)
    icon = window.library.model.thumbnails[scan.id]
    assert foreground(image_array(icon.pixmap(128, 128).toImage())) > 0.05

    # select the scan: a non-blank preview, which changes after an orbit drag
    viewport = window.detail.scan.viewport
    assert window.library.select(scan.id)
    qtbot.waitUntil(lambda: viewport.image is not None and not viewport.image_moving, timeout=RENDER_TIMEOUT)
    before = image_array(viewport.image)
    assert foreground(before) > 0.05, "the scan is visible in the preview"
    shown = viewport.frames_shown
    drag(viewport, viewport.rect().center(), QPoint(120, 0))
    qtbot.waitUntil(lambda: viewport.frames_shown > shown and viewport.image is not None
                    and not viewport.image_moving, timeout=RENDER_TIMEOUT)
    after = image_array(viewport.image)
    assert before.shape == after.shape
    assert np.abs(after.astype(int) - before.astype(int)).mean() > 1.0, "the orbit turned the scan"
    assert viewport.camera.azimuth != viewport.home.azimuth

    # select the voice take: its waveform is drawn from the stored summary
    assert window.library.select(voice.id)
    voice_view = window.detail.voice
    qtbot.waitUntil(lambda: window.detail.stack.currentWidget() is voice_view and voice_view.waveform.duration() > 0,
                    timeout=10_000)
    assert voice_view.waveform.duration() == pytest.approx(voice.metrics["duration_s"], rel=0.01)
    strip = image_array(voice_view.waveform.grab().toImage())
    assert len(np.unique(strip.reshape(-1, 3), axis=0)) > 2, "the waveform is drawn"

    # dropping the same scan again is a duplicate, and changes nothing
    assert drop_files(window.library, [SCAN])
    qtbot.waitUntil(lambda: _states(window)["stanford-bunny.obj"][0] == "duplicate", timeout=RENDER_TIMEOUT)
    assert len(list_assets(new_vault)) == 2
    qtbot.waitUntil(lambda: not window.activity.running and not window.tasks.busy, timeout=RENDER_TIMEOUT)
    report = check_vault(new_vault)
    assert not report.problems, report.problems


def test_when_the_grid_list_filters_and_sort_are_used_then_the_view_follows(qtbot, make_window, new_vault, talent):
    from studio.core.intake import ingest_paths

    ingest_paths(new_vault, talent.id, [SCAN, VOICE, TESTDATA / "scans" / "pointclouds" / "points_agisoft.xyz"])
    window = make_window()
    qtbot.waitUntil(lambda: window.library.model.rowCount() == 3, timeout=10_000)
    lib = window.library
    lib.set_view("list")
    assert lib.stack.currentWidget() is lib.table
    lib.kind.setCurrentIndex(lib.kind.findData("voice"))
    assert lib.proxy.rowCount() == 1 and lib.proxy.index(0, 0).data() == VOICE.name
    lib.kind.setCurrentIndex(0)
    lib.status.setCurrentIndex(lib.status.findData("approved"))
    assert lib.proxy.rowCount() == 0 and lib.stack.currentWidget() is lib.empty
    lib.status.setCurrentIndex(0)
    lib.table.sortByColumn(4, Qt.AscendingOrder)  # size
    sizes = [lib.proxy.index(r, 0).data(Qt.UserRole + 1).size for r in range(lib.proxy.rowCount())]
    assert sizes == sorted(sizes) and len(sizes) == 3


def test_when_the_window_is_reopened_then_its_layout_comes_back(qtbot, make_window, new_vault):
    window = make_window()
    window.resize(780, 560)  # inside the offscreen screen (800×600), which restoring clamps to
    qtbot.wait(50)
    window.splitter.setSizes([200, 250, 300])
    qtbot.wait(50)
    wanted = window.splitter.sizes()
    size = window.size()
    window.set_library_view("list")
    window.close()
    again = make_window()
    assert again.size() == size
    assert again.splitter.sizes() == wanted
    assert again.library.view_mode == "list"


@BOTH_VAULTS
def test_the_title_and_the_status_bar_name_where_the_vault_is(qtbot, make_window, new_vault, talent):
    """A folder vault by its folder; a shared vault by its catalog and store (issue 12), never by
    this station's own folder for it."""
    window = make_window()
    where = new_vault.describe()
    assert where in window.windowTitle()
    qtbot.waitUntil(lambda: where in window.status_label.text() and not window.tasks.busy, timeout=10_000)
    if new_vault.shared:
        assert new_vault.location.store in where
        assert str(new_vault.root) not in window.windowTitle() + window.status_label.text()
    else:
        assert where == str(new_vault.root)


def _shown_title(title: str, app_name: str) -> str:
    """The title the window system shows: Qt appends the application's display name (after an
    em dash) to a title that does not already end with it (QPlatformWindow::formatWindowTitle)."""
    return title if title.endswith(app_name) else f"{title} \u2014 {app_name}"


def test_the_title_names_twin_studio_once(qtbot, qapp, make_window, new_vault):
    from studio.ui.app import APP_NAME

    before = qapp.applicationDisplayName()
    qapp.setApplicationDisplayName(APP_NAME)  # as the app sets it (studio.ui.app.application)
    try:
        window = make_window()
        title = window.windowTitle()
        assert title == f"{new_vault.describe()} \u2014 {APP_NAME}"
        assert _shown_title(title, qapp.applicationDisplayName()).count(APP_NAME) == 1
    finally:
        qapp.setApplicationDisplayName(before)
