"""Which way a scan faces and how it is lit, drawn by the real renderer (DR036): the front view
shows the front of a Y-up and of a Z-up body where plain Open3D shows it from that camera, a
headlight lights whatever side is seen, the wireframe is edges over a shaded surface, and points
keep their colours at a size that follows the zoom."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from studio.core.intake import ingest_paths
from studio.core.render.geometry import geometry_for_asset
from studio.core.render.looks import headlight, point_size, unique_edges
from studio.core.render.service import RenderService
from studio.core.render.still import render_still
from studio.core.render.viewer import viewer_camera
from studio.core.render.views import FOV_DEG, camera_for
from tests.conftest import TESTDATA
from tests.generators import coloured_cloud_ply, marked_body_ply

W, H = 240, 320
REPO = __import__("pathlib").Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def service():
    with RenderService(timeout=240) as svc:
        yield svc


def _still(vault, asset_id, tmp_path, view="front", mode=None, service=None, size=(W, H)) -> np.ndarray:
    out = tmp_path / f"{asset_id}-{view}-{mode}.png"
    render_still(vault, asset_id, out, size, view, mode, service=service, overwrite=True)
    return np.asarray(Image.open(out).convert("RGB")).astype(int)


def _object(rgb: np.ndarray) -> np.ndarray:
    """Pixels that differ from the background (the corner's colour)."""
    return np.abs(rgb - rgb[0, 0]).sum(axis=2) > 30


def _red(rgb: np.ndarray) -> np.ndarray:
    return (rgb[..., 0] - np.maximum(rgb[..., 1], rgb[..., 2])) > 50


def _centroid(mask: np.ndarray) -> np.ndarray:
    rows, cols = np.nonzero(mask)
    return np.array([cols.mean(), rows.mean()])


def _reference(scan, tmp_path, camera) -> np.ndarray:
    """Plain Open3D, from the camera given point by point."""
    center, eye, up = camera.eye_and_up()
    out = tmp_path / "reference.png"
    args = [str(scan), str(out), str(W), str(H), *map(str, center + eye + up), str(FOV_DEG)]
    subprocess.run([sys.executable, "-m", "tests.render_reference", *args], cwd=REPO, check=True, timeout=300,
                   capture_output=True)
    return np.asarray(Image.open(out).convert("RGB")).astype(int)


@pytest.mark.parametrize("up", ["y", "z"])
def test_when_a_y_up_or_z_up_body_is_seen_from_the_front_then_its_face_shows_lit_where_open3d_shows_it(
        new_vault, talent, service, tmp_path, up):
    scan = tmp_path / f"body-{up}-up.ply"
    body = marked_body_ply(scan, up)
    (r,) = ingest_paths(new_vault, talent.id, [scan])
    front = _still(new_vault, r.asset_id, tmp_path, "front", service=service)
    back = _still(new_vault, r.asset_id, tmp_path, "back", service=service)

    nose = _red(front)
    assert nose.sum() > 40, "the red nose on the body's front is seen from the front"
    x, y = _centroid(nose)
    assert abs(x - W / 2) < W * 0.08 and y < H * 0.4, "in the middle, at face height"
    assert _red(back).sum() == 0, "and not from the back"

    # plain Open3D, its camera written out: on the front side (the up axis' convention),
    # 10° above the horizon, the bounding sphere in the field of view
    _, geometry = geometry_for_asset(new_vault, r.asset_id)
    camera = camera_for(*geometry.bounds(), "front")
    center, eye, world_up = (np.array(v) for v in camera.eye_and_up())
    direction = (eye - center) / np.linalg.norm(eye - center)
    expected = math.cos(math.radians(10)) * np.array(body["front"]) + math.sin(math.radians(10)) * world_up
    assert np.allclose(direction, expected, atol=1e-6)
    assert world_up[{"y": 1, "z": 2}[up]] == 1.0
    reference = _reference(scan, tmp_path, camera)  # on black, as ours here: silhouettes apart from it
    on_black = service.render(f"{r.asset_id}:black", W, H, camera, geometry=geometry, background=(0, 0, 0))
    ours, theirs = _object(on_black.astype(int)), _object(reference)
    assert (ours & theirs).sum() / (ours | theirs).sum() > 0.95, "the same silhouette"
    assert np.abs(_centroid(_red(reference)) - (x, y)).max() < 4, "the nose in the same place"

    # lit from the camera: the side seen is bright, front and back alike
    background = front[0, 0].mean()
    for image in (front, back):
        mask = _object(image)
        assert image[mask].mean() > 0.5 * background, "the side seen is lit"


def test_when_a_big_scan_is_drawn_as_a_wireframe_then_edges_show_over_its_shaded_surface(
        new_vault, talent, service, tmp_path):
    (r,) = ingest_paths(new_vault, talent.id, [TESTDATA / "scans" / "igea.ply"])  # 268 k triangles
    for size in ((W, H), (640, 480)):
        shaded = _still(new_vault, r.asset_id, tmp_path, "front", "shaded", service, size)
        wire = _still(new_vault, r.asset_id, tmp_path, "front", "wireframe", service, size)
        mask = _object(wire)
        assert abs(int(mask.sum()) - int(_object(shaded).sum())) < 0.1 * mask.sum(), "the whole surface"
        pixels = wire[mask]
        edge = (pixels[:, 2] - pixels[:, 0] > 50)  # the edges' blue, apart from grey and background
        grey = (np.ptp(pixels, axis=1) < 20) & (np.abs(pixels - wire[0, 0]).sum(axis=1) > 30)
        assert 0.05 < edge.mean() < 0.6, f"edges, apart, not one mass ({edge.mean():.2f} of the scan at {size})"
        assert grey.mean() > 0.3, "the shaded surface between them"


def test_when_a_coloured_cloud_is_drawn_then_its_points_keep_their_colours_and_grow_with_the_zoom(
        new_vault, talent, service, tmp_path):
    cloud = tmp_path / "cloud.ply"
    coloured_cloud_ply(cloud)
    (r,) = ingest_paths(new_vault, talent.id, [cloud])
    front = _still(new_vault, r.asset_id, tmp_path, "front", service=service)
    green = (front[..., 1] - np.maximum(front[..., 0], front[..., 2])) > 80
    blue = (front[..., 2] - np.maximum(front[..., 0], front[..., 1])) > 80
    assert green.sum() > 100 and blue.sum() > 100
    assert _centroid(green)[0] < W / 2 < _centroid(blue)[0], "−X on the viewer's left, +X on the right"

    _, geometry = geometry_for_asset(new_vault, r.asset_id)
    home = camera_for(*geometry.bounds(), "front")
    near = service.render("cloud", W, H, home.zoomed(2), "points", geometry=geometry)
    far = service.render("cloud", W, H, home, "points")
    # twice as close, the cloud covers four times the area: points of a fixed size would cover
    # about the same number of pixels, points that grow with the zoom about four times as many
    assert _object(near.astype(int)).sum() > 1.8 * _object(far.astype(int)).sum()  # (some fall outside)


def test_when_a_scan_opens_in_open3ds_viewer_then_it_opens_on_the_same_front_view(tmp_path):
    from studio.core.render.geometry import geometry_from_bytes

    scan = tmp_path / "body.ply"
    body = marked_body_ply(scan, "z")
    geometry = geometry_from_bytes(scan.read_bytes(), "mesh", "ply")
    camera = viewer_camera(geometry)
    center, eye, up = camera_for(*geometry.bounds(), "front").eye_and_up()
    assert np.allclose(camera["lookat"], center) and camera["up"] == up == [0.0, 0.0, 1.0]
    eye_dir = (np.array(eye) - center) / np.linalg.norm(np.array(eye) - center)
    assert np.allclose(camera["front"], eye_dir) and np.dot(camera["front"], body["front"]) > 0.95


def test_when_looks_are_computed_then_edges_are_counted_once_and_light_and_points_follow_the_camera():
    assert unique_edges(np.array([[0, 1, 2], [0, 2, 3]]), 4).tolist() == [[0, 1], [0, 2], [0, 3], [1, 2], [2, 3]]
    light = np.array(headlight([0, 0, 0], [0, 0, 5], [0, 1, 0]))
    assert light @ [0, 0, -1] > 0.9 and light[1] < 0, "from the eye onto the scan, a little from above"
    far, near = (point_size(0.03, d, 600, FOV_DEG) for d in (8.0, 4.0))
    assert near == pytest.approx(2 * far)
