"""``shared``: a shared vault (catalog in PostgreSQL, blobs in SeaweedFS over S3, both on this
machine's loopback, started by the benchmark as the tests start them) next to a folder vault, in
the same run (DR027):

* ingest throughput: a batch of generated 1.3 M-triangle body scans (``BATCH`` distinct files)
  ingested by one station (one process), then by two stations at once (two processes, half the
  batch each, released together), into a folder vault and into a shared vault; MB/s of original
  bytes over the wall time from the release to the last station's end;
* export: the same assets, approved and covered by an active grant, exported as one package from
  each vault (the brand's package, watermarks and all), wall time.

Each station opens its vault and imports its libraries before it is released: only the work is
timed. The servers share the machine's cores with the stations, as they would not in a studio.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from benchmarks.harness import MB, PASSPHRASE, REPO, machine, run_child
from benchmarks.package_children import child_package_export, child_package_setup_at
from benchmarks.short_writes import _batch

BATCH = 6

STATION = textwrap.dedent("""
    import json, sys, time
    from pathlib import Path
    from studio.core.intake import ingest_paths
    from studio.core.talents import add_talent
    from benchmarks.package_children import where_from
    from studio.core.vault.opening import open_vault
    import studio.core.ingest, open3d  # noqa: F401  (imported before the measured batch)

    where, files, points, name = where_from(sys.argv[1]), [Path(p) for p in sys.argv[2].split(",")], Path(sys.argv[3]), sys.argv[4]
    vault = open_vault(where, sys.argv[5])
    talent = add_talent(vault, "Station " + name).id
    (points / f"ready-{name}").touch()
    while not (points / "go").exists():
        time.sleep(0.005)
    results = ingest_paths(vault, talent, files)
    end = time.time()
    vault.close()
    print(json.dumps({"end": end, "statuses": [r.status for r in results]}))
""")


def _servers():
    from tests.servers import PostgresServer, SeaweedServer

    pg, sw = PostgresServer().start(), SeaweedServer().start()
    os.environ.update(pg.env())
    os.environ.update(sw.env())
    return pg, sw


def _shared_where(pg, sw) -> str:
    return json.dumps({"catalog": pg.new_database().url, "store": f"s3://{sw.new_bucket()}/vault",
                       "endpoint": sw.env()["AWS_ENDPOINT_URL"]})


def _create(where: str) -> None:
    code = ("import sys; sys.path.insert(0, sys.argv[3]); from benchmarks.package_children import where_from; "
            "from studio.core.vault.opening import create_vault; create_vault(where_from(sys.argv[1]), sys.argv[2]).close()")
    subprocess.run([sys.executable, "-c", code, where, PASSPHRASE, str(REPO)], check=True, cwd=REPO)


def _stations(where: str, parts: list[list[Path]], work: Path) -> dict:
    """Ingest ``parts`` (one list of files per station) at once; MB/s over the batch."""
    points = work / f"points-{time.monotonic_ns()}"
    points.mkdir(parents=True)
    env = {**os.environ, "PYTHONPATH": str(REPO), "STUDIO_LOCK_TIMEOUT": "600"}
    procs = []
    for i, files in enumerate(parts):
        env_i = {**env, "STUDIO_DATA_DIR": str(work / f"station-{i}")}  # each station its own machine folder
        procs.append(subprocess.Popen(
            [sys.executable, "-c", STATION, where, ",".join(map(str, files)), str(points), str(i), PASSPHRASE],
            env=env_i, cwd=REPO, stdout=subprocess.PIPE, text=True))
    while not all((points / f"ready-{i}").exists() for i in range(len(parts))):
        if any(p.poll() is not None for p in procs):
            raise SystemExit("a station ended before it was released")
        time.sleep(0.01)
    go = time.time()
    (points / "go").touch()
    done = []
    for p in procs:
        out, _ = p.communicate()
        if p.returncode != 0:
            raise SystemExit(f"a station failed (exit {p.returncode})")
        done.append(json.loads(out.strip().splitlines()[-1]))
    statuses = [s for d in done for s in d["statuses"]]
    if set(statuses) != {"ingested"}:
        raise SystemExit(f"not every file was ingested: {statuses}")
    wall = max(d["end"] for d in done) - go
    nbytes = sum(f.stat().st_size for files in parts for f in files)
    return {"wall_s": wall, "bytes": nbytes, "mb_s": nbytes / MB / wall, "stations": len(parts)}


def _export(where: str, files: list[Path], work: Path) -> dict:
    setup = run_child(child_package_setup_at, str(work), where, *map(str, files))
    out = work / "package.twinpkg"
    r = run_child(child_package_export, where, setup["grant_id"], str(out))
    return {"wall_s": r["wall_s"], "bytes": r["bytes"], "peak_mb": r["peak_kib"] * 1024 / MB}


def bench(repeats: int = 1) -> dict:
    pg, sw = _servers()
    try:
        with tempfile.TemporaryDirectory(prefix="twin-bench-shared-") as tmp:
            return _bench(Path(tmp), pg, sw, repeats)
    finally:
        pg.stop()
        sw.stop()


def _bench(tmp: Path, pg, sw, repeats: int) -> dict:
    info = _batch(tmp / "batch", BATCH)
    files = sorted((tmp / "batch").glob("*.ply"))
    halves = [files[0::2], files[1::2]]
    res: dict = {"machine": machine(), "batch": len(files), "faces": info["faces"],
                 "batch_mb": sum(f.stat().st_size for f in files) / MB, "repeats": repeats}
    for kind in ("folder", "shared"):
        for label, parts in (("1 station", [files]), ("2 stations", halves)):
            runs = []
            for i in range(repeats):
                where = str(tmp / f"{kind}-{label[0]}-{i}" / "vault") if kind == "folder" else _shared_where(pg, sw)
                _create(where)
                runs.append(_stations(where, parts, tmp / f"work-{kind}-{label[0]}-{i}"))
            res[f"{kind} {label}"] = max(runs, key=lambda r: r["mb_s"])
    export_files = files[:2]
    res["export_input_mb"] = sum(f.stat().st_size for f in export_files) / MB
    res["folder export"] = _export(str(tmp / "export-folder" / "vault"), export_files, tmp / "export-folder")
    shared = _shared_where(pg, sw)
    res["shared export"] = _export(shared, export_files, tmp / "export-shared")
    print_table(res)
    return res


def print_table(res: dict) -> None:
    m = res["machine"]
    print(f"\nshared: a shared vault (PostgreSQL + SeaweedFS S3 on loopback) next to a folder vault, same run; "
          f"{m['cpu']}, {m['cores']} cores")
    print(f"  ingest of {res['batch']} x {res['faces']:,}-triangle binary PLY scans ({res['batch_mb']:.0f} MB), "
          f"best of {res['repeats']}:")
    print(f"  {'':14}{'folder MB/s':>14}{'shared MB/s':>14}{'shared/folder':>15}")
    for label in ("1 station", "2 stations"):
        f, s = res[f"folder {label}"], res[f"shared {label}"]
        print(f"  {label:14}{f['mb_s']:>14.1f}{s['mb_s']:>14.1f}{s['mb_s'] / f['mb_s']:>14.2f}x")
    f, s = res["folder export"], res["shared export"]
    print(f"  export of a package of 2 of those scans ({res['export_input_mb']:.0f} MB): folder {f['wall_s']:.2f} s, "
          f"shared {s['wall_s']:.2f} s ({s['wall_s'] / f['wall_s']:.2f}x the time); peak "
          f"{f['peak_mb']:.0f} / {s['peak_mb']:.0f} MB")
