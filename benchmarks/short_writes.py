"""``short-writes``: how long a CLI write waits for the vault's writer lock while the app ingests a
batch of 1.3 M-triangle scans (DR025), with the ingest code of this tree and of the commit before
the change (``--before REV``, default ``main``'s merge base; its code is exported with
``git archive`` into a temp folder).

The batch (``BATCH`` copies of the generated 1,310,720-triangle body scan, each made distinct by a
PLY header comment) is ingested by ``ingest_paths`` in a child process — the app's ingest path,
without the window. Once it has started, this process asks for the writer lock over and over,
as a CLI write would (``writer_lock(root, timeout=600)``: waits as long as it takes), every
``GAP_S`` seconds until the batch is done; each wait is a figure. The vault is opened and the
libraries imported before the batch starts: only the batch is measured.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from benchmarks.harness import PASSPHRASE, REPO, ms_stats

BATCH = 4
GAP_S = 0.05

CHILD = textwrap.dedent("""
    import sys, time, json
    from pathlib import Path
    from studio.core.intake import ingest_paths
    from studio.core.talents import add_talent
    from studio.core.vault import Vault
    import studio.core.ingest, open3d  # noqa: F401  (imported before the measured batch)

    root, batch, points = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    vault = Vault.open(root, sys.argv[4])
    talent = add_talent(vault, "Bench").id
    (points / "ready").touch()
    while not (points / "go").exists():
        time.sleep(0.005)
    t = time.perf_counter()
    results = ingest_paths(vault, talent, [batch])
    print(json.dumps({"wall_s": time.perf_counter() - t, "statuses": [r.status for r in results]}))
""")


def _batch(folder: Path, count: int = BATCH) -> dict:
    from tests.generators import body_scan_ply

    folder.mkdir()
    first = folder / "scan0.ply"
    info = body_scan_ply(first)
    data = first.read_bytes()
    head = data.index(b"\n") + 1  # after "ply": a comment makes each copy a distinct file
    for i in range(1, count):
        (folder / f"scan{i}.ply").write_bytes(data[:head] + f"comment copy {i}\n".encode() + data[head:])
    return info


def _tree_of(rev: str, into: Path) -> Path:
    into.mkdir()
    archive = subprocess.run(["git", "archive", rev], cwd=REPO, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into


def _one_run(tree: Path, batch: Path, work: Path) -> dict:
    from studio.core.vault import Vault
    from studio.core.vault.lock import writer_lock

    root, points = work / "vault", work / "points"
    points.mkdir(parents=True)
    Vault.create(root, PASSPHRASE).close()
    env = {**os.environ, "PYTHONPATH": str(tree)}
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(root), str(batch), str(points), PASSPHRASE],
                             env=env, cwd=tree, stdout=subprocess.PIPE, text=True)
    while not (points / "ready").exists():
        if child.poll() is not None:
            raise RuntimeError("the ingest child ended before it started")
        time.sleep(0.01)
    (points / "go").touch()
    waits = []
    while child.poll() is None:
        t = time.perf_counter()
        with writer_lock(root, timeout=600):
            waits.append(time.perf_counter() - t)
        time.sleep(GAP_S)
    import json

    done = json.loads(child.stdout.read())
    return {"batch_wall_s": done["wall_s"], "statuses": done["statuses"], "waits_s": waits}


def bench(repeats: int, before: str | None = None) -> dict:
    rev = before or subprocess.run(["git", "merge-base", "HEAD", "main"], cwd=REPO, capture_output=True,
                                   text=True, check=True).stdout.strip()
    out: dict = {"before_rev": rev, "batch": BATCH}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        out["input"] = _batch(tmp / "batch")
        trees = {"before": _tree_of(rev, tmp / "before"), "after": REPO}
        for name, tree in trees.items():
            runs = [_one_run(tree, tmp / "batch", tmp / f"{name}{i}") for i in range(repeats)]
            waits = [w for r in runs for w in r["waits_s"]]
            out[name] = {"batch_wall_s": min(r["batch_wall_s"] for r in runs), "probes": len(waits),
                         "wait_max_s": max(waits), "wait": ms_stats(waits),
                         "statuses": runs[0]["statuses"]}
    print_table(out, repeats)
    return out


def print_table(res: dict, repeats: int) -> None:
    info = res["input"]
    print(f"\na CLI write's wait for the writer lock while a batch of {res['batch']} x {info['faces']:,}-triangle "
          f"scans is ingested ({repeats} runs each; before = {res['before_rev'][:10]}):")
    print(f"  {'':8}{'batch s':>10}{'probes':>8}{'median wait ms':>16}{'max wait s':>12}")
    for name in ("before", "after"):
        r = res[name]
        print(f"  {name:8}{r['batch_wall_s']:>10.2f}{r['probes']:>8}{r['wait']['median_ms']:>16.1f}"
              f"{r['wait_max_s']:>12.3f}")
