"""``erasure``: per-talent likeness keys and erasure (DR055) on the check benchmark's vault (100
talents, one of them with 1,000 voice takes stored as before DR055, encrypted to the vault key):
the read cost of the keyring (every blob verified, owners looked up) before and after ``talent
rekey`` moves the big talent's takes to their key; ``rekey`` itself; then ``talent erase`` of that
talent (1,000 assets; the waveform the other talents' takes share is handed over, not destroyed)
and ``check`` afterwards. Each step in one fresh process, wall time."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PASSPHRASE = "benchmark passphrase"


def _run(root: str, size: str) -> dict:
    from studio.core.check import check_vault
    from studio.core.consent.talent_keys import unlock_talent_key
    from studio.core.erasure import erase_talent, request_erasure_with_key
    from studio.core.rekey import rekey_talent_files
    from studio.core.vault import Vault
    from tests.library import TALENT_PASS, make_library

    out: dict = {}
    t = time.perf_counter()
    vault = Vault.create(Path(root) / "vault", PASSPHRASE)
    lib = make_library(vault, Path(root) / "work", assets=int(size))
    out["build_s"] = round(time.perf_counter() - t, 1)

    def timed(name, fn):
        t = time.perf_counter()
        value = fn()
        out[name] = round(time.perf_counter() - t, 2)
        return value

    def verify_all():
        from studio.core.vault.catalog import Blob
        from sqlalchemy import select

        with vault.session() as s:
            rows = s.execute(select(Blob.store, Blob.sha256)).all()
        for store, sha in rows:
            vault.store(store).verify(sha)
        return len(rows)

    vault.keyring._owners = None  # a fresh keyring, as after unlock
    out["blobs"] = timed("verify_all_legacy_s", verify_all)
    done = timed("rekey_s", lambda: rekey_talent_files(vault, lib.talent_id))
    out["rekeyed"], out["shared_left"] = done.rekeyed, done.shared
    vault.keyring._owners = None
    timed("verify_all_keyed_s", verify_all)
    rep = timed("check_before_s", lambda: check_vault(vault))
    assert rep.ok, rep.problems
    key = unlock_talent_key(vault, lib.talent_id, TALENT_PASS)
    request_erasure_with_key(vault, lib.talent_id, key)
    erased = timed("erase_s", lambda: erase_talent(vault, lib.talent_id))
    out["erased_files"], out["handed_over"] = erased.removed, len(erased.plan.get("shared", []))
    rep = timed("check_after_s", lambda: check_vault(vault))
    assert rep.ok, rep.problems
    vault.close()
    return out


def bench(repeats: int = 1, size: int = 1_000) -> dict:
    with tempfile.TemporaryDirectory(prefix="studio-erasure-") as tmp:
        proc = subprocess.run([sys.executable, "-m", "benchmarks.erasure", tmp, str(size)], cwd=REPO,
                              capture_output=True, text=True, env={**__import__("os").environ, "PYTHONPATH": str(REPO)})
    line = next((x for x in proc.stdout.splitlines() if x.startswith("{")), None)
    if line is None:
        raise RuntimeError(f"erasure benchmark failed:\n{proc.stderr[-3000:]}")
    r = json.loads(line)
    print(f"erasure ({size:,} takes of one talent among 100, {r['blobs']:,} blobs; built in {r['build_s']} s): "
          f"verify every blob {r['verify_all_legacy_s']} s (vault key) / {r['verify_all_keyed_s']} s (after rekey); "
          f"rekey {r['rekeyed']:,} files {r['rekey_s']} s; check {r['check_before_s']} s; erase {r['erase_s']} s "
          f"({r['erased_files']:,} files deleted, {r['handed_over']} handed over); check after {r['check_after_s']} s",
          flush=True)
    return r


if __name__ == "__main__":
    print(json.dumps(_run(*sys.argv[1:])))
