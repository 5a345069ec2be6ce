"""``unlock``: the event loop while the app unlocks a vault (DR043). The real unlock dialog on
the app's task manager opens a vault (a folder vault made by ``Vault.create``: rage picks the
scrypt work factor for this machine), with the key derived in the app's own process (before
DR043) and in a child process (after), alternately, ``--repeats`` times each, in one process:
the worst event-loop gap from the click on *Unlock* until the vault is open (a 5 ms ``QTimer``,
as the UI stall tests measure it), how often the loop turned while the key was derived, and the
unlock's wall time."""

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
PASSPHRASE = "benchmark passphrase"


def _child(repeats: int) -> dict:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    work = Path(tempfile.mkdtemp(prefix="studio-unlock-"))
    os.environ["STUDIO_CONFIG_DIR"] = str(work / "config")
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QDialog, QDialogButtonBox

    from studio.core import kdf
    from studio.core.vault import Vault
    from studio.ui.app import vault_dialog
    from studio.ui.tasks import TaskManager

    app = QApplication.instance() or QApplication([])
    vault = Vault.create(work / "vault", PASSPHRASE)
    work_factor = vault.header.kdf["log2_n"]
    vault.close()
    tasks = TaskManager()

    def wait(cond, timeout=300.0):
        end = time.monotonic() + timeout
        while not cond():
            if time.monotonic() > end:
                raise TimeoutError
            app.processEvents()
            time.sleep(0.001)

    def unlock_once() -> dict:
        dialog = vault_dialog(work / "vault", tasks)
        dialog.show()
        dialog.passphrase.setText(PASSPHRASE)
        ticks: list[tuple[float, bool]] = []
        timer = QTimer()
        timer.setInterval(5)
        timer.timeout.connect(lambda: ticks.append((time.perf_counter(), kdf.running() > 0)))
        timer.start()
        wait(lambda: len(ticks) >= 2)
        t0 = time.perf_counter()
        ticks.append((t0, False))
        dialog.buttons.button(QDialogButtonBox.Ok).click()
        wait(lambda: dialog.result() == QDialog.Accepted)
        wall = time.perf_counter() - t0
        seen = len(ticks)
        wait(lambda: len(ticks) > seen)
        timer.stop()
        dialog.vault.close()
        dialog.deleteLater()
        app.processEvents()
        measured = [(t, d) for t, d in ticks if t >= t0]
        gaps = [b - a for (a, _), (b, _) in zip(measured, measured[1:])]
        return {"worst_gap_ms": round(max(gaps) * 1000), "turns_while_deriving": sum(d for _, d in measured),
                "unlock_s": round(wall, 2)}

    rows: dict[str, list[dict]] = {"in-process": [], "child": []}
    for _ in range(repeats):
        for mode in rows:
            kdf.set_in_child(mode == "child")
            rows[mode].append(unlock_once())
    tasks.shutdown()
    out = {"work_factor": work_factor, "repeats": repeats}
    for mode, runs in rows.items():
        out[mode] = {"worst_gap_ms": [r["worst_gap_ms"] for r in runs],
                     "turns_while_deriving": [r["turns_while_deriving"] for r in runs],
                     "unlock_s_median": round(statistics.median(r["unlock_s"] for r in runs), 2)}
    return out


def bench(repeats: int = 3) -> dict:
    out = subprocess.run([sys.executable, "-m", "benchmarks.unlock", str(repeats)], cwd=REPO, capture_output=True,
                         text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
    line = next((x for x in out.stdout.splitlines() if x.startswith("{")), None)
    if line is None:
        raise RuntimeError(f"unlock benchmark failed:\n{out.stderr[-3000:]}")
    r = json.loads(line)
    print(f"unlock (scrypt 2^{r['work_factor']}, {r['repeats']} each):", flush=True)
    for mode in ("in-process", "child"):
        m = r[mode]
        print(f"  key derived {mode:<10}: worst event-loop gap {m['worst_gap_ms']} ms, loop turns while deriving "
              f"{m['turns_while_deriving']}, unlock {m['unlock_s_median']} s (median)", flush=True)
    return r


if __name__ == "__main__":
    print(json.dumps(_child(int(sys.argv[1]) if len(sys.argv) > 1 else 3)))
