"""The encrypted asset vault: header, keys, catalog, blob stores, audit chain, check."""

from studio.core.vault.vault import Vault, default_vault_dir, vault_exists

__all__ = ["Vault", "default_vault_dir", "vault_exists"]
