"""Named points where the crash and concurrency tests stop a real process; without the
variables below each call does nothing.

- ``STUDIO_TEST_KILL_AT=NAME``: the process kills itself outright (SIGKILL) at point ``NAME``,
  to prove a crash window (DR018, DR025).
- ``STUDIO_TEST_PAUSE_AT=NAME=FOLDER``: at point ``NAME`` the process creates
  ``FOLDER/NAME.reached`` and waits until ``FOLDER/NAME.go`` exists, so that a test can do
  something while it is provably there (DR025: another command writes while an ingest is
  between its analysis and its commit). It waits ten minutes at most, then goes on.
  ``NAME#N=FOLDER`` stops only the N-th time the point is reached (DR035: the second file of a
  batch held before its commit, the first already committed).
"""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

KILL_ENV = "STUDIO_TEST_KILL_AT"
PAUSE_ENV = "STUDIO_TEST_PAUSE_AT"
_PAUSE_MAX_S = 600.0
_reached: dict[str, int] = {}  # times each NAME#N setting's point was reached in this process
_lock = threading.Lock()


def kill_point(name: str) -> None:
    if os.environ.get(KILL_ENV) == name:
        os.kill(os.getpid(), getattr(signal, "SIGKILL", signal.SIGTERM))


def pause_point(name: str) -> None:
    setting = os.environ.get(PAUSE_ENV, "")
    point, _, folder = setting.partition("=")
    point, _, nth = point.partition("#")
    if point != name or not folder:
        return
    if nth:  # NAME#N: only the N-th time the point is reached under this setting
        with _lock:
            _reached[setting] = count = _reached.get(setting, 0) + 1
        if str(count) != nth:
            return
    (Path(folder) / f"{name}.reached").touch()
    go = Path(folder) / f"{name}.go"
    deadline = time.monotonic() + _PAUSE_MAX_S
    while not go.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
