"""`check` on a big vault (DR025): a random share of the blobs (``subset``, after restic's
``--read-data-subset``), progress for every blob it reads, and a cancel token that stops it with
nothing changed. How many blobs were read is counted from the progress callback."""

from __future__ import annotations

import math

import pytest

from studio.core.check import check_vault, parse_subset
from studio.core.errors import Cancelled, InvalidInput
from studio.core.progress import CancelToken
from studio.core.vault.catalog import Blob
from tests.vaults import BOTH_VAULTS, blob_data, put_blob_data, remove_blob_data, stored

pytestmark = BOTH_VAULTS

TAKES = 8  # each take is two blobs: the original and its waveform


@pytest.fixture(scope="module")
def takes(tmp_path_factory):
    from tests.generators import voice_wav

    folder = tmp_path_factory.mktemp("takes")
    for i in range(TAKES):
        voice_wav(folder / f"take{i}.wav", 96_000, seed=100 + i)
    return folder


@pytest.fixture
def filled(new_vault, talent, takes):
    from studio.core.intake import ingest_paths

    results = ingest_paths(new_vault, talent.id, [takes])
    assert [r.status for r in results] == ["ingested"] * TAKES
    return new_vault


def _blobs(vault) -> dict[str, str]:
    with vault.session() as s:
        return {b.sha256: b.store for b in s.query(Blob)}


def _reads(vault, **kw) -> tuple[object, list]:
    seen = []

    def on_progress(p) -> None:
        if p.label == "verifying blobs":
            seen.append(p)

    rep = check_vault(vault, on_progress, **kw)
    return rep, seen


def test_when_no_subset_is_asked_then_every_blob_is_read(filled):
    rep, seen = _reads(filled)
    assert rep.ok, rep.problems
    assert rep.blobs_checked == rep.blobs_total == len(_blobs(filled)) == 2 * TAKES
    assert len(seen) == rep.blobs_total + 1  # one call before each blob, one when done
    assert rep.subset_percent is None


@pytest.mark.parametrize("percent", [10, 25, 50])
def test_when_a_subset_is_asked_then_that_share_of_the_blobs_is_read(filled, percent):
    total = len(_blobs(filled))
    rep, seen = _reads(filled, subset=percent)
    assert rep.ok, rep.problems
    expected = math.ceil(total * percent / 100)
    assert len(seen) - 1 == rep.blobs_checked == expected
    assert {p.total for p in seen} == {expected}
    assert rep.blobs_total == total and rep.subset_percent == percent


def test_when_a_blob_is_damaged_then_a_full_subset_finds_it(filled):
    sha, store = sorted(_blobs(filled).items())[3]
    data = bytearray(blob_data(filled, sha, store))
    data[len(data) // 2] ^= 0x01
    put_blob_data(filled, sha, bytes(data), store)
    rep, seen = _reads(filled, subset=100)
    assert not rep.ok
    assert any(sha[:16] in p for p in rep.problems), rep.problems
    assert len(seen) - 1 == 2 * TAKES and rep.blobs_checked == 2 * TAKES - 1


def test_when_a_blob_file_is_missing_then_even_the_smallest_subset_says_so(filled):
    blobs = sorted(_blobs(filled).items())
    sha, store = blobs[-1]
    remove_blob_data(filled, sha, store)
    rep = check_vault(filled, subset=1)  # reads one blob, whichever the sample picks
    assert rep.blobs_total == len(blobs) and rep.blobs_checked <= 1
    assert any(f"missing {store} file for {sha[:16]}" in p for p in rep.problems), rep.problems


def test_when_the_check_is_cancelled_then_it_stops_says_cancelled_and_changes_nothing(filled):
    token = CancelToken()
    seen = []

    def on_progress(p) -> None:
        seen.append(p)
        if len(seen) == 3:
            token.cancel()

    before = stored(filled)
    with pytest.raises(Cancelled):
        check_vault(filled, on_progress, token)
    assert len(seen) == 3  # no blob read after the cancel
    assert stored(filled) == before


@pytest.mark.parametrize("text, value", [("10%", 10.0), ("10", 10.0), (" 2.5 % ", 2.5), ("100%", 100.0),
                                         ("0.01", 0.01)])
def test_when_a_subset_is_given_as_a_percentage_then_it_is_read(text, value):
    assert parse_subset(text) == value


@pytest.mark.parametrize("text", ["0", "0%", "101", "100.5%", "-5", "ten", "", "%", "nan", "inf", "10%%", "1e3"])
def test_when_a_subset_is_not_a_percentage_above_0_to_100_then_a_clear_error(text):
    with pytest.raises(InvalidInput, match=r"must be a percentage above 0 and at most 100 \(such as 10% or 2\.5\)"):
        parse_subset(text)
