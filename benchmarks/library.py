"""``library``: a talent with 100, 1,000 and 10,000 voice takes (in a vault of 100 talents, with
1,000 grants and ledger entries at every size; ``tests/library.py``), each size in its own
process: the time from selecting the talent to its first screenful in the grid, the worst
event-loop gap (a 5 ms timer, as the UI tests measure it) while the list loads, the first
thumbnails arrive, the grid scrolls to its end, sorts, filters and switches to the list and
back, the decoded thumbnails held, and the process's memory (peak RSS, and RSS growth over the
browsing). With ``--screenshot`` the 10,000-take window is saved as a PNG. DR026."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SIZES = (100, 1_000, 10_000)
PASSPHRASE = "benchmark passphrase"


def _child(size: int, screenshot: str | None) -> dict:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    work = Path(tempfile.mkdtemp(prefix="studio-library-"))
    os.environ["STUDIO_CONFIG_DIR"] = str(work / "config")
    import psutil
    from PySide6.QtCore import Qt, QTimer
    from PySide6.QtWidgets import QApplication

    from studio.core.vault import Vault
    from studio.ui.app import settle_heap
    from studio.ui.asset_model import ASSET_ROLE
    from studio.ui.main_window import MainWindow
    from tests.library import make_library

    app = QApplication.instance() or QApplication([])
    vault = Vault.create(work / "vault", PASSPHRASE)
    t = time.perf_counter()
    library = make_library(vault, work / "work", assets=size)
    made_s = time.perf_counter() - t
    proc = psutil.Process()

    def wait(cond, timeout=300.0):
        end = time.monotonic() + timeout
        while not cond():
            if time.monotonic() > end:
                raise TimeoutError
            app.processEvents()
            time.sleep(0.001)

    window = MainWindow(vault)
    window.show()
    settle_heap()  # as run_app does once its window is shown
    wait(lambda: window.talents.list.count() == library.talents)
    lib = window.library
    rss0 = proc.memory_info().rss
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(5)
    timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    timer.start()
    talents = window.talents.list
    row = next(i for i in range(talents.count()) if talents.item(i).data(Qt.UserRole).id == library.talent_id)
    t0 = time.perf_counter()
    talents.setCurrentRow(row)
    wait(lambda: lib.model.rowCount() > 0 and lib.visible_rows())
    first_screen = time.perf_counter() - t0
    wait(lambda: lib.model.rowCount() == size)
    all_rows = time.perf_counter() - t0

    def shown() -> bool:
        rows = lib.visible_rows()
        return bool(rows) and all(lib.proxy.index(r, 0).data(ASSET_ROLE).id in lib.model.thumbnails for r in rows)

    wait(shown)
    first_thumbs = time.perf_counter() - t0
    if screenshot:
        window.grab().save(screenshot)
    bar = lib.grid.verticalScrollBar()
    for step in range(1, 9):
        bar.setValue(bar.maximum() * step // 8)
        end = time.monotonic() + 0.04
        while time.monotonic() < end:
            app.processEvents()
    wait(shown)

    def turn(seconds: float = 0.03) -> None:  # each action its own turn of the event loop, as clicks are
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            app.processEvents()

    for action in (lambda: lib.set_view("list"), lambda: lib.table.sortByColumn(0, Qt.AscendingOrder),
                   lambda: lib.search.setText("retake"), lambda: lib.set_view("grid"), lib.search.clear,
                   lambda: lib.table.sortByColumn(6, Qt.DescendingOrder)):
        action()
        turn()
    wait(shown)
    end = time.monotonic() + 0.2
    while time.monotonic() < end:
        app.processEvents()
    timer.stop()
    worst = max((b - a for a, b in zip(ticks, ticks[1:])), default=0.0)
    held = len(lib.model.thumbnails)
    result = {"assets": size, "fixture_s": round(made_s, 1), "first_screen_ms": round(first_screen * 1000),
              "all_rows_ms": round(all_rows * 1000), "first_thumbnails_ms": round(first_thumbs * 1000),
              "worst_gap_ms": round(worst * 1000), "thumbnails_held": held,
              "rss_growth_mb": round((proc.memory_info().rss - rss0) / 1e6, 1),
              "peak_rss_mb": round(_peak_kb() / 1e3, 1)}
    window.close()
    window.tasks.shutdown()
    vault.close()
    return result


def _peak_kb() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def bench(repeats: int = 1, screenshot: str | None = None) -> list[dict]:
    results = []
    for size in SIZES:
        cmd = [sys.executable, "-m", "benchmarks.library", str(size)]
        if screenshot and size == SIZES[-1]:
            cmd.append(screenshot)
        out = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
        line = next((x for x in out.stdout.splitlines() if x.startswith("{")), None)
        if line is None:
            raise RuntimeError(f"library benchmark at {size} failed:\n{out.stderr[-3000:]}")
        r = json.loads(line)
        results.append(r)
        print(f"library {size:>6,} takes: first screen {r['first_screen_ms']} ms, all rows {r['all_rows_ms']} ms, "
              f"first thumbnails {r['first_thumbnails_ms']} ms, worst gap {r['worst_gap_ms']} ms, "
              f"thumbnails held {r['thumbnails_held']}, RSS +{r['rss_growth_mb']} MB (peak {r['peak_rss_mb']} MB), "
              f"fixture {r['fixture_s']} s", flush=True)
    return results


if __name__ == "__main__":
    print(json.dumps(_child(int(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else None)))
