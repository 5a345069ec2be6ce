"""``twin-studio render`` of a 10 M-triangle scan (DR023): it renders without a crash, and where
the full scan does not fit in the memory a render may use, it draws the LOD and says so in one
line on stderr."""

from __future__ import annotations

import re

import numpy as np
from PIL import Image

from tests.conftest import CLI

SIZE = "96x144"


def _foreground(path) -> float:
    rgb = np.asarray(Image.open(path).convert("RGB")).astype(int)
    return float((np.abs(rgb - rgb[0, 0]).sum(axis=2) > 30).mean())


def test_when_a_10m_triangle_scan_is_rendered_then_the_png_shows_it(big_scan_10m, passphrase_file, tmp_path):
    out = tmp_path / "big.png"
    done = CLI(big_scan_10m.root, passphrase_file)("render", big_scan_10m.asset_ids["body"], "--out", str(out),
                                                   "--size", SIZE)
    assert done.returncode == 0, done.stderr[-2000:]
    assert _foreground(out) > 0.05
    # full detail, or (a machine with less memory free) the LOD and the line that says so
    lines = done.stderr.splitlines()
    assert lines == [] or (len(lines) == 1 and "of 10.0 M triangles" in lines[0]), done.stderr


def test_when_the_full_scan_does_not_fit_in_memory_then_render_draws_the_lod_and_says_so(
        big_scan_10m, passphrase_file, tmp_path):
    out = tmp_path / "reduced.png"
    done = CLI(big_scan_10m.root, passphrase_file)("render", big_scan_10m.asset_ids["body"], "--out", str(out),
                                                   "--size", SIZE, env={"STUDIO_RENDER_MEMORY_MB": "256"})
    assert done.returncode == 0, done.stderr[-2000:]
    assert re.fullmatch(r"twin-studio render: showing 0\.\d M of 10\.0 M triangles — full detail needs more "
                        r"memory than this machine has free\n", done.stderr), done.stderr
    assert _foreground(out) > 0.05
