"""The end of an export, killed at each named point (``STUDIO_TEST_KILL_AT``, read only by the
export's kill points): a counted use always has its package, and a package nobody counted is
reported by ``check`` and removed by the next export (DR018)."""

from __future__ import annotations

import os
import signal

import pytest

from studio.core.check import check_vault
from studio.core.consent.grants import get_grant
from studio.core.package import intents
from tests.e2e.exporting import counted_packages, make_export_setup, sha256, visible_packages

pytestmark = pytest.mark.skipif(os.name == "nt", reason="SIGKILL is POSIX")


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    """One vault for the module (a vault and an ingest cost seconds); every test starts and ends
    with no interrupted export, and compares uses before and after."""
    from tests.conftest import PASSPHRASE

    folder = tmp_path_factory.mktemp("crash-window")
    (folder / "passphrase.txt").write_text(PASSPHRASE + "\n")
    return make_export_setup(folder, folder / "passphrase.txt")


def _uses(setup) -> int:
    with setup.open() as v:
        return get_grant(v, setup.grant_id).uses


def _killed_at(setup, out, point):
    proc = setup.export(out, env={"STUDIO_TEST_KILL_AT": point})
    assert proc.wait() == -signal.SIGKILL, f"the export must stop itself at {point}"


def test_when_export_is_killed_between_publish_and_commit_then_check_reports_it_and_the_next_export_removes_it(
        tmp_path, setup):
    uses = _uses(setup)
    out = tmp_path / "out"
    out.mkdir()
    _killed_at(setup, out / "a.twinpkg", "export.after_publish")

    assert (out / "a.twinpkg").is_file()  # published, then killed before its use was counted
    with setup.open() as v:
        assert get_grant(v, setup.grant_id).uses == uses
        assert sha256(out / "a.twinpkg") not in counted_packages(v).values()
        rep = check_vault(v)
    assert not rep.ok
    assert any("never counted" in p and "a.twinpkg" in p for p in rep.problems), rep.problems

    assert setup.export(out / "b.twinpkg").wait() == 0
    assert sorted(p.name for p in out.iterdir()) == ["b.twinpkg"]  # the uncounted one is void
    with setup.open() as v:
        counted = counted_packages(v)
        assert get_grant(v, setup.grant_id).uses == uses + 1
        rep = check_vault(v)
        assert rep.ok and not rep.notes, (rep.problems, rep.notes)
    assert sha256(out / "b.twinpkg") in counted.values()


def test_when_export_is_killed_between_commit_and_clearing_its_record_then_the_counted_package_is_kept(
        tmp_path, setup):
    uses = _uses(setup)
    out = tmp_path / "out"
    out.mkdir()
    _killed_at(setup, out / "a.twinpkg", "export.after_commit")

    with setup.open() as v:
        counted = counted_packages(v)
        rep = check_vault(v)
        assert get_grant(v, setup.grant_id).uses == uses + 1
    assert rep.ok, rep.problems
    assert sha256(out / "a.twinpkg") in counted.values()

    (out / "a.twinpkg").rename(tmp_path / "elsewhere.twinpkg")  # the file a counted use needs goes missing
    with setup.open() as v:
        rep = check_vault(v)
    assert any("counted but its file is missing" in p for p in rep.problems), rep.problems
    (tmp_path / "elsewhere.twinpkg").rename(out / "a.twinpkg")

    assert setup.export(out / "b.twinpkg").wait() == 0
    with setup.open() as v:
        counted = counted_packages(v)
        rep = check_vault(v)
        assert rep.ok and not rep.notes, (rep.problems, rep.notes)
        assert intents.pending(v) == ([], [])
    assert set(visible_packages(out)) <= set(counted.values()) and _uses(setup) == uses + 2


def test_when_export_is_killed_after_recording_its_intent_then_nothing_is_counted_and_its_temp_file_goes(
        tmp_path, setup):
    uses = _uses(setup)
    out = tmp_path / "out"
    out.mkdir()
    _killed_at(setup, out / "a.twinpkg", "export.after_intent")

    (temp,) = out.glob(".tmp-*")  # complete and signed, but never published nor counted
    with setup.open() as v:
        rep = check_vault(v)
        assert get_grant(v, setup.grant_id).uses == uses
    assert any("never counted" in p for p in rep.problems), rep.problems

    assert setup.export(out / "b.twinpkg").wait() == 0  # the temp is a minute younger: the intent names it
    assert sorted(p.name for p in out.iterdir()) == ["b.twinpkg"]
    with setup.open() as v:
        rep = check_vault(v)
        assert rep.ok and not rep.notes, (rep.problems, rep.notes)
        assert get_grant(v, setup.grant_id).uses == uses + 1


def test_when_an_abandoned_temp_file_holds_a_counted_package_then_the_next_export_puts_it_in_place_not_away(
        tmp_path, setup):
    """What a killed export of an earlier version (commit, then rename) left behind."""
    out = tmp_path / "out"
    out.mkdir()
    assert setup.export(out / "a.twinpkg").wait() == 0
    data = (out / "a.twinpkg").read_bytes()
    temp = out / ".tmp-0123456789abcdef-a.twinpkg"
    (out / "a.twinpkg").rename(temp)
    old = os.stat(temp).st_mtime - 3600
    os.utime(temp, (old, old))

    assert setup.export(out / "b.twinpkg").wait() == 0

    assert sorted(p.name for p in out.iterdir()) == ["a.twinpkg", "b.twinpkg"]
    assert (out / "a.twinpkg").read_bytes() == data
    with setup.open() as v:
        assert set(visible_packages(out)) <= set(counted_packages(v).values())
        assert check_vault(v).ok
