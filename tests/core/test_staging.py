"""A writer's staging folder (DR025): a clean-up leaves it alone while its writer holds it, and
removes it once the writer is gone; `check` notes only a dead writer's staged files."""

from __future__ import annotations

import os

import pytest

from studio.core.check import check_vault
from studio.core.vault import staging
from tests.vaults import BOTH_VAULTS

pytestmark = [BOTH_VAULTS, pytest.mark.skipif(os.name == "nt", reason="the owner is tested by flock on POSIX")]


def _files(root):
    return sorted(p.name for p in (root / staging.FOLDER).rglob("*") if p.is_file())


def test_when_a_writer_holds_its_staging_folder_then_a_clean_up_leaves_it_and_check_says_nothing(new_vault):
    with new_vault.staging() as area:
        staged = new_vault.blobs.stage_bytes(b"a likeness, encrypted", area.folder)
        with new_vault.writer_lock():  # recovery runs here, as in another process's write
            pass
        assert staged.temp.is_file()
        assert staging.abandoned(new_vault.root) == ([], 1)
        rep = check_vault(new_vault)
        assert rep.ok and not rep.notes, (rep.problems, rep.notes)
    assert _files(new_vault.root) == []  # released: the folder and its owner file are gone


def test_when_the_writer_is_gone_then_check_notes_its_staged_files_and_the_next_write_removes_them(new_vault):
    area = staging.open_area(new_vault.root)
    staged = new_vault.blobs.stage_bytes(b"a likeness, encrypted", area.folder)
    os.close(area._fd)  # what a killed writer leaves: the owner file, held by nobody
    area._fd = -1
    dead, live = staging.abandoned(new_vault.root)
    assert dead == [staged.temp] and live == 0
    rep = check_vault(new_vault)
    assert rep.ok and any("1 staged file(s) of a write that was interrupted" in n for n in rep.notes), rep.notes
    with new_vault.writer_lock():
        pass
    assert _files(new_vault.root) == [] and not list((new_vault.root / staging.FOLDER).iterdir())
    assert check_vault(new_vault).notes == []


def test_when_a_cleaner_removed_a_new_owner_file_before_it_was_held_then_the_writer_takes_another_name(
        new_vault, monkeypatch):
    import fcntl
    from types import SimpleNamespace

    base = new_vault.root / staging.FOLDER
    raced: list[str] = []

    def flock_after_a_cleaner(fd, op):
        if not raced:  # between creating its owner file and locking it, a cleaner takes and removes it
            (owner,) = base.glob(f"*{staging.OWNER_SUFFIX}")
            owner.unlink()
            raced.append(owner.name[: -len(staging.OWNER_SUFFIX)])
        return fcntl.flock(fd, op)

    monkeypatch.setattr(staging, "fcntl", SimpleNamespace(flock=flock_after_a_cleaner, LOCK_EX=fcntl.LOCK_EX,
                                                          LOCK_NB=fcntl.LOCK_NB))
    area = staging.open_area(new_vault.root)
    try:
        assert raced and area.folder.name != raced[0]
        assert not (base / raced[0]).exists()  # no folder under the name it lost
        assert staging._same_file(base / f"{area.folder.name}{staging.OWNER_SUFFIX}", area._fd)
        assert staging.abandoned(new_vault.root) == ([], 1)
    finally:
        area.release()
