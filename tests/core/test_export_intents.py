"""Interrupted exports' intents (DR018): an uncounted package is voided byte for byte and
nothing else is touched; ``check`` names what an intent says."""

from __future__ import annotations

import hashlib

from studio.core.check import check_vault
from studio.core.package import intents
from tests.vaults import BOTH_VAULTS

pytestmark = BOTH_VAULTS


def _package(path, data: bytes):
    path.write_bytes(data)
    return hashlib.sha256(data).hexdigest(), len(data)


def test_when_an_uncounted_package_was_published_then_reconcile_removes_only_its_own_bytes(new_vault, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "p.twinpkg").write_bytes(b"the brand's own file, same size!")  # someone else's, at the target
    sha, size = _package(out / "p-2.twinpkg", b"a signed package nobody counted")
    (out / "p-3.twinpkg").write_bytes(b"a signed package nobody counteD")  # same size, other bytes
    intents.record(new_vault, "pkg_0123456789abcdef", sha, size, out / ".tmp-00-p.twinpkg", out / "p.twinpkg")

    rep = check_vault(new_vault)
    assert any("never counted" in p and "p-2.twinpkg" in p for p in rep.problems), rep.problems

    assert intents.reconcile(new_vault) == [out / "p-2.twinpkg"]
    assert sorted(p.name for p in out.iterdir()) == ["p-3.twinpkg", "p.twinpkg"]
    assert intents.pending(new_vault) == ([], [])
    assert check_vault(new_vault).ok


def test_when_an_intent_record_is_altered_then_check_reports_it_and_reconcile_leaves_it(new_vault, tmp_path):
    sha, size = _package(tmp_path / "p.twinpkg", b"package")
    intents.record(new_vault, "pkg_0123456789abcdef", sha, size, tmp_path / ".tmp-p", tmp_path / "p.twinpkg")
    (path,) = (new_vault.root / intents.FOLDER).iterdir()
    data = bytearray(path.read_bytes())
    data[-1] ^= 1
    path.write_bytes(bytes(data))

    rep = check_vault(new_vault)

    assert any("interrupted export" in p and "altered" in p for p in rep.problems), rep.problems
    assert intents.reconcile(new_vault) == [] and (tmp_path / "p.twinpkg").exists() and path.exists()


def test_when_an_interrupted_export_left_no_file_then_check_only_notes_it(new_vault, tmp_path):
    intents.record(new_vault, "pkg_0123456789abcdef", "0" * 64, 7, tmp_path / ".tmp-p", tmp_path / "p.twinpkg")

    rep = check_vault(new_vault)

    assert rep.ok and any("interrupted before it was counted" in n for n in rep.notes), rep.notes


def test_when_an_export_is_running_between_publish_and_commit_then_check_does_not_call_it_interrupted(
        new_vault, tmp_path):
    sha, size = _package(tmp_path / "p.twinpkg", b"published a moment ago, about to be counted")
    intents.record(new_vault, "pkg_0123456789abcdef", sha, size, tmp_path / ".tmp-p", tmp_path / "p.twinpkg")

    with new_vault.commit_lock(timeout=0):  # what the running export holds
        rep = check_vault(new_vault)
    assert rep.ok and any("an export is running" in n for n in rep.notes), (rep.problems, rep.notes)

    assert not check_vault(new_vault).ok  # once nobody holds it, the record is an interrupted export's
