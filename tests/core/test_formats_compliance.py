"""Compliance over every file in ../shared/testdata (scans, voice, malformed): for each file that
ingest accepts, the preview's geometry loader and the watermark read the same points, and the
watermark marks exactly the samples ingest measured. Any reader drifting from another fails here.

Each file is analysed once for the module (about 10 s for the whole set on the 2-core machine).
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from studio.core.errors import StudioError, UnsupportedFormat
from studio.core.ingest import analyse
from studio.core.package import watermark as W
from studio.core.package.watermark import Unmarkable
from studio.core.package.watermark_mesh import read_vertices
from studio.core.render.geometry import geometry_from_bytes
from tests.conftest import TESTDATA

KEY = bytes(range(32))


@pytest.fixture(scope="module")
def accepted() -> list[tuple[Path, object]]:
    """(path, analysis) of every test file that ingest accepts."""
    out = []
    for path in sorted(p for p in TESTDATA.rglob("*") if p.is_file()):
        try:
            out.append((path, analyse(path)))
        except StudioError:
            continue
    return out


def _companions(path: Path, analysis) -> dict[str, bytes]:
    return {os.path.relpath(c, path.parent): Path(c).read_bytes() for c in analysis.companions}


def _rows(points: np.ndarray) -> set[tuple]:
    return {tuple(r) for r in np.asarray(points, np.float32)[np.isfinite(points).all(axis=1)].tolist()}


def test_when_ingest_accepts_a_scan_then_the_preview_and_the_watermark_read_the_same_points(accepted):
    scans = [(p, a) for p, a in accepted if a.kind in ("mesh", "point_cloud")]
    assert len(scans) >= 40, "the shared test data holds dozens of readable scans"
    compared = {"preview": 0, "watermark": 0}
    for path, analysis in scans:
        data = path.read_bytes()
        try:
            geometry = geometry_from_bytes(data, analysis.kind, analysis.format, _companions(path, analysis))
        except UnsupportedFormat as exc:  # a gap both sides name: ingest warns, the preview refuses
            assert any("no 3D preview" in w for w in analysis.warnings), (path, exc)
            continue
        compared["preview"] += 1
        m = analysis.metrics
        if analysis.kind == "point_cloud":
            # a cloud bigger than what fits in memory is an even subsample that names the full count
            assert (geometry.full_count or len(geometry.positions)) == m["points"], path
            assert geometry.triangles is None, path
        elif analysis.format == "ply":  # read by the same PLY reader: same order, same count
            assert (len(geometry.positions), len(geometry.triangles)) == (m["vertices"], m["faces"]), path
        else:  # trimesh formats: ingest merges an STL's repeated corners, the preview draws them as stored
            assert len(geometry.triangles) == m["faces"], path
        scale = m["bbox_m"]["scale_to_m"]
        lo, hi = geometry.bounds()
        assert np.allclose(lo * scale, m["bbox_m"]["min"], atol=1e-3), path
        assert np.allclose(hi * scale, m["bbox_m"]["max"], atol=1e-3), path
        if analysis.format not in W.MESH_FORMATS:
            continue
        try:
            with open(path, "rb") as f:
                marked = read_vertices(analysis.format, f)
        except Unmarkable:
            continue  # a layout the marker refuses before writing anything (see test_watermark)
        compared["watermark"] += 1
        if analysis.format == "ply":
            finite = marked[np.isfinite(marked).all(axis=1)]
            if analysis.kind == "mesh":
                assert len(marked) == m["vertices"], path
            assert np.array_equal(finite.astype(np.float32), geometry.positions[:len(finite)]) and \
                len(finite) == len(geometry.positions), path
        else:  # OBJ: trimesh keeps the vertices faces use (repeated per texture / normal corner):
            assert _rows(geometry.positions) <= _rows(marked), path  # every one drawn is one marked
    assert compared["preview"] >= 35 and compared["watermark"] >= 20, compared


def test_when_ingest_accepts_a_voice_take_then_the_watermark_marks_exactly_the_samples_measured(accepted):
    takes = [(p, a) for p, a in accepted if a.kind == "voice" and a.format in W.AUDIO_FORMATS]
    assert len(takes) >= 20
    marked_count = 0
    for path, analysis in takes:
        data = path.read_bytes()
        out = io.BytesIO()
        try:
            amplitude = W.default_amplitude("audio", analysis.format, None, data[:1 << 16])
            W.mark(analysis.format, io.BytesIO(data), out, KEY, amplitude)
        except Unmarkable:
            continue  # companded, odd bit depths: refused before writing (see test_watermark)
        marked_count += 1
        original, rate = sf.read(io.BytesIO(data), dtype="float64", always_2d=True)
        copy, copy_rate = sf.read(io.BytesIO(out.getvalue()), dtype="float64", always_2d=True)
        m = analysis.metrics
        assert (len(original), original.shape[1], rate) == (m["frames"], m["channels"], m["sample_rate"]), path
        assert copy.shape == original.shape and copy_rate == rate, path
        step = np.abs(copy - original)
        moved = step[step > 0]
        # every sample moved by the same small step, but one at full scale that the mark would push
        # over (clipped back): the marker's sample boundaries are the decoder's
        assert len(moved) and moved.max() <= 2 ** -4, path  # one LSB of 16 bits; one step of 5-bit samples
        assert np.quantile(moved, 0.99) == pytest.approx(moved.max(), rel=1e-6), path
        assert np.all(np.abs(original[step == 0]) >= 1 - 2 * moved.max()), path
    assert marked_count >= 15
