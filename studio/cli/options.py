"""What every command shares: the common options, how a command is added to the parser, the
vault and the passphrases, output (JSON, a new id, a progress bar).

Command modules import this module, :mod:`studio.cli.exits` and the core — never each other.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import sys
import threading
from pathlib import Path

from studio.core.environ import take_secret
from studio.core.errors import InvalidInput
from studio.core.text import printable, shown  # shown: for the command modules, stored text on one line

PASSPHRASE_ENV = "STUDIO_PASSPHRASE"


# -- the parser ---------------------------------------------------------------------------------

def common_options(p: argparse.ArgumentParser, suppress: bool, *, vault: bool = True) -> None:
    """``--vault`` (or ``--catalog``/``--store``), ``--passphrase-file``, ``--json``, ``--debug``: before the command or after
    it (``suppress``: a subcommand's copy leaves the top-level value alone unless given). Without
    ``vault`` (a brand's command, on the brand's machine): ``--json`` and ``--debug`` only (DR046)."""
    d = argparse.SUPPRESS if suppress else None
    if vault:
        _vault_options(p, d)
    p.add_argument("--json", action="store_true", default=argparse.SUPPRESS if suppress else False, help="machine-readable output")
    p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS if suppress else False, help="show tracebacks")


def _vault_options(p: argparse.ArgumentParser, d) -> None:
    p.add_argument("--vault", metavar="DIR", default=d, help="vault folder (default: $STUDIO_VAULT or the user data folder)")
    p.add_argument("--catalog", metavar="URL", default=d,
                   help="a shared vault's catalog, postgresql://USER@HOST/DB (else $STUDIO_CATALOG); the password "
                        "comes from ~/.pgpass or PGPASSFILE/PGPASSWORD")
    p.add_argument("--store", metavar="URL", default=d,
                   help="a shared vault's object store, s3://BUCKET/PREFIX (else $STUDIO_STORE); credentials come "
                        "from the AWS environment or config files")
    p.add_argument("--store-endpoint", metavar="URL", default=d,
                   help="the object store's endpoint, for a store that is not AWS (else $AWS_ENDPOINT_URL)")
    p.add_argument("--passphrase-file", metavar="FILE", default=d, help="read the vault passphrase from FILE (else $STUDIO_PASSPHRASE, else a prompt)")


class Commands:
    """Where command modules add their commands (``register(commands)`` in each)."""

    def __init__(self, sub) -> None:
        self.sub = sub

    def group(self, name: str, help_: str, metavar: str = "ACTION"):
        """A command with actions (``talent add``, ``talent list``…); pass it to :meth:`add`."""
        return self.sub.add_parser(name, help=help_).add_subparsers(dest="sub", metavar=metavar, required=True)

    def add(self, name: str, fn, help_: str, group=None, *, refuses: bool = False, brand: bool = False,
            brand_keys: bool = False) -> argparse.ArgumentParser:
        """``fn(args) -> exit code`` as a command (or an action of ``group``). ``refuses``: its
        :class:`PackageRefused` and :class:`ConsentError` are refusals (exit 1), see
        :mod:`studio.cli.exits`. ``brand``: a command of the brand's side, with no vault options
        (DR046); ``brand_keys``: one that unlocks the brand's keys (``--passphrase-file``, see
        :func:`brand_passphrase`)."""
        p = (group or self.sub).add_parser(name, help=help_, description=help_)
        common_options(p, suppress=True, vault=not (brand or brand_keys))
        if brand_keys:
            p.add_argument("--passphrase-file", dest="brand_passphrase_file", metavar="FILE",
                           help="read the passphrase of the brand's keys from FILE (else it is asked at the terminal)")
        p.set_defaults(func=fn)
        if refuses:
            p.set_defaults(refuses=True)
        return p


# -- passphrases and the vault ------------------------------------------------------------------

def read_passphrase_file(path: str) -> str:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(f"cannot read passphrase file {path}: {exc.strerror or exc}") from exc
    return text.rstrip("\r\n")


def take_env_passphrase(args) -> None:
    """Move ``$STUDIO_PASSPHRASE`` out of the environment into ``args`` (first thing, whatever
    the command): no child process the command starts inherits it (DR010)."""
    args.env_passphrase = take_secret(PASSPHRASE_ENV)


def vault_passphrase(args, *, confirm: bool = False) -> str:
    """From ``--passphrase-file``, else ``$STUDIO_PASSPHRASE``, else typed at a terminal."""
    if getattr(args, "passphrase_file", None):
        return read_passphrase_file(args.passphrase_file)
    env = getattr(args, "env_passphrase", None)
    if env is not None:
        return env
    if sys.stdin is not None and sys.stdin.isatty():
        import getpass

        first = getpass.getpass("Vault passphrase: ")
        if confirm and getpass.getpass("Repeat passphrase: ") != first:
            raise InvalidInput("the two passphrases differ")
        return first
    raise InvalidInput("no passphrase given: use --passphrase-file FILE or set STUDIO_PASSPHRASE")


def talent_passphrase(path: str | None, prompt: str, *, confirm: bool = False) -> str:
    """From FILE, else typed by the talent at a terminal. Never from the environment: the
    studio's shell must not hold the talent's secret."""
    if path:
        return read_passphrase_file(path)
    return _typed(f"{prompt}: ", confirm,
                  "no talent passphrase given: use --talent-passphrase-file FILE, or let the talent type it")


def _typed(prompt: str, confirm: bool, missing: str) -> str:
    """A passphrase typed at a terminal (twice with ``confirm``); ``missing`` when there is none."""
    if sys.stdin is not None and sys.stdin.isatty():
        import getpass

        first = getpass.getpass(prompt)
        if confirm and getpass.getpass("Repeat it: ") != first:
            raise InvalidInput("the two passphrases differ")
        return first
    raise InvalidInput(missing)


def brand_passphrase(args, *, confirm: bool = False) -> str:
    """The passphrase of the brand's keys: from the command's ``--passphrase-file``, else typed at
    a terminal (twice with ``confirm``). Never from the environment: ``$STUDIO_PASSPHRASE`` is the
    vault's, and the brand's machine has no vault (DR046)."""
    path = getattr(args, "brand_passphrase_file", None)
    if path:
        return read_passphrase_file(path)
    return _typed("Passphrase of the brand's keys: ", confirm,
                  "no passphrase for the brand's keys: use --passphrase-file FILE, or type it at a terminal")


def vault_dir(args) -> Path:
    from studio.core.vault import default_vault_dir

    return Path(args.vault).expanduser() if getattr(args, "vault", None) else default_vault_dir()


def vault_location(args):
    """The vault the options name: a shared vault (``--catalog``/``--store``, else
    ``$STUDIO_CATALOG``/``$STUDIO_STORE``), else a folder (:func:`vault_dir`)."""
    from studio.core.vault.location import shared_location

    shared = shared_location(getattr(args, "catalog", None), getattr(args, "store", None),
                             getattr(args, "store_endpoint", None))
    if shared is None:
        return vault_dir(args)
    if getattr(args, "vault", None):
        raise InvalidInput("name either a vault folder (--vault) or a shared vault (--catalog and --store), not both")
    return shared


def open_vault(args):
    from studio.core.vault.opening import open_vault as open_at, read_vault_header

    where = vault_location(args)
    read_vault_header(where)  # a missing or unknown vault fails before asking for a passphrase
    return open_at(where, vault_passphrase(args))


# -- interruption -------------------------------------------------------------------------------

@contextlib.contextmanager
def ctrl_c_cancels(token):
    """The first Ctrl-C sets ``token`` (a long operation stops at its next step, cleanly); a
    second one interrupts at once."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_sigint(signum, frame) -> None:
        signal.signal(signal.SIGINT, previous)
        token.cancel()

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


# -- output -------------------------------------------------------------------------------------

def print_json(data) -> None:
    # a file name that is not UTF-8 is held with surrogate escapes: shown with U+FFFD
    print(printable(json.dumps(data, indent=2, ensure_ascii=False)))


def created(args, new_id: str, extra: dict | None = None) -> None:
    """A command that creates something prints the new id alone (``{"id": …}`` with ``--json``)."""
    if args.json:
        print_json({"id": new_id, **(extra or {})})
    else:
        print(new_id)


def progress_bar(enabled: bool, unit: str = "file"):
    """A terminal bar on stderr (only when it is a terminal), fed by core Progress values."""
    if not enabled or not sys.stderr.isatty():
        return None, lambda p: None
    from tqdm import tqdm

    bar = tqdm(total=1, unit=unit, file=sys.stderr, leave=False, dynamic_ncols=True)

    def update(p) -> None:
        if p.total and bar.total != p.total:
            bar.total = p.total
        bar.n = p.done
        bar.set_description_str(p.label[:40])
        bar.refresh()

    return bar, update
