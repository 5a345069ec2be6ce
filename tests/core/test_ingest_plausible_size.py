"""A scan whose size is implausible for a person gets a QA warning that says what was measured,
what is expected and, where one fits, the unit the file is probably in (DR029): real scans from
the shared test data, and generated bodies and heads written in the wrong unit."""

from __future__ import annotations

from pathlib import Path

import pytest

from studio.core.assets import get_asset
from studio.core.ingest import analyse
from studio.core.intake import ingest_paths
from tests.conftest import TESTDATA

SCANS = TESTDATA / "scans"
BODY = (0.28, 1.0, 0.17)  # a standing body's width, height and depth, relative to its height
HEAD = (0.65, 1.0, 0.8)  # a head with its neck


def _scan(path: Path, proportions: tuple[float, float, float], metres: float, per_unit: float) -> Path:
    """A closed ellipsoid ``metres`` tall with the given proportions, written as a binary PLY in
    file units of ``per_unit`` metres (0.001: millimetres)."""
    import trimesh

    sphere = trimesh.creation.icosphere(subdivisions=3)
    half_axes = [p * metres / per_unit / 2 for p in proportions]
    mesh = trimesh.Trimesh(sphere.vertices * half_axes, sphere.faces, process=False)
    path.write_bytes(trimesh.exchange.ply.export_ply(mesh, encoding="binary"))
    return path


def _size_warnings(warnings: list[str]) -> list[str]:
    return [w for w in warnings if "for a person" in w]


# -- real scans ----------------------------------------------------------------------------------

def test_when_the_igea_head_reads_ten_centimetres_then_it_is_too_small_and_no_unit_is_suggested():
    result = analyse(SCANS / "igea.ply")
    assert result.metrics["height_m"] == pytest.approx(0.0993, abs=1e-4)
    (warning,) = _size_warnings(result.warnings)
    assert warning.startswith("too small for a person: its largest extent, read as metres, is 9.9 cm "
                              "(a head or a hand measures at least 15 cm)")
    # 0.0993 file units is a person's size in none of millimetres to feet: no unit is named
    assert "no common unit (millimetres to feet) makes it a person's size" in warning
    assert " is the file in " not in warning


def test_when_the_nefertiti_bust_reads_half_a_metre_then_its_size_is_not_questioned():
    result = analyse(SCANS / "nefertiti.obj")
    assert result.metrics["height_m"] == pytest.approx(0.4946, abs=1e-4)
    assert _size_warnings(result.warnings) == []


def test_when_a_depth_frame_spans_three_metres_then_it_probably_includes_its_surroundings():
    result = analyse(SCANS / "pointclouds" / "person.pcd")
    assert result.kind == "point_cloud"
    (warning,) = _size_warnings(result.warnings)
    assert warning == ("too large for a person: its largest extent, read as metres, is 3.17 m (a person "
                       "measures at most 2.50 m) — it probably includes its surroundings (floor, walls): "
                       "crop it to the person")
    assert any("points are invalid" in w for w in result.warnings)  # the existing warning stays


def test_when_an_implausible_scan_is_ingested_then_it_is_stored_with_its_size_warning(new_vault, talent):
    (result,) = ingest_paths(new_vault, talent.id, [SCANS / "igea.ply"])
    assert result.status == "ingested"
    (warning,) = _size_warnings(result.warnings)
    assert get_asset(new_vault, result.asset_id).warnings == result.warnings
    assert warning.startswith("too small for a person")


# -- generated bodies and heads ------------------------------------------------------------------

@pytest.mark.parametrize(("per_unit", "unit"), [(1.0, "m"), (0.01, "cm"), (0.001, "mm")])
def test_when_a_body_is_one_metre_seventy_five_in_a_unit_the_guess_reads_then_no_size_warning(
        tmp_path, per_unit, unit):
    # 1750 mm is read as millimetres (guess_unit): the body measures 1.75 m, which is plausible
    result = analyse(_scan(tmp_path / "body.ply", BODY, 1.75, per_unit))
    assert result.metrics["bbox_m"]["unit_guess"] == unit
    assert result.metrics["height_m"] == pytest.approx(1.75)
    assert _size_warnings(result.warnings) == []


@pytest.mark.parametrize(("proportions", "metres", "per_unit", "expected"), [
    # 300 mm is read as 300 cm: 3.00 m
    (HEAD, 0.30, 0.001, "too large for a person: its largest extent, read as centimetres, is 3.00 m (a person "
                        "measures at most 2.50 m) — is the file in millimetres (30 cm)?"),
    # 9.06 inches is read as 9.06 cm
    (HEAD, 0.23, 0.0254, "too small for a person: its largest extent, read as centimetres, is 9.1 cm (a head "
                         "or a hand measures at least 15 cm) — is the file in decimetres (91 cm) or inches "
                         "(23 cm)?"),
    # 5.74 feet is read as 5.74 cm
    (BODY, 1.75, 0.3048, "too small for a person: its largest extent, read as centimetres, is 5.7 cm (a head "
                         "or a hand measures at least 15 cm) — is the file in decimetres (57 cm) or feet "
                         "(1.75 m)?"),
    # 2.8 decimetres is read as 2.8 m
    (HEAD, 0.28, 0.1, "too large for a person: its largest extent, read as metres, is 2.80 m (a person measures "
                      "at most 2.50 m) — is the file in decimetres (28 cm) or feet (85 cm)?"),
], ids=["head-in-mm", "head-in-inches", "body-in-feet", "head-in-decimetres"])
def test_when_a_scan_is_in_a_unit_the_guess_misreads_then_the_warning_names_the_likely_unit(
        tmp_path, proportions, metres, per_unit, expected):
    result = analyse(_scan(tmp_path / "scan.ply", proportions, metres, per_unit))
    assert _size_warnings(result.warnings) == [expected]


def test_when_a_mesh_is_far_larger_than_a_person_in_any_unit_then_it_may_hold_more_than_the_person(tmp_path):
    result = analyse(_scan(tmp_path / "room.ply", (1.0, 0.6, 0.8), 5.2, 0.001))  # 5,200 mm
    assert _size_warnings(result.warnings) == [
        "too large for a person: its largest extent, read as millimetres, is 5.20 m (a person measures at "
        "most 2.50 m) — does the scan hold more than the person (the floor, a turntable, other objects)?"]


@pytest.mark.parametrize(("metres", "warned"), [(0.149, True), (0.15, False), (2.5, False), (2.51, True)])
def test_when_a_scan_is_at_the_edge_of_a_person_s_size_then_the_bounds_are_inclusive(tmp_path, metres, warned):
    result = analyse(_scan(tmp_path / "edge.ply", HEAD, metres, 1.0))
    assert result.metrics["height_m"] == pytest.approx(metres)
    assert bool(_size_warnings(result.warnings)) is warned
