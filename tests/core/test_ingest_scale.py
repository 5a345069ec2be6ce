"""Big scans at ingest (DR024): a 10 M-triangle binary PLY (the session's ``big_scan_10m_file``),
a textured OBJ with an 8192 × 8192 texture, a GLB with an embedded one, and a big
``binary_compressed`` PCD, each through the real ingest into a real vault; the stored levels of
detail, and extract giving back the same bytes; the table readers of ASCII PLY, OFF and ASCII
STL against what the readers before them gave. Wall time and memory are measured in
``benchmarks/run.py ingest-scale``, not here."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import numpy as np
import pytest

from studio.core.assets import AssetFileRecord, AssetRecord, extract_asset, get_asset, read_derived
from studio.core.formats import ply
from studio.core.ingest import analyse
from studio.core.ingest.limits import LOD_FINE_TARGET_FACES, LOD_TARGET_FACES
from studio.core.ingest.textures import texture_metrics
from studio.core.intake import ingest_paths
from tests.generators import compressed_pcd, flat_png, sphere_ply, textured_obj
from tests.vaults import BOTH_VAULTS, folder_only

pytestmark = BOTH_VAULTS


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _faces_of(data: bytes) -> int:
    return len(ply.read(data).faces)


@folder_only("the suite's budget: uploading the 190 MB scan costs 9 s; the other ingests here run on both")
def test_a_10m_triangle_ply_is_ingested_with_a_fine_and_a_coarse_lod_and_extracted_byte_for_byte(
        new_vault, talent, big_scan_10m_file, tmp_path):
    (r,) = ingest_paths(new_vault, talent.id, [big_scan_10m_file])
    assert r.status == "ingested", r.reason
    asset = get_asset(new_vault, r.asset_id)
    m = asset.metrics
    assert (m["faces"], m["vertices"]) == (9_998_336, 4_999_170)
    # a closed lat-long surface with a pole at each end: every edge has two faces
    assert (m["watertight"], m["boundary_edges"], m["non_manifold_edges"]) == (True, 0, 0)
    assert m["height_m"] == pytest.approx(1.8, abs=0.05) and m["up_axis"] == "y"
    levels = asset.levels()
    assert [lv.role for lv in levels] == ["lod", "lod_fine", "original"]
    coarse, fine, original = levels
    assert original.faces == 9_998_336 and original.file is None
    # the counts recorded are the counts stored, each level within its band, coarse < fine < original
    assert _faces_of(read_derived(new_vault, r.asset_id, "lod")) == coarse.faces
    assert _faces_of(read_derived(new_vault, r.asset_id, "lod_fine")) == fine.faces
    assert 0.6 * LOD_TARGET_FACES <= coarse.faces <= 1.5 * LOD_TARGET_FACES
    assert 0.5 * LOD_FINE_TARGET_FACES <= fine.faces <= 2 * LOD_FINE_TARGET_FACES
    assert coarse.file.size < fine.file.size
    out = extract_asset(new_vault, r.asset_id, tmp_path / "back.ply")
    assert _sha256(out) == _sha256(big_scan_10m_file) == asset.sha256


def test_a_scan_under_two_million_faces_gets_the_coarse_lod_only(new_vault, talent, tmp_path):
    sphere_ply(tmp_path / "sphere.ply", subdivisions=7)  # 327,680 faces
    (r,) = ingest_paths(new_vault, talent.id, [tmp_path / "sphere.ply"])
    asset = get_asset(new_vault, r.asset_id)
    assert [lv.role for lv in asset.levels()] == ["lod", "original"]
    assert asset.file("lod_fine") is None
    assert asset.metrics["lods"] == [{"role": "lod", "faces": _faces_of(read_derived(new_vault, r.asset_id, "lod"))}]


def test_levels_of_an_asset_stored_before_the_fine_lod_existed():
    """A vault from before DR024: a ``lod`` file, no ``lods`` in the metrics (the preview falls back)."""
    lod = AssetFileRecord("lod", "lod", "model/ply", "a" * 64, 1000)
    old = AssetRecord("ast_1", "tal_1", "mesh", "ply", "model/ply", "b" * 64, 5, "x.ply", "pending_review",
                      {"faces": 1_310_720}, [], "2026-01-01T00:00:00Z", [lod])
    assert [(lv.role, lv.faces, lv.file) for lv in old.levels()] == [("lod", None, lod), ("original", 1_310_720, None)]
    voice = AssetRecord("ast_2", "tal_1", "voice", "wav", "audio/wav", "c" * 64, 5, "x.wav", "pending_review",
                        {}, [], "2026-01-01T00:00:00Z", [])
    assert voice.levels() == []


def test_an_obj_with_an_8192_texture_counts_it_in_its_metrics(new_vault, talent, tmp_path):
    obj = textured_obj(tmp_path, subdivisions=6, texture_px=8192)
    (r,) = ingest_paths(new_vault, talent.id, [obj])
    assert r.status == "ingested", r.reason
    m = get_asset(new_vault, r.asset_id).metrics
    assert (m["has_texture"], m["textures"], m["texture_max_px"]) == (True, 1, [8192, 8192])
    # the .mtl is a companion but not a texture; the image is stored byte for byte
    assert read_derived(new_vault, r.asset_id, "companion") in {(tmp_path / "body.mtl").read_bytes(),
                                                                 (tmp_path / "skin.png").read_bytes()}


def test_a_texture_is_measured_from_its_header_alone(tmp_path):
    """Only the header is read: the first 64 bytes of a 8192 × 4096 PNG give its size, so nothing
    is decoded to count it; a file that is not an image is not counted."""
    full = tmp_path / "full.png"
    flat_png(full, 8192, 4096)
    cut = tmp_path / "header-only.png"
    cut.write_bytes(full.read_bytes()[:64])
    (tmp_path / "notes.mtl").write_text("newmtl skin\n")
    from PIL import Image

    small = tmp_path / "small.jpg"
    Image.new("RGB", (640, 480), (10, 20, 30)).save(small)
    assert texture_metrics([cut, tmp_path / "notes.mtl", small]) == {"textures": 2, "texture_max_px": [8192, 4096]}
    assert texture_metrics([tmp_path / "notes.mtl"]) == {"textures": 0}


def test_a_glb_with_an_embedded_texture_counts_it(tmp_path):
    import trimesh
    from PIL import Image

    s = trimesh.creation.icosphere(subdivisions=3)
    uv = np.column_stack([s.vertices[:, 0] * 0.5 + 0.5, s.vertices[:, 1] * 0.5 + 0.5])
    image = Image.new("RGB", (96, 48), (200, 150, 120))
    s.visual = trimesh.visual.TextureVisuals(uv=uv, material=trimesh.visual.material.SimpleMaterial(image=image))
    glb = tmp_path / "head.glb"
    glb.write_bytes(trimesh.Scene(s).export(file_type="glb"))
    result = analyse(glb)
    assert (result.metrics["textures"], result.metrics["texture_max_px"]) == (1, [96, 48])
    assert result.companions == []  # embedded: nothing beside the file


def test_a_big_binary_compressed_pcd_is_ingested(new_vault, talent, tmp_path):
    info = compressed_pcd(tmp_path / "cloud.pcd", 1_000_003)
    (r,) = ingest_paths(new_vault, talent.id, [tmp_path / "cloud.pcd"])
    assert r.status == "ingested", r.reason
    m = get_asset(new_vault, r.asset_id).metrics
    assert (m["points"], m["points_total"]) == (info["points"], info["points"])
    assert m["bbox_m"]["size"] == pytest.approx([0.5, 1.8, 0.3], abs=0.01)
    out = extract_asset(new_vault, r.asset_id, tmp_path / "back.pcd")
    assert out.read_bytes() == (tmp_path / "cloud.pcd").read_bytes()


def _ascii_ply(path: Path, vertices: np.ndarray, faces: np.ndarray, colours: np.ndarray | None = None,
               repeat_last: int = 0) -> None:
    """An ASCII PLY; its last face written ``repeat_last`` more times (cheap rows)."""
    props = "".join(f"property float {a}\n" for a in "xyz")
    rows = vertices
    fmt = "%.6f %.6f %.6f"
    if colours is not None:
        props += "property uchar red\nproperty uchar green\nproperty uchar blue\n"
        rows = np.hstack([vertices, colours])
        fmt += " %d %d %d"
    with open(path, "w") as f:
        f.write(f"ply\nformat ascii 1.0\nelement vertex {len(vertices)}\n{props}element face {len(faces) + repeat_last}\n"
                "property list uchar int vertex_indices\nend_header\n")
        np.savetxt(f, rows, fmt=fmt)
        table = np.column_stack([np.full(len(faces), faces.shape[1]), faces])
        np.savetxt(f, table, fmt="%d")
        f.write((" ".join(map(str, table[-1])) + "\n") * repeat_last)


def test_an_ascii_ply_of_more_rows_than_the_row_reader_takes_is_read_as_tables(tmp_path):
    """1.1 M rows (plyfile's row reader is refused above 1 M): read by NumPy's table reader, the
    same mesh as written, its dark uchar colours scaled from 0..255."""
    import trimesh

    sphere = trimesh.creation.icosphere(subdivisions=6)  # 40,962 vertices, 81,920 faces
    v = np.round(sphere.vertices, 6)
    colours = np.zeros((len(v), 3), int)
    colours[:, 0] = 1  # all colours <= 1: still uchar values, not 0..1 floats
    extra = 1_000_000
    _ascii_ply(tmp_path / "ascii.ply", v, sphere.faces, colours, repeat_last=extra)
    content = ply.read(tmp_path / "ascii.ply", compact=True)
    assert content.faces.dtype == np.int32 and content.vertices.dtype == np.float32
    assert len(content.faces) == len(sphere.faces) + extra
    assert np.array_equal(content.faces[:len(sphere.faces)], sphere.faces)
    assert (content.faces[len(sphere.faces):] == sphere.faces[-1]).all()
    assert np.allclose(content.vertices, v, atol=1e-6)
    assert np.allclose(content.colors, [[1 / 255, 0, 0]])
    quads = np.column_stack([sphere.faces, sphere.faces[:, 0]])[:3]
    _ascii_ply(tmp_path / "quads.ply", v, quads)
    assert len(ply.read(tmp_path / "quads.ply").faces) == 6  # fanned: two triangles a quad


def test_an_ascii_ply_with_faces_of_different_lengths_goes_to_the_row_reader(tmp_path):
    (tmp_path / "mixed.ply").write_text(
        "ply\nformat ascii 1.0\nelement vertex 4\nproperty float x\nproperty float y\nproperty float z\n"
        "element face 2\nproperty list uchar int vertex_indices\nend_header\n"
        "0 0 0\n1 0 0\n1 1 0\n0 1 0\n3 0 1 2\n4 0 1 2 3\n")
    assert ply.read(tmp_path / "mixed.ply").faces.tolist() == [[0, 1, 2], [0, 1, 2], [0, 2, 3]]


def test_a_plain_off_is_read_as_tables_and_gives_what_trimesh_gives(tmp_path):
    import trimesh

    from studio.core.formats import off

    sphere = trimesh.creation.icosphere(subdivisions=5)
    path = tmp_path / "sphere.off"
    path.write_text(trimesh.exchange.off.export_off(sphere, digits=8))
    size = path.stat().st_size
    vertices, faces = off.read_tables(path, off.read_header(path, size))
    loaded = trimesh.load(path, process=False)
    assert np.array_equal(faces, loaded.faces) and np.allclose(vertices, loaded.vertices)
    quads = tmp_path / "quads.off"
    quads.write_text("OFF\n# a comment\n4 1 0\n0 0 0\n1 0 0\n1 1 0\n0 1 0\n4 0 1 2 3\n")
    assert off.read_tables(quads, off.read_header(quads, quads.stat().st_size))[1].tolist() == [[0, 1, 2], [0, 2, 3]]
    coloured = tmp_path / "coloured.off"  # a colour after some faces: trimesh's reader takes it
    coloured.write_text("OFF\n4 2 0\n0 0 0\n1 0 0\n1 1 0\n0 1 0\n3 0 1 2 255 0 0\n3 0 2 3\n")
    assert off.read_tables(coloured, off.read_header(coloured, coloured.stat().st_size)) is None
    assert analyse(coloured).metrics["faces"] == 2


def test_an_ascii_stl_is_read_as_a_table_and_merged_as_trimesh_merges_it(tmp_path):
    import trimesh

    from studio.core.formats import stl
    from studio.core.ingest.mesh import merge_corners

    sphere = trimesh.creation.icosphere(subdivisions=5)
    path = tmp_path / "sphere.stl"
    path.write_text(trimesh.exchange.stl.export_stl_ascii(sphere))
    vertices, faces = merge_corners(stl.read_ascii_corners(path))
    loaded = trimesh.load(path, process=False)
    loaded.merge_vertices(merge_tex=True, merge_norm=True)  # what ingest did with every STL before
    assert np.array_equal(vertices, loaded.vertices) and np.array_equal(faces, loaded.faces)
    m = analyse(path).metrics
    assert (m["vertices"], m["faces"], m["watertight"]) == (len(sphere.vertices), len(sphere.faces), True)
    upper = tmp_path / "upper.stl"  # a keyword in capitals: trimesh's reader takes it
    upper.write_text(path.read_text().replace("endloop", "ENDLOOP"))
    assert stl.read_ascii_corners(upper) is None
    assert analyse(upper).metrics["faces"] == len(sphere.faces)


def test_a_binary_stl_is_read_as_one_array_and_merged_as_trimesh_merges_it(tmp_path):
    import trimesh

    from studio.core.formats import stl
    from studio.core.ingest.mesh import merge_corners

    sphere = trimesh.creation.icosphere(subdivisions=5)
    path = tmp_path / "sphere.stl"
    path.write_bytes(trimesh.exchange.stl.export_stl(sphere))
    header = stl.read_header(path, path.stat().st_size)
    vertices, faces = merge_corners(stl.read_binary_corners(path, header))
    loaded = trimesh.load(path, process=False)
    loaded.merge_vertices(merge_tex=True, merge_norm=True)  # what ingest did with every STL before
    assert np.array_equal(vertices, loaded.vertices) and np.array_equal(faces, loaded.faces)
    data = bytearray(path.read_bytes())
    data[84 + 48:84 + 50] = b"\x1f\x80"  # a colour in the first record's attribute bytes: trimesh reads it
    coloured = tmp_path / "coloured.stl"
    coloured.write_bytes(bytes(data))
    assert stl.read_binary_corners(coloured, header) is None
    assert analyse(coloured).metrics["faces"] == len(sphere.faces)
