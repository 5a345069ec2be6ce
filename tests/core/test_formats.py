"""One reader per format: what ingest accepts, the preview and the watermark read the same way."""

from __future__ import annotations

import io

import numpy as np
import pytest

from studio.core.errors import InvalidFile
from studio.core.intake import ingest_paths
from studio.core.render.geometry import geometry_for_asset, geometry_from_bytes
from tests.conftest import TESTDATA

XYZ_EXPORT = ("// exported by the capture rig\n"
              "X;Y;Z;R;G;B\n"
              "0;0;0;200;180;170\n"
              "0.4;1.7;0.3;190;170;160 // the crown of the head\n"
              "# end of scan\n")


def test_when_an_xyz_has_semicolons_a_title_row_and_slash_comments_then_ingest_and_preview_read_the_same_points(
        new_vault, talent, tmp_path):
    path = tmp_path / "scan.xyz"
    path.write_text(XYZ_EXPORT)
    (result,) = ingest_paths(new_vault, talent.id, [path])
    assert result.status == "ingested", result.reason
    asset, geometry = geometry_for_asset(new_vault, result.asset_id)
    assert asset.metrics["points"] == len(geometry.positions) == 2
    assert np.allclose(geometry.positions, [[0, 0, 0], [0.4, 1.7, 0.3]])
    assert np.allclose(geometry.colors, np.array([[200, 180, 170], [190, 170, 160]]) / 255)


def test_when_an_xyz_has_a_ragged_row_then_ingest_and_preview_refuse_it_for_the_same_reason(new_vault, talent,
                                                                                           tmp_path):
    path = tmp_path / "ragged.xyz"
    path.write_text("X;Y;Z\n0;0;0\n1;1;1\n2;2;2;2\n")
    (result,) = ingest_paths(new_vault, talent.id, [path])
    assert result.status == "rejected"
    assert "XYZ data is malformed" in result.reason
    with pytest.raises(InvalidFile) as refused:
        geometry_from_bytes(path.read_bytes(), "point_cloud", "xyz")
    assert str(refused.value) in result.reason


def test_when_a_preview_library_fails_on_stored_bytes_then_the_error_is_typed_with_the_reason():
    with pytest.raises(InvalidFile, match="the stored OFF scan could not be read for its preview: "):
        geometry_from_bytes(b"OFF\n3 1 0\n0 0 0\n1 1\n", "mesh", "off")


def test_when_a_gltf_with_its_buffer_beside_it_is_ingested_then_the_preview_draws_it(new_vault, talent):
    path = TESTDATA / "malformed" / "assimp" / "glTF2" / "wrongTypes" / "badNumber.gltf"
    (result,) = ingest_paths(new_vault, talent.id, [path])
    assert result.status == "ingested", result.reason
    asset, geometry = geometry_for_asset(new_vault, result.asset_id)
    assert len(geometry.triangles) == asset.metrics["faces"] > 0


def test_when_an_obj_is_utf16_then_the_watermark_refuses_it_rather_than_mark_nothing():
    from studio.core.package import watermark as W
    from studio.core.package.watermark import Unmarkable

    data = (TESTDATA / "malformed" / "assimp" / "OBJ" / "box_UTF16BE.obj").read_bytes()
    out = io.BytesIO()
    with pytest.raises(Unmarkable, match="UTF-16"):
        W.mark("obj", io.BytesIO(data), out, bytes(range(32)), 1e-5)
    assert out.getvalue() == b""


def test_when_a_large_mesh_cannot_be_simplified_then_the_missing_preview_is_a_warning(tmp_path):
    from studio.core.ingest import analyse
    from studio.core.ingest.limits import LOD_THRESHOLD_FACES

    n = LOD_THRESHOLD_FACES + 1
    vertices = np.zeros((n + 2, 3), "<f4")
    vertices[:, 2] = np.arange(n + 2)  # all on one line: every triangle has zero area
    faces = np.zeros(n, [("n", "u1"), ("i", "<i4", (3,))])
    faces["n"] = 3
    faces["i"] = np.arange(n)[:, None] + [0, 1, 2]
    header = (f"ply\nformat binary_little_endian 1.0\nelement vertex {n + 2}\nproperty float x\nproperty float y\n"
              f"property float z\nelement face {n}\nproperty list uchar int vertex_indices\nend_header\n").encode()
    (tmp_path / "flat.ply").write_bytes(header + vertices.tobytes() + faces.tobytes())
    result = analyse(tmp_path / "flat.ply")
    assert [d.role for d in result.derived] == []
    assert any("no lighter preview could be made" in w for w in result.warnings)
