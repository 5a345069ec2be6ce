"""``twin-studio talent add|list|set-passphrase|export-key``: talents, and their own keys."""

from __future__ import annotations

import sys
from pathlib import Path

from studio.cli.exits import EXIT_OK
from studio.cli.options import created, open_vault, print_json, read_passphrase_file, shown, talent_passphrase
from studio.core.errors import InvalidInput


def cmd_talent_add(args) -> int:
    from studio.core.talents import add_talent

    new_passphrase = None
    if args.talent_passphrase_file:
        from studio.core.consent.talent_keys import check_talent_passphrase

        new_passphrase = read_passphrase_file(args.talent_passphrase_file)
        check_talent_passphrase(new_passphrase)  # before anything is written
    with open_vault(args) as vault:
        t = add_talent(vault, args.name, args.email, args.agency)
        if new_passphrase is not None:
            from studio.core.consent.talent_keys import set_talent_passphrase

            set_talent_passphrase(vault, t.id, new_passphrase)
    created(args, t.id)
    return EXIT_OK


def cmd_talent_list(args) -> int:
    from studio.core.talents import list_talents

    with open_vault(args) as vault:
        talents = list_talents(vault)
    if args.json:
        print_json([t.to_json() for t in talents])
    else:
        for t in talents:
            extra = ", ".join(x for x in (t.email, t.agency) if x)
            print(shown(f"{t.id}  {t.name}" + (f"  ({extra})" if extra else "") + f"  {t.asset_count} assets"))
    return EXIT_OK


def cmd_set_passphrase(args) -> int:
    from studio.core.consent.talent_keys import has_key, set_talent_passphrase

    with open_vault(args) as vault:
        old = None
        if has_key(vault, args.talent):
            old = talent_passphrase(args.old_talent_passphrase_file, "The talent's current passphrase")
        new = talent_passphrase(args.talent_passphrase_file, "The talent's new passphrase", confirm=True)
        fingerprint = set_talent_passphrase(vault, args.talent, new, old)
    print(f"talent key {fingerprint}", file=sys.stderr)
    return EXIT_OK


def cmd_export_key(args) -> int:
    from studio.core.consent.talent_keys import export_public_key
    from studio.core.vault.atomic import write_bytes_atomic

    with open_vault(args) as vault:
        pem = export_public_key(vault, args.talent)
    if args.out:
        out = Path(args.out)
        if out.exists() and not args.force:
            raise InvalidInput(f"{out} already exists (use --force to overwrite)")
        write_bytes_atomic(out, pem.encode(), overwrite=True)
    else:
        print(pem, end="")
    return EXIT_OK


def register(commands) -> None:
    talent = commands.group("talent", "register and list talents, and their own keys")
    p = commands.add("add", cmd_talent_add, "register a talent; prints the new id", talent)
    p.add_argument("--name", required=True)
    p.add_argument("--email")
    p.add_argument("--agency")
    p.add_argument("--talent-passphrase-file", metavar="FILE",
                   help="also create the talent's own signing key, locked by this passphrase")
    commands.add("list", cmd_talent_list, "list talents", talent)
    p = commands.add("set-passphrase", cmd_set_passphrase,
                     "create the talent's own signing key under their passphrase, or change that passphrase", talent)
    p.add_argument("talent", metavar="ID")
    p.add_argument("--talent-passphrase-file", metavar="FILE", help="the new passphrase (default: the talent types it)")
    p.add_argument("--old-talent-passphrase-file", metavar="FILE", help="the current one, when changing it")
    p = commands.add("export-key", cmd_export_key, "print (or write) the talent's public key as PEM", talent)
    p.add_argument("talent", metavar="ID")
    p.add_argument("--out", metavar="FILE")
    p.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
