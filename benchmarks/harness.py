"""What every benchmark needs: the command's options, running a step in a fresh interpreter and
getting its figures back, measuring a process's wall time, CPU time and peak memory (its own, or a
peer pipeline's through ``/usr/bin/time``), the machine's description, and a few statistics.

Only the standard library is imported here: a child process imports this module (and its
benchmark's) before anything is measured.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

PASSPHRASE = "benchmark passphrase"
MB = 1e6


# -- the command ----------------------------------------------------------------------------

def parse_args(description: str, names: list[str]) -> argparse.Namespace:
    """``run.py [which…] [--repeats N] [--sizes-mb A,B] [--json FILE]``; ``which`` defaults to all."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("which", nargs="*", help=f"benchmarks to run: {', '.join(names)} (default: all)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--sizes-mb", default="1024,10240",
                        help="package: the sizes of the generated asset sets, MB (default 1024,10240)")
    parser.add_argument("--scale-faces", type=int, default=5_000_000,
                        help="ingest-scale: triangles (or points) of the one-file-a-format rows (default 5 M)")
    parser.add_argument("--json", metavar="FILE", help="also write the figures to FILE")
    args = parser.parse_args()
    args.which = args.which or list(names)
    unknown = set(args.which) - set(names)
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(sorted(unknown))}")
    return args


def print_machine_line() -> None:
    print(f"machine: {platform.node()} {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor() or platform.machine())
    mem = next((int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal:")), 0)
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": round(mem / 2**20, 1),
            "python": platform.python_version(), "system": platform.platform()}


# -- children -------------------------------------------------------------------------------

def run_child(fn: Callable[..., dict], *args: str, timeout: float | None = None, log: list | None = None) -> dict | None:
    """Run ``fn`` (a module-level function of a ``benchmarks`` module) in a fresh interpreter; its
    JSON answer comes back on the original stdout, while whatever the libraries print (Filament
    logs to stdout) goes to stderr — appended to ``log``. ``None`` when it ran past ``timeout``
    seconds."""
    module, name = fn.__module__, fn.__name__
    code = (f"import importlib,json,os,sys; sys.path.insert(0,{str(REPO)!r}); out=os.dup(1); os.dup2(2,1); "
            f"m=importlib.import_module({module!r}); "
            f"os.write(out, (json.dumps(m.{name}(*sys.argv[1:])) + '\\n').encode())")
    try:
        out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=REPO,
                             timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    if log is not None:
        log.append(out.stderr)
    if out.returncode != 0:
        raise SystemExit(f"{name} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# -- measuring inside a child ---------------------------------------------------------------

def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field):
            return int(line.split()[1])
    return 0


def rss_kib() -> int:
    """This process's resident set now."""
    return _status_kib("VmRSS:")


def peak_kib() -> int:
    """This process's resident high-water mark (VmHWM) since start or the last ``reset_peak``."""
    return _status_kib("VmHWM:")


def reset_peak() -> None:
    """Reset VmHWM to the current RSS (Linux; where it cannot, the peak since start counts)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass


def cpu_s() -> float:
    """User + system CPU seconds of this process, all its threads."""
    t = os.times()
    return t.user + t.system


class Nowhere:
    """A writable that drops what it is given (for timing one step alone)."""

    def write(self, data) -> int:
        return len(data)

    def flush(self) -> None:
        pass


# -- measuring a peer pipeline --------------------------------------------------------------

def timed_pipeline(script: str, env: dict) -> dict:
    """Run ``script`` (a bash pipeline whose commands are each wrapped in ``/usr/bin/time -o
    "$TIMES/<name>" -f "%M %U %S"``): wall time, each process's peak RSS (KiB) and the CPU time
    of all, from those files (one file each: the processes end at the same moment, and lines on a
    shared stderr mix)."""
    with tempfile.TemporaryDirectory() as times:
        t = time.perf_counter()
        out = subprocess.run(["bash", "-c", "set -o pipefail; " + script], capture_output=True, text=True,
                             env={**os.environ, **env, "TIMES": times})
        wall = time.perf_counter() - t
        if out.returncode != 0:
            raise SystemExit(f"peer pipeline failed ({out.returncode}):\n{script}\n{out.stderr}")
        fields = {p.name: p.read_text().split()[-3:] for p in Path(times).iterdir()}
    peaks = {name: int(f[0]) for name, f in fields.items()}
    cpu = sum(float(f[1]) + float(f[2]) for f in fields.values())
    return {"wall_s": wall, "cpu_s": cpu, "peak_kib": max(peaks.values()), "peaks_kib": peaks}


# -- statistics -----------------------------------------------------------------------------

def best(rows: list[dict], key: str) -> float:
    return min(r[key] for r in rows)


def median(rows: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in rows)


def ms_stats(seconds: list[float]) -> dict:
    """Frame times in ms: median, p90, min, max and count."""
    import numpy as np

    ms = np.asarray(seconds) * 1000
    return {"median_ms": float(np.median(ms)), "p90_ms": float(np.percentile(ms, 90)),
            "min_ms": float(ms.min()), "max_ms": float(ms.max()), "n": len(ms)}


def pool(stats: list[dict]) -> dict:
    """Frame times of several runs as one: median of the runs' medians, worst p90."""
    return {"median_ms": statistics.median(s["median_ms"] for s in stats),
            "p90_ms": max(s["p90_ms"] for s in stats), "n": sum(s["n"] for s in stats)}
