"""``twin-studio gui``: the desktop app (``studio.ui``, imported only here and only when asked)."""

from __future__ import annotations

from studio.cli.options import open_vault, read_passphrase_file, vault_location
from studio.core.errors import InvalidInput, StudioError


def _refuse_vault_options(args, who: str) -> None:
    given = [f"--{name.replace('_', '-')}" for name in ("vault", "catalog", "store", "store_endpoint")
             if getattr(args, name, None)]
    if given:
        raise InvalidInput(f"the {who}'s window opens no vault: drop {', '.join(given)} (or --{who})")


def cmd_brand_gui(args) -> int:
    """``gui --brand DIR``: the brand's window, no vault (DR048). ``--passphrase-file`` is then the
    passphrase of the brand's keys (never ``$STUDIO_PASSPHRASE``, the vault's: DR046); without it
    the window asks."""
    from pathlib import Path

    from studio.core.package.brand_keys import load_identity

    _refuse_vault_options(args, "brand")
    folder = Path(args.brand).expanduser()
    identity = None
    if args.passphrase_file:
        identity = load_identity(folder, read_passphrase_file(args.passphrase_file), signing=True)
    elif args.smoke_test:
        raise InvalidInput("--smoke-test with --brand needs --passphrase-file FILE (the brand's passphrase)")
    elif not folder.exists():
        raise InvalidInput(f"no brand keys in {folder} (make them with `twin-studio brand keygen --out {folder}`)")
    try:
        from studio.ui.app import run_brand_app
    except ImportError as exc:
        raise StudioError(f"the desktop app cannot start: {exc} (run `bash tools/setup.sh app`)") from exc
    return run_brand_app(folder, identity, smoke_test=args.smoke_test)


def cmd_gui_talent(args) -> int:
    """``gui --talent DIR``: the talent's window on their own device, no vault (DR052)."""
    from pathlib import Path

    _refuse_vault_options(args, "talent")
    passphrase = read_passphrase_file(args.talent_passphrase_file) if args.talent_passphrase_file else None
    try:
        from studio.ui.talent_window import run_talent_window
    except ImportError as exc:
        raise StudioError(f"the desktop app cannot start: {exc} (run `bash tools/setup.sh app`)") from exc
    return run_talent_window(Path(args.talent), passphrase, Path(args.kit) if args.kit else None,
                             smoke_test=args.smoke_test)


def cmd_gui(args) -> int:
    if args.brand and args.talent:
        raise InvalidInput("give --brand or --talent, not both: each opens its own window")
    if args.brand:
        return cmd_brand_gui(args)
    if args.talent:
        return cmd_gui_talent(args)
    # a folder (--vault), or a shared vault (--catalog/--store/--store-endpoint, else the
    # environment): a bad URL fails here, before the app starts
    where = vault_location(args)
    # --smoke-test: no dialog to answer; the vault opens with the passphrase given (DR042)
    vault = open_vault(args) if args.smoke_test else None
    try:
        from studio.ui.app import run_app
    except ImportError as exc:
        raise StudioError(f"the desktop app cannot start: {exc} (run `bash tools/setup.sh app`)") from exc
    return run_app(where, vault=vault, smoke_test=args.smoke_test)


def register(commands) -> None:
    p = commands.add("gui", cmd_gui, "open the desktop app")
    p.add_argument("--smoke-test", action="store_true",
                   help="check that the app starts: open the vault with the passphrase given (--passphrase-file or "
                        "$STUDIO_PASSPHRASE), show the main window, and exit 0 once it is on screen (1 if it is not)")
    p.add_argument("--brand", metavar="DIR",
                   help="open the brand's window on the keys `brand keygen` wrote in DIR, with no vault; "
                        "--passphrase-file is then the passphrase of the brand's keys (else the window asks)")
    p.add_argument("--talent", metavar="DIR", help="the talent's window, on their own device: open review kits with "
                   "the keys in DIR (from `talent keygen`) and save signed decisions; no vault")
    p.add_argument("--talent-passphrase-file", metavar="FILE",
                   help="with --talent: the talent's passphrase (default: asked in a dialog)")
    p.add_argument("--kit", metavar="FILE.twinreview", help="with --talent: open this review kit at once")
