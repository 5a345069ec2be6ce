"""The Open3D preview renderer, for real (software Vulkan where there is no GPU): scans from the
vault render to non-blank images, views and modes differ, and a renderer crash is contained."""

from __future__ import annotations

import os
import signal

import numpy as np
import pytest

from studio.core.errors import InvalidInput, RenderUnavailable
from studio.core.intake import ingest_paths
from studio.core.render.geometry import geometry_for_asset
from studio.core.render.service import RenderService
from studio.core.render.still import parse_size, render_still
from studio.core.render.views import camera_for
from tests.conftest import TESTDATA

SCANS = TESTDATA / "scans"
W, H = 240, 180


@pytest.fixture(scope="module")
def service():
    with RenderService(timeout=240) as svc:
        yield svc


def _foreground(rgb: np.ndarray) -> float:
    """Share of pixels that differ from the background colour of the corner."""
    return float((np.abs(rgb.astype(int) - rgb[0, 0].astype(int)).sum(axis=2) > 30).mean())


def test_when_a_scan_is_rendered_from_the_vault_then_views_and_modes_show_the_scan(new_vault, talent, service):
    (r,) = ingest_paths(new_vault, talent.id, [SCANS / "stanford-bunny.obj"])
    _, geometry = geometry_for_asset(new_vault, r.asset_id)
    assert geometry.is_mesh and len(geometry.triangles) == get_faces(new_vault, r.asset_id)
    lo, hi = geometry.bounds()
    front = service.render(r.asset_id, W, H, camera_for(lo, hi, "front"), geometry=geometry)
    assert front.shape == (H, W, 3) and front.dtype == np.uint8
    assert 0.05 < _foreground(front) < 0.9
    side = service.render(r.asset_id, W, H, camera_for(lo, hi, "side"))  # same child, no reload
    assert np.abs(front.astype(int) - side.astype(int)).mean() > 2
    orbited = service.render(r.asset_id, W, H, camera_for(lo, hi, "front").orbit(30, 15))
    assert not np.array_equal(orbited, front)
    wire = service.render(r.asset_id, W, H, camera_for(lo, hi, "front"), mode="wireframe")
    points = service.render(r.asset_id, W, H, camera_for(lo, hi, "front"), mode="points")
    assert _foreground(wire) > 0.01 and _foreground(points) > 0.01
    assert not np.array_equal(wire, front) and not np.array_equal(points, front)


def get_faces(vault, asset_id) -> int:
    from studio.core.assets import get_asset

    return get_asset(vault, asset_id).metrics["faces"]


def test_when_a_strip_scan_and_a_point_cloud_are_rendered_then_both_show(new_vault, talent, service, tmp_path):
    results = ingest_paths(new_vault, talent.id, [SCANS / "igea.ply", SCANS / "pointclouds" / "ism_train_michael.pcd"])
    for r in results:
        out = tmp_path / f"{r.asset_id}.png"
        render_still(new_vault, r.asset_id, out, (W, H), "three-quarter", service=service)
        from PIL import Image

        rgb = np.asarray(Image.open(out).convert("RGB"))
        assert rgb.shape == (H, W, 3)
        assert _foreground(rgb) > 0.01, r.path


def test_when_the_renderer_crashes_then_the_caller_gets_a_clear_error_and_can_restart(new_vault, talent):
    (r,) = ingest_paths(new_vault, talent.id, [SCANS / "stanford-bunny_zipper_res2.ply"])
    _, geometry = geometry_for_asset(new_vault, r.asset_id)
    camera = camera_for(*geometry.bounds())
    with RenderService(timeout=240) as svc:
        svc.render(r.asset_id, W, H, camera, geometry=geometry)
        os.kill(svc.pid, signal.SIGKILL)
        with pytest.raises(RenderUnavailable, match="restart"):
            svc.render(r.asset_id, W, H, camera)
        svc.restart()
        image = svc.render(r.asset_id, W, H, camera, geometry=geometry)
        assert _foreground(image) > 0.02
    assert new_vault.blobs.verify(get_asset_sha(new_vault, r.asset_id)) > 0  # the vault never noticed


def get_asset_sha(vault, asset_id) -> str:
    from studio.core.assets import get_asset

    return get_asset(vault, asset_id).sha256


def test_when_a_voice_take_or_a_bad_size_is_asked_for_then_render_refuses(new_vault, talent, tmp_path):
    (r,) = ingest_paths(new_vault, talent.id, [TESTDATA / "voice" / "cmu_arctic_us_axb_a0005.wav"])
    with pytest.raises(InvalidInput, match="voice recording"):
        render_still(new_vault, r.asset_id, tmp_path / "x.png")
    with pytest.raises(InvalidInput, match="WIDTHxHEIGHT"):
        parse_size("big")
    with pytest.raises(InvalidInput, match="outside"):
        parse_size("10x100000")
    assert not (tmp_path / "x.png").exists()


@pytest.mark.parametrize("extent_m", [0.0001, 0.01, 1.0, 1000.0])
def test_when_a_cube_of_any_size_is_rendered_then_it_fills_its_frame(new_vault, talent, service, tmp_path, extent_m):
    """A 12-triangle cube from a tenth of a millimetre to a kilometre across: the camera fits
    it, and the renderer's near and far planes follow (a fixed near plane of 0.1 m left a
    centimetre cube out of its frame)."""
    import trimesh

    path = tmp_path / f"cube-{extent_m}.ply"
    trimesh.creation.box(extents=(extent_m,) * 3).export(path)
    (r,) = ingest_paths(new_vault, talent.id, [path])
    _, geometry = geometry_for_asset(new_vault, r.asset_id)
    assert len(geometry.triangles) == 12
    lo, hi = geometry.bounds()
    front = service.render(r.asset_id, W, H, camera_for(lo, hi, "three-quarter"), geometry=geometry)
    assert 0.05 < _foreground(front) < 0.9
