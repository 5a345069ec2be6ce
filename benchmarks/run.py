"""Benchmarks, side by side with the peer tool. One command:

    .venv/bin/python benchmarks/run.py            # all
    .venv/bin/python benchmarks/run.py ingest     # one
    .venv/bin/python benchmarks/run.py ingest-scale [--repeats 1] [--scale-faces 5000000]
    .venv/bin/python benchmarks/run.py preview
    .venv/bin/python benchmarks/run.py package [--sizes-mb 1024,10240]
    .venv/bin/python benchmarks/run.py library    # STUDIO_BENCH_SCREENSHOT=f.png saves the 10k window
    .venv/bin/python benchmarks/run.py shared     # starts its own PostgreSQL and SeaweedFS
    .venv/bin/python benchmarks/run.py credentials
    .venv/bin/python benchmarks/run.py unlock [--repeats 3]
    .venv/bin/python benchmarks/run.py check [--repeats 3]
    .venv/bin/python benchmarks/run.py brand-window [--repeats 3]

``ingest``: ingest a generated ~1.3 M-triangle binary PLY into a fresh vault, next to what a user
would otherwise do with the same file — ``open3d.io.read_triangle_mesh`` plus a SHA-256 — each in
its own process, wall time and peak memory (VmHWM growth during the measured step).

``ingest-scale``: ingest of binary PLY body scans of 1.3, 5, 10 and 20 M triangles, and of one file
a format (ASCII PLY, OBJ, STL, OFF, GLB, PCD binary_compressed, XYZ) at 5 M triangles or points,
each next to Open3D's read + SHA-256 of the same file in the same run: wall time, peak memory and
their ratios (targets: 3x the time, 1.5x the memory; DR024).

``preview``: with the same scan ingested, the time from "asset selected" to the first preview
frame in a running app — for the first scan selected after launch (the render children start on
demand) and for any later scan (a warm spare child with Open3D imported takes it) — next to the
cold path a user would otherwise take — ``open3d.io.read_triangle_mesh`` of the original plus a first
``render_to_image`` — with Open3D's default renderer and with post-processing off as our render
child sets it; then the frame time while orbiting (LOD, half size) and when still (full scan),
800×600, each side in its own process.

``package``: generated assets (binary PLY body scans of ~246 MB each, three WAV voice takes)
ingested, approved and covered by an active grant (setup, not measured); then ``export_package``
and the brand's ``open_package``, each in its own process, next to the same job done with
standard tools (``age -d`` of each blob, ``sha256sum``, ``tar | age -r``, ``sync``; and back), at
1 GB and at 10 GB: wall time, CPU time and peak memory; ours also without worker processes (DR058).

``short-writes``: how long a write waits for the vault's writer lock while a batch of 1.3 M-triangle
scans is ingested, with this tree's ingest and with the commit before the change (DR025).
``shared``: ingest throughput of one and two stations (processes) into a shared vault (PostgreSQL +
S3) next to a folder vault, and an export from each, in the same run (DR027).
``credentials``: C2PA content credentials added to and checked on a PNG and a WAV next to
c2pa-python alone (DR044).
``approvals``: each step of the approval of one output (request, import, decide, respond, apply)
on a PNG and a WAV, next to ``credentials add`` on the same file (DR047).
``scale-render``: big scans in the renderer at 1.3, 5, 10 and 20 M triangles — ``twin-studio
render``, the still alone, and the app's preview (first frame, full-detail frame, orbit) — time
and peak memory of the whole process tree next to Open3D's own read + first render of the file.
``unlock``: the worst event-loop gap while the app's unlock dialog opens a vault, with the scrypt
key derivation in the app's process (before DR043) and in a child process (after).
``check``: ``twin-studio check`` (full, and ``--read-data-subset 10%``) on a vault with a talent of
1,000 and of 10,000 voice takes among 100 talents, 1,000 grants and ledger entries; where its time goes.
``report-outputs``: a usage report naming 0, 1, 50 and 200 approved outputs imported, and the
brand's hash of one 2048² PNG (DR057).
``erasure``: per-talent keys on a 1,000-take talent among 100: verifying every blob before and
after ``talent rekey``, the rekey, ``talent erase`` and ``check`` after it (DR055).
``brand-window``: the brand's window verifying and opening a package of a 1.3 M-triangle scan: wall
time and the worst event-loop gap of each, next to the CLI's ``open_package`` (DR048).
``echoed-heads``: ``check`` comparing the audit chain with 200 kept decisions files of 10 talents (DR056).
``receipt-links``: a decisions receipt carrying 20,000 links (the bound): made, verified, its size (DR056).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[0] = str(REPO)  # import ``benchmarks.*`` and ``tests.*`` as packages, not this folder's files

from benchmarks import (approvals, brand_window, check, credentials, echoed_heads, erasure, ingest,  # noqa: E402
                        ingest_scale, library, package, preview, receipt_links, report_outputs, scale_render,
                        shared, short_writes, unlock)
from benchmarks.harness import parse_args, print_machine_line  # noqa: E402

BENCHMARKS = {  # name → run it with the command's options; returns its figures
    "ingest": lambda args: ingest.bench(args.repeats),
    "ingest-scale": lambda args: ingest_scale.bench(args.repeats, args.scale_faces),
    "preview": lambda args: preview.bench(args.repeats),
    "package": lambda args: package.bench(args.repeats, tuple(float(x) for x in args.sizes_mb.split(","))),
    "short-writes": lambda args: short_writes.bench(args.repeats),
    "scale-render": lambda args: scale_render.bench(),
    "scale-render-formats": lambda args: scale_render.bench_formats(),
    "library": lambda args: library.bench(args.repeats, os.environ.get("STUDIO_BENCH_SCREENSHOT")),
    "shared": lambda args: shared.bench(args.repeats),
    "credentials": lambda args: credentials.bench(args.repeats),
    "approvals": lambda args: approvals.bench(args.repeats),
    "report-outputs": lambda args: report_outputs.bench(args.repeats),
    "unlock": lambda args: unlock.bench(args.repeats),
    "check": lambda args: check.bench(args.repeats),
    "erasure": lambda args: erasure.bench(args.repeats),
    "brand-window": lambda args: brand_window.bench(args.repeats),
    "echoed-heads": lambda args: echoed_heads.bench(args.repeats),
    "receipt-links": lambda args: receipt_links.bench(args.repeats),
}


def main() -> None:
    args = parse_args(__doc__, list(BENCHMARKS))
    print_machine_line()
    results = {name: run(args) for name, run in BENCHMARKS.items() if name in args.which}
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
