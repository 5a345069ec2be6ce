"""``twin-studio ingest``: scans and voice takes (files or folders) into the vault for a talent."""

from __future__ import annotations

import sys
from pathlib import Path

from studio.cli.exits import EXIT_OK, EXIT_REJECTED
from studio.cli.options import open_vault, print_json, progress_bar, shown


def cmd_ingest(args) -> int:
    from studio.core.intake import ingest_paths

    with open_vault(args) as vault:
        bar, update = progress_bar(True)

        def on_result(r) -> None:
            if args.json:
                return
            line = f"{r.status:<9} {r.asset_id or '-':<20} {r.path}"
            if r.reason:
                line += f": {r.reason}"
            if r.warnings:
                line += f"  [warning: {'; '.join(r.warnings)}]"
            (bar.write if bar else print)(shown(line))  # a file name cannot forge a line

        try:
            results = ingest_paths(vault, args.talent, [Path(p) for p in args.paths], update, None, on_result)
        finally:
            if bar:
                bar.close()
    if args.json:
        print_json([r.to_json() for r in results])
    else:
        counts = {s: sum(r.status == s for r in results) for s in ("ingested", "duplicate", "rejected")}
        print(", ".join(f"{n} {s}" for s, n in counts.items()), file=sys.stderr)
    return EXIT_REJECTED if any(r.status == "rejected" for r in results) else EXIT_OK


def register(commands) -> None:
    p = commands.add("ingest", cmd_ingest, "ingest scans and voice takes (files or folders) for a talent")
    p.add_argument("--talent", required=True, metavar="ID")
    p.add_argument("paths", nargs="+", metavar="PATH")
