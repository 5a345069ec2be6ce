"""*Explore a sample vault* (issue 15, "Try it first"; DR041): the first-run dialog builds the
sample vault and opens it, telling the passphrases; every main screen opens on it."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QDialog, QMessageBox, QWizard

from studio.core.consent.grants import list_grants
from studio.core.consent.talent_keys import unlock_talent_key
from studio.core.demo import DEMO_PASSPHRASE, DEMO_TALENT_PASSPHRASE, STEPS, build_demo, sample_vault_dir
from studio.core.talents import get_talent
from studio.core.vault.opening import open_vault
from studio.core.vault.vault import vault_exists
from studio.ui.app import vault_dialog
from studio.ui.vault_dialogs import CreateVaultDialog, UnlockDialog

T = 120_000  # the build runs scrypt twice, an ingest and an export on a busy machine


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """One sample vault for the module, built by the core as the button builds it."""
    return build_demo(tmp_path_factory.mktemp("data") / "Sample vault")


def _first_run(qtbot, tmp_path, tasks) -> CreateVaultDialog:
    dialog = vault_dialog(tmp_path / "my-vault", tasks)
    assert isinstance(dialog, CreateVaultDialog)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def _told_and_opened(qtbot, dialog) -> None:
    """The passphrases are told; once read, the dialog hands the open vault on."""
    qtbot.waitUntil(lambda: dialog.sample.notice is not None and dialog.sample.notice.isVisible(), timeout=T)
    notice = dialog.sample.notice
    told = notice.informativeText()
    assert f"“{DEMO_PASSPHRASE}”" in told and f"“{DEMO_TALENT_PASSPHRASE}”" in told
    assert dialog.result() != QDialog.Accepted  # not before the user has read it
    notice.button(QMessageBox.Ok).click()
    qtbot.waitUntil(lambda: dialog.result() == QDialog.Accepted, timeout=T)


def test_when_the_sample_button_is_clicked_then_the_sample_vault_is_built_and_opened(qtbot, tmp_path, tasks):
    dialog = _first_run(qtbot, tmp_path, tasks)
    steps = []
    dialog.busy.valueChanged.connect(steps.append)
    assert dialog.explore.isVisible() and dialog.explore.isEnabled()
    dialog.explore.click()
    assert not dialog.explore.isEnabled() and dialog.busy.isVisible()
    assert DEMO_PASSPHRASE in dialog.banner.text()
    _told_and_opened(qtbot, dialog)
    folder = sample_vault_dir()
    assert dialog.vault is not None and dialog.vault.root == folder and vault_exists(folder)
    assert not vault_exists(tmp_path / "my-vault")  # the user's own vault is not made
    assert max(steps) == len(STEPS) and steps == sorted(steps)
    assert dialog.settings.recent_vaults()[0] == folder
    (grant,) = list_grants(dialog.vault)
    assert grant.status() == "active"
    dialog.vault.close()


def test_when_the_dialog_is_closed_while_the_sample_is_built_then_no_vault_is_left(qtbot, tmp_path, tasks):
    dialog = _first_run(qtbot, tmp_path, tasks)
    dialog.explore.click()
    qtbot.waitUntil(lambda: dialog.busy.value() >= 2, timeout=T)  # the vault is made, the samples go in
    assert vault_exists(sample_vault_dir())
    dialog.reject()
    qtbot.waitUntil(lambda: tasks.busy == 0, timeout=T)
    assert not sample_vault_dir().exists() and dialog.vault is None


def test_when_the_sample_vault_is_there_then_the_button_opens_it(qtbot, tmp_path, tasks, demo, monkeypatch):
    monkeypatch.setenv("STUDIO_DATA_DIR", str(demo.root.parent))
    dialog = _first_run(qtbot, tmp_path, tasks)
    dialog.explore.click()
    _told_and_opened(qtbot, dialog)
    assert dialog.vault.root == demo.root
    dialog.vault.close()


def test_when_the_sample_passphrase_was_changed_then_the_unlock_dialog_takes_over(qtbot, tmp_path, tasks, monkeypatch):
    from studio.core.vault.vault import Vault

    folder = tmp_path / "data" / "Sample vault"
    Vault.create(folder, "not the sample one").close()  # a vault there whose passphrase the user changed
    monkeypatch.setenv("STUDIO_DATA_DIR", str(folder.parent))
    dialog = _first_run(qtbot, tmp_path, tasks)
    dialog.explore.click()
    qtbot.waitUntil(lambda: dialog.switch is not None, timeout=T)
    assert dialog.switch == ("unlock", folder) and dialog.vault is None


def test_every_main_screen_opens_on_the_sample_vault(qtbot, make_window, demo, tmp_path):
    vault = open_vault(demo.root, DEMO_PASSPHRASE)
    try:
        window = make_window(vault)
        qtbot.waitUntil(lambda: window.talent is not None and window.talent.id == demo.talent_id, timeout=T)
        qtbot.waitUntil(lambda: window.library.model.rowCount() == 3, timeout=T)

        window.middle.setCurrentWidget(window.consent)
        qtbot.waitUntil(lambda: window.consent.table.rowCount() == 1, timeout=T)
        window.consent.open_editor(None)
        qtbot.waitUntil(lambda: getattr(window.consent, "editor", None) is not None
                        and window.consent.editor.isVisible(), timeout=T)
        editor = window.consent.editor
        qtbot.waitUntil(lambda: sorted(editor.asset_picker.keys()) == sorted(demo.asset_ids), timeout=T)
        editor.reject()

        window.middle.setCurrentWidget(window.ledger)
        qtbot.waitUntil(lambda: window.ledger.entries.rowCount() == 2 and window.ledger.packages.rowCount() == 1,
                        timeout=T)
        assert "EUR" in window.ledger.totals.text()

        brands = window.open_brands()
        qtbot.waitUntil(lambda: brands.table.rowCount() == 1, timeout=T)
        assert brands.table.item(0, 0).text() == demo.brand
        brands.close()

        window.export_twin()
        wizard = window.wizard
        pages = wizard.pages
        qtbot.waitUntil(lambda: pages[0].isComplete(), timeout=T)
        wizard.next()
        qtbot.waitUntil(lambda: pages[1].isComplete(), timeout=T)
        wizard.next()
        qtbot.waitUntil(lambda: pages[2].list.count() == 3 and pages[2].isComplete(), timeout=T)
        wizard.next()
        qtbot.waitUntil(lambda: pages[3].brand.count() == 1, timeout=T)
        pages[3].out.setText(str(tmp_path / "again.twinpkg"))
        wizard.next()
        qtbot.waitUntil(lambda: pages[4].isComplete(), timeout=T)
        assert demo.brand in pages[4].text.text() and wizard.button(QWizard.NextButton).isEnabled()
        wizard.reject()

        from studio.ui.review_window import ReviewWindow

        key = unlock_talent_key(vault, demo.talent_id, DEMO_TALENT_PASSPHRASE)
        review = ReviewWindow(vault, get_talent(vault, demo.talent_id), key, window.tasks, window)
        qtbot.addWidget(review)
        review.show()
        qtbot.waitUntil(lambda: review.assets.count() == 3, timeout=T)
        qtbot.waitUntil(lambda: review.grants.rowCount() == 1, timeout=T)
        review.tabs.setCurrentWidget(review.ledger)
        qtbot.waitUntil(lambda: review.ledger.entries.rowCount() == 2, timeout=T)
        review.close()
        window.close()
    finally:
        vault.close()


def test_the_unlock_dialog_never_offers_the_sample(qtbot, demo, tasks):
    dialog = vault_dialog(demo.root, tasks)
    qtbot.addWidget(dialog)
    assert isinstance(dialog, UnlockDialog) and not hasattr(dialog, "explore")
