"""The encrypted asset vault: header, keys, catalog, blob stores, audit chain, check."""

from studio.core.vault.vault import Vault, check_can_create, check_new_passphrase, default_vault_dir, vault_exists

__all__ = ["Vault", "check_can_create", "check_new_passphrase", "default_vault_dir", "vault_exists"]
