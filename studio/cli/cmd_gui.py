"""``twin-studio gui``: the desktop app (``studio.ui``, imported only here and only when asked)."""

from __future__ import annotations

from studio.cli.options import open_vault, vault_location
from studio.core.errors import StudioError


def cmd_gui(args) -> int:
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
