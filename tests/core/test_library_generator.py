"""The large-library generator (``tests/library.py``) makes a vault the core accepts, and the
chunked listing the app uses reads it whole, newest first, from one snapshot (DR026)."""

from __future__ import annotations

from studio.core.assets import iter_assets, list_assets
from studio.core.check import check_vault
from studio.core.consent.grants import list_grants
from studio.core.ledger.entries import list_entries
from studio.core.talents import list_talents
from tests.library import make_library


def test_when_a_library_is_generated_then_check_accepts_it_and_the_chunked_listing_reads_it_whole(new_vault, tmp_path):
    library = make_library(new_vault, tmp_path / "work", assets=120, talents=5, grants=4, entries=3, others_each=2)
    report = check_vault(new_vault)
    assert report.ok and not report.notes, (report.problems, report.notes)
    talents = {t.id: t.asset_count for t in list_talents(new_vault)}
    assert len(talents) == 5 and talents[library.talent_id] == 120 and sorted(talents.values())[:4] == [2, 2, 2, 2]
    assert len(list_grants(new_vault, library.talent_id)) == 4
    assert len(list_entries(new_vault, library.talent_id)) == 3

    whole = list_assets(new_vault, library.talent_id)
    chunks = list(iter_assets(new_vault, library.talent_id, newest_first=True, chunk=50))
    assert [len(c) for c in chunks] == [50, 50, 20]
    listed = [a for c in chunks for a in c]
    assert [a.id for a in listed] == [a.id for a in sorted(whole, key=lambda a: (a.created_at, a.id), reverse=True)]
    assert {a.talent_id for a in listed} == {library.talent_id}
    take = next(a for a in listed if a.original_name.startswith("retake-"))
    assert take.kind == "voice" and take.file("waveform") is not None and take.metrics["duration_s"] > 0
    assert new_vault.blobs.read_bytes(take.sha256)[:4] == b"RIFF"  # a real encrypted blob, its own bytes
