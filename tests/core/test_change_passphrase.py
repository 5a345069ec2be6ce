"""Changing the vault's passphrase (issue 15): the new one opens the vault, the old one no longer
does, the data is the same (the vault key is kept, only rewrapped), the change is in the audit
chain; a wrong current passphrase, a short or unchanged new one change nothing."""

from __future__ import annotations

import pytest

from studio.core.check import check_vault
from studio.core.errors import InvalidInput, VaultLocked, WrongPassphrase
from studio.core.talents import add_talent, list_talents
from studio.core.vault import Vault
from studio.core.vault.audit import list_events
from studio.core.vault.header import HEADER_NAME
from studio.core.vault.passphrase import change_passphrase
from tests.conftest import PASSPHRASE

NEW = "a new and longer studio passphrase"


def test_when_the_passphrase_is_changed_then_only_the_new_one_opens_the_same_vault(new_vault):
    talent = add_talent(new_vault, "Ines Duarte")
    root = new_vault.root

    change_passphrase(new_vault, PASSPHRASE, NEW)
    new_vault.close()

    with pytest.raises(WrongPassphrase):
        Vault.open(root, PASSPHRASE)
    with Vault.open(root, NEW) as vault:
        assert [t.id for t in list_talents(vault)] == [talent.id]  # same key: everything still opens
        assert list_events(vault)[-1]["action"] == "vault.passphrase-changed"
        assert check_vault(vault).ok


@pytest.mark.parametrize("current, new, error, words", [
    ("not the passphrase", NEW, WrongPassphrase, "wrong passphrase"),
    (PASSPHRASE, "short", InvalidInput, "at least 8"),
    (PASSPHRASE, PASSPHRASE, InvalidInput, "the same as the current"),
])
def test_when_the_change_is_refused_then_the_header_and_the_chain_are_unchanged(new_vault, current, new, error, words):
    before = (new_vault.root / HEADER_NAME).read_bytes()
    events = len(list_events(new_vault))
    with pytest.raises(error, match=words):
        change_passphrase(new_vault, current, new)
    assert (new_vault.root / HEADER_NAME).read_bytes() == before and len(list_events(new_vault)) == events


def test_when_a_vault_is_locked_then_its_keys_are_dropped_and_it_reads_nothing(new_vault):
    add_talent(new_vault, "Ines Duarte")
    new_vault.lock()
    assert new_vault._keys is None and new_vault.fields is None and new_vault.blobs is None
    with pytest.raises(VaultLocked, match="locked"):
        list_talents(new_vault)
