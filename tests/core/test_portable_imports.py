"""Studios run Windows and macOS as much as Linux: no module under ``studio/`` may import a
platform-only module at import time unless the import is guarded (a ``try`` that catches
``ImportError``, or an ``if`` on ``sys.platform`` / ``os.name``). Imports inside functions run
only when called and are the caller's business."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import REPO

POSIX_ONLY = {"fcntl", "termios", "tty", "pty", "pwd", "grp", "resource", "posix", "crypt", "spwd",
              "syslog", "nis", "ossaudiodev"}
WINDOWS_ONLY = {"msvcrt", "winreg", "winsound", "_winapi", "nt"}
PLATFORM_ONLY = POSIX_ONLY | WINDOWS_ONLY
_IMPORT_ERRORS = {"ImportError", "ModuleNotFoundError", "Exception", "BaseException"}


def _catches_import_error(node: ast.Try) -> bool:
    for handler in node.handlers:
        if handler.type is None:
            return True
        types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
        if any(isinstance(t, ast.Name) and t.id in _IMPORT_ERRORS for t in types):
            return True
    return False


def _tests_the_platform(node: ast.If) -> bool:
    src = ast.unparse(node.test)
    return "sys.platform" in src or "os.name" in src or "platform.system" in src


def _imported(node: ast.stmt) -> list[str]:
    if isinstance(node, ast.Import):
        return [a.name.split(".")[0] for a in node.names]
    if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
        return [node.module.split(".")[0]]
    return []


def unguarded_platform_imports(tree: ast.Module) -> list[tuple[int, str]]:
    """(line, module) of each platform-only import that runs when the module is imported."""
    found: list[tuple[int, str]] = []

    def visit(body: list[ast.stmt], guarded: bool) -> None:
        for node in body:
            for name in _imported(node):
                if name in PLATFORM_ONLY and not guarded:
                    found.append((node.lineno, name))
            if isinstance(node, ast.Try):
                visit(node.body, guarded or _catches_import_error(node))
                for h in node.handlers:
                    visit(h.body, guarded)
                visit(node.orelse, guarded)
                visit(node.finalbody, guarded)
            elif isinstance(node, ast.If):
                visit(node.body, guarded or _tests_the_platform(node))
                visit(node.orelse, guarded or _tests_the_platform(node))
            elif isinstance(node, (ast.With, ast.For, ast.While)):
                visit(node.body, guarded)
                visit(getattr(node, "orelse", []), guarded)
            elif isinstance(node, ast.ClassDef):  # a class body runs at import time; a function's does not
                visit(node.body, guarded)

    visit(tree.body, False)
    return found


def _modules() -> list[Path]:
    return sorted((REPO / "studio").rglob("*.py"))


def test_when_a_module_imports_fcntl_unguarded_then_the_scan_finds_it():
    bad = ast.parse("import os\nimport fcntl\nfrom pwd import getpwnam\n")
    assert unguarded_platform_imports(bad) == [(2, "fcntl"), (3, "pwd")]
    guarded = ast.parse("try:\n    import fcntl\nexcept ImportError:\n    fcntl = None\n"
                        "if sys.platform == 'win32':\n    import msvcrt\n"
                        "def f():\n    import termios\n")
    assert unguarded_platform_imports(guarded) == []


def test_when_studio_is_imported_on_any_platform_then_no_module_needs_a_posix_only_one():
    assert len(_modules()) > 50  # the walk really sees the package
    offenders = [f"{path.relative_to(REPO)}:{line} imports {name}"
                 for path in _modules()
                 for line, name in unguarded_platform_imports(ast.parse(path.read_text(encoding="utf-8")))]
    assert offenders == [], "platform-only imports at module level:\n" + "\n".join(offenders)


@pytest.mark.parametrize("name", ["studio.core.package.streams", "studio.core.package.leftovers"])
def test_when_fcntl_is_missing_then_the_package_modules_still_import(name, monkeypatch):
    """What Windows sees: ``import fcntl`` fails; the module must import all the same."""
    import builtins
    import importlib
    import sys

    real_import = builtins.__import__

    def no_fcntl(mod, *args, **kwargs):
        if mod == "fcntl":
            raise ModuleNotFoundError("No module named 'fcntl'")
        return real_import(mod, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_fcntl)
    monkeypatch.delitem(sys.modules, name, raising=False)
    module = importlib.import_module(name)
    assert module.fcntl is None  # monkeypatch puts the real module back in sys.modules afterwards
