"""The pause points tests hold a process at (``studio.core.testpoints``): ``NAME=FOLDER`` stops
every time, ``NAME#N=FOLDER`` only the N-th time (DR035)."""

from __future__ import annotations

import threading

from studio.core.testpoints import PAUSE_ENV, pause_point

WAIT_S = 60.0


def _reach(times: int, name: str = "point") -> tuple[threading.Thread, list[int]]:
    passed: list[int] = []

    def run() -> None:
        for i in range(1, times + 1):
            pause_point(name)
            passed.append(i)

    thread = threading.Thread(target=run, name="testpoints-reacher")
    thread.start()
    return thread, passed


def test_a_numbered_pause_stops_only_the_nth_time(tmp_path, monkeypatch):
    monkeypatch.setenv(PAUSE_ENV, f"point#2={tmp_path}")
    thread, passed = _reach(3)
    try:
        reached = tmp_path / "point.reached"
        for _ in range(int(WAIT_S / 0.02)):
            if reached.exists():
                break
            threading.Event().wait(0.02)
        assert reached.exists(), "the second time stops"
        assert passed == [1], "the first time went on, the second is held"
        assert pause_point("other") is None  # another point is not held
    finally:
        (tmp_path / "point.go").touch()
        thread.join(WAIT_S)
    assert passed == [1, 2, 3]


def test_without_a_number_every_time_stops_until_go(tmp_path, monkeypatch):
    monkeypatch.setenv(PAUSE_ENV, f"point={tmp_path}")
    thread, passed = _reach(1)
    try:
        for _ in range(int(WAIT_S / 0.02)):
            if (tmp_path / "point.reached").exists():
                break
            threading.Event().wait(0.02)
        assert (tmp_path / "point.reached").exists() and passed == []
    finally:
        (tmp_path / "point.go").touch()
        thread.join(WAIT_S)
    assert passed == [1]
