"""``twin-studio brand keygen|protect|add|list`` and ``studio-key export``: the keys on both sides.

``brand keygen`` and ``brand protect`` run on the brand's machine (no vault; the brand's keys
locked by the brand's passphrase, DR046); the rest is the studio's registry.
"""

from __future__ import annotations

import sys
from pathlib import Path

from studio.cli.exits import EXIT_OK
from studio.cli.options import brand_passphrase, created, open_vault, print_json, shown
from studio.core.errors import InvalidInput


def cmd_brand_keygen(args) -> int:
    from studio.core.package.brand_keys import CARD_FILE, IDENTITY_FILE, SIGNING_FILE, check_new_passphrase, keygen

    passphrase = brand_passphrase(args, confirm=True)
    check_new_passphrase(passphrase)
    card = keygen(Path(args.out), args.name, passphrase)
    if args.json:
        print_json(card.to_json())
    else:
        print(f"brand keys for {card.name} written to {args.out}, locked by your passphrase", file=sys.stderr)
        print(f"give the studio {Path(args.out) / CARD_FILE}; keep {IDENTITY_FILE}, {SIGNING_FILE} and the "
              "passphrase private (a lost passphrase cannot be recovered)", file=sys.stderr)
        print(card.recipient)
    return EXIT_OK


def cmd_brand_protect(args) -> int:
    from studio.core.package.brand_keys import check_new_passphrase, protect

    passphrase = brand_passphrase(args, confirm=True)
    check_new_passphrase(passphrase)
    card = protect(Path(args.dir), passphrase)
    print(f"the brand's keys in {args.dir} are now locked by your passphrase", file=sys.stderr)
    if args.json:
        print_json({"dir": args.dir, "recipient": card.recipient if card else None})
    elif card is not None:
        print(card.recipient)
    return EXIT_OK


def cmd_brand_add(args) -> int:
    from studio.core.package.brand_keys import read_card
    from studio.core.package.brands import add_brand, add_card

    if args.card and (args.recipient or args.verify_key):
        raise InvalidInput("give either --card or --recipient with --verify-key, not both")
    if not args.card and not (args.recipient and args.verify_key):
        raise InvalidInput("give --card FILE, or both --recipient age1… and --verify-key (PEM file or base64)")
    with open_vault(args) as vault:
        if args.card:
            card = read_card(Path(args.card))
            if args.name and " ".join(args.name.split()).casefold() != card.name.casefold():
                raise InvalidInput(f"the card is for {card.name!r}, not {args.name!r}")
            rec = add_card(vault, card)
        else:
            if not args.name:
                raise InvalidInput("--name is required with --recipient")
            key = args.verify_key
            if Path(key).is_file():
                key = Path(key).read_text(encoding="utf-8")
            rec = add_brand(vault, args.name, args.recipient, key)
    created(args, rec.id, {"name": rec.name})
    return EXIT_OK


def cmd_brand_list(args) -> int:
    from studio.core.package.brands import list_brands

    with open_vault(args) as vault:
        brands = list_brands(vault)
    if args.json:
        print_json([b.to_json() for b in brands])
    else:
        for b in brands:
            print(shown(f"{b.id}  {b.name}  {b.recipient}"))
    return EXIT_OK


def cmd_studio_key_export(args) -> int:
    from studio.core.package.studio_key import write_studio_key

    with open_vault(args) as vault:
        fingerprint = write_studio_key(vault, Path(args.out), overwrite=args.force)
    print(f"studio public key {fingerprint} written to {args.out}", file=sys.stderr)
    print(fingerprint)
    return EXIT_OK


def register(commands) -> None:
    brand = commands.group("brand", "brands: their keys (keygen, on the brand's machine) and the studio's "
                           "registry (add, list)")
    p = commands.add("keygen", cmd_brand_keygen, "make a brand's keys (age identity + report signing key), locked "
                     "by a passphrase, and its card", brand, brand_keys=True)
    p.add_argument("--out", required=True, metavar="DIR")
    p.add_argument("--name", required=True, help="the brand's name as grants name it")
    p = commands.add("protect", cmd_brand_protect, "lock a brand's keys made before keys were locked (in clear) "
                     "with a passphrase, in place", brand, brand_keys=True)
    p.add_argument("dir", metavar="DIR", help="the folder `brand keygen` wrote")
    p = commands.add("add", cmd_brand_add, "register a brand from its card (or its recipient and verify key)", brand)
    p.add_argument("--name")
    p.add_argument("--card", metavar="FILE", help="brand-card.json from `brand keygen`")
    p.add_argument("--recipient", metavar="age1…")
    p.add_argument("--verify-key", metavar="PEM-FILE|BASE64")
    commands.add("list", cmd_brand_list, "list registered brands", brand)

    key = commands.group("studio-key", "the studio's signing key")
    p = commands.add("export", cmd_studio_key_export, "write the studio's Ed25519 public key (PEM) for brands to pin",
                     key)
    p.add_argument("--out", required=True, metavar="FILE.pem")
    p.add_argument("--force", action="store_true")
