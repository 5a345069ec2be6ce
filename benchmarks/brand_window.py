"""``brand-window``: the event loop while the brand's window verifies and opens a package (DR048).

A vault made by ``Vault.create`` exports a package of a generated 1.3 M-triangle body scan (the
``ingest`` benchmark's, 33.8 MiB of binary PLY) and a voice take to a brand; the real
:class:`~studio.ui.brand_window.BrandWindow` on the app's task manager then verifies it (from
``load_package`` until it is shown) and opens it into a new folder (from ``open_into`` until
``packageOpened``), ``--repeats`` times. Reported: each step's wall time, the worst gap of a 5 ms
``QTimer`` on the GUI thread during it (as ``unlock`` measures it), and — the peer — the same core
``open_package`` call the CLI's ``open`` makes, in the same process, with no window."""

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


def _child(repeats: int) -> dict:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    work = Path(tempfile.mkdtemp(prefix="studio-brand-window-"))
    os.environ["STUDIO_CONFIG_DIR"] = str(work / "config")
    sys.path.insert(0, str(REPO))
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from studio.core.consent.grants import activate_grant, draft_grant, sign_grant
    from studio.core.consent.review import review_asset
    from studio.core.consent.talent_keys import set_talent_passphrase, unlock_talent_key
    from studio.core.intake import ingest_paths
    from studio.core.package.brand_app import pin_studio_key
    from studio.core.package.brand_keys import generate
    from studio.core.package.brands import add_card
    from studio.core.package.export import export_package
    from studio.core.package.unpack import open_package
    from studio.core.talents import add_talent
    from studio.core.vault import Vault
    from studio.ui.brand_window import BrandWindow
    from studio.ui.tasks import TaskManager
    from tests.core.helpers import BRAND, grant_fields, studio_pem
    from tests.generators import body_scan_ply

    app = QApplication.instance() or QApplication([])
    vault = Vault.create(work / "vault", "benchmark passphrase")
    talent = add_talent(vault, "Bench Talent", "bench@example.com")
    set_talent_passphrase(vault, talent.id, "the talent's own passphrase")
    key = unlock_talent_key(vault, talent.id, "the talent's own passphrase")
    scan = work / "body.ply"
    body_scan_ply(scan, subdivisions=8)
    voice = REPO.parent / "shared" / "testdata" / "voice" / "vctk_p225_001.wav"
    results = ingest_paths(vault, talent.id, [scan, voice])
    for r in results:
        review_asset(vault, r.asset_id, "approve", key)
    identity, card = generate(BRAND)
    add_card(vault, card)
    grant = draft_grant(vault, talent.id, grant_fields([r.asset_id for r in results]))
    sign_grant(vault, grant.id, key)
    activate_grant(vault, grant.id)
    package = work / "twin.twinpkg"
    export_package(vault, grant.id, BRAND, package)
    pem = studio_pem(vault, work / "studio.pem")
    studio_key = vault.studio_signing_key().public_key()
    vault.close()
    folder = work / "brand"
    folder.mkdir()
    pin_studio_key(folder, pem)
    tasks = TaskManager()
    window = BrandWindow(folder, identity, tasks)
    window.show()

    def wait(cond, timeout=600.0):
        end = time.monotonic() + timeout
        while not cond():
            if time.monotonic() > end:
                raise TimeoutError
            app.processEvents()
            time.sleep(0.001)

    def measured(start, done) -> tuple[float, float]:
        ticks: list[float] = []
        timer = QTimer()
        timer.setInterval(5)
        timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
        timer.start()
        wait(lambda: len(ticks) >= 2)
        t0 = time.perf_counter()
        ticks.append(t0)
        start()
        wait(done)
        wall = time.perf_counter() - t0
        seen = len(ticks)
        wait(lambda: len(ticks) > seen)
        timer.stop()
        gaps = [b - a for a, b in zip(ticks, ticks[1:]) if a >= t0]
        return wall, max(gaps)

    rows = []
    for i in range(repeats):
        window.view = None
        verify_s, verify_gap = measured(lambda: window.load_package(package), lambda: window.view is not None)
        out = work / f"opened-{i}"
        open_s, open_gap = measured(lambda o=out: window.open_into(o), lambda: window.opened is not None)
        t0 = time.perf_counter()
        open_package(package, identity, studio_key, work / f"peer-{i}")
        peer_s = time.perf_counter() - t0
        rows.append({"verify_s": verify_s, "verify_gap_ms": verify_gap * 1000, "open_s": open_s,
                     "open_gap_ms": open_gap * 1000, "peer_open_s": peer_s})
    window.close()
    tasks.shutdown()
    med = {k: round(statistics.median(r[k] for r in rows), 3) for k in rows[0]}
    worst = {k: round(max(r[k] for r in rows), 1) for k in ("verify_gap_ms", "open_gap_ms")}
    return {"package_mib": round(package.stat().st_size / 2**20, 1), "repeats": repeats, "median": med,
            "worst": worst}


def bench(repeats: int = 3) -> dict:
    out = subprocess.run([sys.executable, "-m", "benchmarks.brand_window", str(repeats)], cwd=REPO,
                         capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    line = next((x for x in out.stdout.splitlines() if x.startswith("{")), None)
    if line is None:
        raise RuntimeError(f"brand-window benchmark failed:\n{out.stderr[-3000:]}")
    r = json.loads(line)
    m, w = r["median"], r["worst"]
    print(f"brand-window ({r['package_mib']} MiB package, {r['repeats']} runs, medians):", flush=True)
    print(f"  verify {m['verify_s']} s (worst event-loop gap {w['verify_gap_ms']} ms); open {m['open_s']} s "
          f"(worst gap {w['open_gap_ms']} ms); the CLI's open_package {m['peer_open_s']} s", flush=True)
    return r


if __name__ == "__main__":
    print(json.dumps(_child(int(sys.argv[1]) if len(sys.argv) > 1 else 3)))
