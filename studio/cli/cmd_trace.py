"""``twin-studio trace``: name the package (and brand) a leaked mesh or voice file came from."""

from __future__ import annotations

from pathlib import Path

from studio.cli.exits import EXIT_OK, EXIT_REFUSED
from studio.cli.options import open_vault, print_json


def cmd_trace(args) -> int:
    from studio.core.package.trace import trace_file

    with open_vault(args) as vault:
        result = trace_file(vault, Path(args.file))
    if args.json:
        print_json(result.to_json())
    elif result.found:
        f = result.found
        print(f"{args.file} carries the mark of package {f.package_id}, made {f.created_at[:10]} for {f.brand} "
              f"({f.brand_id}); asset {f.asset_id}, score {f.score:.2f}")
    else:
        best = f" (best score {result.scores[0].score:.2f})" if result.scores else ""
        print(f"{args.file}: no package mark found{best}")
    return EXIT_OK if result.found else EXIT_REFUSED


def register(commands) -> None:
    p = commands.add("trace", cmd_trace, "name the package (and brand) a leaked mesh or voice file came from")
    p.add_argument("file", metavar="FILE")
