"""``twin-studio init``: create a vault."""

from __future__ import annotations

import sys

from studio.cli.exits import EXIT_OK
from studio.cli.options import created, vault_dir, vault_passphrase


def cmd_init(args) -> int:
    from studio.core.vault import Vault
    from studio.core.vault.vault import check_can_create, check_new_passphrase

    folder = vault_dir(args).absolute()
    check_can_create(folder)  # before asking for a passphrase
    passphrase = vault_passphrase(args, confirm=True)
    check_new_passphrase(passphrase)
    with Vault.create(folder, passphrase) as vault:
        if not args.json:
            print(f"created vault at {vault.root}", file=sys.stderr)
            print(f"studio signing key {vault.studio_key_fingerprint}", file=sys.stderr)
        created(args, vault.header.vault_id, {"path": str(vault.root)})
    return EXIT_OK


def register(commands) -> None:
    commands.add("init", cmd_init, "create a new vault")
