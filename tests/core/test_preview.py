"""The interactive preview's core: the LOD turns at reduced resolution, the full scan renders
when still, a warm spare child takes the next scan, and thumbnails are stored encrypted."""

from __future__ import annotations

import numpy as np
import pytest

from studio.core.assets import get_asset
from studio.core.derived import add_derived
from studio.core.intake import ingest_paths
from studio.core.render.preview import Preview, motion_size, open_scene
from studio.core.render.service import RenderService
from studio.core.render.thumbnails import THUMB_SIZE, ensure_thumbnail, stored_thumbnail
from studio.core.vault import audit
from studio.core.check import check_vault
from tests.conftest import TESTDATA

SCANS = TESTDATA / "scans"


def _foreground(rgb: np.ndarray) -> float:
    return float((np.abs(rgb.astype(int) - rgb[0, 0].astype(int)).sum(axis=2) > 30).mean())


@pytest.fixture(scope="module")
def preview():
    p = Preview(spare=True)
    yield p
    p.close()


def test_when_a_large_scan_is_previewed_then_the_lod_turns_small_and_the_full_scan_renders_still(new_vault, talent, preview):
    (r,) = ingest_paths(new_vault, talent.id, [SCANS / "igea.ply"])  # 268 k triangles: has an LOD
    scene = open_scene(new_vault, r.asset_id)
    assert scene.full is None, "the full scan is decrypted only when a still frame needs it"
    lod_faces = len(scene.motion.triangles)
    assert lod_faces < get_asset(new_vault, r.asset_id).metrics["faces"] / 2

    moving = preview.frame(new_vault, scene, scene.home, "shaded", (320, 240), moving=True)
    assert moving.shape == (120, 160, 3) == motion_size(320, 240)[::-1] + (3,)
    assert _foreground(moving) > 0.05
    still = preview.frame(new_vault, scene, scene.home, "shaded", (320, 240), moving=False)
    assert still.shape == (240, 320, 3) and _foreground(still) > 0.05
    # the still child holds the full scan; this process dropped its copy once it was sent
    assert preview.still.held[1] == get_asset(new_vault, r.asset_id).metrics["faces"] > lod_faces
    assert scene.full is None and scene.reduced is None

    turned = preview.frame(new_vault, scene, scene.home.orbit(90, 0), "shaded", (320, 240), moving=False)
    assert np.abs(turned.astype(int) - still.astype(int)).mean() > 2, "an orbit changes the image"


def test_when_a_second_scan_is_opened_then_a_warm_spare_child_draws_it(new_vault, talent, preview):
    r1, r2 = ingest_paths(new_vault, talent.id, [SCANS / "stanford-bunny.obj", SCANS / "nefertiti.obj"])
    s1 = open_scene(new_vault, r1.asset_id)
    preview.frame(new_vault, s1, s1.home, "shaded", (200, 150), moving=False)
    first_pid = preview.still.pid
    spare = preview.still._spare
    assert spare is not None and spare[0].is_alive(), "a spare child waits after the first frame"
    s2 = open_scene(new_vault, r2.asset_id)
    img = preview.frame(new_vault, s2, s2.home, "points", (200, 150), moving=False)
    assert preview.still.pid == spare[0].pid != first_pid
    assert _foreground(img) > 0.02


def test_when_a_thumbnail_is_asked_for_then_it_is_rendered_once_and_stored_encrypted(new_vault, talent):
    (r,) = ingest_paths(new_vault, talent.id, [SCANS / "stanford-bunny_zipper_res2.ply"])
    assert stored_thumbnail(new_vault, r.asset_id) is None
    with RenderService() as service:
        png = ensure_thumbnail(new_vault, r.asset_id, service)
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        from PIL import Image
        import io
        assert Image.open(io.BytesIO(png)).size == THUMB_SIZE
        service.close()
        assert ensure_thumbnail(new_vault, r.asset_id, service) == png, "the second call reads the stored one"
        assert not service.alive, "no render was needed the second time"
    thumb = get_asset(new_vault, r.asset_id).file("thumbnail")
    blob = new_vault.derived.path_for(thumb.sha256).read_bytes()
    assert png[:64] not in blob and blob.startswith(b"age-encryption.org/v1")
    assert add_derived(new_vault, r.asset_id, "thumbnail", "image/png", b"other") is False
    actions = [e["action"] for e in audit.list_events(new_vault)]
    assert actions.count("asset.derived") == 1
    report = check_vault(new_vault)
    assert not report.problems, report.problems


def test_when_a_voice_take_asks_for_a_thumbnail_then_there_is_none(new_vault, talent):
    (r,) = ingest_paths(new_vault, talent.id, [TESTDATA / "voice" / "vctk_p225_001.wav"])
    assert ensure_thumbnail(new_vault, r.asset_id, RenderService()) is None


def test_when_the_renderer_fails_on_a_thumbnail_then_the_failure_is_raised_and_logged(new_vault, talent, caplog):
    import logging

    from studio.core.errors import RenderUnavailable

    (r,) = ingest_paths(new_vault, talent.id, [SCANS / "stanford-bunny_zipper_res2.ply"])
    with RenderService(timeout=0.001) as service:  # a renderer that never answers in time
        with caplog.at_level(logging.WARNING, logger="studio.core.render.thumbnails"):
            with pytest.raises(RenderUnavailable, match="did not answer in time"):
                ensure_thumbnail(new_vault, r.asset_id, service)
    assert any(r.asset_id in rec.getMessage() and "did not answer" in rec.getMessage() for rec in caplog.records)
    assert stored_thumbnail(new_vault, r.asset_id) is None
