"""The preview LODs' sizes from the preferences (issue 15, DR040): a scan imported with smaller
LOD sizes gets a LOD of about that size even where the built-in sizes make none."""

from __future__ import annotations

from studio.core.assets import get_asset
from studio.core.ingest.limits import LOD_THRESHOLD_FACES, LodSizes
from studio.core.intake import ingest_paths
from studio.core.talents import add_talent
from tests.generators import body_scan_ply


def test_when_lod_sizes_are_set_then_a_scan_imported_after_gets_a_lod_of_that_size(new_vault, tmp_path):
    scan = tmp_path / "body-82k.ply"
    counts = body_scan_ply(scan, subdivisions=6, normals_and_colours=False)  # 81,920 triangles
    assert counts["faces"] < LOD_THRESHOLD_FACES  # the built-in sizes make no LOD of it
    talent = add_talent(new_vault, "Ines Duarte")

    built_in = ingest_paths(new_vault, talent.id, [scan])[0]
    assert built_in.status == "ingested" and get_asset(new_vault, built_in.asset_id).file("lod") is None

    other = tmp_path / "again" / "body-82k-b.ply"
    other.parent.mkdir()
    body_scan_ply(other, subdivisions=6, normals_and_colours=True)  # a different file: not a duplicate
    chosen = ingest_paths(new_vault, talent.id, [other], lods=LodSizes(coarse=20_000, fine=250_000))[0]
    asset = get_asset(new_vault, chosen.asset_id)
    levels = {entry["role"]: entry["faces"] for entry in asset.metrics["lods"]}
    assert asset.file("lod") is not None and set(levels) == {"lod"}  # no fine level below 500,000
    assert 0.6 * 20_000 <= levels["lod"] <= 1.5 * 20_000
