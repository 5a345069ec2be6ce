"""Inputs made by the tests: lying headers, broken content, mislabelled files, companions, LODs,
units, topology, audio QA warnings, progress and cancellation."""

from __future__ import annotations

import json
import struct
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from studio.core.errors import Cancelled, InvalidFile, UnsupportedFormat
from studio.core.ingest import analyse
from studio.core.progress import CancelToken
from tests.generators import sphere_ply

TESTDATA = Path(__file__).resolve().parents[2].parent / "shared" / "testdata"


def _ply(path: Path, vertices, faces=None, *, binary: bool = False, header_vertices: int | None = None) -> Path:
    vertices = np.asarray(vertices, dtype="<f4")
    head = [f"ply", f"format {'binary_little_endian' if binary else 'ascii'} 1.0",
            f"element vertex {header_vertices if header_vertices is not None else len(vertices)}",
            "property float x", "property float y", "property float z"]
    if faces is not None:
        head += [f"element face {len(faces)}", "property list uchar int vertex_indices"]
    head.append("end_header\n")
    out = "\n".join(head).encode()
    if binary:
        out += vertices.tobytes()
        for f in faces if faces is not None else []:
            out += struct.pack("<B", len(f)) + np.asarray(f, "<i4").tobytes()
    else:
        out += "".join(" ".join(repr(float(c)) for c in v) + "\n" for v in vertices).encode()
        out += "".join(f"{len(f)} " + " ".join(map(str, f)) + "\n" for f in (faces or [])).encode()
    path.write_bytes(out)
    return path


def _wav(path: Path, data: np.ndarray, rate: int = 16000, subtype: str = "PCM_16") -> Path:
    sf.write(str(path), data, rate, subtype=subtype, format="WAV")
    return path


TETRA_V = [(0, 0, 0), (1, 0, 0), (0, 1, 0), (0, 0, 1)]
TETRA_F = [(0, 2, 1), (0, 1, 3), (0, 3, 2), (1, 2, 3)]


# -- broken and lying inputs ---------------------------------------------------------------------

def test_when_a_file_is_empty_then_it_is_invalid_with_its_size(tmp_path):
    for name in ("scan.ply", "take.wav", "noext"):
        (tmp_path / name).write_bytes(b"")
        with pytest.raises(InvalidFile, match=r"empty file \(0 bytes\)"):
            analyse(tmp_path / name)


def test_when_a_ply_header_claims_ten_billion_vertices_then_it_is_refused_at_once_without_allocating(tmp_path):
    import studio.core.formats.ply  # noqa: F401  (imports are not what is measured)
    import studio.core.ingest.ply  # noqa: F401

    path = _ply(tmp_path / "liar.ply", TETRA_V, TETRA_F, binary=True, header_vertices=10_000_000_000)
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(InvalidFile, match=r"declares 10,000,000,000 vertices but the file holds at most"):
            analyse(path)
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert time.perf_counter() - start < 5  # milliseconds in practice; generous for a loaded CI machine
    assert peak < 16 * 2**20


def test_when_an_ascii_ply_or_off_claims_more_rows_than_its_bytes_hold_then_it_is_refused(tmp_path):
    _ply(tmp_path / "a.ply", TETRA_V, TETRA_F, header_vertices=5_000_000)
    with pytest.raises(InvalidFile, match="5,000,000 vertices"):
        analyse(tmp_path / "a.ply")
    (tmp_path / "b.off").write_text("OFF\n4 90000000 0\n0 0 0\n1 0 0\n0 1 0\n0 0 1\n3 0 1 2\n")
    with pytest.raises(InvalidFile, match="90,000,000 faces"):
        analyse(tmp_path / "b.off")


def test_when_a_binary_ply_is_truncated_then_it_is_invalid_and_says_truncated(tmp_path):
    full = _ply(tmp_path / "full.ply", TETRA_V, TETRA_F, binary=True).read_bytes()
    cut = tmp_path / "cut.ply"
    cut.write_bytes(full[:-20])
    with pytest.raises(InvalidFile, match="truncated"):
        analyse(cut)


def test_when_vertices_are_nan_or_infinite_then_the_mesh_is_invalid_and_the_count_is_named(tmp_path):
    bad = [(0, 0, 0), (1, float("nan"), 0), (0, 1, 0), (0, 0, float("inf"))]
    with pytest.raises(InvalidFile, match="NaN or infinite coordinates in 2 of 4 vertices"):
        analyse(_ply(tmp_path / "nan.ply", bad, TETRA_F))
    (tmp_path / "nan.obj").write_text("v 0 0 0\nv 1 0 0\nv nan 1 0\nf 1 2 3\n")
    with pytest.raises(InvalidFile, match="NaN or infinite coordinates in 1 of 3 vertices"):
        analyse(tmp_path / "nan.obj")


def test_when_a_face_indexes_a_missing_vertex_then_the_index_and_vertex_count_are_named(tmp_path):
    with pytest.raises(InvalidFile, match="faces index vertex 9 but the mesh has 4 vertices"):
        analyse(_ply(tmp_path / "ply_oob.ply", TETRA_V, [(0, 1, 9), (0, 1, 2)], binary=True))
    (tmp_path / "oob.obj").write_text("v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 7\n")
    with pytest.raises(InvalidFile, match=r"faces index vertex 7 .*but the mesh has 3 vertices"):
        analyse(tmp_path / "oob.obj")
    (tmp_path / "zero.obj").write_text("v 0 0 0\nv 1 0 0\nv 0 1 0\nf 0 1 2\n")
    with pytest.raises(InvalidFile, match="vertex 0"):
        analyse(tmp_path / "zero.obj")


def test_when_an_obj_has_only_vertices_then_it_is_invalid_as_vertices_without_faces(tmp_path):
    (tmp_path / "points.obj").write_text("# scan points\nv 0 0 0\nv 1 0 0\nv 0 1 0\n")
    with pytest.raises(InvalidFile, match="OBJ has vertices but no faces"):
        analyse(tmp_path / "points.obj")


def test_when_a_ply_mesh_has_no_faces_rows_then_it_is_a_point_cloud(tmp_path):
    result = analyse(_ply(tmp_path / "cloud.ply", TETRA_V, []))
    assert result.kind == "point_cloud" and result.metrics["points"] == 4


def test_when_a_wav_has_zero_frames_then_it_is_invalid(tmp_path):
    path = _wav(tmp_path / "empty.wav", np.zeros((0, 1), np.float32))
    assert sf.info(str(path)).frames == 0
    with pytest.raises(InvalidFile, match="audio has no frames"):
        analyse(path)


def test_when_a_wav_is_cut_short_then_it_is_kept_with_a_truncation_warning(tmp_path):
    rng = np.random.default_rng(1)
    full = _wav(tmp_path / "full.wav", 0.3 * rng.standard_normal(16000)).read_bytes()
    cut = tmp_path / "cut.wav"
    cut.write_bytes(full[: 44 + 2 * 6000])
    result = analyse(cut)
    assert result.metrics["frames"] == 6000
    assert "truncated: header says 16,000 frames, 6,000 decoded" in result.warnings
    assert json.loads(result.derived[0].data)["buckets"] == 2000


def test_when_random_bytes_are_analysed_then_they_are_unsupported_whatever_the_name(tmp_path):
    data = np.random.default_rng(7).integers(0, 256, 4096, dtype=np.uint8).tobytes()
    for name in ("noise", "noise.bin", "noise.ply", "noise.wav"):
        (tmp_path / name).write_bytes(b"\x00" + data)
        with pytest.raises(UnsupportedFormat, match="unrecognised binary data"):
            analyse(tmp_path / name)


def test_when_a_library_fails_on_broken_text_then_the_error_is_invalid_file_not_a_raw_exception(tmp_path):
    (tmp_path / "ragged.xyz").write_text("0 0 0\n1 1 1\n2 2 2 2\n")
    with pytest.raises(InvalidFile, match="XYZ data is malformed"):
        analyse(tmp_path / "ragged.xyz")
    (tmp_path / "bad.pcd").write_text("VERSION 0.7\nFIELDS x y z\nSIZE 4 4 4\nTYPE F F F\nCOUNT 1 1 1\n"
                                      "WIDTH 3\nHEIGHT 2\nPOINTS 3\nDATA ascii\n0 0 0\n1 1 1\n2 2 2\n")
    with pytest.raises(InvalidFile, match="WIDTH × HEIGHT = 6 but POINTS = 3"):
        analyse(tmp_path / "bad.pcd")


def test_when_an_xyz_export_has_a_title_row_and_colours_then_points_and_colours_are_read(tmp_path):
    (tmp_path / "scan.xyz").write_text("// exported\nX,Y,Z,R,G,B\n0,0,0,200,180,170\n0.4,1.7,0.3,190,170,160\n")
    result = analyse(tmp_path / "scan.xyz")
    assert (result.kind, result.metrics["points"], result.metrics["has_colors"]) == ("point_cloud", 2, True)
    assert result.metrics["height_m"] == pytest.approx(1.7)


def test_when_a_binary_pcd_is_cut_short_then_it_is_invalid_and_says_truncated(tmp_path):
    head = b"VERSION 0.7\nFIELDS x y z\nSIZE 4 4 4\nTYPE F F F\nCOUNT 1 1 1\nWIDTH 100\nHEIGHT 1\nPOINTS 100\nDATA binary\n"
    (tmp_path / "cut.pcd").write_bytes(head + np.zeros((60, 3), "<f4").tobytes())
    with pytest.raises(InvalidFile, match="truncated"):
        analyse(tmp_path / "cut.pcd")


# -- content, not the name ------------------------------------------------------------------------

def test_when_a_wav_is_renamed_ply_then_both_are_named(tmp_path):
    path = _wav(tmp_path / "take.wav", np.zeros(1600)).rename(tmp_path / "scan.ply")
    with pytest.raises(InvalidFile, match=r"content is WAV audio but the name ends in \.ply"):
        analyse(path)


def test_when_the_extension_is_missing_or_unknown_then_the_content_decides(tmp_path):
    voice = _wav(tmp_path / "a.wav", 0.1 * np.ones(1600)).rename(tmp_path / "take_without_extension")
    assert analyse(voice).format == "wav"
    scan = _ply(tmp_path / "b.ply", TETRA_V, TETRA_F).rename(tmp_path / "scan.capture")
    assert analyse(scan).kind == "mesh"


def test_when_an_extension_is_in_the_same_family_then_it_is_accepted(tmp_path):
    data = 0.1 * np.sin(np.linspace(0, 200, 8000))
    for name, fmt in (("take.wave", "wav"), ("take.bwf", "wav")):
        assert analyse(_wav(tmp_path / name, data)).format == fmt
    ogg = tmp_path / "take.oga"
    sf.write(str(ogg), data, 16000, format="OGG", subtype="VORBIS")
    assert analyse(ogg).format == "ogg-vorbis"
    flac_as_wav = tmp_path / "take.wav"
    sf.write(str(flac_as_wav), data, 16000, format="FLAC")
    with pytest.raises(InvalidFile, match=r"content is FLAC audio but the name ends in \.wav"):
        analyse(flac_as_wav)


def test_when_a_text_file_or_image_is_given_then_it_is_unsupported_naming_what_it_looks_like(tmp_path):
    (tmp_path / "notes.txt").write_text("Session notes: the model held still for the scan.\n")
    with pytest.raises(UnsupportedFormat, match="text file"):
        analyse(tmp_path / "notes.txt")
    (tmp_path / "photo.ply").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    with pytest.raises(UnsupportedFormat, match=r"PNG image is not supported \(name ends in \.ply\)"):
        analyse(tmp_path / "photo.ply")


# -- meshes: companions, strips, measurements, LOD -----------------------------------------------

def test_when_an_obj_uses_a_material_and_texture_then_both_are_companions_and_nothing_outside_the_folder(tmp_path):
    from PIL import Image

    folder = tmp_path / "capture"
    folder.mkdir()
    Image.fromarray(np.full((4, 4, 3), 180, np.uint8)).save(folder / "skin.png")
    Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(tmp_path / "secret.png")
    (folder / "head.mtl").write_text("newmtl skin\nmap_Kd skin.png\nnewmtl other\nmap_Kd ../secret.png\n")
    (folder / "head.obj").write_text("mtllib head.mtl\nv 0 0 0\nv 1 0 0\nv 0 1 0\nv 0 0 1\n"
                                     "vt 0 0\nvt 1 0\nvt 0 1\nusemtl skin\nf 1/1 2/2 3/3\nf 1/1 2/2 4/3\n")
    result = analyse(folder / "head.obj")
    assert result.companions == [(folder / "head.mtl").resolve(), (folder / "skin.png").resolve()]
    assert result.metrics["has_texture"] is True
    with pytest.raises(UnsupportedFormat, match="MTL material library"):
        analyse(folder / "head.mtl")


def test_when_a_ply_uses_triangle_strips_then_they_decode_with_alternating_winding(tmp_path):
    from studio.core.formats.ply import strips_to_triangles

    tris = strips_to_triangles(np.array([0, 1, 2, 3, -1, 4, 5, 6, 6, 7, -1]))
    assert tris.tolist() == [[0, 1, 2], [2, 1, 3], [4, 5, 6]]  # the repeated-index joins are dropped
    verts = np.array([(0, 0, 0), (0, 1, 0), (1, 0, 0), (1, 1, 0)], "<f4")
    head = (b"ply\nformat binary_little_endian 1.0\nelement vertex 4\nproperty float x\nproperty float y\n"
            b"property float z\nelement tristrips 1\nproperty list int int vertex_indices\nend_header\n")
    path = tmp_path / "strip.ply"
    path.write_bytes(head + verts.tobytes() + np.array([4, 0, 1, 2, 3], "<i4").tobytes())
    result = analyse(path)
    assert (result.kind, result.metrics["faces"]) == ("mesh", 2)


@pytest.mark.parametrize(("extent", "unit", "height"), [(1.8, "m", 1.8), (180.0, "cm", 1.8), (1800.0, "mm", 1.8),
                                                        (0.25, "m", 0.25), (250.0, "cm", 2.5)])
def test_when_a_body_is_measured_then_units_are_guessed_from_its_largest_extent(tmp_path, extent, unit, height):
    import trimesh

    box = trimesh.creation.box(extents=(0.3 * extent, extent, 0.2 * extent))
    path = tmp_path / "body.ply"
    path.write_bytes(trimesh.exchange.ply.export_ply(box, encoding="binary"))
    m = analyse(path).metrics
    assert (m["bbox_m"]["unit_guess"], m["up_axis"]) == (unit, "y")
    assert m["height_m"] == pytest.approx(height)
    assert m["bbox_m"]["size"] == pytest.approx([0.3 * height, height, 0.2 * height])
    assert m["watertight"] is True and m["boundary_edges"] == 0


def test_when_a_face_is_missing_then_the_mesh_is_not_watertight_and_the_hole_rim_is_counted(tmp_path):
    m = analyse(_ply(tmp_path / "open.ply", TETRA_V, TETRA_F[:-1])).metrics
    assert m["watertight"] is False and m["boundary_edges"] == 3
    assert analyse(_ply(tmp_path / "closed.ply", TETRA_V, TETRA_F)).metrics["watertight"] is True


def test_when_a_quad_mesh_is_read_then_quads_are_split_into_triangles(tmp_path):
    quad_v = [(0, 0, 0), (1, 0, 0), (1, 1, 0), (0, 1, 0)]
    assert analyse(_ply(tmp_path / "quad.ply", quad_v, [(0, 1, 2, 3)], binary=True)).metrics["faces"] == 2
    mixed = analyse(_ply(tmp_path / "mixed.ply", quad_v, [(0, 1, 2, 3), (0, 1, 2)], binary=True))
    assert mixed.metrics["faces"] == 3


def test_when_a_mesh_has_over_200k_faces_then_a_binary_ply_lod_of_about_100k_faces_is_derived(tmp_path):
    import trimesh

    path = tmp_path / "big.ply"
    sphere = sphere_ply(path)  # 327,680 faces
    result = analyse(path)
    assert result.metrics["faces"] == len(sphere.faces) and result.metrics["watertight"] is True
    (lod,) = result.derived
    assert (lod.role, lod.media_type) == ("lod", "model/ply")
    assert lod.data.startswith(b"ply\nformat binary_little_endian 1.0\n")
    preview = trimesh.load(trimesh.util.wrap_as_stream(lod.data), file_type="ply", process=False)
    assert 70_000 <= len(preview.faces) <= 140_000
    assert np.allclose(preview.bounds, sphere.bounds, atol=0.02)
    small = analyse(_ply(tmp_path / "small.ply", TETRA_V, TETRA_F))
    assert small.derived == []


def test_when_a_gltf_places_a_mesh_twice_then_the_scene_is_flattened_with_transforms(tmp_path):
    import trimesh

    scene = trimesh.Scene()
    box = trimesh.creation.box(extents=(0.2, 0.2, 0.2))
    scene.add_geometry(box, node_name="left", geom_name="box", transform=trimesh.transformations.translation_matrix((-1, 0, 0)))
    scene.add_geometry(box, node_name="right", geom_name="box", transform=trimesh.transformations.translation_matrix((1, 0, 0)))
    path = tmp_path / "pair.glb"
    path.write_bytes(scene.export(file_type="glb"))
    m = analyse(path).metrics
    assert (m["vertices"], m["faces"]) == (2 * len(box.vertices), 2 * len(box.faces))
    assert m["bbox_m"]["size"] == pytest.approx([2.2, 0.2, 0.2])


def test_when_an_stl_is_read_then_shared_corners_are_merged_and_a_lying_count_is_refused(tmp_path):
    import trimesh

    box = trimesh.creation.box(extents=(0.4, 1.7, 0.3))
    path = tmp_path / "body.stl"
    path.write_bytes(trimesh.exchange.stl.export_stl(box))
    m = analyse(path).metrics
    assert (m["vertices"], m["faces"], m["watertight"]) == (8, 12, True)
    data = bytearray(path.read_bytes())
    data[80:84] = struct.pack("<I", 13)
    path.write_bytes(bytes(data))
    with pytest.raises(InvalidFile, match=r"binary STL header declares 13 triangles \(734 bytes\) but the file is 684"):
        analyse(path)


def test_when_a_gltf_is_damaged_or_points_outside_its_folder_then_it_is_refused(tmp_path):
    import trimesh

    scene = trimesh.Scene(trimesh.creation.box())
    glb = scene.export(file_type="glb")
    (tmp_path / "cut.glb").write_bytes(glb[:-40])
    with pytest.raises(InvalidFile, match="GLB header says the file is"):
        analyse(tmp_path / "cut.glb")
    folder = tmp_path / "model"
    folder.mkdir()
    files = scene.export(file_type="gltf")
    doc = json.loads(files["model.gltf"])
    for name, data in files.items():
        (folder / name).write_bytes(data)
    result = analyse(folder / "model.gltf")
    assert result.companions == sorted((folder / b["uri"]).resolve() for b in doc["buffers"])
    (tmp_path / doc["buffers"][0]["uri"]).write_bytes(files[doc["buffers"][0]["uri"]])
    doc["buffers"][0]["uri"] = "../" + doc["buffers"][0]["uri"]
    (folder / "model.gltf").write_text(json.dumps(doc))
    with pytest.raises(InvalidFile, match="refers to a file outside its folder"):
        analyse(folder / "model.gltf")


# -- voice QA ------------------------------------------------------------------------------------

def test_when_a_take_is_clipped_or_silent_or_short_then_it_is_kept_with_warnings(tmp_path):
    t = np.linspace(0, 2, 32000, endpoint=False)
    clipped = analyse(_wav(tmp_path / "loud.wav", np.clip(1.5 * np.sin(2 * np.pi * 220 * t), -1, 1)))
    assert clipped.metrics["clipping_ratio"] > 0.1
    assert any(w.startswith("clipping: ") and "% of samples at full scale" in w for w in clipped.warnings)
    quiet = analyse(_wav(tmp_path / "quiet.wav", 10 ** (-72 / 20) * np.sin(2 * np.pi * 220 * t), subtype="FLOAT"))
    assert "silent: peak -72 dBFS" in quiet.warnings
    short = analyse(_wav(tmp_path / "short.wav", 0.2 * np.ones(3200)))
    assert "very short: 0.200 s" in short.warnings


def test_when_a_take_has_speech_over_a_noise_floor_then_snr_and_floor_are_estimated(tmp_path):
    rng = np.random.default_rng(3)
    rate = 16000
    noise = 0.001 * rng.standard_normal(rate * 4)
    signal = noise.copy()
    signal[rate:3 * rate] += 0.3 * np.sin(2 * np.pi * 200 * np.arange(2 * rate) / rate)
    m = analyse(_wav(tmp_path / "speech.wav", signal, rate, "FLOAT")).metrics
    assert m["noise_floor_dbfs"] == pytest.approx(-60, abs=2)
    assert m["snr_db"] == pytest.approx(20 * np.log10((0.3 / np.sqrt(2)) / 0.001), abs=2)


def test_when_a_long_take_is_measured_then_it_is_streamed_in_blocks_not_loaded_whole(tmp_path):
    import studio.core.ingest.voice  # noqa: F401  (imports are not what is measured)

    rate, seconds = 48000, 120
    path = tmp_path / "long.wav"
    with sf.SoundFile(str(path), "w", rate, 2, "PCM_16") as f:
        block = (0.2 * np.sin(2 * np.pi * 180 * np.arange(rate) / rate)).repeat(2).reshape(-1, 2)
        for _ in range(seconds):
            f.write(block)
    decoded_bytes = rate * seconds * 2 * 4  # the whole take as float32: 46 MB
    tracemalloc.start()
    try:
        result = analyse(path)
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert result.metrics["duration_s"] == seconds
    assert peak < decoded_bytes / 4


# -- progress and cancellation -------------------------------------------------------------------

def test_when_analysing_then_progress_rises_from_zero_to_one(tmp_path):
    seen = []
    analyse(_wav(tmp_path / "take.wav", 0.1 * np.ones(200_000)), progress=seen.append)
    fractions = [p.fraction for p in seen]
    assert fractions[0] == 0 and fractions[-1] == 1
    assert fractions == sorted(fractions) and len(fractions) > 3


def test_when_cancelled_then_analysis_stops_with_cancelled(tmp_path):
    path = _wav(tmp_path / "take.wav", 0.1 * np.ones(400_000))
    token = CancelToken()
    token.cancel()
    with pytest.raises(Cancelled):
        analyse(path, cancel=token)
    token = CancelToken()

    def cancel_midway(p) -> None:
        if p.fraction and p.fraction > 0.1:
            token.cancel()

    with pytest.raises(Cancelled):
        analyse(path, progress=cancel_midway, cancel=token)
