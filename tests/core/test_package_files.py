"""Files the package side writes: never over a file that is there (not even one that appears
meanwhile), a counted package is never deleted, private keys are owner-only without touching the
process-wide umask, and a marking failure is reported as the integrity failure it is."""

from __future__ import annotations

import os
import stat
import sys

import pytest

from studio.core.errors import InvalidInput
from studio.core.package.brand_keys import IDENTITY_FILE, SIGNING_FILE, keygen


def test_when_the_target_appears_before_a_counted_package_is_published_then_it_goes_beside_it(tmp_path):
    from studio.core.package.publish import publish_new

    tmp = tmp_path / ".tmp-0123-p.twinpkg"
    tmp.write_bytes(b"the counted package")
    target = tmp_path / "p.twinpkg"
    target.write_bytes(b"someone else's file")  # appeared between the count and the publish

    placed = publish_new(tmp, target, elsewhere=True)

    assert placed == tmp_path / "p-2.twinpkg" and placed.read_bytes() == b"the counted package"
    assert target.read_bytes() == b"someone else's file" and not tmp.exists()


def test_when_the_target_of_a_strict_publish_exists_then_it_is_refused_and_both_files_are_kept(tmp_path):
    from studio.core.package.publish import publish_new

    tmp, target = tmp_path / ".tmp-1-r.json", tmp_path / "r.json"
    tmp.write_bytes(b"new")
    target.write_bytes(b"old")
    with pytest.raises(FileExistsError):
        publish_new(tmp, target)
    assert (tmp.read_bytes(), target.read_bytes()) == (b"new", b"old")


def test_when_a_usage_report_target_exists_then_nothing_is_written_over_it(tmp_path):
    from studio.core.package.reports import write_report

    out = tmp_path / "report.json"
    out.write_text("mine")
    with pytest.raises(InvalidInput, match="already exists"):
        write_report({"type": "twin-studio/usage-report"}, out)
    assert out.read_text() == "mine" and sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


@pytest.mark.skipif(os.name == "nt", reason="POSIX file modes")
def test_when_a_brand_makes_its_keys_then_the_private_files_are_0600_and_the_umask_is_never_changed(tmp_path):
    calls = []

    def watch(frame, event, arg):  # observe (not replace) every C call made in this thread
        if event == "c_call" and getattr(arg, "__name__", "") == "umask":
            calls.append(arg)

    before = os.umask(0o022)
    try:
        sys.setprofile(watch)
        try:
            keygen(tmp_path / "keys", "Maison Lumière", "a brand passphrase")
        finally:
            sys.setprofile(None)
        after = os.umask(0o022)
    finally:
        os.umask(before)
    assert calls == [] and after == 0o022  # another thread creating files meanwhile is not affected
    for name in (IDENTITY_FILE, SIGNING_FILE):
        assert stat.S_IMODE((tmp_path / "keys" / name).stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "keys" / "brand-card.json").stat().st_mode) == 0o644
    assert not [p for p in (tmp_path / "keys").iterdir() if p.name.startswith(".tmp-")]


def test_when_every_free_name_beside_the_target_is_taken_then_placing_refuses_before_anything_is_counted(tmp_path):
    """DR018: the package is put in place before its use is counted, so a package that cannot be
    put anywhere is refused with nothing counted (the export's temp-file guard removes it)."""
    from studio.core.errors import StudioError
    from studio.core.package.export import place_package
    from studio.core.package.publish import free_names

    target = tmp_path / "p.twinpkg"
    for name in free_names(target):  # p.twinpkg, p-2.twinpkg … p-1000.twinpkg: all someone else's
        name.write_bytes(b"theirs")
    tmp = tmp_path / ".tmp-0123-p.twinpkg"
    tmp.write_bytes(b"the package")

    with pytest.raises(StudioError, match="nothing was exported or counted"):
        place_package(tmp, target, "pkg_0123456789abcdef")

    assert target.read_bytes() == b"theirs" and (tmp_path / "p-1000.twinpkg").read_bytes() == b"theirs"
    assert not (tmp_path / "p-pkg_0123456789abcdef.twinpkg").exists()
