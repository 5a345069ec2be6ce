"""The string enums of studio.core.types against what a real vault stores: every value written by
ingest, review, grants, export and the ledger reads back as a member of its enum, and the enums
compare equal to the plain strings the catalog (and every caller) already used."""

from __future__ import annotations

import datetime as dt
import io
import sqlite3
from contextlib import closing

import numpy as np
import pytest
from PIL import Image

from studio.core.consent.grants import decline_grant, draft_grant, sign_grant
from studio.core.consent.review import review_asset
from studio.core.derived import add_derived
from studio.core.intake import ingest_paths
from studio.core.ledger.entries import import_report
from studio.core.package.export import export_package
from studio.core.package.reports import create_report, write_report
from studio.core.types import (STORED_GRANT_STATES, AssetKind, AssetStatus, FileRole, GrantState, LedgerKind,
                               ReviewDecision)
from tests.conftest import TESTDATA
from tests.core.helpers import BRAND, active_grant, brand, grant_fields

COLUMNS = {("assets", "status"): AssetStatus, ("assets", "kind"): AssetKind, ("asset_files", "role"): FileRole,
           ("reviews", "decision"): ReviewDecision, ("grants", "state"): GrantState,
           ("ledger_entries", "kind"): LedgerKind}


def _stored(root) -> dict[tuple[str, str], set[str]]:
    """The distinct values of each enum column, read with plain sqlite3 (not through our models)."""
    with closing(sqlite3.connect(root / "catalog.sqlite")) as db:
        return {(t, c): {v for (v,) in db.execute(f"SELECT DISTINCT {c} FROM {t}")} for t, c in COLUMNS}


def _report(keys, tmp_path, pkg, name: str, **over) -> None:
    use = {"description": "Homepage hero", "purpose": "advertising", "media": "web", "territory": "FR",
           "date": dt.date.today().isoformat(), "count": 1, **over}
    rep, _ = create_report(pkg, keys, use["description"], use["purpose"], use["media"],
                           use["territory"], use["date"], use["count"])
    write_report(rep, tmp_path / name)
    return tmp_path / name


def test_when_a_vault_has_seen_every_operation_then_every_stored_value_parses_into_its_enum(world, tmp_path):
    vault, talent, key, (scan, voice) = world
    capture = tmp_path / "capture"
    capture.mkdir()
    (capture / "head.obj").write_text("mtllib head.mtl\nv 0 0 0\nv 0.2 0 0\nv 0 0.25 0\nv 0 0 0.2\n"
                                      "usemtl skin\nf 1 2 3\nf 1 3 4\nf 1 4 2\nf 2 4 3\n")
    (capture / "head.mtl").write_text("newmtl skin\nKd 1 1 1\n")
    results = ingest_paths(vault, talent.id, [capture / "head.obj",
                                              TESTDATA / "scans" / "pointclouds" / "points_agisoft.xyz"])
    head = next(r.asset_id for r in results if r.path.endswith("head.obj"))
    assert {r.status for r in results} == {"ingested"}
    review_asset(vault, head, "reject", key)
    png = io.BytesIO()
    Image.fromarray(np.full((4, 4, 3), 90, np.uint8)).save(png, "PNG")
    assert add_derived(vault, scan, "thumbnail", "image/png", png.getvalue())

    g = active_grant(vault, talent, key, [scan, voice], max_uses=4)
    draft_grant(vault, talent.id, grant_fields([scan]))
    sign_grant(vault, draft_grant(vault, talent.id, grant_fields([voice])).id, key)
    decline_grant(vault, draft_grant(vault, talent.id, grant_fields([scan])).id, key)
    keys = brand(vault)
    pkg = tmp_path / "p.twinpkg"
    export_package(vault, g.id, BRAND, pkg, assets=[voice])
    today = g.today().isoformat()  # the grant's calendar day: a use dated so is not before the export (DR020)
    import_report(vault, _report(keys, tmp_path, pkg, "use.json", date=today))
    import_report(vault, _report(keys, tmp_path, pkg, "violation.json", territory="US", date=today))

    stored = _stored(vault.root)

    for (table, column), enum in COLUMNS.items():
        for value in stored[(table, column)]:
            assert enum(value) == value, f"{table}.{column} holds {value!r}, not a {enum.__name__}"
    assert stored[("assets", "status")] == set(AssetStatus)
    assert stored[("assets", "kind")] == set(AssetKind)
    # (an LOD is made only for meshes over 200 000 faces: the ingest tests store one)
    assert stored[("asset_files", "role")] == {FileRole.COMPANION, FileRole.WAVEFORM, FileRole.THUMBNAIL}
    assert stored[("reviews", "decision")] == set(ReviewDecision)
    assert stored[("grants", "state")] == set(STORED_GRANT_STATES)
    assert stored[("ledger_entries", "kind")] == set(LedgerKind)


@pytest.mark.parametrize("enum", [AssetStatus, AssetKind, GrantState, LedgerKind, FileRole, ReviewDecision])
def test_when_an_enum_member_meets_its_stored_string_then_they_are_equal_and_print_alike(enum):
    for member in enum:
        assert member == member.value and hash(member) == hash(member.value)
        assert str(member) == f"{member}" == member.value and f"{member:12}" == f"{member.value:12}"
        assert {member.value: 1}[member] == 1


def test_when_a_value_is_not_in_the_set_then_parsing_it_fails():
    with pytest.raises(ValueError):
        AssetStatus("pending")
    with pytest.raises(ValueError):
        GrantState("Active")
