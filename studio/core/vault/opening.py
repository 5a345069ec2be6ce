"""Opening and creating a vault wherever it is: a folder, or a shared vault (DR027)."""

from __future__ import annotations

from pathlib import Path

from studio.core.vault.header import VaultHeader, read_header
from studio.core.vault.location import SharedLocation
from studio.core.vault.vault import Vault, check_can_create

Where = Path | SharedLocation


def read_vault_header(where: Where) -> VaultHeader:
    """The header, read before any passphrase is asked for: a missing or unknown vault, an
    unreachable catalog or store, fails first."""
    if isinstance(where, SharedLocation):
        from studio.core.vault.shared import read_shared_header

        return read_shared_header(where)[0]
    return read_header(Path(where))


def open_vault(where: Where, passphrase: str) -> Vault:
    if isinstance(where, SharedLocation):
        from studio.core.vault.shared import SharedVault

        return SharedVault.open(where, passphrase)
    return Vault.open(Path(where), passphrase)


def create_vault(where: Where, passphrase: str) -> Vault:
    if isinstance(where, SharedLocation):
        from studio.core.vault.shared import SharedVault

        return SharedVault.create(where, passphrase)
    return Vault.create(Path(where), passphrase)


def check_can_create_at(where: Where) -> None:
    """Before asking for a passphrase: a folder vault only in a new or empty folder (a shared
    vault's store and catalog are checked when it is created)."""
    if not isinstance(where, SharedLocation):
        check_can_create(Path(where).absolute())
