"""File ▸ Open Recent, Lock Vault (Ctrl+L) and the idle lock (issue 15): the real app session on
real vaults, real passphrases. The idle clock is the test's own, moved on by hand: nothing
here waits for minutes to pass."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QDialogButtonBox
from shiboken6 import isValid

from studio.core.errors import VaultLocked
from studio.core.talents import list_talents
from studio.core.vault import Vault
from studio.ui.session import Session
from studio.ui.settings import Settings
from studio.ui.vault_dialogs import UnlockDialog
from tests.conftest import PASSPHRASE

WAIT = 60_000


@pytest.fixture
def session(qtbot, tasks):
    """The app's session (as run_app makes it) with a clock of the test's own: ``session.now[0]``."""
    now = [1000.0]
    made = Session(tasks, Settings(), clock=lambda: now[0])
    made.now = now
    yield made
    if made.dialog is not None:
        made.dialog.close()
    if made.window is not None:
        made.window.close()
    qtbot.waitUntil(lambda: not made.draining, timeout=WAIT)
    tasks.shutdown()
    made.close()


def _closed(window) -> bool:
    """``window`` is closed: hidden, or already deleted (the session deletes a window it retires)."""
    return not isValid(window) or not window.isVisible()


def _unlock(qtbot, dialog: UnlockDialog, passphrase: str) -> None:
    dialog.passphrase.clear()
    qtbot.keyClicks(dialog.passphrase, passphrase)
    dialog.buttons.button(QDialogButtonBox.Ok).click()


def _locked(qtbot, session, vault) -> UnlockDialog:
    qtbot.waitUntil(lambda: isinstance(session.dialog, UnlockDialog) and session.dialog.isVisible(), timeout=WAIT)
    qtbot.waitUntil(lambda: not session.draining, timeout=WAIT)  # the work on it has ended: it is locked
    assert session.locked and session.window is None and vault._keys is None
    with pytest.raises(VaultLocked):
        list_talents(vault)
    return session.dialog


def test_when_a_recent_vault_is_chosen_then_it_opens_in_place_of_the_current_one(qtbot, session, new_vault, tmp_path):
    other = Vault.create(tmp_path / "other-vault", PASSPHRASE)
    other.close()
    session.settings.remember_vault(other.root)
    window = session.start(new_vault)

    window.recent_menu.aboutToShow.emit()
    entries = {a.text(): a for a in window.recent_menu.actions()}
    assert "Clear Recent" in entries and str(other.root) in entries
    entries[str(other.root)].trigger()
    qtbot.waitUntil(lambda: isinstance(session.dialog, UnlockDialog), timeout=WAIT)
    assert session.dialog.where == other.root
    _unlock(qtbot, session.dialog, PASSPHRASE)

    qtbot.waitUntil(lambda: session.vault is not None and session.vault.root == other.root, timeout=WAIT)
    assert session.window is not window and session.window.isVisible() and _closed(window)
    qtbot.waitUntil(lambda: not session.draining, timeout=WAIT)
    assert new_vault._keys is None  # the vault it left is locked
    assert session.settings.recent_vaults()[0] == other.root

    session.window.recent_menu.aboutToShow.emit()
    clear = next(a for a in session.window.recent_menu.actions() if a.text() == "Clear Recent")
    clear.trigger()
    assert Settings().recent_vaults() == []


def test_when_ctrl_l_is_pressed_then_the_vault_locks_and_only_its_passphrase_unlocks_it(qtbot, session, new_vault):
    window = session.start(new_vault)
    window.windowHandle().requestActivate()  # a shortcut goes to the active window
    qtbot.waitUntil(lambda: QApplication.activeWindow() is window, timeout=WAIT)
    qtbot.keyClick(window, Qt.Key_L, Qt.ControlModifier)

    dialog = _locked(qtbot, session, new_vault)
    assert dialog.where == new_vault.root and _closed(window)
    _unlock(qtbot, dialog, "not the passphrase")
    qtbot.waitUntil(lambda: dialog.banner.isVisible(), timeout=WAIT)
    assert "wrong passphrase" in dialog.banner.text() and session.locked and session.window is None

    _unlock(qtbot, dialog, PASSPHRASE)
    qtbot.waitUntil(lambda: session.window is not None, timeout=WAIT)
    assert session.vault.root == new_vault.root and session.vault is not new_vault
    assert session.window.isVisible()


def test_when_no_input_comes_for_the_idle_minutes_then_the_vault_locks(qtbot, session, new_vault):
    prefs = session.settings.values()
    prefs.vaults.auto_lock_minutes = 2
    session.settings.save_preferences(prefs)
    window = session.start(new_vault)
    idle = session.idle
    assert idle.minutes == 2 and idle.timer.isActive()

    session.now[0] += 90
    idle.check()
    assert not session.locked  # 90 s of 120
    qtbot.keyClick(window.talents.search, Qt.Key_A)  # input: the idle time starts again
    assert idle.idle_seconds == 0
    session.now[0] += 119
    idle.check()
    assert not session.locked

    idle.timer.setInterval(10)  # from here the watch's own timer notices
    session.now[0] += 1
    _locked(qtbot, session, new_vault)
    assert not idle.timer.isActive()  # locked: nothing is watched until it is unlocked


def test_when_the_idle_minutes_are_0_then_the_vault_never_locks_by_itself(qtbot, session, new_vault):
    prefs = session.settings.values()
    prefs.vaults.auto_lock_minutes = 0
    session.settings.save_preferences(prefs)
    session.start(new_vault)
    session.now[0] += 10 * 24 * 3600
    session.idle.check()
    assert not session.locked and not session.idle.timer.isActive()
