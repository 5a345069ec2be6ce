"""``twin-studio demo --vault DIR``: build the sample vault (DR041) to try every command on."""

from __future__ import annotations

import sys
from pathlib import Path

from studio.cli.exits import EXIT_OK
from studio.cli.options import created, ctrl_c_cancels, print_json, progress_bar
from studio.core.errors import InvalidInput


def cmd_demo(args) -> int:
    from studio.core.demo import DEMO_PASSPHRASE, build_demo, sample_vault_dir
    from studio.core.progress import CancelToken

    if getattr(args, "catalog", None) or getattr(args, "store", None):
        raise InvalidInput("the sample vault is a folder: name it with --vault DIR, not --catalog/--store")
    where = Path(args.vault).expanduser() if getattr(args, "vault", None) else sample_vault_dir()
    bar, update = progress_bar(not args.json, unit="step")
    token = CancelToken()  # Ctrl-C stops it, and no half-built vault is left
    try:
        with ctrl_c_cancels(token):
            demo = build_demo(where, DEMO_PASSPHRASE, progress=update, cancel=token)
    finally:
        if bar is not None:
            bar.close()
    if args.json:
        print_json({"id": demo.talent_id, **demo.to_json()})
        return EXIT_OK
    out = sys.stderr
    print(f"sample vault created at {demo.root}", file=out)
    print(f"  vault passphrase:   {demo.passphrase}", file=out)
    print(f"  talent {demo.talent_id} (Sam Sample), their own passphrase: {demo.talent_passphrase}", file=out)
    print(f"  {len(demo.asset_ids)} approved assets: {', '.join(demo.asset_ids)}", file=out)
    print(f"  active grant {demo.grant_id} for {demo.brand}", file=out)
    print(f"  package {demo.package_id} exported to {demo.brand}, and one use it reported ({demo.use_entry_id})",
          file=out)
    print(f"try: twin-studio --vault \"{demo.root}\" ledger statement --talent {demo.talent_id}", file=out)
    created(args, demo.talent_id)
    return EXIT_OK


def register(commands) -> None:
    commands.add("demo", cmd_demo, "build a sample vault to try Twin Studio on (its passphrase: \"sample vault\"); "
                 "--vault names a new or empty folder (default: 'Sample vault' in the user data folder)")
