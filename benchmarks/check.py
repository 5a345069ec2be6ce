"""``check``: ``twin-studio check`` on a large vault (DR043). A vault of 100 talents, one of them
with 1,000 or 10,000 voice takes, 1,000 grants and 1,000 ledger entries (``tests/library.py``,
the UI tests' generator: every take a real age-encrypted blob, every row and audit event as the
real writes make them) is built in its own process; then ``twin-studio check`` runs on it as a
user runs it (its own process, the passphrase from a file): wall time and peak memory, for the
full check (every blob decrypted and re-hashed) and for ``--read-data-subset 10%``; then, in one
more process, each part of the check alone (the store and chain, reviews, grants, evidence,
ledger) to show where the time goes."""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SIZES = (1_000, 10_000)
PASSPHRASE = "benchmark passphrase"


def _build(root: str, size: str) -> dict:
    from studio.core.vault import Vault
    from tests.library import make_library

    t = time.perf_counter()
    vault = Vault.create(Path(root) / "vault", PASSPHRASE)
    library = make_library(vault, Path(root) / "work", assets=int(size))
    vault.close()
    return {"build_s": round(time.perf_counter() - t, 1), "assets": library.assets, "talents": library.talents,
            "grants": library.grants, "entries": library.entries}


def _parts(root: str) -> dict:
    from studio.core.consent.evidence import verify_evidence
    from studio.core.consent.grants import verify_grants
    from studio.core.consent.review import verify_reviews
    from studio.core.ledger.entries import verify_ledger
    from studio.core.vault import Vault
    from studio.core.vault.check import check_store

    out = {}
    with Vault.open(Path(root) / "vault", PASSPHRASE) as vault:
        for name, fn in (("store", check_store), ("reviews", verify_reviews), ("grants", verify_grants),
                         ("evidence", verify_evidence), ("ledger", verify_ledger)):
            t = time.perf_counter()
            fn(vault)
            out[name] = round(time.perf_counter() - t, 2)
    return out


def _python_child(*args: str, timeout: float = 3600) -> dict:
    out = subprocess.run([sys.executable, "-m", "benchmarks.check", *args], cwd=REPO, capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=timeout)
    line = next((x for x in out.stdout.splitlines() if x.startswith("{")), None)
    if line is None:
        raise RuntimeError(f"check benchmark step {args[0]} failed:\n{out.stderr[-3000:]}")
    return json.loads(line)


def _cli_check(root: Path, passphrase_file: Path, *extra: str) -> dict:
    """``twin-studio check`` in its own process under ``/usr/bin/time``: wall time, peak RSS."""
    cmd = ["/usr/bin/time", "-f", "__time__ %e %M", sys.executable, "-m", "studio.cli", "check", "--vault",
           str(root / "vault"), "--passphrase-file", str(passphrase_file), "--json", *extra]
    out = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    timing = next(line for line in out.stderr.splitlines() if line.startswith("__time__"))
    _, wall, peak_kb = timing.split()
    report = json.loads(out.stdout)
    if out.returncode != 0 or not report["ok"]:
        raise RuntimeError(f"check found problems in the generated vault: {report['problems'][:5]}")
    return {"wall_s": float(wall), "peak_mb": round(int(peak_kb) / 1024), "blobs_checked": report["blobs_checked"],
            "audit_events": report["audit_events"]}


def bench(repeats: int = 3) -> list[dict]:
    results = []
    for size in SIZES:
        with tempfile.TemporaryDirectory(prefix="studio-check-") as tmp:
            root = Path(tmp)
            passphrase_file = root / "passphrase"
            passphrase_file.write_text(PASSPHRASE + "\n")
            passphrase_file.chmod(0o600)
            built = _python_child("build", str(root), str(size))
            full = [_cli_check(root, passphrase_file) for _ in range(repeats)]
            subset = _cli_check(root, passphrase_file, "--read-data-subset", "10%")
            parts = _python_child("parts", str(root))
        r = {"assets": size, **built, "check_s": [x["wall_s"] for x in full],
             "check_s_median": statistics.median(x["wall_s"] for x in full),
             "peak_mb": max(x["peak_mb"] for x in full), "blobs": full[0]["blobs_checked"],
             "audit_events": full[0]["audit_events"], "subset_10_s": subset["wall_s"],
             "subset_10_blobs": subset["blobs_checked"], "parts_s": parts}
        results.append(r)
        print(f"check {size:>6,} takes ({r['blobs']:,} blobs, {r['audit_events']:,} audit events; built in "
              f"{r['build_s']} s): full {r['check_s_median']} s (runs {r['check_s']}), peak {r['peak_mb']} MB; "
              f"--read-data-subset 10% {r['subset_10_s']} s ({r['subset_10_blobs']:,} blobs); parts "
              + ", ".join(f"{k} {v} s" for k, v in parts.items()), flush=True)
    return results


if __name__ == "__main__":
    step = sys.argv[1]
    print(json.dumps(_build(*sys.argv[2:]) if step == "build" else _parts(*sys.argv[2:])))
