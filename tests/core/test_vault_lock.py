"""The vault's writer lock, as two Twin Studio processes meet it: the second one is told, after
about a second, that the vault is busy (``VaultBusy``), and nothing of its write happens.

The other process holds the lock until the test lets it go, so no outcome depends on how fast
this machine is."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pytest

from studio.core.errors import InvalidInput, VaultBusy
from studio.core.vault.lock import DEFAULT_TIMEOUT, lock_timeout
from tests.conftest import TESTDATA

WAIT = 300  # seconds a step may take on a very busy machine before the test gives up


def hold_writer_lock(root: str, identity: str, ready, release) -> None:
    """A second Twin Studio process: opens the vault and writes… until told to stop."""
    import pyrage

    from studio.core.vault import Vault
    from studio.core.vault.header import read_header
    from studio.core.vault.keys import VaultKeys

    vault = Vault(Path(root), read_header(Path(root)), VaultKeys(pyrage.x25519.Identity.from_str(identity)))
    with vault.writer_lock():
        ready.set()
        release.wait(WAIT)
    vault.close()


@pytest.fixture
def busy_vault(new_vault):
    """``new_vault`` while another process holds its writer lock."""
    ctx = multiprocessing.get_context("spawn")  # what Windows and macOS do; no forked threads
    ready, release = ctx.Event(), ctx.Event()
    child = ctx.Process(target=hold_writer_lock, args=(str(new_vault.root), str(new_vault._keys.identity), ready, release))
    child.start()
    try:
        assert ready.wait(WAIT), "the other process never took the lock"
        yield new_vault
    finally:
        release.set()
        child.join(WAIT)
        if child.is_alive():
            child.kill()
    assert child.exitcode == 0


def test_when_another_process_writes_then_a_writer_gets_vault_busy_with_the_reason(busy_vault):
    with pytest.raises(VaultBusy, match=r"^the vault is busy with another operation \(.*\); try again"):
        with busy_vault.writer_lock():
            pytest.fail("the lock was granted while another process held it")


def test_when_the_vault_is_busy_then_an_ingest_changes_nothing(busy_vault, talent):
    from studio.core.assets import list_assets
    from studio.core.intake import ingest_paths

    blobs_before = sorted(busy_vault.blobs.stored_hashes())
    with pytest.raises(VaultBusy):
        ingest_paths(busy_vault, talent.id, [TESTDATA / "voice" / "vctk_p225_001.wav"])
    assert list_assets(busy_vault) == []
    assert sorted(busy_vault.blobs.stored_hashes()) == blobs_before


def test_when_the_timeout_is_set_in_the_environment_then_the_writer_waits_that_long(busy_vault, monkeypatch):
    monkeypatch.setenv("STUDIO_LOCK_TIMEOUT", "0")
    with pytest.raises(VaultBusy):
        with busy_vault.writer_lock():
            pass


def test_when_the_other_process_is_done_then_the_lock_is_granted(new_vault):
    ctx = multiprocessing.get_context("spawn")
    ready, release = ctx.Event(), ctx.Event()
    release.set()  # lets go as soon as it has the lock
    child = ctx.Process(target=hold_writer_lock, args=(str(new_vault.root), str(new_vault._keys.identity), ready, release))
    child.start()
    child.join(WAIT)
    assert child.exitcode == 0 and ready.is_set()
    with new_vault.writer_lock():
        pass


def test_when_no_timeout_is_given_then_a_writer_waits_about_a_second(monkeypatch):
    monkeypatch.delenv("STUDIO_LOCK_TIMEOUT", raising=False)
    assert lock_timeout() == DEFAULT_TIMEOUT == 1.0
    monkeypatch.setenv("STUDIO_LOCK_TIMEOUT", "45")
    assert lock_timeout() == 45.0
    assert lock_timeout(2.5) == 2.5  # an explicit argument wins


@pytest.mark.parametrize("raw", ["soon", "-1", "nan"])
def test_when_the_timeout_in_the_environment_is_not_seconds_then_a_clear_error(raw, monkeypatch, new_vault):
    monkeypatch.setenv("STUDIO_LOCK_TIMEOUT", raw)
    with pytest.raises(InvalidInput, match="STUDIO_LOCK_TIMEOUT must be"):
        with new_vault.writer_lock():
            pytest.fail("a bad timeout was accepted")
