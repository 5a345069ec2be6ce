"""First run creates the vault through the dialog; later runs unlock it, and a wrong
passphrase is an inline banner."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox

from studio.core.vault.vault import vault_exists
from studio.ui.app import vault_dialog
from studio.ui.vault_dialogs import CreateVaultDialog, UnlockDialog, strength
from tests.conftest import PASSPHRASE


def _ok(dialog) -> None:
    dialog.buttons.button(QDialogButtonBox.Ok).click()


def test_when_there_is_no_vault_then_the_create_dialog_makes_one(qtbot, tmp_path, tasks):
    folder = tmp_path / "studio-vault"
    dialog = vault_dialog(folder, tasks)
    qtbot.addWidget(dialog)
    dialog.show()
    assert isinstance(dialog, CreateVaultDialog)
    ok = dialog.buttons.button(QDialogButtonBox.Ok)
    qtbot.keyClicks(dialog.passphrase, "short")
    assert not ok.isEnabled() and "Too short" in dialog.hint.text()
    dialog.passphrase.clear()
    qtbot.keyClicks(dialog.passphrase, PASSPHRASE)
    qtbot.keyClicks(dialog.repeat, PASSPHRASE + "x")
    assert not ok.isEnabled() and "differ" in dialog.hint.text()
    qtbot.keyClick(dialog.repeat, Qt.Key_Backspace)
    assert ok.isEnabled() and dialog.meter.value() == strength(PASSPHRASE)[0] == 4
    _ok(dialog)
    qtbot.waitUntil(lambda: dialog.result() == QDialog.Accepted, timeout=30_000)
    assert dialog.vault is not None and vault_exists(folder)
    dialog.vault.close()


def test_when_the_folder_already_holds_files_then_the_banner_says_so_and_nothing_is_made(qtbot, tmp_path, tasks):
    folder = tmp_path / "busy"
    folder.mkdir()
    (folder / "holiday.jpg").write_bytes(b"not a vault")
    dialog = CreateVaultDialog(folder, tasks)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.passphrase, PASSPHRASE)
    qtbot.keyClicks(dialog.repeat, PASSPHRASE)
    _ok(dialog)
    assert dialog.banner.isVisible() and str(folder) in dialog.banner.text()
    assert sorted(p.name for p in folder.iterdir()) == ["holiday.jpg"]
    assert dialog.result() != QDialog.Accepted


def test_when_the_passphrase_is_wrong_then_an_inline_banner_shows_and_the_right_one_unlocks(qtbot, new_vault, tasks):
    root = new_vault.root
    new_vault.close()
    dialog = vault_dialog(root, tasks)
    qtbot.addWidget(dialog)
    dialog.show()
    assert isinstance(dialog, UnlockDialog)
    qtbot.keyClicks(dialog.passphrase, "not the passphrase")
    qtbot.keyClick(dialog.passphrase, Qt.Key_Return)
    qtbot.waitUntil(lambda: dialog.banner.isVisible(), timeout=30_000)
    assert "wrong passphrase" in dialog.banner.text()
    assert dialog.isVisible() and dialog.vault is None
    assert dialog.passphrase.hasSelectedText(), "the wrong entry is selected, ready to retype"
    dialog.passphrase.clear()
    qtbot.keyClicks(dialog.passphrase, PASSPHRASE)
    _ok(dialog)
    qtbot.waitUntil(lambda: dialog.result() == QDialog.Accepted, timeout=30_000)
    assert dialog.vault is not None and dialog.vault.root == root
    dialog.vault.close()
