"""GUI test fixtures: the real main window on a real vault, offscreen; a guard that fails any
test leaving threads, windows or render processes behind."""

from __future__ import annotations

import os
import threading
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import psutil  # noqa: E402
import pytest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from tests.generators import body_scan_ply  # noqa: E402
from tests.servers import server_processes  # noqa: E402
from tests.vaults import WORKER_THREAD_PREFIX  # noqa: E402

SETTLE_S = 10.0


def _children() -> set[int]:
    """Live child processes, less multiprocessing's resource tracker (one per interpreter, for
    its lifetime: not ours to stop)."""
    found = set()
    for p in psutil.Process().children(recursive=True):
        try:
            if p.status() != psutil.STATUS_ZOMBIE and "resource_tracker" not in " ".join(p.cmdline()):
                found.add(p.pid)
        except psutil.Error:
            continue
    return found


@pytest.fixture(autouse=True)
def leak_guard(qapp, tmp_path, monkeypatch):
    """Fails the test if, after it, a top-level window is still shown, a thread it started is
    still running, or a render child process is still alive."""
    monkeypatch.setenv("STUDIO_CONFIG_DIR", str(tmp_path / "config"))
    threads_before = set(threading.enumerate())
    children_before = _children()
    yield
    deadline = time.monotonic() + SETTLE_S
    while True:
        qapp.processEvents()
        windows = [w for w in QApplication.topLevelWidgets() if w.isVisible()]
        threads = [t for t in threading.enumerate() if t not in threads_before and t.is_alive()
                   and not t.name.startswith(WORKER_THREAD_PREFIX)]  # the session's, see tests/vaults.py
        children = _children() - children_before - server_processes()  # the session's test servers
        if not (windows or threads or children) or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    for w in windows:
        w.close()
    assert not windows, f"windows left open: {[type(w).__name__ for w in windows]}"
    assert not threads, f"threads left running: {[t.name for t in threads]}"
    assert not children, f"child processes left running: {sorted(children)}"


@pytest.fixture
def tasks():
    """The app's task manager, as ``run_app`` makes it before the vault is opened."""
    from studio.ui.tasks import TaskManager

    manager = TaskManager()
    yield manager
    manager.shutdown()


@pytest.fixture
def make_window(qtbot, new_vault):
    """Builds the main window on a fresh vault and closes it after the test."""
    from studio.ui.main_window import MainWindow

    made = []

    def make(vault=None):
        window = MainWindow(vault or new_vault)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        made.append(window)
        return window

    yield make
    for w in made:
        if w.isVisible():
            w.close()


@pytest.fixture(scope="session")
def large_scan(tmp_path_factory):
    """A scan-like closed surface of 1,310,720 triangles (about 25 MB of binary PLY): the
    benchmarks' body scan without normals and colours."""
    path = tmp_path_factory.mktemp("large") / "body-1m3.ply"
    body_scan_ply(path, subdivisions=8, normals_and_colours=False)
    return path


@pytest.fixture(scope="session")
def _library_template(tmp_path_factory, _vault_template):
    """A talent with 10,000 voice takes in a vault of 100 talents, with 1,000 grants and 1,000
    ledger entries (``tests/library.py``): made once a session, in seconds."""
    from tests.library import build_library_vault

    template, keys = _vault_template
    folder = tmp_path_factory.mktemp("library")
    return build_library_vault(folder / "vault", keys, template, folder / "work"), keys


@pytest.fixture
def library_vault(_library_template):
    """The large library, opened in place: the tests using it only read (a voice take's
    thumbnail is drawn from its stored waveform, nothing is written); one that writes copies it."""
    from studio.core.vault import Vault
    from studio.core.vault.header import read_header

    library, keys = _library_template
    vault = Vault(library.root, read_header(library.root), keys)
    yield vault, library
    vault.close()
