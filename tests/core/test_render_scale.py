"""Big and textured scans in the renderer (DR023): a textured scan's texture shows in a still, a
thumbnail, the preview's full-detail frame and, as the LOD's colours sampled from it, while orbiting; a binary_compressed PCD is decoded in memory and
drawn; corrupted LZF data is refused with the reason."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from studio.core.errors import InvalidFile
from studio.core.formats.pcd import lzf_decompress
from studio.core.intake import ingest_paths
from studio.core.render.preview import Preview, open_scene
from studio.core.render.service import RenderService
from studio.core.render.still import render_still
from studio.core.render.thumbnails import ensure_thumbnail
from tests.conftest import TESTDATA
from tests.generators import TEXTURE_FRONT_BOTTOM, TEXTURE_FRONT_TOP

W, H = 96, 144


def _foreground(rgb: np.ndarray) -> float:
    return float((np.abs(rgb.astype(int) - rgb[0, 0].astype(int)).sum(axis=2) > 30).mean())


def _hue_at(rgb: np.ndarray, fx: float, fy: float) -> int:
    """Which channel dominates a 5×5 patch at (fx, fy) of the image (0 red, 1 green, 2 blue)."""
    h, w, _ = rgb.shape
    y, x = int(fy * h), int(fx * w)
    patch = rgb[y - 2:y + 3, x - 2:x + 3].reshape(-1, 3).astype(int).mean(axis=0)
    top = int(np.argmax(patch))
    assert patch[top] > 1.6 * np.delete(patch, top).max(), f"no dominant colour at ({fx}, {fy}): {patch}"
    return top


FRONT_TOP, FRONT_BOTTOM = int(np.argmax(TEXTURE_FRONT_TOP)), int(np.argmax(TEXTURE_FRONT_BOTTOM))


def test_when_a_textured_obj_and_glb_are_rendered_then_the_still_shows_the_texture_regions(textured_scans, tmp_path):
    vault = textured_scans.open_vault()
    try:
        with RenderService(timeout=240) as service:
            for name, asset_id in textured_scans.asset_ids.items():
                out = tmp_path / f"{name}.png"
                render_still(vault, asset_id, out, (W, H), "front", service=service)
                rgb = np.asarray(Image.open(out).convert("RGB"))
                # the front of the body faces the camera: red above the waist, blue below
                assert (_hue_at(rgb, 0.5, 0.3), _hue_at(rgb, 0.5, 0.7)) == (FRONT_TOP, FRONT_BOTTOM), name
    finally:
        vault.close()


def test_when_a_textured_scan_is_previewed_then_the_full_detail_frame_and_the_thumbnail_show_the_texture(
        textured_scans):
    vault = textured_scans.open_vault()
    preview = Preview(spare=False)
    try:
        asset_id = textured_scans.asset_ids["obj"]
        scene = open_scene(vault, asset_id)
        still = preview.frame(vault, scene, scene.home, "shaded", (W, H), moving=False)
        assert scene.reduced is None
        assert (_hue_at(still, 0.5, 0.3), _hue_at(still, 0.5, 0.7)) == (FRONT_TOP, FRONT_BOTTOM)
        assert scene.motion.count < scene.asset.metrics["faces"]  # orbiting turns the LOD, which keeps
        moving = preview.frame(vault, scene, scene.home, "shaded", (2 * W, 2 * H), moving=True)  # no UVs:
        assert (_hue_at(moving, 0.5, 0.3), _hue_at(moving, 0.5, 0.7)) == (FRONT_TOP, FRONT_BOTTOM)  # its colours
        with RenderService(timeout=240) as service:
            png = ensure_thumbnail(vault, asset_id, service)
        import io

        thumb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB"))  # three-quarter view: still the front band
        assert (_hue_at(thumb, 0.5, 0.3), _hue_at(thumb, 0.5, 0.7)) == (FRONT_TOP, FRONT_BOTTOM)
    finally:
        preview.close()
        vault.close()


def test_when_a_binary_compressed_pcd_is_previewed_and_rendered_then_its_points_show(new_vault, talent, tmp_path):
    (r,) = ingest_paths(new_vault, talent.id, [TESTDATA / "scans" / "pointclouds" / "person.pcd"])
    assert r.status == "ingested" and not any("preview" in w for w in r.warnings)
    scene = open_scene(new_vault, r.asset_id)
    assert not scene.is_mesh and len(scene.motion.positions) > 10_000
    preview = Preview(spare=False)
    try:
        frame = preview.frame(new_vault, scene, scene.home, "points", (W, H), moving=False)
        assert _foreground(frame) > 0.01
    finally:
        preview.close()
    out = tmp_path / "person.png"
    render_still(new_vault, r.asset_id, out, (W, H), "front")
    assert _foreground(np.asarray(Image.open(out).convert("RGB"))) > 0.01


@pytest.mark.parametrize("block, size, reason", [
    (bytes([5]) + b"abc", 6, "literal run past its end"),        # a run of 6 with 3 bytes left
    (bytes([0]) + b"a" + bytes([0x20, 5]), 4, "back reference out of range"),  # refers before the start
    (bytes([0]) + b"a", 2, "unpacks to 1 bytes"),                # shorter than the header says
    (bytes([0xE0]), 9, "ends in the middle"),                    # a long reference with no length byte
])
def test_when_lzf_data_is_corrupted_then_decompressing_it_is_refused_with_the_reason(block, size, reason):
    with pytest.raises(InvalidFile, match=reason):
        lzf_decompress(block, size)


def test_when_lzf_data_repeats_then_overlapping_references_unpack_it():
    # "ab" then a back reference of 6 bytes at distance 2: "abababab"
    assert bytes(lzf_decompress(bytes([1]) + b"ab" + bytes([(4 << 5) | 0, 1]), 8)) == b"abababab"
