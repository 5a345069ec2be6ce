"""``twin-studio``: the command line over the core. Every GUI action has a CLI twin.

Conventions scripts rely on: every studio command takes ``--vault`` and ``--passphrase-file`` (or
``STUDIO_VAULT`` / ``STUDIO_PASSPHRASE``); the brand's commands (``brand keygen|protect``,
``verify``, ``open``, ``report create``) have no vault, and those that unlock the brand's keys take
the brand's own ``--passphrase-file`` (DR046); a command that creates something prints the new id
alone on the last line (``{"id": ...}`` with ``--json``); a failure is one line on stderr and a
non-zero exit, never a traceback (``--debug`` shows one).

One module per command group (``cmd_<group>.py``, after restic's ``cmd_<name>.go``) over
:mod:`studio.cli.options`; exit codes come from the one table in :mod:`studio.cli.exits`.
"""

from __future__ import annotations

import argparse
import sys

from studio.cli import (cmd_approval, cmd_assets, cmd_brand, cmd_check, cmd_consent, cmd_credentials, cmd_demo,
                        cmd_gui, cmd_ingest, cmd_init, cmd_kit, cmd_ledger, cmd_migrate, cmd_package, cmd_render,
                        cmd_review, cmd_talent, cmd_trace)
from studio.cli.exits import HANDLED, exit_for
from studio.cli.options import Commands, common_options, shown, take_env_passphrase

# in the order ``twin-studio --help`` lists them
COMMANDS = (cmd_init, cmd_talent, cmd_review, cmd_kit, cmd_consent, cmd_brand, cmd_package, cmd_ledger, cmd_approval,
            cmd_credentials,
            cmd_trace, cmd_ingest, cmd_assets, cmd_render, cmd_check, cmd_migrate, cmd_demo, cmd_gui)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="twin-studio", description="Twin Studio: digital twins their people own.")
    common_options(parser, suppress=False)
    commands = Commands(parser.add_subparsers(dest="command", metavar="COMMAND", required=True))
    for module in COMMANDS:
        module.register(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    take_env_passphrase(args)
    try:
        return args.func(args)
    except HANDLED as exc:
        row = exit_for(exc, refuses=getattr(args, "refuses", False))
        if row is None or (args.debug and row.traceback_on_debug):
            raise
        print(f"twin-studio: {shown(row.line(exc))}", file=sys.stderr)  # a name in a message stays one line
        return row.code
