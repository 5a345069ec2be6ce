"""``twin-studio init``: create a vault."""

from __future__ import annotations

import sys

from studio.cli.exits import EXIT_OK
from studio.cli.options import created, vault_location, vault_passphrase


def cmd_init(args) -> int:
    from studio.core.vault.opening import check_can_create_at, create_vault
    from studio.core.vault.vault import check_new_passphrase

    where = vault_location(args)
    check_can_create_at(where)  # before asking for a passphrase
    passphrase = vault_passphrase(args, confirm=True)
    check_new_passphrase(passphrase)
    with create_vault(where, passphrase) as vault:
        if not args.json:
            print(f"created vault at {vault.describe()}", file=sys.stderr)
            print(f"studio signing key {vault.studio_key_fingerprint}", file=sys.stderr)
        extra = vault.location.to_json() if vault.shared else {"path": str(vault.root)}
        created(args, vault.header.vault_id, extra)
    return EXIT_OK


def register(commands) -> None:
    commands.add("init", cmd_init, "create a new vault")
