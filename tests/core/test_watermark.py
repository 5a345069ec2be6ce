"""The leak-tracing watermark on real scans and voice takes: marking streams through pipes,
changes nothing but the coordinates / samples, is deterministic and imperceptible; a copy
re-saved in another format is traced to its key and to no other."""

from __future__ import annotations

import io
import os
import threading
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
import trimesh

from studio.core.package import watermark as W
from studio.core.package.watermark import StreamReader, Unmarkable
from studio.core.package.watermark_audio import read_wav_header
from studio.core.package.watermark_mesh import read_vertices
from tests.conftest import TESTDATA
from tests.generators import random_ply

SCANS = TESTDATA / "scans"
VOICE = TESTDATA / "voice"
KEY = bytes(range(32))
OTHER_KEYS = [bytes([n]) * 32 for n in (7, 8, 9)]


def through_pipes(fmt: str, source: bytes | Path, key: bytes, amplitude: float,
                  sink: Path | None = None) -> bytes:
    """Mark ``source`` reading from one OS pipe and writing into another (neither seekable),
    as the packager does; the output is returned, or written to ``sink``."""
    src_r, src_w = os.pipe()
    dst_r, dst_w = os.pipe()
    collected = bytearray()

    def feed() -> None:
        with os.fdopen(src_w, "wb") as pipe:
            try:
                if isinstance(source, Path):
                    with open(source, "rb") as f:
                        while block := f.read(1 << 20):
                            pipe.write(block)
                else:
                    pipe.write(source)
            except BrokenPipeError:
                pass  # the marker stopped reading (Unmarkable)

    def drain() -> None:
        with os.fdopen(dst_r, "rb") as pipe, (open(sink, "wb") if sink else io.BytesIO()) as out:
            while block := pipe.read(1 << 20):
                if sink:
                    out.write(block)
                else:
                    collected.extend(block)

    threads = [threading.Thread(target=feed), threading.Thread(target=drain)]
    for t in threads:
        t.start()
    try:
        with os.fdopen(src_r, "rb") as src, os.fdopen(dst_w, "wb") as dst:
            assert not src.seekable() and not dst.seekable()
            W.mark(fmt, src, dst, key, amplitude)
    finally:
        for t in threads:
            t.join()
    return bytes(collected)


def ply_header_size(data: bytes) -> int:
    return data.index(b"end_header\n") + len(b"end_header\n")


# --- meshes ---------------------------------------------------------------------------------


def test_binary_ply_is_marked_in_place_and_only_its_coordinates_move():
    path = SCANS / "igea.ply"  # binary little-endian, float x/y/z, then a triangle-strip element
    data = path.read_bytes()
    assert W.in_place("ply", data[:65536])
    amplitude = W.default_amplitude("mesh", "ply", 1.0, data[:65536])  # its extents are ~0.1: metres
    assert amplitude == pytest.approx(1e-5)

    marked = through_pipes("ply", data, KEY, amplitude)
    assert marked == through_pipes("ply", data, KEY, amplitude)  # deterministic
    assert marked != through_pipes("ply", data, OTHER_KEYS[0], amplitude)
    assert len(marked) == len(data)
    header = ply_header_size(data)
    vertex_end = header + 134345 * 12
    assert marked[:header] == data[:header]
    assert marked[vertex_end:] == data[vertex_end:]  # the strips, byte for byte

    before, after = read_vertices("ply", io.BytesIO(data)), read_vertices("ply", io.BytesIO(marked))
    moved = np.linalg.norm(after - before, axis=1)
    assert moved.max() < 1e-4  # well under a tenth of a millimetre
    assert np.median(moved) == pytest.approx(1e-5, rel=0.05)


def test_big_endian_ply_keeps_its_other_vertex_properties(tmp_path):
    """The zipper bunny's confidence/intensity columns, written big-endian with float64 x/y/z."""
    from plyfile import PlyData, PlyElement

    ply = PlyData.read(str(SCANS / "stanford-bunny_zipper_res2.ply"))
    vertices = ply["vertex"].data
    promoted = np.empty(len(vertices), dtype=[("x", "f8"), ("y", "f8"), ("z", "f8"),
                                               ("confidence", "f4"), ("intensity", "f4")])
    for name in promoted.dtype.names:
        promoted[name] = vertices[name]
    path = tmp_path / "bunny_be.ply"
    PlyData([PlyElement.describe(promoted, "vertex"), ply["face"]], text=False, byte_order=">").write(str(path))
    data = path.read_bytes()
    assert b"binary_big_endian" in data[:200]

    marked = through_pipes("ply", data, KEY, 1e-5)
    assert len(marked) == len(data)
    header = ply_header_size(data)
    record = np.dtype([(n, ">" + promoted.dtype[n].str[1:]) for n in promoted.dtype.names])
    block = header + len(promoted) * record.itemsize
    assert marked[block:] == data[block:]
    original = np.frombuffer(data, record, len(promoted), header)
    changed = np.frombuffer(marked, record, len(promoted), header)
    assert np.array_equal(original[["confidence", "intensity"]], changed[["confidence", "intensity"]])
    shift = np.stack([changed[a] - original[a] for a in "xyz"], axis=1)
    assert np.allclose(np.abs(shift), 1e-5 / np.sqrt(3), rtol=1e-6)


def test_ascii_ply_rewrites_only_the_coordinate_tokens():
    data = (SCANS / "stanford-bunny_zipper_res2.ply").read_bytes()  # ASCII, 8171 vertices
    assert not W.in_place("ply", data[:65536])
    marked = through_pipes("ply", data, KEY, 1e-5)
    assert marked == through_pipes("ply", data, KEY, 1e-5)
    header = ply_header_size(data)
    assert marked[:header] == data[:header]
    old_lines, new_lines = data[header:].splitlines(True), marked[header:].splitlines(True)
    assert len(old_lines) == len(new_lines)
    assert new_lines[8171:] == old_lines[8171:]  # faces
    for old, new in zip(old_lines[:8171], new_lines[:8171]):
        assert old.split()[3:] == new.split()[3:] and old.endswith(b" \n") and new.endswith(b" \n")
    moved = read_vertices("ply", io.BytesIO(marked)) - read_vertices("ply", io.BytesIO(data))
    assert np.abs(np.linalg.norm(moved, axis=1) - 1e-5).max() < 2e-7


@pytest.mark.parametrize("name, scale", [("stanford-bunny.obj", 1.0), ("makehuman_base.obj", 0.1)])
def test_obj_rewrites_only_vertex_lines(name, scale):
    data = (SCANS / name).read_bytes()
    amplitude = W.default_amplitude("mesh", "obj", scale, data[:65536])  # makehuman is in decimetres
    marked = through_pipes("obj", data, KEY, amplitude)
    assert marked == through_pipes("obj", data, KEY, amplitude)
    old_lines, new_lines = data.splitlines(True), marked.splitlines(True)
    assert len(old_lines) == len(new_lines)
    for old, new in zip(old_lines, new_lines):
        if old.startswith(b"v "):
            assert new.startswith(b"v ") and new[-1:] == old[-1:] and old.split()[4:] == new.split()[4:]
        else:
            assert new == old  # faces, normals, texture coordinates, comments, groups
    moved = read_vertices("obj", io.BytesIO(marked)) - read_vertices("obj", io.BytesIO(data))
    assert np.linalg.norm(moved, axis=1).max() * scale < 1e-4


@pytest.mark.parametrize("name, fmt, scale, resave_as", [
    ("igea.ply", "ply", 1.0, "obj"),
    ("stanford-bunny_zipper_res2.ply", "ply", 1.0, "obj"),
    ("stanford-bunny.obj", "obj", 1.0, "ply"),
    ("makehuman_base.obj", "obj", 0.1, "ply"),
])
def test_mesh_resaved_in_another_format_is_traced_to_its_key(tmp_path, name, fmt, scale, resave_as):
    data = (SCANS / name).read_bytes()
    amplitude = W.default_amplitude("mesh", fmt, scale, data[:65536])
    marked_path = tmp_path / f"marked.{fmt}"
    marked_path.write_bytes(through_pipes(fmt, data, KEY, amplitude))
    leaked = tmp_path / f"leaked.{resave_as}"
    trimesh.load(str(marked_path), process=False).export(str(leaked))
    clean = tmp_path / f"clean.{resave_as}"
    trimesh.load(str(SCANS / name), process=False).export(str(clean))

    assert W.score(fmt, io.BytesIO(data), leaked, KEY, amplitude) > 0.7
    for other in OTHER_KEYS:
        assert abs(W.score(fmt, io.BytesIO(data), leaked, other, amplitude)) < 0.3
    assert abs(W.score(fmt, io.BytesIO(data), clean, KEY, amplitude)) < 0.3


def test_a_cropped_or_rescaled_mesh_is_still_traced_but_a_moved_one_is_not(tmp_path):
    data = (SCANS / "stanford-bunny.obj").read_bytes()
    marked = trimesh.load(file_obj=io.BytesIO(through_pipes("obj", data, KEY, 1e-5)), file_type="obj",
                          process=False)
    left = marked.triangles_center[:, 0] < marked.centroid[0]
    half = marked.submesh([np.flatnonzero(left)], append=True)
    assert len(half.vertices) < 0.6 * len(marked.vertices)
    half.export(str(tmp_path / "half.ply"))
    assert W.score("obj", io.BytesIO(data), tmp_path / "half.ply", KEY, 1e-5) > 0.7
    marked.apply_scale(1000.0)  # re-saved in millimetres
    marked.export(str(tmp_path / "mm.ply"))
    assert W.score("obj", io.BytesIO(data), tmp_path / "mm.ply", KEY, 1e-5) > 0.7
    assert abs(W.score("obj", io.BytesIO(data), tmp_path / "mm.ply", OTHER_KEYS[0], 1e-5)) < 0.3
    marked.apply_translation([5.0, 0.0, 0.0])  # 5 mm along x: nothing lines up any more
    marked.export(str(tmp_path / "moved.ply"))
    assert abs(W.score("obj", io.BytesIO(data), tmp_path / "moved.ply", KEY, 1e-5)) < 0.3


# --- audio ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name, lsb_steps", [
    ("cmu_arctic_us_aew_a0001.wav", 1),  # 16-bit mono: ±1
    ("speechbrain_sources_0_float64_stereo.wav", None),  # float64: ±2/32768
    ("format_variants_nonspeech/pydub_test1-24bit.wav", 256),  # 24-bit: one 16-bit LSB
])
def test_wav_is_marked_in_place_below_hearing(name, lsb_steps):
    path = VOICE / name
    data = path.read_bytes()
    assert W.in_place("wav", data[:65536])
    amplitude = W.default_amplitude("audio", "wav", None, data[:65536])
    assert amplitude == (2 / 32768 if lsb_steps is None else lsb_steps)
    marked = through_pipes("wav", data, KEY, amplitude)
    assert marked == through_pipes("wav", data, KEY, amplitude)
    assert len(marked) == len(data)
    header, fmt = read_wav_header(StreamReader(io.BytesIO(data)))
    assert marked[:len(header)] == data[:len(header)]
    end = len(header) + fmt.data_size
    assert marked[end:] == data[end:]

    subtype = sf.info(str(path)).subtype
    dtype = "float64" if subtype == "DOUBLE" else "int32"
    before, _ = sf.read(str(path), dtype=dtype)
    after, _ = sf.read(io.BytesIO(marked), dtype=dtype)
    if dtype == "int32":  # soundfile left-justifies integer samples in int32
        bits = {"PCM_16": 16, "PCM_24": 24}[subtype]
        change = (after.astype(np.int64) - before) // 2 ** (32 - bits)  # in the file's own LSBs
        assert np.abs(change).max() <= amplitude
        full_scale = 2.0 ** (bits - 1)
    else:
        change = after - before
        assert np.abs(change).max() <= amplitude * 1.0001
        full_scale = 1.0
    mark_dbfs = 20 * np.log10(np.sqrt(np.mean(change.astype(np.float64) ** 2)) / full_scale)
    assert mark_dbfs < -80  # the mark is more than 80 dB below full scale


@pytest.mark.parametrize("name, resave_subtype", [
    ("cmu_arctic_us_aew_a0001.wav", "PCM_16"),
    ("speechbrain_sources_0_float64_stereo.wav", "PCM_16"),  # and requantised to 16 bits on the way
    ("format_variants_nonspeech/pydub_test1-24bit.wav", "PCM_16"),
])
def test_wav_resaved_as_flac_is_traced_to_its_key(tmp_path, name, resave_subtype):
    data = (VOICE / name).read_bytes()
    amplitude = W.default_amplitude("audio", "wav", None, data[:65536])
    marked, rate = sf.read(io.BytesIO(through_pipes("wav", data, KEY, amplitude)), dtype="float64")
    leaked = tmp_path / "leaked.flac"
    sf.write(str(leaked), marked, rate, subtype=resave_subtype)
    clean = tmp_path / "clean.flac"
    original, _ = sf.read(io.BytesIO(data), dtype="float64")
    sf.write(str(clean), original, rate, subtype=resave_subtype)

    assert W.score("wav", io.BytesIO(data), leaked, KEY, amplitude) > 0.7
    for other in OTHER_KEYS:
        assert abs(W.score("wav", io.BytesIO(data), leaked, other, amplitude)) < 0.3
    assert abs(W.score("wav", io.BytesIO(data), clean, KEY, amplitude)) < 0.3


def test_flac_is_re_encoded_with_the_mark_and_traced_as_wav(tmp_path):
    path = VOICE / "librispeech_1034-121119-0022.flac"
    data = path.read_bytes()
    assert not W.in_place("flac", data[:65536])
    amplitude = W.default_amplitude("audio", "flac", None, data[:65536])
    assert amplitude == 1.0
    marked = through_pipes("flac", data, KEY, amplitude)
    assert marked == through_pipes("flac", data, KEY, amplitude)
    info = sf.info(io.BytesIO(marked))
    assert (info.format, info.subtype, info.samplerate, info.frames) == ("FLAC", "PCM_16", 16000, 40640)
    before, _ = sf.read(str(path), dtype="int16")
    after, rate = sf.read(io.BytesIO(marked), dtype="int16")
    assert np.abs(after.astype(np.int32) - before).max() == 1

    leaked = tmp_path / "leaked.wav"
    sf.write(str(leaked), after, rate, subtype="PCM_16")
    assert W.score("flac", io.BytesIO(data), leaked, KEY, amplitude) > 0.7
    for other in OTHER_KEYS:
        assert abs(W.score("flac", io.BytesIO(data), leaked, other, amplitude)) < 0.3


@pytest.mark.parametrize("fmt, container, subtype", [("rf64", "RF64", "PCM_24"), ("nist-sphere", "NIST", "PCM_16")])
def test_rf64_and_sphere_takes_are_marked_and_traced(tmp_path, fmt, container, subtype):
    samples, rate = sf.read(str(VOICE / "vctk_p225_001.wav"), dtype="int32")
    buf = io.BytesIO()
    sf.write(buf, samples, rate, format=container, subtype=subtype)
    data = buf.getvalue()
    amplitude = W.default_amplitude("audio", fmt, None, data[:65536])
    assert amplitude == (256.0 if subtype == "PCM_24" else 1.0)
    assert W.in_place(fmt, data[:65536]) == (fmt == "rf64")
    marked = through_pipes(fmt, data, KEY, amplitude)
    if fmt == "rf64":
        assert len(marked) == len(data)
    after, _ = sf.read(io.BytesIO(marked), dtype="int32")
    assert np.abs(after.astype(np.int64) - samples).max() == 2 ** 16  # one 16-bit LSB
    leaked = tmp_path / "leaked.flac"
    sf.write(str(leaked), after, rate, subtype="PCM_16")
    assert W.score(fmt, io.BytesIO(data), leaked, KEY, amplitude) > 0.7
    assert abs(W.score(fmt, io.BytesIO(data), leaked, OTHER_KEYS[0], amplitude)) < 0.3


def test_a_trimmed_or_louder_take_is_traced_and_a_resampled_one_is_refused(tmp_path):
    data = (VOICE / "cmu_arctic_us_aew_a0001.wav").read_bytes()
    marked, rate = sf.read(io.BytesIO(through_pipes("wav", data, KEY, 1.0)), dtype="int16")
    sf.write(str(tmp_path / "trimmed.wav"), marked[4000:-3000], rate, subtype="PCM_16")
    assert W.score("wav", io.BytesIO(data), tmp_path / "trimmed.wav", KEY, 1.0) > 0.7
    assert abs(W.score("wav", io.BytesIO(data), tmp_path / "trimmed.wav", OTHER_KEYS[0], 1.0)) < 0.3
    sf.write(str(tmp_path / "louder.wav"), marked / 32768 * 1.5, rate, subtype="FLOAT")
    assert W.score("wav", io.BytesIO(data), tmp_path / "louder.wav", KEY, 1.0) > 0.7
    assert abs(W.score("wav", io.BytesIO(data), tmp_path / "louder.wav", OTHER_KEYS[0], 1.0)) < 0.3
    sf.write(str(tmp_path / "resampled.wav"), marked[::2], rate // 2, subtype="PCM_16")
    with pytest.raises(ValueError, match="resampled"):
        W.score("wav", io.BytesIO(data), tmp_path / "resampled.wav", KEY, 1.0)


# --- what is not marked ---------------------------------------------------------------------


@pytest.mark.parametrize("fmt, reason", [("glb", "glTF"), ("opus", "lossy"), ("mp3", "lossy"),
                                         ("ogg-vorbis", "lossy"), ("stl", "STL")])
def test_formats_without_a_mark_are_refused_before_writing(fmt, reason):
    with pytest.raises(Unmarkable, match=reason):
        W.method_for(fmt)
    out = io.BytesIO()
    with pytest.raises(Unmarkable, match=reason):
        W.mark(fmt, io.BytesIO(b"anything"), out, KEY, 1.0)
    assert out.getvalue() == b""


@pytest.mark.parametrize("header, reason", [
    (b"element vertex 3\nproperty float x\nproperty float y\nproperty float z\n"
     b"property list uchar float weights\nelement face 1\nproperty list uchar int vertex_indices\n", "list"),
    (b"element face 1\nproperty list uchar int vertex_indices\n"
     b"element vertex 3\nproperty float x\nproperty float y\nproperty float z\n", "first"),
    (b"element vertex 3\nproperty int x\nproperty int y\nproperty int z\n"
     b"element face 1\nproperty list uchar int vertex_indices\n", "integer"),
])
@pytest.mark.parametrize("encoding", ["ascii", "binary_little_endian"])
def test_ply_layouts_that_cannot_stream_are_refused_before_writing(header, reason, encoding):
    data = b"ply\nformat " + encoding.encode() + b" 1.0\n" + header + b"end_header\n" + b"\0" * 64
    out = io.BytesIO()
    with pytest.raises(Unmarkable, match=reason):
        W.mark("ply", io.BytesIO(data), out, KEY, 1e-5)
    assert out.getvalue() == b""


def test_companded_wav_is_refused_before_writing():
    samples, rate = sf.read(str(VOICE / "cmu_arctic_us_aew_a0001.wav"))
    buf = io.BytesIO()
    sf.write(buf, samples, rate, format="WAV", subtype="ULAW")
    out = io.BytesIO()
    with pytest.raises(Unmarkable, match="0x0007"):
        W.mark("wav", io.BytesIO(buf.getvalue()), out, KEY, 1.0)
    assert out.getvalue() == b""


def test_score_refuses_files_of_the_wrong_kind():
    ply, wav = SCANS / "stanford-bunny_zipper_res2.ply", VOICE / "cmu_arctic_us_aew_a0001.wav"
    with pytest.raises(ValueError, match="could not be read as audio"):
        W.score("wav", io.BytesIO(wav.read_bytes()), ply, KEY, 1.0)
    with pytest.raises(ValueError, match="3D model"):
        W.score("ply", io.BytesIO(ply.read_bytes()), wav, KEY, 1e-5)
    with pytest.raises(ValueError, match="no watermark"):
        W.score("glb", io.BytesIO(b""), ply, KEY, 1e-5)
    assert (W.kind_of("obj"), W.kind_of("flac")) == ("mesh", "audio")


# --- memory ---------------------------------------------------------------------------------


def test_marking_a_150_mb_ply_through_pipes_keeps_memory_flat(tmp_path):
    """8M float32 vertices and 4M triangles (~150 MB): the peak of Python allocations while
    marking stays a few batches' worth."""
    path = tmp_path / "big.ply"
    vertices, faces = 8_000_000, 4_000_000
    size = random_ply(path, vertices, faces)
    assert size > 145_000_000

    out = tmp_path / "marked.ply"
    tracemalloc.start()
    try:
        through_pipes("ply", path, KEY, 1e-5, sink=out)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 40 * 2 ** 20, f"peak Python allocation {peak / 2 ** 20:.1f} MiB"
    assert out.stat().st_size == size
    faces_at = size - faces * 13  # a face: a uchar count and three int32 indices
    with open(path, "rb") as a, open(out, "rb") as b:
        a.seek(faces_at)
        b.seek(faces_at)
        while block := a.read(8 << 20):
            assert b.read(len(block)) == block
