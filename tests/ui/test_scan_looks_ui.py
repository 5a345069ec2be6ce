"""The scan preview's looks in the app (DR036): Wireframe draws edges over the shaded surface,
Front and Back both show a lit scan (the light follows the camera), Points draws points."""

from __future__ import annotations

import numpy as np

from studio.core.intake import ingest_paths
from studio.core.talents import add_talent
from tests.conftest import TESTDATA
from tests.ui.helpers import foreground, image_array

SCAN = TESTDATA / "scans" / "nefertiti.obj"  # Z-up: its front faces −Y
RENDER_TIMEOUT = 120_000


def _still(qtbot, viewport, act) -> np.ndarray:
    shown = viewport.frames_shown
    act()
    qtbot.waitUntil(lambda: viewport.frames_shown > shown and viewport.image is not None
                    and not viewport.image_moving, timeout=RENDER_TIMEOUT)
    return image_array(viewport.image).astype(int)


def _scan(rgb: np.ndarray) -> np.ndarray:
    return rgb[np.abs(rgb - rgb[0, 0]).sum(axis=2) > 30]


def test_when_the_looks_are_switched_then_edges_lie_over_the_lit_surface_and_both_sides_are_lit(
        qtbot, make_window, new_vault):
    talent = add_talent(new_vault, "Ada Lovelace")
    (result,) = ingest_paths(new_vault, talent.id, [SCAN])
    window = make_window()
    qtbot.waitUntil(lambda: window.library.model.rowCount() == 1, timeout=30_000)
    scan, viewport = window.detail.scan, window.detail.scan.viewport
    front = _still(qtbot, viewport, lambda: window.library.select(result.asset_id))
    back = _still(qtbot, viewport, scan.view_buttons["back"].click)
    for image in (front, back):
        assert foreground(image.astype(np.uint8)) > 0.05
        assert _scan(image).mean() > 0.4 * image[0, 0].mean(), "lit from the camera, not a dark side"

    _still(qtbot, viewport, scan.view_buttons["front"].click)
    wire = _scan(_still(qtbot, viewport, scan.mode_buttons["wireframe"].click))
    edges = wire[:, 2] - wire[:, 0] > 50
    grey = np.ptp(wire, axis=1) < 20
    assert 0.05 < edges.mean() < 0.7 and grey.mean() > 0.2, (edges.mean(), grey.mean())

    points = _scan(_still(qtbot, viewport, scan.mode_buttons["points"].click))
    assert len(points) > 0.5 * len(wire) and (points[:, 2] - points[:, 0] > 50).mean() < 0.01, "no edges"
