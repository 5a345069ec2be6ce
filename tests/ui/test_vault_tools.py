"""File ▸ Change Passphrase… and Check Vault… (issue 15), and the create dialog pointed at a
folder that already holds a vault: real vaults, real crypto, the real check."""

from __future__ import annotations

import pytest
import shiboken6
from PySide6.QtWidgets import QDialogButtonBox

from studio.core.errors import WrongPassphrase
from studio.core.intake import ingest_paths
from studio.core.talents import add_talent
from studio.core.vault import Vault
from studio.core.vault.catalog import Blob
from studio.ui.vault_dialogs import SWITCH, CreateVaultDialog
from tests.conftest import PASSPHRASE, TESTDATA

WAIT = 120_000
NEW = "a brand new studio passphrase"


def test_when_the_passphrase_is_changed_then_the_old_one_no_longer_opens_the_vault(qtbot, make_window, new_vault):
    window = make_window()
    window.change_passphrase()
    dialog = window.vault_passphrase_dialog
    qtbot.waitExposed(dialog)
    ok = dialog.buttons.button(QDialogButtonBox.Ok)

    qtbot.keyClicks(dialog.current, "not the passphrase")
    qtbot.keyClicks(dialog.new, NEW)
    qtbot.keyClicks(dialog.repeat, NEW + "!")
    ok.click()
    assert "differ" in dialog.banner.text()  # said at once, nothing run
    dialog.repeat.clear()
    qtbot.keyClicks(dialog.repeat, NEW)
    ok.click()
    qtbot.waitUntil(lambda: dialog.banner.isVisible() and "wrong passphrase" in dialog.banner.text(), timeout=WAIT)
    assert dialog.current.text() == "" and dialog.new.text() == NEW  # only the wrong entry is cleared
    qtbot.keyClicks(dialog.current, PASSPHRASE)
    ok.click()
    qtbot.waitUntil(lambda: "passphrase is changed" in window.statusBar().currentMessage(), timeout=WAIT)
    assert not shiboken6.isValid(dialog) or not dialog.isVisible()  # accepted, closed (and deleted)

    with pytest.raises(WrongPassphrase):
        Vault.open(new_vault.root, PASSPHRASE)
    with Vault.open(new_vault.root, NEW) as reopened:
        assert reopened.header.vault_id == new_vault.header.vault_id


def _with_takes(vault) -> int:
    talent = add_talent(vault, "Ines Duarte")
    voices = sorted((TESTDATA / "voice").glob("*.wav"))[:2]
    assert all(r.status == "ingested" for r in ingest_paths(vault, talent.id, voices))
    with vault.session() as s:
        return s.query(Blob).count()


def test_check_vault_shows_its_progress_and_then_every_result(qtbot, make_window, new_vault):
    blobs = _with_takes(new_vault)
    window = make_window()
    window.check_vault()
    dialog = window.check_dialog
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=WAIT)
    assert dialog.report.ok and dialog.report.blobs_checked == blobs > 0
    assert (dialog.progress.maximum(), dialog.progress.value()) == (blobs, blobs)  # the last progress reported
    assert "consistent" in dialog.banner.text() and f"{blobs} blobs verified" in dialog.banner.text()
    assert dialog.buttons.button(QDialogButtonBox.Close).isVisible()
    dialog.buttons.button(QDialogButtonBox.Close).click()
    assert not dialog.isVisible()


def test_when_a_blob_is_damaged_then_check_vault_lists_the_problem(qtbot, make_window, new_vault):
    _with_takes(new_vault)
    victim = next(p for p in sorted((new_vault.root / "blobs").rglob("*.age")))
    data = bytearray(victim.read_bytes())
    data[-20] ^= 0xFF
    victim.write_bytes(bytes(data))
    window = make_window()
    window.check_vault()
    dialog = window.check_dialog
    qtbot.waitUntil(lambda: dialog.report is not None, timeout=WAIT)
    assert not dialog.report.ok and "INCONSISTENT" in dialog.banner.text()
    shown = [dialog.results.item(i).text() for i in range(dialog.results.count())]
    assert shown[:len(dialog.report.problems)] == dialog.report.problems and dialog.results.isVisible()
    dialog.close()


def test_when_check_vault_is_cancelled_then_it_concludes_nothing(qtbot, make_window, new_vault, tmp_path, monkeypatch):
    _with_takes(new_vault)
    monkeypatch.setenv("STUDIO_TEST_PAUSE_AT", f"check.blobs={tmp_path}")  # the check waits before its first blob
    window = make_window()
    window.check_vault()
    dialog = window.check_dialog
    qtbot.waitUntil(lambda: (tmp_path / "check.blobs.reached").exists(), timeout=WAIT)
    assert dialog.running
    dialog.buttons.button(QDialogButtonBox.Cancel).click()
    (tmp_path / "check.blobs.go").touch()
    qtbot.waitUntil(lambda: not dialog.running, timeout=WAIT)
    assert "cancelled" in dialog.status.text() and dialog.report is None and dialog.isVisible()
    dialog.close()


def test_when_the_create_dialog_points_at_a_vault_then_it_offers_to_open_it(qtbot, tasks, new_vault, tmp_path):
    dialog = CreateVaultDialog(tmp_path / "new-place", tasks)
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.open_here.isVisible()
    dialog.place.folder.setText(str(new_vault.root))
    assert dialog.open_here.isVisible() and "already holds a vault" in dialog.banner.text()
    qtbot.keyClicks(dialog.passphrase, PASSPHRASE)
    qtbot.keyClicks(dialog.repeat, PASSPHRASE)
    assert not dialog.buttons.button(QDialogButtonBox.Ok).isEnabled()  # never a vault over a vault
    dialog.open_here.click()
    assert dialog.result() == SWITCH and dialog.switch == ("unlock", new_vault.root)
