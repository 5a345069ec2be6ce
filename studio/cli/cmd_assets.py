"""``twin-studio assets list|show|extract``."""

from __future__ import annotations

from pathlib import Path

from studio.cli.exits import EXIT_OK
from studio.cli.options import open_vault, print_json, shown


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

    with open_vault(args) as vault:
        assets = list_assets(vault, args.talent, args.kind, args.status)
    if args.json:
        print_json([a.to_json() for a in assets])
    else:
        for a in assets:
            print(shown(_asset_line(a)))
    return EXIT_OK


def cmd_assets_show(args) -> int:
    from studio.core.assets import get_asset

    with open_vault(args) as vault:
        a = get_asset(vault, args.asset)
    if args.json:
        print_json(a.to_json())
    else:
        print(shown(_asset_line(a)))
        print(f"  talent  {a.talent_id}\n  sha256  {a.sha256}\n  added   {a.created_at}")
        for k, v in a.metrics.items():
            print(f"  {k:<16} {v}")
        for w in a.warnings:
            print(shown(f"  warning: {w}"))
        for f in a.files:
            print(shown(f"  file: {f.role} {f.name} ({f.size} B)"))
    return EXIT_OK


def cmd_assets_extract(args) -> int:
    from studio.core.assets import extract_asset

    with open_vault(args) as vault:
        out = extract_asset(vault, args.asset, Path(args.out), overwrite=args.force)
    print(out)
    return EXIT_OK


def register(commands) -> None:
    assets = commands.group("assets", "list, show and extract assets")
    p = commands.add("list", cmd_assets_list, "list assets", assets)
    p.add_argument("--talent", metavar="ID")
    p.add_argument("--kind", choices=["mesh", "point_cloud", "voice"])
    p.add_argument("--status", choices=["pending_review", "approved", "rejected"])
    p = commands.add("show", cmd_assets_show, "show one asset with its metrics", assets)
    p.add_argument("asset", metavar="ID")
    p = commands.add("extract", cmd_assets_extract, "write an asset's original file back, byte-identical", assets)
    p.add_argument("asset", metavar="ID")
    p.add_argument("--out", required=True, metavar="FILE")
    p.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
