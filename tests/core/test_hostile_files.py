"""Small hostile files must not hold the vault (issue 17, DR017).

Each file here is a smaller version of what the red team built (150,000 nested glTF nodes,
300,000 mesh instances, 255-corner PLY faces, one-number OBJ vertex lines, a WAV with no
length): big enough to cross a limit, small enough to generate in milliseconds. The tests
assert the refusal and its reason, never how long it took.
"""

from __future__ import annotations

import base64
import json
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from studio.core.errors import InvalidFile
from studio.core.formats import ply
from studio.core.formats.limits import (MAX_FACE_CORNERS, MAX_GEOMETRY_BYTES, MAX_GLTF_DEPTH, MAX_GLTF_INSTANCES,
                                        MAX_GLTF_NODES, MAX_ROW_READER_ROWS)
from studio.core.ingest import analyse

TRIANGLE = struct.pack("<9f", 0, 0, 0, 1, 0, 0, 0, 1, 0)


def gltf(path: Path, nodes: list[dict], *, roots: list[int] | None = None, primitives: int = 1,
         indices: int = 0) -> Path:
    """A glTF of one triangle mesh (``primitives`` copies of one primitive; with ``indices``, an
    index accessor of that many corners) placed by ``nodes``."""
    data = TRIANGLE + bytes(2 * indices)
    prim = {"attributes": {"POSITION": 0}, **({"indices": 1} if indices else {})}
    accessors = [{"bufferView": 0, "componentType": 5126, "count": 3, "type": "VEC3",
                  "min": [0, 0, 0], "max": [1, 1, 0]}]
    views = [{"buffer": 0, "byteLength": len(TRIANGLE)}]
    if indices:
        accessors.append({"bufferView": 1, "componentType": 5123, "count": indices, "type": "SCALAR"})
        views.append({"buffer": 0, "byteOffset": len(TRIANGLE), "byteLength": 2 * indices})
    doc = {"asset": {"version": "2.0"}, "scene": 0, "scenes": [{"nodes": roots if roots is not None else [0]}],
           "nodes": nodes, "meshes": [{"primitives": [prim] * primitives}], "accessors": accessors,
           "bufferViews": views,
           "buffers": [{"byteLength": len(data),
                        "uri": "data:application/octet-stream;base64," + base64.b64encode(data).decode()}]}
    path.write_text(json.dumps(doc))
    return path


def refused(path: Path) -> str:
    with pytest.raises(InvalidFile) as caught:
        analyse(path)
    return str(caught.value)


def test_when_a_gltf_places_its_mesh_once_then_it_is_accepted(tmp_path):
    result = analyse(gltf(tmp_path / "one.gltf", [{"mesh": 0}]))
    assert result.kind == "mesh" and result.metrics["faces"] == 1


def test_when_gltf_nodes_nest_deeper_than_the_limit_then_it_is_refused_naming_the_depth(tmp_path):
    depth = MAX_GLTF_DEPTH + 1
    nodes = [{"children": [i + 1]} for i in range(depth - 1)] + [{"mesh": 0}]
    reason = refused(gltf(tmp_path / "deep.gltf", nodes))
    assert f"nest more than {MAX_GLTF_DEPTH} levels deep" in reason


def test_when_a_gltf_has_more_nodes_than_the_limit_then_it_is_refused_before_trimesh(tmp_path):
    count = MAX_GLTF_NODES + 1
    nodes = [{"children": list(range(1, count))}] + [{"mesh": 0}] * (count - 1)
    reason = refused(gltf(tmp_path / "wide.gltf", nodes))
    assert f"glTF has {count:,} nodes; the limit is {MAX_GLTF_NODES:,}" in reason


def test_when_a_gltf_places_meshes_more_times_than_the_limit_then_it_is_refused(tmp_path):
    # few nodes, but each placement of a 200-primitive mesh is 200 instances once flattened
    nodes = [{"children": list(range(1, 61))}] + [{"mesh": 0}] * 60
    reason = refused(gltf(tmp_path / "instances.gltf", nodes, primitives=200))
    assert f"places meshes more than {MAX_GLTF_INSTANCES:,} times" in reason


def test_when_a_gltf_node_is_its_own_ancestor_then_it_is_refused_as_not_a_tree(tmp_path):
    nodes = [{"children": [1]}, {"children": [0], "mesh": 0}]
    assert "reached twice" in refused(gltf(tmp_path / "cycle.gltf", nodes))


def test_when_a_gltf_node_has_two_parents_then_it_is_refused_as_not_a_tree(tmp_path):
    nodes = [{"children": [1, 2]}, {"children": [3]}, {"children": [3]}, {"mesh": 0}]
    assert "reached twice" in refused(gltf(tmp_path / "dag.gltf", nodes))


def test_when_a_flattened_gltf_scene_would_exceed_the_memory_budget_then_it_is_refused(tmp_path):
    corners = 36_000  # 12,000 triangles a placement, 4,000 placements: 48 M triangles from 72 KB of indices
    nodes = [{"children": list(range(1, 4001))}] + [{"mesh": 0}] * 4000
    reason = refused(gltf(tmp_path / "flat.gltf", nodes, indices=corners))
    assert "would need about" in reason and "GiB of memory" in reason


def test_when_an_embedded_gltf_buffer_is_shorter_than_declared_then_it_is_refused(tmp_path):
    path = gltf(tmp_path / "short.gltf", [{"mesh": 0}])
    doc = json.loads(path.read_text())
    doc["buffers"][0]["byteLength"] = 10**9
    doc["bufferViews"][0]["byteLength"] = 10**9
    path.write_text(json.dumps(doc))
    assert "truncated: glTF buffer 0 declares 1,000,000,000 bytes" in refused(path)


def ply_faces(path: Path, rows: list[list[int]], *, text: bool = False, vertices: int = 300) -> Path:
    """A PLY of ``vertices`` points on a line and the given faces, binary or ASCII."""
    lines = ["ply", "format ascii 1.0" if text else "format binary_little_endian 1.0",
             f"element vertex {vertices}", "property float x", "property float y", "property float z",
             f"element face {len(rows)}", "property list uchar int vertex_indices", "end_header"]
    head = ("\n".join(lines) + "\n").encode()
    if text:
        body = "".join(f"{i} {i % 7} 0\n" for i in range(vertices))
        body += "".join(f"{len(r)} {' '.join(map(str, r))}\n" for r in rows)
        path.write_bytes(head + body.encode())
    else:
        v = np.stack([np.arange(vertices), np.arange(vertices) % 7, np.zeros(vertices)], 1).astype("<f4")
        body = b"".join(struct.pack(f"<B{len(r)}i", len(r), *r) for r in rows)
        path.write_bytes(head + v.tobytes() + body)
    return path


@pytest.mark.parametrize("text", [False, True], ids=["binary", "ascii"])
def test_when_a_ply_face_has_more_corners_than_the_limit_then_it_is_refused_naming_the_face(tmp_path, text):
    rows = [[0, 1, 2]] * 5 + [list(range(255))] * 50
    reason = refused(ply_faces(tmp_path / "corners.ply", rows, text=text))
    assert f"PLY face 5 has 255 corners; at most {MAX_FACE_CORNERS} are read" in reason


@pytest.mark.parametrize("text", [False, True], ids=["binary", "ascii"])
def test_when_ply_faces_mix_lengths_then_they_are_fanned_into_the_same_triangles_as_before(tmp_path, text):
    rows = [[0, 1, 2], [0, 1, 2, 3], list(range(10, 10 + MAX_FACE_CORNERS)), [4, 5]]
    path = ply_faces(tmp_path / "mixed.ply", rows, text=text)
    content = ply.read(path)
    expected = [(0, 1, 2), (0, 1, 2), (0, 2, 3)] + [(10, j, j + 1) for j in range(11, 9 + MAX_FACE_CORNERS)]
    assert sorted(map(tuple, content.faces.tolist())) == sorted(expected)
    assert content.short_faces == 1
    assert np.array_equal(ply.read(path.read_bytes()).faces, content.faces)  # the preview's way, from bytes


def test_when_an_ascii_ply_holds_a_non_ascii_byte_then_reading_it_in_memory_is_refused_with_a_reason(tmp_path):
    data = ply_faces(tmp_path / "latin.ply", [[0, 1, 2]], text=True).read_bytes().replace(b"\n1 1 0\n", b"\n\xb0 1 0\n")
    with pytest.raises(InvalidFile, match="PLY data is not ASCII text"):
        ply.read(data)  # the preview's way (a scan decrypted in memory): found by the fuzz target


def test_when_a_binary_ply_face_runs_past_the_end_of_the_file_then_it_is_refused_as_truncated(tmp_path):
    path = ply_faces(tmp_path / "cut.ply", [[0, 1, 2], [0, 1, 2, 3, 4]] * 20)
    path.write_bytes(path.read_bytes()[:-9])
    assert "truncated" in refused(path)


def test_when_a_ply_header_declares_more_geometry_than_the_memory_budget_then_it_is_refused_before_reading(tmp_path):
    vertices = MAX_GEOMETRY_BYTES // 24 + 1_000
    head = (f"ply\nformat binary_little_endian 1.0\nelement vertex {vertices}\nproperty float x\n"
            "property float y\nproperty float z\nend_header\n").encode()
    path = tmp_path / "huge.ply"
    with open(path, "wb") as f:  # a sparse file: the header's sizes hold, nothing is written
        f.write(head)
        f.truncate(len(head) + 12 * vertices)
    assert "GiB of memory to read" in refused(path)


def test_when_obj_vertex_lines_hold_one_number_then_it_is_refused_naming_the_line(tmp_path):
    path = tmp_path / "ones.obj"
    path.write_bytes(b"# scan\nv 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n" + b"v 1\n" * 1000)
    reason = refused(path)
    assert reason.startswith("line 6: a vertex line needs x y z") and "'v 1'" in reason


@pytest.mark.parametrize("line", [b"v 1 2 3 1", b"v 1 2 3 0.5 0.5 0.5"])
def test_when_obj_vertex_lines_carry_w_or_colours_then_they_are_accepted(tmp_path, line):
    path = tmp_path / "ok.obj"
    path.write_bytes(b"v 0 0 0\nv 1 0 0\r\n" + line + b"\nf 1 2 3\n")
    assert analyse(path).metrics["faces"] == 1


def wav_unknown_size(path: Path, frames: int = 48_000) -> Path:
    samples = (np.sin(np.arange(frames) / 10) * 8000).astype("<i2").tobytes()
    fmt = struct.pack("<HHIIHH", 1, 1, 48_000, 96_000, 2, 16)
    path.write_bytes(b"RIFF" + struct.pack("<I", 0xFFFFFFFF) + b"WAVE" + b"fmt " + struct.pack("<I", 16) + fmt
                     + b"data" + struct.pack("<I", 0xFFFFFFFF) + samples)
    return path


def test_when_a_wav_gives_0xffffffff_as_its_sizes_then_it_is_accepted_with_a_truncation_warning(tmp_path):
    result = analyse(wav_unknown_size(tmp_path / "unfinished.wav"))
    assert result.kind == "voice"
    assert any("possibly truncated: the WAV header gives no length" in w for w in result.warnings), result.warnings


def test_when_an_ascii_ply_has_more_rows_than_are_read_in_time_then_it_is_refused_before_reading(tmp_path):
    """A layout that NumPy's table reader does not take (a list in the vertex rows) goes to
    plyfile's row reader, which is bounded; plain tables of numbers are read in seconds (DR024)."""
    rows = MAX_ROW_READER_ROWS + 1
    head = (f"ply\nformat ascii 1.0\nelement vertex {rows}\nproperty float x\nproperty float y\n"
            "property float z\nproperty list uchar int tags\nend_header\n").encode()
    path = tmp_path / "slow.ply"
    path.write_bytes(head + b"0 0 0 0\n" * rows)
    assert f"an ASCII PLY of {rows:,} rows is read too slowly" in refused(path)


def test_when_a_binary_ply_has_many_list_rows_outside_its_faces_then_it_is_refused_before_reading(tmp_path):
    rows = MAX_ROW_READER_ROWS + 1
    head = (f"ply\nformat binary_little_endian 1.0\nelement junk {rows}\nproperty list uchar int values\n"
            "element vertex 3\nproperty float x\nproperty float y\nproperty float z\n"
            "element face 1\nproperty list uchar int vertex_indices\nend_header\n").encode()
    path = tmp_path / "junk.ply"
    path.write_bytes(head + bytes(rows) + TRIANGLE + struct.pack("<B3i", 3, 0, 1, 2))
    assert "a binary PLY with lists outside its faces" in refused(path)


def test_when_a_binary_ply_lists_its_faces_before_its_vertices_then_they_are_read_in_one_pass(tmp_path):
    head = (b"ply\nformat binary_little_endian 1.0\nelement face 2\nproperty list uchar int vertex_indices\n"
            b"element vertex 4\nproperty float x\nproperty float y\nproperty float z\nend_header\n")
    path = tmp_path / "faces_first.ply"
    path.write_bytes(head + struct.pack("<B3iB4i", 3, 0, 1, 2, 4, 0, 1, 3, 2) + TRIANGLE + struct.pack("<3f", 1, 1, 0))
    assert sorted(map(tuple, ply.read(path).faces.tolist())) == [(0, 1, 2), (0, 1, 3), (0, 3, 2)]


CHILD = """
import resource, sys
from pathlib import Path
resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))
from studio.core.errors import InvalidFile
from studio.core.ingest import analyse
for name in sys.argv[1:]:
    try:
        analyse(Path(name))
        print("accepted", name)
    except InvalidFile as exc:
        print("refused", exc)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_AS is POSIX-only")
def test_when_hostile_files_are_ingested_under_a_2_gib_address_space_then_each_is_refused_with_its_reason(tmp_path):
    nested = gltf(tmp_path / "deep.gltf", [{"children": [i + 1]} for i in range(199)] + [{"mesh": 0}])
    corners = ply_faces(tmp_path / "corners.ply", [list(range(255))] * 2000)
    ones = tmp_path / "ones.obj"
    ones.write_bytes(b"v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n" + b"v 1\n" * 100_000)
    done = subprocess.run([sys.executable, "-c", CHILD, str(nested), str(corners), str(ones)],
                          capture_output=True, text=True, cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr[-2000:]
    lines = done.stdout.splitlines()
    assert len(lines) == 3 and all(line.startswith("refused") for line in lines), done.stdout
    assert "nest more than" in lines[0] and "has 255 corners" in lines[1] and "line 5: a vertex line" in lines[2]


def test_when_a_compressed_pcd_claims_more_than_lzf_can_expand_then_it_is_refused_before_decompressing(tmp_path):
    head = (b"VERSION .7\nFIELDS x y z\nSIZE 4 4 4\nTYPE F F F\nCOUNT 1 1 1\nWIDTH 1000000\nHEIGHT 1\n"
            b"POINTS 1000000\nDATA binary_compressed\n")
    path = tmp_path / "bomb.pcd"
    path.write_bytes(head + struct.pack("<II", 100, 12_000_000) + bytes(100))
    assert "more than LZF can expand" in refused(path)


def test_when_an_off_header_declares_more_geometry_than_the_memory_budget_then_it_is_refused_before_reading(tmp_path):
    faces = MAX_GEOMETRY_BYTES // 24 + 1_000
    head = f"OFF\n3 {faces} 0\n".encode()
    path = tmp_path / "huge.off"
    with open(path, "wb") as f:  # sparse past the first rows: the header's counts fit the size
        f.write(head + b"0 0 0\n1 0 0\n0 1 0\n" + b"3 0 1 2\n" * 20_000)
        f.truncate(len(head) + 18 + 8 * faces)
    assert "GiB of memory to read" in refused(path)
