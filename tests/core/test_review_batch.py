"""The talent's decisions on many assets at once (issue 16 item 6): one call, one transaction,
each asset its own signed review; bad input fails the whole batch and writes nothing. The
talent's history names each asset and grant and carries the reasons given."""

from __future__ import annotations

import pytest

from studio.core.assets import get_asset, list_assets
from studio.core.check import check_vault
from studio.core.consent.evidence import verify_evidence
from studio.core.consent.grants import decline_grant, draft_grant
from studio.core.consent.history import history_for_talent
from studio.core.consent.review import list_reviews, review_assets, verify_reviews
from studio.core.errors import InvalidInput, NotFound
from studio.core.intake import ingest_paths
from studio.core.talents import add_talent
from studio.core.vault import audit
from tests.core.helpers import fields
from tests.generators import voice_wav
from tests.vaults import BOTH_VAULTS

pytestmark = BOTH_VAULTS


def _takes(vault, talent_id: str, folder, count: int) -> list[str]:
    paths = []
    for n in range(count):
        path = folder / f"line-{n:02d}.wav"
        voice_wav(path, 24_000, seed=n, rate=8_000)
        paths.append(path)
    results = ingest_paths(vault, talent_id, paths)
    assert all(r.status == "ingested" for r in results), [(r.path, r.reason) for r in results]
    return [r.asset_id for r in results]


def test_when_the_talent_rejects_several_then_each_gets_its_own_signed_review_in_one_call(world, tmp_path):
    vault, talent, key, (scan, voice) = world
    more = _takes(vault, talent.id, tmp_path, 3)
    events_before = len(audit.list_events(vault))
    batch = review_assets(vault, [scan, *more, scan], "reject", key, note="  not for campaigns  ")
    assert [r.asset_id for r in batch.reviews] == [scan, *more], "each asset once, in the order asked"
    assert batch.changes.assets == {scan, *more} and batch.changes.audit
    assert {r.decision for r in batch.reviews} == {"rejected"}
    assert len({r.id for r in batch.reviews}) == 4
    for aid in (scan, *more):
        assert get_asset(vault, aid).status == "rejected"
        last = list_reviews(vault, aid)[-1]
        assert last.decision == "rejected" and last.note == "not for campaigns" and last.signature_valid
    assert get_asset(vault, voice).status == "approved", "an asset not asked about keeps its decision"
    events = audit.list_events(vault)[events_before:]
    assert [(e["action"], e["subject"]) for e in events] == [("asset.rejected", a) for a in (scan, *more)]
    assert verify_reviews(vault) == [] and verify_evidence(vault) == []
    assert check_vault(vault).ok


@pytest.mark.parametrize("bad, error, message", [
    ("ast_ffffffffffffffff", NotFound, "no asset ast_ffffffffffffffff"),
    ("not-an-id", InvalidInput, "not-an-id"),
    ("foreign", InvalidInput, "shows another talent"),
])
def test_when_one_asset_of_a_batch_is_wrong_then_nothing_is_written(world, tmp_path, bad, error, message):
    vault, talent, key, (scan, voice) = world
    if bad == "foreign":
        other = add_talent(vault, "Noor Haddad")
        (bad,) = _takes(vault, other.id, tmp_path, 1)
    statuses = {a.id: a.status for a in list_assets(vault, talent.id)}
    events_before = len(audit.list_events(vault))
    with pytest.raises(error, match=message):
        review_assets(vault, [scan, bad, voice], "reject", key)
    assert {a.id: a.status for a in list_assets(vault, talent.id)} == statuses
    assert len(audit.list_events(vault)) == events_before


def test_when_a_batch_is_empty_or_its_note_or_decision_is_bad_then_it_is_refused(world):
    vault, talent, key, (scan, voice) = world
    with pytest.raises(InvalidInput, match="no assets to review"):
        review_assets(vault, [], "approve", key)
    with pytest.raises(InvalidInput, match="a list of asset ids"):
        review_assets(vault, scan, "approve", key)
    with pytest.raises(InvalidInput, match="unknown decision 'maybe'"):
        review_assets(vault, [scan], "maybe", key)
    with pytest.raises(InvalidInput, match="longer than 2000"):
        review_assets(vault, [scan, voice], "reject", key, note="x" * 2001)
    assert {get_asset(vault, a).status for a in (scan, voice)} == {"approved"}


def test_when_the_talent_reads_their_history_then_names_and_reasons_are_there(world, tmp_path):
    vault, talent, key, (scan, voice) = world
    (take,) = _takes(vault, talent.id, tmp_path, 1)
    review_assets(vault, [take, voice], "reject", key, note="my voice sounds tired here")
    g = draft_grant(vault, talent.id, fields([scan], licensee="Maison Lumière", use_description="Lookbook"))
    decline_grant(vault, g.id, key, "not this season")
    events = history_for_talent(vault, talent.id)
    by = {(e["action"], e["subject"]): e for e in events}
    assert by[("asset.ingested", take)]["name"] == "line-00.wav"
    assert by[("asset.ingested", scan)]["name"] == "stanford-bunny_zipper_res2.ply"
    assert by[("asset.approved", scan)]["reason"] is None, "approved without a note"
    for aid, name in ((take, "line-00.wav"), (voice, "vctk_p225_001.wav")):
        rejected = by[("asset.rejected", aid)]
        assert rejected["name"] == name and rejected["reason"] == "my voice sounds tired here"
        assert rejected["by_talent"]
    declined = by[("grant.declined", g.id)]
    assert declined["name"] == "Maison Lumière: Lookbook" and declined["reason"] == "not this season"
    assert by[("grant.drafted", g.id)]["reason"] is None and not by[("grant.drafted", g.id)]["by_talent"]
    assert by[("talent.added", talent.id)]["name"] == "Ines Duarte"
