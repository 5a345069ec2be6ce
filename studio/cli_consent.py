"""`twin-studio` commands where the talent acts with their own key: their passphrase, their
public key, and their review of each asset."""

from __future__ import annotations

import sys
from pathlib import Path

from studio.core.errors import InvalidInput

EXIT_OK = 0


def _talent_passphrase(path: str | None, prompt: str, *, confirm: bool = False) -> str:
    """From FILE, else typed by the talent at a terminal. Never from the environment: the
    studio's shell must not hold the talent's secret."""
    from studio.cli import _read_passphrase_file

    if path:
        return _read_passphrase_file(path)
    if sys.stdin is not None and sys.stdin.isatty():
        import getpass

        first = getpass.getpass(f"{prompt}: ")
        if confirm and getpass.getpass("Repeat it: ") != first:
            raise InvalidInput("the two passphrases differ")
        return first
    raise InvalidInput("no talent passphrase given: use --talent-passphrase-file FILE, or let the talent type it")


def cmd_set_passphrase(args) -> int:
    from studio.cli import _open
    from studio.core.consent.talent_keys import has_key, set_talent_passphrase

    with _open(args) as vault:
        old = None
        if has_key(vault, args.talent):
            old = _talent_passphrase(args.old_talent_passphrase_file, "The talent's current passphrase")
        new = _talent_passphrase(args.talent_passphrase_file, "The talent's new passphrase", confirm=True)
        fingerprint = set_talent_passphrase(vault, args.talent, new, old)
    print(f"talent key {fingerprint}", file=sys.stderr)
    return EXIT_OK


def cmd_export_key(args) -> int:
    from studio.cli import _open
    from studio.core.consent.talent_keys import export_public_key
    from studio.core.vault.atomic import write_bytes_atomic

    with _open(args) as vault:
        pem = export_public_key(vault, args.talent)
    if args.out:
        out = Path(args.out)
        if out.exists() and not args.force:
            raise InvalidInput(f"{out} already exists (use --force to overwrite)")
        write_bytes_atomic(out, pem.encode(), overwrite=True)
    else:
        print(pem, end="")
    return EXIT_OK


def cmd_review(args) -> int:
    from studio.cli import _open, _print_json
    from studio.core.assets import get_asset
    from studio.core.consent.review import review_asset
    from studio.core.consent.talent_keys import unlock_talent_key

    with _open(args) as vault:
        asset = get_asset(vault, args.asset)
        passphrase = _talent_passphrase(args.talent_passphrase_file, f"Passphrase of talent {asset.talent_id}")
        key = unlock_talent_key(vault, asset.talent_id, passphrase)
        record = review_asset(vault, asset.id, args.decision, key, args.note)
    if args.json:
        _print_json(record.to_json())
    else:
        print(f"{record.asset_id} {record.decision} by {record.talent_id} (signed, {record.id})")
    return EXIT_OK


def register(sub, add, talent) -> None:
    """Add these commands to the parser: ``talent set-passphrase|export-key`` and ``review``."""
    p = add("set-passphrase", cmd_set_passphrase,
            "create the talent's own signing key under their passphrase, or change that passphrase", talent)
    p.add_argument("talent", metavar="ID")
    p.add_argument("--talent-passphrase-file", metavar="FILE", help="the new passphrase (default: the talent types it)")
    p.add_argument("--old-talent-passphrase-file", metavar="FILE", help="the current one, when changing it")
    p = add("export-key", cmd_export_key, "print (or write) the talent's public key as PEM", talent)
    p.add_argument("talent", metavar="ID")
    p.add_argument("--out", metavar="FILE")
    p.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
    review = sub.add_parser("review", help="the talent approves or rejects an asset, signed with their key"
                            ).add_subparsers(dest="sub", metavar="DECISION", required=True)
    for decision, help_ in (("approve", "the talent approves this asset (signed)"),
                            ("reject", "the talent rejects this asset (signed)")):
        p = add(decision, cmd_review, help_, review)
        p.set_defaults(decision=decision)
        p.add_argument("asset", metavar="ASSET_ID")
        p.add_argument("--talent-passphrase-file", metavar="FILE", help="default: the talent types it")
        p.add_argument("--note", metavar="TEXT")
