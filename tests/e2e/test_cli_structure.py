"""The CLI package's shape (DR010): one module per command group over one shared module and one
exit-code table, and no command module importing another — counting imports inside functions."""

from __future__ import annotations

import ast
from pathlib import Path

import studio.cli
from studio.cli.exits import EXIT_CANCELLED, EXIT_ERROR, EXIT_REFUSED, exit_for
from studio.core.errors import Cancelled, ConsentError, InvalidInput, PackageRefused

CLI = Path(studio.cli.__file__).parent
SHARED = {"studio.cli.options", "studio.cli.exits"}


def imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names if node.module == "studio.cli")
    return {n for n in names if n.startswith("studio")}


def test_when_a_command_module_is_read_then_it_imports_only_the_shared_modules_and_the_core():
    modules = sorted(CLI.glob("cmd_*.py"))
    assert len(modules) >= 10, "one module per command group"
    for path in modules:
        allowed = ("studio.core",) + (("studio.ui",) if path.stem == "cmd_gui" else ())
        stray = {n for n in imported(path) if n not in SHARED and not n.startswith(allowed)}
        assert not stray, f"{path.name} imports {sorted(stray)}"


def test_when_the_shared_modules_are_read_then_they_import_no_command():
    for name in ("options.py", "exits.py"):
        stray = {n for n in imported(CLI / name) if n.startswith("studio.cli")}
        assert not stray, f"{name} imports {sorted(stray)}"


def test_when_every_command_module_is_registered_then_the_parser_lists_each_of_them():
    registered = {m.__name__.rsplit(".", 1)[1] for m in studio.cli.COMMANDS}
    assert registered == {p.stem for p in CLI.glob("cmd_*.py")}


def test_when_an_exception_is_looked_up_then_the_table_gives_its_exit_code():
    assert exit_for(Cancelled()).code == EXIT_CANCELLED
    assert exit_for(KeyboardInterrupt()).code == EXIT_CANCELLED
    assert exit_for(InvalidInput("x")).code == EXIT_ERROR
    assert exit_for(FileNotFoundError(2, "No such file", "a.ply")).line(FileNotFoundError(2, "No such file", "a.ply")) \
        == "error: a.ply No such file"
    # a refusal only where the command judges a package or a use; elsewhere an error
    assert exit_for(PackageRefused("tampered"), refuses=True).code == EXIT_REFUSED
    assert exit_for(ConsentError("no uses left"), refuses=True).line(ConsentError("no uses left")) \
        == "refused: no uses left"
    assert exit_for(ConsentError("cannot change"), refuses=False).code == EXIT_ERROR
    assert exit_for(ValueError("a bug")) is None


BRAND_SIDE = [("brand", "keygen"), ("brand", "protect"), ("verify",), ("open",), ("report", "create"),
              ("approval", "request"), ("approval", "apply")]
VAULT_OPTIONS = ("--vault", "--catalog", "--store", "--store-endpoint", "STUDIO_PASSPHRASE", "vault passphrase")


def _help(capsys, *command: str) -> str:
    import pytest

    with pytest.raises(SystemExit) as ended:
        studio.cli.build_parser().parse_args([*command, "--help"])
    assert ended.value.code == 0
    return capsys.readouterr().out


def test_when_a_brand_asks_for_help_then_its_commands_list_no_vault_option(capsys):
    """The brand's machine has no vault (DR046): its commands do not offer the studio's options,
    and those that unlock the brand's keys take the brand's passphrase file."""
    for command in BRAND_SIDE:
        text = _help(capsys, *command)
        assert not [o for o in VAULT_OPTIONS if o in text], f"{' '.join(command)} --help lists a vault option"
        assert "--json" in text and "--debug" in text
        unlocks = command != ("verify",)
        assert ("passphrase of the brand's keys" in text) == unlocks, " ".join(command)
    studio_side = _help(capsys, "export")  # the studio's own commands keep them
    assert "--vault" in studio_side and "--passphrase-file" in studio_side and "vault passphrase" in studio_side
