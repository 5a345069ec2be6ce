"""Long work stays in the background: the event loop keeps turning while a large scan is
ingested, a cancelled batch leaves no partial asset, and a renderer crash is contained."""

from __future__ import annotations

import os
import signal
import time

import pytest
from PySide6.QtCore import QTimer

from studio.core.assets import list_assets
from studio.core.intake import ingest_paths
from studio.core.talents import add_talent
from studio.core.check import check_vault
from tests.conftest import TESTDATA
from tests.ui.helpers import drop_files, foreground, image_array

LONG = 180_000


def _ready(qtbot, window):
    qtbot.waitUntil(lambda: window.talent is not None, timeout=10_000)


@pytest.mark.alone
def test_when_a_large_scan_is_ingested_then_the_event_loop_never_stalls_over_100_ms(qtbot, make_window, new_vault,
                                                                                    large_scan):
    add_talent(new_vault, "Ada Lovelace")
    window = make_window()
    _ready(qtbot, window)
    rows = window.activity.model.rows
    ticks: list[tuple[float, str]] = []  # (when, the file's state then): measured until the ingest ends
    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(lambda: ticks.append((time.perf_counter(), rows[0].state if rows else "")))
    timer.start()
    assert drop_files(window.library, [large_scan])
    qtbot.waitUntil(lambda: window.activity.running is False and rows and rows[0].state == "ingested", timeout=LONG)
    qtbot.waitUntil(lambda: ticks[-1][1] == "ingested", timeout=LONG)  # one more tick: the end is measured too
    timer.stop()
    # measured across the ingest, however fast this machine is: the loop turned while the file was
    # being worked on (its progress reached the GUI) and again once it was stored
    states = [state for _, state in ticks]
    assert states.count("working") >= 2 and states[-1] == "ingested", "the ingest was measured from start to end"
    gaps = [b - a for (a, _), (b, _) in zip(ticks, ticks[1:])]
    worst = max(gaps)
    assert worst < 0.100, f"the event loop stalled for {worst * 1000:.0f} ms"
    (asset,) = list_assets(new_vault)
    assert asset.metrics["faces"] == 1_310_720 and asset.file("lod") is not None


def test_when_a_batch_is_cancelled_then_no_partial_asset_is_left(qtbot, make_window, new_vault, large_scan):
    add_talent(new_vault, "Ada Lovelace")
    window = make_window()
    _ready(qtbot, window)
    assert drop_files(window.library, [large_scan, TESTDATA / "voice" / "vctk_p225_001.wav"])
    qtbot.waitUntil(lambda: any(r.state == "working" for r in window.activity.model.rows), timeout=LONG)
    window.activity.cancel_button.click()
    qtbot.waitUntil(lambda: not window.activity.running, timeout=LONG)
    states = {r.path.name: r.state for r in window.activity.model.rows}
    assert states == {large_scan.name: "cancelled", "vctk_p225_001.wav": "cancelled"}
    assert "Cancelled" in window.activity.summary.text()
    assert list_assets(new_vault) == []
    report = check_vault(new_vault)
    assert not report.problems and not report.notes, (report.problems, report.notes)
    leftovers = [p for p in new_vault.root.rglob("*") if p.is_file() and ".tmp" in p.name]
    assert leftovers == []


def test_when_the_renderer_crashes_then_the_viewport_offers_a_restart_and_the_app_goes_on(qtbot, make_window,
                                                                                          new_vault, talent):
    (r,) = ingest_paths(new_vault, talent.id, [TESTDATA / "scans" / "stanford-bunny.obj"])
    window = make_window()
    qtbot.waitUntil(lambda: window.library.model.rowCount() == 1, timeout=10_000)
    viewport = window.detail.scan.viewport
    window.library.select(r.asset_id)
    qtbot.waitUntil(lambda: viewport.image is not None and not viewport.image_moving, timeout=LONG)
    still = window.tasks.renders.thread.preview.still  # the app's one render pool
    qtbot.waitUntil(lambda: still.alive, timeout=10_000)
    os.kill(still.pid, signal.SIGKILL)
    window.detail.scan.view_buttons["side"].click()
    qtbot.waitUntil(lambda: viewport.error is not None, timeout=LONG)
    assert viewport.message.isVisible() and "Preview unavailable" in viewport.message.text()
    assert viewport.restart_button.isVisible()
    assert window.isVisible() and window.talents.list.count() == 1
    shown = viewport.frames_shown
    viewport.restart_button.click()
    qtbot.waitUntil(lambda: viewport.frames_shown > shown and not viewport.image_moving, timeout=LONG)
    assert viewport.error is None and foreground(image_array(viewport.image)) > 0.05
    assert not check_vault(new_vault).problems
