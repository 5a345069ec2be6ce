"""What changed, said by the core: every mutating function the UI calls returns a result that
carries ``.changes`` naming exactly what it touched; voice takes and waveforms are read for the UI."""

from __future__ import annotations

import pytest

from studio.core.changes import NOTHING, Changes, changes_of
from studio.core.consent.grants import activate_grant, draft_grant, sign_grant
from studio.core.consent.review import review_asset
from studio.core.consent.talent_keys import set_talent_passphrase, unlock_talent_key
from studio.core.errors import InvalidInput
from studio.core.intake import ingest_paths
from studio.core.previews import voice_take, waveform
from studio.core.talents import add_talent
from tests.conftest import TESTDATA

TALENT_PASS = "the talent's own long phrase"


def test_when_changes_are_merged_then_every_slice_is_the_union_and_flags_are_kept():
    a = Changes(talents={"t1"}, assets=["a1"])
    b = Changes(assets={"a2"}, ledger={"t1"}, audit=True)
    merged = a | b
    assert merged == Changes(talents={"t1"}, assets={"a1", "a2"}, ledger={"t1"}, audit=True)
    assert a.merge(b, Changes(brands={"b1"})).brands == frozenset({"b1"})
    assert merged.touches("ledger") and not merged.touches("grants", "packages")
    assert not NOTHING and Changes(audit=True) and Changes.all().touches("grants")
    with pytest.raises(TypeError):
        Changes(assets="ast_1")  # a bare id would be split into letters


def test_when_a_result_says_nothing_then_everything_may_have_changed():
    assert changes_of(Changes(grants={"g"})) == Changes(grants={"g"})
    assert changes_of(object()).everything
    assert changes_of([Changes(assets={"a"}), Changes(assets={"b"})]).assets == {"a", "b"}


def test_when_the_studio_and_the_talent_act_then_each_result_names_what_it_changed(new_vault, tmp_path):
    empty = tmp_path / "empty.ply"
    empty.write_bytes(b"")
    talent = add_talent(new_vault, "Ada Lovelace")
    assert changes_of(talent) == Changes(talents={talent.id}, audit=True)
    fingerprint = set_talent_passphrase(new_vault, talent.id, TALENT_PASS)
    assert isinstance(fingerprint, str) and len(fingerprint) > 8  # callers still get the fingerprint
    assert changes_of(fingerprint) == Changes(talents={talent.id}, audit=True)
    key = unlock_talent_key(new_vault, talent.id, TALENT_PASS)
    voice, rejected = ingest_paths(new_vault, talent.id, [TESTDATA / "voice" / "vctk_p225_001.wav",
                                                          empty])
    assert changes_of(voice) == Changes(assets={voice.asset_id}, audit=True)
    assert rejected.status == "rejected" and not changes_of(rejected)
    reviewed = review_asset(new_vault, voice.asset_id, "approve", key)
    assert changes_of(reviewed) == Changes(assets={voice.asset_id}, audit=True)
    g = draft_grant(new_vault, talent.id, {
        "licensee": "Maison Lumière", "assets": [voice.asset_id], "use_description": "Radio spot",
        "purposes": "advertising", "media": "audio", "territories": "FR", "start": "2027-01-01",
        "end": "2027-03-31", "max_uses": 3, "fee": "1200", "currency": "EUR"})
    for result in (g, sign_grant(new_vault, g.id, key), activate_grant(new_vault, g.id)):
        assert changes_of(result) == Changes(grants={g.id}, audit=True)


def test_when_a_voice_take_is_read_for_the_ui_then_audio_and_waveform_come_from_the_vault(new_vault, talent):
    (r,) = ingest_paths(new_vault, talent.id, [TESTDATA / "voice" / "vctk_p225_001.wav"])
    take = voice_take(new_vault, r.asset_id)
    assert take.audio == (TESTDATA / "voice" / "vctk_p225_001.wav").read_bytes()
    assert take.waveform == waveform(new_vault, r.asset_id) and take.waveform["duration_s"] > 0
    (scan,) = ingest_paths(new_vault, talent.id, [TESTDATA / "scans" / "stanford-bunny.obj"])
    with pytest.raises(InvalidInput):
        voice_take(new_vault, scan.asset_id)
    assert waveform(new_vault, scan.asset_id) is None
