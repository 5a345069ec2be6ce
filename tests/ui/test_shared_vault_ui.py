"""The app on a shared vault (issue 12): the dialogs create and open one against the real
PostgreSQL and SeaweedFS test servers, the recent list remembers it without any credential, and a
bad URL or an unreachable catalog or store is an inline banner naming which."""

from __future__ import annotations

import json
import os
import socket
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from PySide6.QtWidgets import QDialog, QDialogButtonBox

from studio.core.vault.location import SharedLocation, shared_location as parse_location
from studio.ui.main_window import MainWindow
from studio.ui.settings import Settings
from studio.ui.vault_dialogs import SWITCH, CreateVaultDialog, OpenVaultDialog, UnlockDialog
from tests.conftest import PASSPHRASE

WAIT_MS = 60_000  # scrypt and the first trips to the servers, on a busy 2-core machine


def _location(fixture) -> SharedLocation:
    """The fixture's URLs as the product parses them."""
    return parse_location(fixture.catalog, fixture.store, fixture.endpoint)


def _settings_text() -> str:
    path = Path(os.environ["STUDIO_CONFIG_DIR"]) / "settings.json"
    return path.read_text() if path.exists() else ""


def _no_credentials_in_settings(postgres, fixture) -> None:
    text = _settings_text()
    for secret in (postgres.password, fixture.env["AWS_SECRET_ACCESS_KEY"], fixture.env["AWS_ACCESS_KEY_ID"],
                   PASSPHRASE):
        assert secret not in text
    assert "PGPASSFILE" not in text and fixture.env["PGPASSFILE"] not in text


def _fill_shared(form, catalog: str, store: str, endpoint: str) -> None:
    form.as_shared.click()
    for edit, text in ((form.catalog, catalog), (form.store, store), (form.endpoint, endpoint)):
        edit.setText(text)


def _ok(dialog) -> None:
    dialog.buttons.button(QDialogButtonBox.Ok).click()


@contextmanager
def _refused_port():
    """A local port that refuses connections for as long as it is held: bound, never listening."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    try:
        yield s.getsockname()[1]
    finally:
        s.close()


def _unlock(qtbot, dialog, passphrase: str = PASSPHRASE) -> None:
    dialog.passphrase.setText(passphrase)
    _ok(dialog)
    qtbot.waitUntil(lambda: dialog.result() == QDialog.Accepted or dialog.banner.isVisible(), timeout=WAIT_MS)


def test_when_the_create_dialog_makes_a_shared_vault_then_it_is_remembered_and_opens_again_from_the_recent_list(
        qtbot, tmp_path, tasks, new_vault, postgres, shared_location):
    where = _location(shared_location)
    create = CreateVaultDialog(tmp_path / "unused-folder", tasks)
    qtbot.addWidget(create)
    create.show()
    _fill_shared(create.place, shared_location.catalog, shared_location.store, shared_location.endpoint)
    create.passphrase.setText(PASSPHRASE)
    create.repeat.setText(PASSPHRASE)
    _ok(create)
    qtbot.waitUntil(lambda: create.result() == QDialog.Accepted or create.banner.isVisible(), timeout=WAIT_MS)
    assert not create.banner.isVisible(), create.banner.text()
    assert create.vault.shared and create.vault.describe() == where.describe()
    create.vault.close()
    assert not (tmp_path / "unused-folder").exists()
    assert Settings().recent_vaults() == [where]
    _no_credentials_in_settings(postgres, shared_location)

    # a later run starts on a folder vault; the shared one is on the recent list
    folder = new_vault.root
    new_vault.close()
    Settings().remember_vault(folder)
    unlock = UnlockDialog(folder, tasks)
    qtbot.addWidget(unlock)
    unlock.show()
    unlock.open_other.click()
    chooser = unlock.chooser
    assert isinstance(chooser, OpenVaultDialog) and chooser.isVisible()
    assert [chooser.recent.item(i).text() for i in range(chooser.recent.count())] == [str(folder), where.describe()]
    chooser.recent.setCurrentRow(1)
    assert chooser.place.shared() and chooser.place.catalog.text() == where.catalog
    _ok(chooser)
    assert not chooser.isVisible() and unlock.where == where and where.describe() in unlock.place.text()

    _unlock(qtbot, unlock)
    assert not unlock.banner.isVisible(), unlock.banner.text()
    vault = unlock.vault
    try:
        assert vault.shared and vault.describe() == where.describe()
        assert Settings().recent_vaults() == [where, folder]
        _no_credentials_in_settings(postgres, shared_location)
        window = MainWindow(vault, tasks)  # the title and status name the vault, not the station's folder
        qtbot.addWidget(window)
        assert vault.describe() in window.windowTitle() and str(vault.root) not in window.windowTitle()
        qtbot.waitUntil(lambda: vault.describe() in window.status_label.text(), timeout=WAIT_MS)
        assert str(vault.root) not in window.status_label.text()
        window.close()
    finally:
        vault.close()


def test_when_a_url_is_bad_then_the_banner_says_what_is_wrong_and_nothing_is_made_or_remembered(qtbot, tmp_path, tasks):
    chooser = OpenVaultDialog(Settings())
    qtbot.addWidget(chooser)
    chooser.show()
    bad = [("postgresql://studio:hunter2@db.example.net/twin", "s3://studio-vaults/main", "", "must not contain a password"),
           ("mysql://studio@db.example.net/twin", "s3://studio-vaults/main", "", "must be a PostgreSQL URL"),
           ("postgresql://studio@db.example.net/twin", "s3://Studio_Vaults/main", "", "not a valid bucket name"),
           ("postgresql://studio@db.example.net/twin", "s3://studio-vaults/main", "ftp://s3.example.net",
            "endpoint must be an http"),
           ("", "s3://studio-vaults/main", "", "Enter the catalog's URL")]
    for catalog, store, endpoint, message in bad:
        _fill_shared(chooser.place, catalog, store, endpoint)
        _ok(chooser)
        assert message in chooser.banner.text() and "hunter2" not in chooser.banner.text()
        assert chooser.isVisible() and chooser.location is None

    create = CreateVaultDialog(tmp_path / "vault", tasks)
    qtbot.addWidget(create)
    create.show()
    _fill_shared(create.place, "postgresql://studio@db.example.net/twin", "s3://studio-vaults/../main", "")
    create.passphrase.setText(PASSPHRASE)
    create.repeat.setText(PASSPHRASE)
    _ok(create)
    assert "store prefix" in create.banner.text() and create.vault is None and create.isVisible()
    assert not (tmp_path / "vault").exists() and _settings_text() == ""


def test_when_the_store_cannot_be_reached_then_the_banner_names_the_store(qtbot, tasks, shared_location):
    with _refused_port() as port:
        where = replace(_location(shared_location), endpoint=f"http://127.0.0.1:{port}")
        dialog = UnlockDialog(where, tasks)
        qtbot.addWidget(dialog)
        dialog.show()
        _unlock(qtbot, dialog)
    text = dialog.banner.text()
    assert f"object store at http://127.0.0.1:{port}" in text and "cannot be reached" in text
    assert "catalog" not in text and dialog.vault is None and _settings_text() == ""


def test_when_the_catalog_cannot_be_reached_then_the_banner_names_the_catalog_and_nothing_is_made(
        qtbot, tmp_path, tasks, shared_location, seaweed):
    with _refused_port() as port:
        dialog = CreateVaultDialog(tmp_path / "vault", tasks)
        qtbot.addWidget(dialog)
        dialog.show()
        _fill_shared(dialog.place, f"postgresql://studio@127.0.0.1:{port}/{shared_location.database}",
                     shared_location.store, shared_location.endpoint)
        dialog.passphrase.setText(PASSPHRASE)
        dialog.repeat.setText(PASSPHRASE)
        _ok(dialog)
        qtbot.waitUntil(lambda: dialog.result() == QDialog.Accepted or dialog.banner.isVisible(), timeout=WAIT_MS)
    text = dialog.banner.text()
    assert "catalog database" in text and f"127.0.0.1:{port}/{shared_location.database}" in text
    assert "cannot be reached" in text and "object store" not in text
    assert dialog.vault is None and dialog.isVisible() and _settings_text() == ""
    assert seaweed.client().list_objects_v2(Bucket=shared_location.bucket).get("KeyCount") == 0


def test_when_the_store_holds_no_vault_then_the_banner_says_so_and_offers_to_create_one_there(
        qtbot, tasks, shared_location):
    where = _location(shared_location)
    dialog = UnlockDialog(where, tasks)
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.create_here.isVisible()
    _unlock(qtbot, dialog)
    assert f"no vault in {where.store}" in dialog.banner.text() and dialog.create_here.isVisible()
    dialog.create_here.click()
    assert dialog.result() == SWITCH and dialog.switch == ("create", where)


def test_when_another_folder_is_chosen_then_it_must_hold_a_vault_and_unlocks_as_before(qtbot, tmp_path, tasks, new_vault):
    folder = new_vault.root
    new_vault.close()
    dialog = UnlockDialog(tmp_path / "elsewhere", tasks)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.open_other.click()
    chooser = dialog.chooser
    assert chooser.recent.count() == 1 and not chooser.recent.isEnabled()  # "none yet"
    (tmp_path / "empty").mkdir()
    chooser.place.folder.setText(str(tmp_path / "empty"))
    _ok(chooser)
    assert f"There is no vault in {tmp_path / 'empty'}" in chooser.banner.text() and chooser.isVisible()
    chooser.place.folder.setText(str(folder))
    _ok(chooser)
    assert dialog.where == folder and dialog.folder == folder

    _unlock(qtbot, dialog)
    try:
        assert dialog.vault is not None and dialog.vault.root == folder and not dialog.vault.shared
    finally:
        dialog.vault.close()
    assert Settings().recent_vaults() == [folder]
    assert json.loads(_settings_text())["vaults"]["recent"][0]["folder"] == str(folder)


def test_when_gui_is_given_a_catalog_url_with_a_password_then_it_refuses_before_the_app_starts(capsys):
    from PySide6.QtWidgets import QApplication

    from studio.cli import main

    windows_before = set(QApplication.topLevelWidgets())
    code = main(["gui", "--catalog", "postgresql://studio:hunter2@db.example.net/twin", "--store", "s3://studio-vaults/main"])
    err = capsys.readouterr().err
    assert code == 2 and "must not contain a password" in err and "hunter2" not in err
    assert set(QApplication.topLevelWidgets()) == windows_before and _settings_text() == ""


def test_when_the_create_dialog_is_asked_for_an_existing_vault_then_the_app_goes_on_to_unlock_it(qtbot, tmp_path, tasks, new_vault):
    """``choose_vault`` (what ``run_app`` runs): the first-run create dialog, "Open an existing
    vault…", a folder that holds one; the unlock dialog comes next, on that folder."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from studio.ui.app import choose_vault

    folder = new_vault.root
    new_vault.close()
    seen = []
    ticks = []

    def step() -> None:
        ticks.append(1)
        if len(ticks) > 3000:  # a minute without the expected dialogs: end, and fail below
            for w in QApplication.topLevelWidgets():
                if isinstance(w, QDialog) and w.isVisible():
                    w.reject()
            return
        dialog = QApplication.activeModalWidget()
        if isinstance(dialog, CreateVaultDialog) and dialog.chooser is None:
            seen.append("create")
            dialog.open_other.click()
        elif isinstance(dialog, OpenVaultDialog):
            seen.append("choose")
            dialog.place.folder.setText(str(folder))
            _ok(dialog)
        elif isinstance(dialog, UnlockDialog):
            seen.append(("unlock", dialog.where))
            dialog.reject()
            return
        QTimer.singleShot(20, step)

    QTimer.singleShot(20, step)
    assert choose_vault(tmp_path / "first-run", tasks) is None  # the unlock dialog was cancelled
    assert seen[0] == "create" and "choose" in seen and seen[-1] == ("unlock", folder)
    assert not (tmp_path / "first-run").exists()
