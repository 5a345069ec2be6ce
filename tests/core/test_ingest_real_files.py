"""Every real scan and voice take in the shared test data is analysed, and its figures agree with
what the format's own library says about it (computed here, independently of the ingest code)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from studio.core.errors import UnsupportedFormat
from studio.core.ingest import Analysis, DerivedFile, analyse

TESTDATA = Path(__file__).resolve().parents[2].parent / "shared" / "testdata"
SCANS = TESTDATA / "scans"
VOICE = TESTDATA / "voice"
NOTES = {".md", ".txt"}  # licence notes that sit next to the data


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def _ids(paths: list[Path]) -> list[str]:
    return [str(p.relative_to(TESTDATA)) for p in paths]


SCAN_FILES = [p for p in _files(SCANS) if p.suffix.lower() not in NOTES]
VOICE_FILES = [p for p in _files(VOICE) if p.suffix.lower() not in NOTES]
NOTE_FILES = [p for p in _files(SCANS) + _files(VOICE) if p.suffix.lower() in NOTES]


# -- independent figures -------------------------------------------------------------------------

def _ply_expected(path: Path) -> tuple[str, int, int]:
    """(kind, vertices, triangles) straight from plyfile: polygons count n - 2 triangles,
    strips count one triangle per window of three that has no -1 and no repeated index."""
    from plyfile import PlyData

    data = PlyData.read(str(path))
    names = [e.name for e in data.elements]
    vertices = data["vertex"].count
    triangles = 0
    if "face" in names and data["face"].count:
        prop = data["face"].properties[0].name
        triangles += sum(max(0, len(row) - 2) for row in data["face"].data[prop])
    if "tristrips" in names:
        for row in data["tristrips"].data[data["tristrips"].properties[0].name]:
            strip: list[int] = []
            for index in list(row) + [-1]:
                if index == -1:
                    triangles += sum(1 for i in range(len(strip) - 2) if len(set(strip[i:i + 3])) == 3)
                    strip = []
                else:
                    strip.append(int(index))
    return ("mesh" if triangles else "point_cloud"), vertices, triangles


def _trimesh_expected(path: Path) -> tuple[int, int, np.ndarray]:
    import trimesh

    mesh = trimesh.load_scene(str(path), process=False).to_mesh()
    return len(mesh.vertices), len(mesh.faces), np.asarray(mesh.vertices)


def _pcd_expected(path: Path) -> tuple[int, np.ndarray]:
    import open3d as o3d

    header = {}
    with open(path, "rb") as f:
        for line in f:
            words = line.decode("ascii", "replace").split()
            if words and not words[0].startswith("#"):
                header[words[0]] = words[1:]
            if words and words[0] == "DATA":
                break
    cloud = o3d.io.read_point_cloud(str(path), remove_nan_points=False, remove_infinite_points=False)
    return int(header["POINTS"][0]), np.asarray(cloud.points)


def _check_bbox(metrics: dict, raw: np.ndarray) -> None:
    raw = raw[np.isfinite(raw).all(axis=1)]
    bbox = metrics["bbox_m"]
    scale = bbox["scale_to_m"]
    extent = raw.max(axis=0) - raw.min(axis=0)
    assert bbox["unit_guess"] == ("m" if extent.max() <= 3.5 else "cm" if extent.max() <= 350 else "mm")
    assert np.allclose(bbox["size"], extent * scale, atol=1e-3)
    assert np.allclose(bbox["min"], raw.min(axis=0) * scale, atol=1e-3)
    assert np.allclose(bbox["max"], raw.max(axis=0) * scale, atol=1e-3)
    assert metrics["height_m"] == pytest.approx(extent.max() * scale, abs=1e-3)
    assert metrics["up_axis"] == "xyz"[int(np.argmax(extent))]


# -- scans ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", SCAN_FILES, ids=_ids(SCAN_FILES))
def test_when_a_real_scan_is_analysed_then_its_counts_and_box_match_its_own_library(path: Path):
    result = analyse(path)
    assert isinstance(result, Analysis)
    json.dumps(result.metrics)  # the catalog stores it as JSON
    assert all(c.is_file() and c.parent == path.parent.resolve() for c in result.companions)
    suffix = path.suffix.lower()
    if suffix == ".ply":
        kind, vertices, triangles = _ply_expected(path)
        assert (result.kind, result.format, result.media_type) == (kind, "ply", "application/x-ply")
        from plyfile import PlyData

        v = PlyData.read(str(path))["vertex"].data
        raw = np.column_stack([v["x"], v["y"], v["z"]]).astype(float)
        if kind == "mesh":
            assert (result.metrics["vertices"], result.metrics["faces"]) == (vertices, triangles)
        else:
            assert result.metrics["points_total"] == vertices
    elif suffix in (".obj", ".glb", ".gltf", ".stl", ".off"):
        vertices, faces, raw = _trimesh_expected(path)
        assert result.kind == "mesh" and result.format == suffix[1:]
        assert (result.metrics["vertices"], result.metrics["faces"]) == (vertices, faces)
    elif suffix == ".pcd":
        total, raw = _pcd_expected(path)
        assert (result.kind, result.format, result.media_type) == ("point_cloud", "pcd", "application/x-pcd")
        assert result.metrics["points_total"] == total
        assert result.metrics["points"] == int(np.isfinite(raw).all(axis=1).sum())
        if result.metrics["points"] < total:
            assert any("invalid" in w for w in result.warnings)
    elif suffix == ".xyz":
        raw = np.loadtxt(path, ndmin=2)[:, :3]
        assert (result.kind, result.format) == ("point_cloud", "xyz")
        assert result.metrics["points"] == result.metrics["points_total"] == len(raw)
    else:
        pytest.fail(f"no independent check for {path.name}: add one")
    _check_bbox(result.metrics, raw)
    if result.kind == "mesh":
        assert isinstance(result.metrics["watertight"], bool)
        for flag in ("has_colors", "has_texture", "has_normals"):
            assert isinstance(result.metrics[flag], bool)
        assert [d.role for d in result.derived] == (["lod"] if result.metrics["faces"] > 200_000 else [])


def test_when_the_igea_strip_scan_is_analysed_then_a_smaller_lod_of_the_same_shape_is_derived():
    import trimesh

    path = SCANS / "igea.ply"
    result = analyse(path)
    (lod,) = result.derived
    assert isinstance(lod, DerivedFile) and (lod.role, lod.media_type) == ("lod", "model/ply")
    assert lod.data.startswith(b"ply\nformat binary_little_endian 1.0\n")
    preview = trimesh.load(trimesh.util.wrap_as_stream(lod.data), file_type="ply", process=False)
    assert 0 < len(preview.faces) <= 150_000 < result.metrics["faces"]
    extent = max(result.metrics["bbox_m"]["size"]) / result.metrics["bbox_m"]["scale_to_m"]
    assert np.allclose(preview.extents.max(), extent, rtol=0.05)


def test_when_a_kinect_frame_with_invalid_pixels_is_analysed_then_only_finite_points_are_measured():
    result = analyse(SCANS / "pointclouds" / "person.pcd")
    assert result.metrics["points_total"] == 640 * 480
    assert 0 < result.metrics["points"] < result.metrics["points_total"]
    assert any(f"{640 * 480 - result.metrics['points']:,}" in w for w in result.warnings)


@pytest.mark.parametrize("path", NOTE_FILES, ids=_ids(NOTE_FILES))
def test_when_a_licence_note_is_analysed_then_it_is_unsupported_as_a_text_file(path: Path):
    with pytest.raises(UnsupportedFormat, match="text file"):
        analyse(path)


# -- voice ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("path", VOICE_FILES, ids=_ids(VOICE_FILES))
def test_when_a_real_voice_take_is_analysed_then_its_figures_match_a_full_decode(path: Path):
    import soundfile as sf

    info = sf.info(str(path))
    samples, rate = sf.read(str(path), dtype="float64", always_2d=True)
    result = analyse(path)
    m = result.metrics
    json.dumps(m)
    assert result.kind == "voice"
    assert result.format == {".wav": "wav", ".flac": "flac", ".opus": "opus", ".mp3": "mp3",
                             ".sph": "nist-sphere"}[path.suffix.lower()]
    assert (m["sample_rate"], m["channels"], m["frames"]) == (info.samplerate, info.channels, len(samples))
    assert m["frames"] == info.frames
    assert m["duration_s"] == pytest.approx(info.frames / info.samplerate, abs=1e-3)
    assert m["sample_format"] == info.subtype
    expected_bits = {"PCM_16": 16, "PCM_24": 24, "PCM_S8": 8, "PCM_U8": 8, "FLOAT": 32, "DOUBLE": 64}
    assert m["bit_depth"] == expected_bits.get(info.subtype)
    peak = np.abs(samples).max()
    assert m["peak_dbfs"] == pytest.approx(20 * math.log10(peak), abs=0.05)
    assert m["rms_dbfs"] == pytest.approx(10 * math.log10(np.mean(samples ** 2)), abs=0.05)
    assert m["clipping_ratio"] == pytest.approx(np.mean(np.abs(samples) >= 0.999), abs=1e-6)
    assert m["snr_db"] is None or 0 <= m["snr_db"] < 120
    assert m["noise_floor_dbfs"] is None or m["noise_floor_dbfs"] <= m["peak_dbfs"]
    (wave,) = result.derived
    assert (wave.role, wave.media_type) == ("waveform", "application/json")
    w = json.loads(wave.data)
    assert w["version"] == 1 and w["sample_rate"] == info.samplerate
    assert w["buckets"] == min(2000, info.frames) == len(w["min"]) == len(w["max"]) == len(w["rms"])
    mono = samples.mean(axis=1)
    assert min(w["min"]) == pytest.approx(mono.min(), abs=1e-4)
    assert max(w["max"]) == pytest.approx(mono.max(), abs=1e-4)
    assert all(lo <= r + 1e-4 and lo <= hi for lo, hi, r in zip(w["min"], w["max"], w["rms"]))
    assert not any(w.startswith("truncated") for w in result.warnings)
