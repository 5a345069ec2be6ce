"""Under a dark palette (the system's dark theme) the 3D preview's background turns dark and
back when the palette does, and the checked view toggle stands out from the unchecked ones."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from studio.core.intake import ingest_paths
from studio.core.talents import add_talent
from tests.conftest import TESTDATA
from tests.ui.helpers import foreground, image_array

SCAN = TESTDATA / "scans" / "stanford-bunny.obj"
RENDER_TIMEOUT = 120_000


def dark_palette() -> QPalette:
    """A dark palette as Fusion's dark themes make it (its Highlight orange, unlike the light palette's blue)."""
    p = QPalette()
    for role, rgb in ((QPalette.Window, (45, 45, 48)), (QPalette.WindowText, (230, 230, 230)),
                      (QPalette.Base, (30, 30, 32)), (QPalette.AlternateBase, (45, 45, 48)),
                      (QPalette.Text, (230, 230, 230)), (QPalette.Button, (53, 53, 56)),
                      (QPalette.ButtonText, (230, 230, 230)), (QPalette.Highlight, (214, 120, 36)),
                      (QPalette.HighlightedText, (255, 255, 255))):
        p.setColor(role, QColor(*rgb))
    return p


@pytest.fixture
def app_palette(qapp):
    """Sets the app's palette for the test (``app_palette(p)``); the original comes back after."""
    original = QPalette(qapp.palette())
    try:
        yield qapp.setPalette
    finally:
        qapp.setPalette(original)


def _lightness(rgb: np.ndarray) -> int:
    return QColor(*(int(c) for c in rgb)).lightness()


def test_the_preview_background_follows_a_dark_palette_and_back(qtbot, make_window, new_vault, app_palette):
    original = QPalette(QApplication.palette())
    assert original.color(QPalette.Window).lightness() >= 128, "the test starts from a light palette"
    talent = add_talent(new_vault, "Ada Lovelace")
    (result,) = ingest_paths(new_vault, talent.id, [SCAN])
    assert result.status == "ingested"
    app_palette(dark_palette())
    window = make_window()
    qtbot.waitUntil(lambda: window.library.model.rowCount() == 1, timeout=30_000)
    viewport = window.detail.scan.viewport
    assert window.library.select(result.asset_id)
    qtbot.waitUntil(lambda: viewport.image is not None and not viewport.image_moving, timeout=RENDER_TIMEOUT)
    dark = image_array(viewport.image)
    assert foreground(dark) > 0.05, "the scan is drawn"
    assert _lightness(dark[0, 0]) < 80, dark[0, 0]

    shown = viewport.frames_shown
    app_palette(original)  # the palette changes while the app runs: the next frame is light
    qtbot.waitUntil(lambda: viewport.frames_shown > shown and not viewport.image_moving, timeout=RENDER_TIMEOUT)
    light = image_array(viewport.image)
    assert _lightness(light[0, 0]) > 170, light[0, 0]
    window.close()


def _mean_colour(button) -> np.ndarray:
    return image_array(button.grab().toImage()).reshape(-1, 3).mean(axis=0)


def test_under_a_dark_palette_the_checked_toggle_stands_out(qtbot, make_window, app_palette):
    window = make_window()
    app_palette(dark_palette())
    for checked, unchecked in ((window.detail.scan.mode_buttons["shaded"], window.detail.scan.mode_buttons["points"]),
                               (window.library.grid_button, window.library.list_button)):
        assert checked.isChecked() and not unchecked.isChecked()
        highlight = dark_palette().color(QPalette.Highlight)
        target = np.array((highlight.red(), highlight.green(), highlight.blue()))
        # the new palette reaches the widgets as events: wait for the checked one to take it
        qtbot.waitUntil(lambda: np.abs(_mean_colour(checked) - target).sum() < 120, timeout=10_000)
        on, off = _mean_colour(checked), _mean_colour(unchecked)
        assert np.abs(on - off).sum() > 90, (on, off)
        assert np.abs(on - target).sum() < 120, on
    window.close()
