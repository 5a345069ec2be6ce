"""``twin-studio review approve|reject``: the talent decides on an asset, signed with their key."""

from __future__ import annotations

from studio.cli.exits import EXIT_OK
from studio.cli.options import open_vault, print_json, talent_passphrase


def cmd_review(args) -> int:
    from studio.core.assets import get_asset
    from studio.core.consent.review import review_asset
    from studio.core.consent.talent_keys import refuse_if_own_device, unlock_talent_key

    with open_vault(args) as vault:
        asset = get_asset(vault, args.asset)
        refuse_if_own_device(vault, asset.talent_id)  # before the talent is asked for anything
        passphrase = talent_passphrase(args.talent_passphrase_file, f"Passphrase of talent {asset.talent_id}")
        key = unlock_talent_key(vault, asset.talent_id, passphrase)
        record = review_asset(vault, asset.id, args.decision, key, args.note)
    if args.json:
        print_json(record.to_json())
    else:
        print(f"{record.asset_id} {record.decision} by {record.talent_id} (signed, {record.id})")
    return EXIT_OK


def register(commands) -> None:
    review = commands.group("review", "the talent approves or rejects an asset, signed with their key",
                            metavar="DECISION")
    for decision, help_ in (("approve", "the talent approves this asset (signed)"),
                            ("reject", "the talent rejects this asset (signed)")):
        p = commands.add(decision, cmd_review, help_, review)
        p.set_defaults(decision=decision)
        p.add_argument("asset", metavar="ASSET_ID")
        p.add_argument("--talent-passphrase-file", metavar="FILE", help="default: the talent types it")
        p.add_argument("--note", metavar="TEXT")
