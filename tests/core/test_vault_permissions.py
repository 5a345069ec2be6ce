"""Only the vault's owner can read it: the folder and its sub-folders are 0700, every file
0600 (the header with the wrapped key, the catalog and its -wal/-shm, blobs, derived files, temp
files, the lock file), whatever the umask; an older vault is tightened when it is opened."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from studio.core.derived import add_derived
from studio.core.errors import WrongPassphrase
from studio.core.intake import ingest_paths
from studio.core.vault import Vault
LOCK_FILE = ".writer.lock"
from tests.conftest import PASSPHRASE, TESTDATA

pytestmark = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX; other systems use ACLs")


def modes(root: Path) -> dict[str, int]:
    """Every folder and file under ``root`` (and root itself) with its permission bits."""
    found = {".": stat.S_IMODE(root.stat().st_mode)}
    for p in root.rglob("*"):
        found[str(p.relative_to(root))] = stat.S_IMODE(p.lstat().st_mode)
    return found


def not_private(root: Path) -> dict[str, str]:
    return {name: oct(mode) for name, mode in modes(root).items()
            if mode != (0o700 if (root / name).is_dir() else 0o600)}


@pytest.fixture
def open_umask():
    """The usual desktop umask (group and others may read): the vault must not rely on it."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_when_a_vault_is_created_and_written_then_only_its_owner_can_read_anything(tmp_path, open_umask):
    root = tmp_path / "vault"
    with Vault.create(root, PASSPHRASE) as vault:
        from studio.core.talents import add_talent

        talent = add_talent(vault, "Ada Lovelace")
        staged = vault.blobs.stage_bytes(b"a temp file in the middle of a write")
        assert stat.S_IMODE(staged.temp.stat().st_mode) == 0o600
        vault.blobs.discard(staged)
        [result] = ingest_paths(vault, talent.id, [TESTDATA / "voice" / "vctk_p225_001.wav"])
        add_derived(vault, result.asset_id, "thumbnail", "image/png", b"\x89PNG not really")
        names = set(modes(root))
        # the catalog's WAL files exist while the vault is open, and the lock file after a write
        assert {"catalog.sqlite", "catalog.sqlite-wal", "catalog.sqlite-shm", LOCK_FILE, "twin-vault.json"} <= names
        assert any(n.startswith("blobs/") and n.endswith(".age") for n in names)
        assert any(n.startswith("derived/") and n.endswith(".age") for n in names)
        assert not_private(root) == {}
    assert not_private(root) == {}


def test_when_an_existing_vault_is_readable_by_others_then_opening_it_tightens_everything(new_vault):
    root = new_vault.root
    staged = new_vault.blobs.stage_bytes(b"some blob")
    new_vault.blobs.publish(staged)
    with new_vault.writer_lock():
        pass
    new_vault.close()
    for p in [root, *root.rglob("*")]:
        os.chmod(p, 0o755 if p.is_dir() else 0o644)
    assert len(not_private(root)) >= 8  # root, blobs/, blobs/xx/, the blob, header, catalog, key, lock…

    with pytest.raises(WrongPassphrase):  # a wrong passphrase changes nothing, modes included
        Vault.open(root, "not the passphrase")
    assert not_private(root)["twin-vault.json"] == "0o644"

    with Vault.open(root, PASSPHRASE) as vault:
        assert not_private(root) == {}
        assert vault.blobs.read_bytes(staged.sha256) == b"some blob"
        with vault.session():  # the catalog still works, its new -wal/-shm owner-only too
            pass
        assert not_private(root) == {}


def test_when_a_link_points_out_of_the_vault_then_tightening_leaves_its_target_alone(new_vault, tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("not the vault's")
    os.chmod(outside, 0o644)
    (new_vault.root / "link").symlink_to(outside)
    root = new_vault.root
    new_vault.close()
    Vault.open(root, PASSPHRASE).close()
    assert stat.S_IMODE(outside.stat().st_mode) == 0o644
