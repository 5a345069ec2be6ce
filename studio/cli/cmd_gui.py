"""``twin-studio gui``: the desktop app (``studio.ui``, imported only here and only when asked)."""

from __future__ import annotations

from studio.cli.options import vault_location
from studio.core.errors import StudioError


def cmd_gui(args) -> int:
    # a folder (--vault), or a shared vault (--catalog/--store/--store-endpoint, else the
    # environment): a bad URL fails here, before the app starts
    where = vault_location(args)
    try:
        from studio.ui.app import run_app
    except ImportError as exc:
        raise StudioError(f"the desktop app cannot start: {exc} (run `bash tools/setup.sh app`)") from exc
    return run_app(where)


def register(commands) -> None:
    commands.add("gui", cmd_gui, "open the desktop app")
