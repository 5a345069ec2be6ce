"""One render pool for the app: review mode draws through the same render children as the main
window, and closing the app ends every Open3D viewer window it opened."""

from __future__ import annotations

import multiprocessing as mp

import psutil

from studio.core.consent.talent_keys import set_talent_passphrase, unlock_talent_key
from studio.core.intake import ingest_paths
from studio.core.render import viewer
from studio.ui.review_window import ReviewWindow
from tests.conftest import TESTDATA
from tests.ui.helpers import render_children

TALENT_PASS = "the talent's own long phrase"
T = 180_000
ONE_POOL = 5  # the preview's motion and still children, each with its warm spare, and the thumbnail child


def test_when_review_mode_opens_then_it_draws_through_the_same_render_children(qtbot, make_window, new_vault,
                                                                               talent):
    set_talent_passphrase(new_vault, talent.id, TALENT_PASS)
    key = unlock_talent_key(new_vault, talent.id, TALENT_PASS)
    (r,) = ingest_paths(new_vault, talent.id, [TESTDATA / "scans" / "stanford-bunny.obj"])
    window = make_window()
    qtbot.waitUntil(lambda: window.library.model.rowCount() == 1, timeout=T)
    window.library.select(r.asset_id)
    main_view = window.detail.scan.viewport
    qtbot.waitUntil(lambda: main_view.image is not None and not main_view.image_moving, timeout=T)
    review = ReviewWindow(new_vault, talent, key, window.tasks, window)
    qtbot.addWidget(review)
    review.show()
    review_view = review.detail.scan.viewport
    qtbot.waitUntil(lambda: review_view.image is not None and not review_view.image_moving, timeout=T)
    assert review_view.renders is main_view.renders
    # two panes, one pool: no more children than one pool keeps (a replaced child may take a moment to go)
    qtbot.waitUntil(lambda: len(render_children()) <= ONE_POOL, timeout=T)
    review.close()


def test_when_the_app_closes_with_an_open3d_viewer_open_then_the_viewer_ends(qtbot, make_window):
    window = make_window()
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    # the viewer module's own process, waiting for its geometry as a viewer window waits for the user
    proc = ctx.Process(target=viewer._viewer_main, args=(child, "Twin Studio — test"),
                       name="twin-studio-open3d-viewer", daemon=False)
    proc.start()
    child.close()
    window.tasks.renders.track_viewer(proc)
    assert proc.is_alive() and window.tasks.renders.viewers == [proc]
    window.close()
    assert not proc.is_alive() and proc.exitcode is not None, "closing the app ended the viewer"
    parent.close()


QUIT_WITH_A_VIEWER = '''
import multiprocessing as mp
import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication

from studio.core.render import viewer
from studio.core.vault import Vault
from studio.ui.main_window import MainWindow

if __name__ == "__main__":
    app = QApplication([])
    vault = Vault.create(Path(sys.argv[1]), sys.argv[2])
    window = MainWindow(vault)
    window.show()
    parent, child = mp.get_context("spawn").Pipe()
    proc = mp.get_context("spawn").Process(target=viewer._viewer_main, args=(child, "Twin Studio"), daemon=False)
    proc.start()  # a viewer window the user left open
    child.close()
    window.tasks.renders.track_viewer(proc)
    print(proc.pid, flush=True)
    window.close()
    vault.close()
    # the interpreter now exits: multiprocessing joins every non-daemon child it started
'''


def _run_app_script(tmp_path, text: str, *args: str) -> tuple[int, str]:
    """Runs ``text`` as the app would run (offscreen, its own config folder); returns its exit
    code and what it printed. Killed, with every child, after the test's limit."""
    import os
    import subprocess
    import sys

    from tests.conftest import REPO

    script = tmp_path / "app_script.py"
    script.write_text(text)
    env = {**os.environ, "PYTHONPATH": str(REPO), "QT_QPA_PLATFORM": "offscreen",
           "STUDIO_CONFIG_DIR": str(tmp_path / "config")}
    app = subprocess.Popen([sys.executable, str(script), *args], env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        app.wait(T / 1000)
    except subprocess.TimeoutExpired:
        for p in psutil.Process(app.pid).children(recursive=True):
            p.kill()
        app.kill()
        app.wait()
    out = app.stdout.read()
    app.stdout.close()
    return app.returncode, out


def _ended(pid: int) -> bool:
    return not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


def test_when_the_app_quits_with_a_viewer_left_open_then_the_process_exits(tmp_path):
    from tests.conftest import PASSPHRASE

    code, out = _run_app_script(tmp_path, QUIT_WITH_A_VIEWER, str(tmp_path / "vault"), PASSPHRASE)
    viewer_pid = int(out.split()[0])
    assert code == 0, "quitting waited for the viewer window (killed after the test's limit)"
    assert _ended(viewer_pid)


QUIT_WHILE_A_STILL_IS_DRAWN = '''
import multiprocessing as mp
import sys
import time
from pathlib import Path

from PySide6.QtWidgets import QApplication

from studio.core.vault import Vault
from studio.ui.main_window import MainWindow
from studio.ui.render_thread import FrameRequest

if __name__ == "__main__":
    app = QApplication([])
    vault = Vault.open(Path(sys.argv[1]), sys.argv[2])
    window = MainWindow(vault)
    window.show()
    renders = window.tasks.renders
    # a full-detail still of the big scan, as a viewport asks for it
    renders.request(object(), vault, FrameRequest(1, sys.argv[3], None, "shaded", (800, 600), False),
                    lambda frame: None, lambda req, text, restartable: None)
    deadline = time.monotonic() + 120
    while not renders.thread.preview.still.alive and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1.0)  # the scan is being decrypted and sent to the still child
    print(" ".join(str(p.pid) for p in mp.active_children()), flush=True)
    window.close()
    vault.close()
'''


def test_when_the_app_quits_while_a_still_is_drawn_then_no_render_process_is_left(tmp_path, new_vault, talent,
                                                                                  large_scan):
    from tests.conftest import PASSPHRASE

    (r,) = ingest_paths(new_vault, talent.id, [large_scan])
    new_vault.close()
    code, out = _run_app_script(tmp_path, QUIT_WHILE_A_STILL_IS_DRAWN, str(new_vault.root), PASSPHRASE, r.asset_id)
    pids = [int(p) for p in out.split()]
    assert code == 0, "the app did not quit (killed after the test's limit)"
    assert pids, "the still child was running when the app quit"
    assert all(_ended(pid) for pid in pids), [pid for pid in pids if not _ended(pid)]
