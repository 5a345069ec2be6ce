"""pytest plugin (``-p tests.without_qt``): run tests in a Python where Qt cannot be imported.

The core must not need Qt. Uninstalling PySide6 for one test run would mean a second
environment; instead this plugin makes every Qt binding unimportable before any test module
loads, which is what the core sees on a machine without Qt.
"""

from __future__ import annotations

import importlib.abc
import sys

BLOCKED = ("PySide6", "shiboken6", "PyQt5", "PyQt6", "qtpy", "pytestqt")


class _NoQt(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"{name} is blocked: this test run proves the core works without Qt")
        return None


def pytest_configure(config) -> None:
    loaded = [m for m in sys.modules if m.split(".")[0] in BLOCKED]
    if loaded:
        raise RuntimeError(f"Qt was imported before the no-Qt guard: {loaded}")
    sys.meta_path.insert(0, _NoQt())
    config.addinivalue_line("markers", "needs_qt: cannot run in the no-Qt environment")


def pytest_sessionfinish(session, exitstatus) -> None:
    loaded = [m for m in sys.modules if m.split(".")[0] in BLOCKED]
    if loaded:
        raise RuntimeError(f"Qt was imported during the no-Qt run: {loaded}")
