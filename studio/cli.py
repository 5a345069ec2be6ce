"""``twin-studio``: the command line over the core. Every GUI action has a CLI twin.

Conventions scripts rely on: every command takes ``--vault`` and ``--passphrase-file`` (or
``STUDIO_VAULT`` / ``STUDIO_PASSPHRASE``); a command that creates something prints the new id
alone on the last line (``{"id": ...}`` with ``--json``); a failure is one line on stderr and a
non-zero exit, never a traceback (``--debug`` shows one).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from studio.core.errors import Cancelled, InvalidInput, StudioError

EXIT_OK, EXIT_REJECTED, EXIT_ERROR, EXIT_CANCELLED = 0, 1, 2, 130


# -- passphrase and vault -------------------------------------------------------------------

def _read_passphrase_file(path: str) -> str:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidInput(f"cannot read passphrase file {path}: {exc.strerror or exc}") from exc
    return text.rstrip("\r\n")


def _passphrase(args, *, confirm: bool = False) -> str:
    if getattr(args, "passphrase_file", None):
        return _read_passphrase_file(args.passphrase_file)
    env = os.environ.get("STUDIO_PASSPHRASE")
    if env is not None:
        return env
    if sys.stdin is not None and sys.stdin.isatty():
        import getpass

        first = getpass.getpass("Vault passphrase: ")
        if confirm and getpass.getpass("Repeat passphrase: ") != first:
            raise InvalidInput("the two passphrases differ")
        return first
    raise InvalidInput("no passphrase given: use --passphrase-file FILE or set STUDIO_PASSPHRASE")


def _vault_dir(args) -> Path:
    from studio.core.vault import default_vault_dir

    return Path(args.vault).expanduser() if getattr(args, "vault", None) else default_vault_dir()


def _open(args):
    from studio.core.vault import Vault

    folder = _vault_dir(args)
    from studio.core.vault.header import read_header

    read_header(folder)  # a missing or unknown vault fails before asking for a passphrase
    return Vault.open(folder, _passphrase(args))


# -- output ---------------------------------------------------------------------------------

def _print_json(data) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False))


def _created(args, new_id: str, extra: dict | None = None) -> None:
    if args.json:
        _print_json({"id": new_id, **(extra or {})})
    else:
        print(new_id)


def _progress_bar(enabled: bool, unit: str = "file"):
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


# -- commands -------------------------------------------------------------------------------

def cmd_init(args) -> int:
    from studio.core.vault import Vault

    from studio.core.vault.vault import check_can_create, check_new_passphrase

    folder = _vault_dir(args).absolute()
    check_can_create(folder)  # before asking for a passphrase
    passphrase = _passphrase(args, confirm=True)
    check_new_passphrase(passphrase)
    with Vault.create(folder, passphrase) as vault:
        if not args.json:
            print(f"created vault at {vault.root}", file=sys.stderr)
            print(f"studio signing key {vault.studio_key_fingerprint}", file=sys.stderr)
        _created(args, vault.header.vault_id, {"path": str(vault.root)})
    return EXIT_OK


def cmd_talent_add(args) -> int:
    from studio.core.talents import add_talent

    talent_passphrase = None
    if args.talent_passphrase_file:
        from studio.core.consent.talent_keys import check_talent_passphrase

        talent_passphrase = _read_passphrase_file(args.talent_passphrase_file)
        check_talent_passphrase(talent_passphrase)  # before anything is written
    with _open(args) as vault:
        t = add_talent(vault, args.name, args.email, args.agency)
        if talent_passphrase is not None:
            from studio.core.consent.talent_keys import set_talent_passphrase

            set_talent_passphrase(vault, t.id, talent_passphrase)
    _created(args, t.id)
    return EXIT_OK


def cmd_talent_list(args) -> int:
    from studio.core.talents import list_talents

    with _open(args) as vault:
        talents = list_talents(vault)
    if args.json:
        _print_json([t.to_json() for t in talents])
    else:
        for t in talents:
            extra = ", ".join(x for x in (t.email, t.agency) if x)
            print(f"{t.id}  {t.name}" + (f"  ({extra})" if extra else "") + f"  {t.asset_count} assets")
    return EXIT_OK


def cmd_ingest(args) -> int:
    from studio.core.intake import ingest_paths

    with _open(args) as vault:
        bar, update = _progress_bar(True)

        def on_result(r) -> None:
            if args.json:
                return
            line = f"{r.status:<9} {r.asset_id or '-':<20} {r.path}"
            if r.reason:
                line += f": {r.reason}"
            if r.warnings:
                line += f"  [warning: {'; '.join(r.warnings)}]"
            (bar.write if bar else print)(line)

        try:
            results = ingest_paths(vault, args.talent, [Path(p) for p in args.paths], update, None, on_result)
        finally:
            if bar:
                bar.close()
    if args.json:
        _print_json([r.to_json() for r in results])
    else:
        counts = {s: sum(r.status == s for r in results) for s in ("ingested", "duplicate", "rejected")}
        print(", ".join(f"{n} {s}" for s, n in counts.items()), file=sys.stderr)
    return EXIT_REJECTED if any(r.status == "rejected" for r in results) else EXIT_OK


def _asset_line(a) -> str:
    m = a.metrics
    if a.kind == "mesh":
        fig = f"{m.get('faces', '?')} faces"
    elif a.kind == "point_cloud":
        fig = f"{m.get('points', '?')} points"
    else:
        fig = f"{m.get('duration_s', '?')} s"
    return f"{a.id}  {a.kind:<11} {a.format:<6} {a.status:<14} {a.size:>11} B  {fig:<16} {a.original_name}"


def cmd_assets_list(args) -> int:
    from studio.core.assets import list_assets

    with _open(args) as vault:
        assets = list_assets(vault, args.talent, args.kind, args.status)
    if args.json:
        _print_json([a.to_json() for a in assets])
    else:
        for a in assets:
            print(_asset_line(a))
    return EXIT_OK


def cmd_assets_show(args) -> int:
    from studio.core.assets import get_asset

    with _open(args) as vault:
        a = get_asset(vault, args.asset)
    if args.json:
        _print_json(a.to_json())
    else:
        print(_asset_line(a))
        print(f"  talent  {a.talent_id}\n  sha256  {a.sha256}\n  added   {a.created_at}")
        for k, v in a.metrics.items():
            print(f"  {k:<16} {v}")
        for w in a.warnings:
            print(f"  warning: {w}")
        for f in a.files:
            print(f"  file: {f.role} {f.name} ({f.size} B)")
    return EXIT_OK


def cmd_assets_extract(args) -> int:
    from studio.core.assets import extract_asset

    with _open(args) as vault:
        out = extract_asset(vault, args.asset, Path(args.out), overwrite=args.force)
    print(out)
    return EXIT_OK


def cmd_check(args) -> int:
    from studio.core.vault.check import check_vault

    with _open(args) as vault:
        bar, update = _progress_bar(not args.json, unit="blob")
        try:
            rep = check_vault(vault, update)
        finally:
            if bar:
                bar.close()
    if args.json:
        _print_json(rep.to_json())
    else:
        for p in rep.problems:
            print(f"problem: {p}")
        for n in rep.notes:
            print(f"note: {n}")
        state = "consistent" if rep.ok else f"INCONSISTENT ({len(rep.problems)} problems)"
        print(f"vault {state}: {rep.blobs_checked} blobs ({rep.bytes_checked} bytes) verified, "
              f"{rep.audit_events} audit events in an unbroken chain" if rep.ok else f"vault {state}")
    return EXIT_OK if rep.ok else EXIT_REJECTED


def cmd_audit_list(args) -> int:
    from studio.core.vault.audit import list_events

    with _open(args) as vault:
        events = list_events(vault)
    if args.json:
        _print_json(events)
    else:
        for e in events:
            print(f"{e['seq']:>5}  {e['at']}  {e['actor']:<20} {e['action']:<18} {e['subject']}  {e['details']}")
    return EXIT_OK


def cmd_render(args) -> int:
    from studio.core.render.still import parse_size, render_still

    size = parse_size(args.size)
    with _open(args) as vault:
        out = render_still(vault, args.asset, Path(args.out), size, args.view, args.mode, overwrite=args.force)
    print(out)
    return EXIT_OK


def cmd_gui(args) -> int:
    try:
        from studio.ui.app import run_app
    except ImportError as exc:
        raise StudioError(f"the desktop app cannot start: {exc} (run `bash tools/setup.sh app`)") from exc
    return run_app(_vault_dir(args))


# -- parser ---------------------------------------------------------------------------------

def _common(p: argparse.ArgumentParser, suppress: bool) -> None:
    d = argparse.SUPPRESS if suppress else None
    p.add_argument("--vault", metavar="DIR", default=d, help="vault folder (default: $STUDIO_VAULT or the user data folder)")
    p.add_argument("--passphrase-file", metavar="FILE", default=d, help="read the vault passphrase from FILE (else $STUDIO_PASSPHRASE, else a prompt)")
    p.add_argument("--json", action="store_true", default=argparse.SUPPRESS if suppress else False, help="machine-readable output")
    p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS if suppress else False, help="show tracebacks")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="twin-studio", description="Twin Studio: digital twins their people own.")
    _common(parser, suppress=False)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    def add(name, fn, help_, parent=sub):
        p = parent.add_parser(name, help=help_, description=help_)
        _common(p, suppress=True)
        p.set_defaults(func=fn)
        return p

    add("init", cmd_init, "create a new vault")

    talent = sub.add_parser("talent", help="register and list talents, and their own keys").add_subparsers(dest="sub", metavar="ACTION", required=True)
    p = add("add", cmd_talent_add, "register a talent; prints the new id", talent)
    p.add_argument("--name", required=True)
    p.add_argument("--email")
    p.add_argument("--agency")
    p.add_argument("--talent-passphrase-file", metavar="FILE",
                   help="also create the talent's own signing key, locked by this passphrase")
    add("list", cmd_talent_list, "list talents", talent)
    from studio import cli_consent

    cli_consent.register(sub, add, talent)
    from studio import cli_grants

    cli_grants.register(sub, add)
    from studio import cli_packages

    cli_packages.register(sub, add)

    p = add("ingest", cmd_ingest, "ingest scans and voice takes (files or folders) for a talent")
    p.add_argument("--talent", required=True, metavar="ID")
    p.add_argument("paths", nargs="+", metavar="PATH")

    assets = sub.add_parser("assets", help="list, show and extract assets").add_subparsers(dest="sub", metavar="ACTION", required=True)
    p = add("list", cmd_assets_list, "list assets", assets)
    p.add_argument("--talent", metavar="ID")
    p.add_argument("--kind", choices=["mesh", "point_cloud", "voice"])
    p.add_argument("--status", choices=["pending_review", "approved", "rejected"])
    p = add("show", cmd_assets_show, "show one asset with its metrics", assets)
    p.add_argument("asset", metavar="ID")
    p = add("extract", cmd_assets_extract, "write an asset's original file back, byte-identical", assets)
    p.add_argument("asset", metavar="ID")
    p.add_argument("--out", required=True, metavar="FILE")
    p.add_argument("--force", action="store_true", help="overwrite FILE if it exists")

    p = add("render", cmd_render, "render a still image of a scan (Open3D, offscreen) to a PNG")
    p.add_argument("asset", metavar="ASSET_ID")
    p.add_argument("--out", required=True, metavar="FILE.png")
    p.add_argument("--size", default="800x600", metavar="WxH")
    p.add_argument("--view", default="front", choices=["front", "side", "back", "three-quarter"])
    p.add_argument("--mode", choices=["shaded", "wireframe", "points"], help="default: shaded for meshes, points for clouds")
    p.add_argument("--force", action="store_true", help="overwrite FILE.png if it exists")

    add("check", cmd_check, "verify every blob, the catalog and the audit chain")
    audit = sub.add_parser("audit", help="the audit chain").add_subparsers(dest="sub", metavar="ACTION", required=True)
    add("list", cmd_audit_list, "list audit events", audit)
    add("gui", cmd_gui, "open the desktop app")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except Cancelled:
        print("twin-studio: cancelled", file=sys.stderr)
        return EXIT_CANCELLED
    except KeyboardInterrupt:
        print("twin-studio: interrupted", file=sys.stderr)
        return EXIT_CANCELLED
    except StudioError as exc:
        if args.debug:
            raise
        print(f"twin-studio: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except OSError as exc:
        if args.debug:
            raise
        name = f" {exc.filename}" if getattr(exc, "filename", None) else ""
        print(f"twin-studio: error:{name} {exc.strerror or exc}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
