"""The preview of a 10 M-triangle scan in the app (DR023): where the full scan does not fit in
the memory a render may use, the viewport shows the finest level that does and says so."""

from __future__ import annotations

from tests.ui.helpers import foreground, image_array

LONG = 240_000


def test_when_a_big_scan_does_not_fit_in_memory_then_the_viewport_shows_the_lod_and_a_notice(
        qtbot, make_window, big_scan_10m, monkeypatch):
    monkeypatch.setenv("STUDIO_RENDER_MEMORY_MB", "256")  # a machine with little memory free
    vault = big_scan_10m.open_vault()
    try:
        window = make_window(vault)
        qtbot.waitUntil(lambda: window.library.model.rowCount() == 1, timeout=30_000)
        viewport = window.detail.scan.viewport
        window.library.select(big_scan_10m.asset_ids["body"])
        qtbot.waitUntil(lambda: viewport.image is not None and not viewport.image_moving, timeout=LONG)
        assert foreground(image_array(viewport.image)) > 0.02
        assert viewport.notice.isVisible()
        assert "of 10.0 M triangles" in viewport.notice.text() and "more memory" in viewport.notice.text()
        window.close()
    finally:
        vault.close()


def test_when_a_big_scan_is_selected_then_a_finer_level_shows_first_and_the_full_scan_follows(
        qtbot, make_window, big_scan_10m):
    vault = big_scan_10m.open_vault()
    try:
        window = make_window(vault)
        qtbot.waitUntil(lambda: window.library.model.rowCount() == 1, timeout=30_000)
        viewport = window.detail.scan.viewport
        notices: list[str] = []
        viewport.frameShown.connect(lambda moving: None if moving else notices.append(
            viewport.notice.text() if viewport.notice.isVisible() else ""))
        window.library.select(big_scan_10m.asset_ids["body"])
        qtbot.waitUntil(lambda: "" in notices, timeout=LONG)  # a still with no notice: the full scan
        # the still before it was the ~1 M-face level, saying the full detail follows
        assert len(notices) >= 2 and "of 10.0 M triangles" in notices[0] and "follows" in notices[0], notices
        assert foreground(image_array(viewport.image)) > 0.02
        window.close()
    finally:
        vault.close()
