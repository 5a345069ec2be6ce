"""``twin-studio render``: a still image of a scan (Open3D, offscreen, in a child process) to a PNG."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from studio.cli.exits import EXIT_OK
from studio.cli.options import open_vault


def cmd_render(args) -> int:
    from studio.core.render.service import RenderService
    from studio.core.render.still import parse_size, render_still

    size = parse_size(args.size)
    with RenderService() as service:
        # the render child imports Open3D (about 1.5 s) while this process derives the vault's key
        # (as long again): on two cores the two overlap instead of following each other (issue 10).
        # The passphrase left the environment when the command started (DR010).
        service.start()
        with open_vault(args) as vault:
            out = render_still(vault, args.asset, Path(args.out), size, args.view, args.mode, service=service,
                               overwrite=args.force,
                               on_reduced=lambda note: print(f"twin-studio render: {note}", file=sys.stderr))
    print(out)
    return EXIT_OK


def register(commands) -> None:
    p = commands.add("render", cmd_render, "render a still image of a scan (Open3D, offscreen) to a PNG")
    p.add_argument("asset", metavar="ASSET_ID")
    p.add_argument("--out", required=True, metavar="FILE.png")
    p.add_argument("--size", default="800x600", metavar="WxH")
    # "--size -5x10": argparse takes a value starting with "-" for an option unless it looks like
    # a negative number, and answers with its usage; let it reach parse_size, which says in one
    # line what is wrong (argparse has no public switch for this)
    p._negative_number_matcher = re.compile(r"^-\d+$|^-\d*\.\d+$|^-\d+x-?\d+$", re.IGNORECASE)
    p.add_argument("--view", default="front", choices=["front", "side", "back", "three-quarter"])
    p.add_argument("--mode", choices=["shaded", "wireframe", "points"], help="default: shaded for meshes, points for clouds")
    p.add_argument("--force", action="store_true", help="overwrite FILE.png if it exists")
