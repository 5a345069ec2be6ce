"""The brand's window (issue 14, DR048) on a real package exported by a real vault: it shows who
sent it and the licence, opens it into a folder, previews a scan (a frame arrives) and plays a
voice take, refuses a tampered package and one addressed to another brand with a clear message,
asks for the studio's key before trusting a package, and writes a usage report the studio then
imports. The brand's keys are held in memory (``generate``), except in the test of the unlock
dialog, which unlocks a folder ``brand keygen`` wrote."""

from __future__ import annotations

import shutil

import pytest
from PySide6.QtWidgets import QDialog

from studio.core.ledger.entries import import_report, list_entries
from studio.core.package.brand_app import STUDIO_KEYS, pin_studio_key
from studio.core.package.brand_keys import generate, keygen
from studio.core.package.brands import add_card
from studio.core.package.export import export_package
from studio.core.testpoints import PAUSE_ENV
from tests.core.helpers import BRAND, BRAND_PASSPHRASE, active_grant, studio_pem
from tests.ui.helpers import drop_files, foreground, image_array

T = 60_000


@pytest.fixture(scope="module")
def parcel(tmp_path_factory, _vault_template):
    """(vault, package path, the brand's keys in memory, the studio's key file): a scan and a
    voice take, approved, under an active grant of at most 5 uses in FR and BE, exported once."""
    from studio.core.vault import Vault
    from studio.core.vault.header import read_header
    from tests.core.conftest import _fill_consent

    template, keys = _vault_template
    root = tmp_path_factory.mktemp("brand-window") / "vault"
    shutil.copytree(template, root)
    vault = Vault(root, read_header(root), keys)
    talent, key, assets = _fill_consent(vault)
    identity, card = generate(BRAND)
    add_card(vault, card)
    grant = active_grant(vault, talent, key, assets)
    package = root.parent / "twin.twinpkg"
    export_package(vault, grant.id, BRAND, package)
    pem = studio_pem(vault, root.parent / "studio.pem")
    yield vault, package, identity, pem
    vault.close()


@pytest.fixture
def brand_dir(tmp_path):
    folder = tmp_path / "brand"
    folder.mkdir()
    return folder


@pytest.fixture
def window(qtbot, tasks, parcel, brand_dir):
    from studio.ui.brand_window import BrandWindow

    made = []

    def make(identity=None, pin=True):
        if pin:
            pin_studio_key(brand_dir, parcel[3])
        w = BrandWindow(brand_dir, identity or parcel[2], tasks)
        qtbot.addWidget(w)
        w.show()
        qtbot.waitExposed(w)
        made.append(w)
        return w

    yield make
    for w in made:
        w.close()


def _shown(qtbot, w, package):
    with qtbot.waitSignal(w.packageShown, timeout=T):
        assert drop_files(w, [package])
    return w.view


def test_when_a_package_is_dropped_then_the_window_shows_its_sender_likeness_and_licence(qtbot, window, parcel):
    vault, package, _identity, _pem = parcel
    w = window()
    view = _shown(qtbot, w, package)
    assert w.sender.toolTip() == vault.studio_key_fingerprint
    assert "".join(w.sender.text().split("\n")[:2]).replace(" ", "") == vault.studio_key_fingerprint
    assert view.manifest["talent"]["id"] in w.talent.text()
    assert w.licensee.text() == BRAND
    assert w.uses.text().startswith("5 ")
    assert w.licence.toPlainText() == view.manifest["licence"]["summary"]
    assert f"You ({BRAND}) may use" in w.licence.toPlainText()
    assert w.expires.text().startswith(view.manifest["expires"])
    assert w.assets.count() == len(view.manifest["assets"])
    assert w.open_button.isEnabled() and w.report_button.isEnabled()


def test_when_the_package_is_opened_into_a_folder_then_a_scan_turns_in_the_viewport_and_the_take_plays(
        qtbot, window, parcel, tmp_path):
    w = window()
    view = _shown(qtbot, w, parcel[1])
    out = tmp_path / "opened"
    with qtbot.waitSignal(w.packageOpened, timeout=T):
        w.open_into(out)
    for a in view.manifest["assets"]:
        assert (out / a["path"]).is_file()
    assert (out / "LICENSE.txt").is_file()
    kinds = [w.assets.item(i).text() for i in range(w.assets.count())]
    scan_row = next(i for i, text in enumerate(kinds) if "scan" in text)
    w.assets.setCurrentRow(scan_row)
    viewport = w.scan.viewport
    qtbot.waitUntil(lambda: viewport.frames_shown >= 1 and viewport.image is not None, timeout=T)
    assert w.detail.currentWidget() is w.scan
    assert foreground(image_array(viewport.image)) > 0.01  # the scan is drawn, not an empty frame
    voice_row = next(i for i, text in enumerate(kinds) if "voice" in text)
    w.assets.setCurrentRow(voice_row)
    qtbot.waitUntil(lambda: w.detail.currentWidget() is w.voice and w.voice.loaded, timeout=T)
    assert w.voice.play_button.isEnabled()


def test_when_a_byte_of_the_package_is_changed_then_the_window_refuses_it_and_shows_nothing(
        qtbot, window, parcel, tmp_path):
    data = bytearray(parcel[1].read_bytes())
    data[len(data) // 2] ^= 0x20  # inside the payload
    bad = tmp_path / "tampered.twinpkg"
    bad.write_bytes(bytes(data))
    w = window()
    with qtbot.waitSignal(w.refused, timeout=T) as refused:
        assert drop_files(w, [bad])
    assert "payload" in refused.args[0] and ("damaged" in refused.args[0] or "altered" in refused.args[0])
    assert w.banner.level == "error" and w.view is None
    assert not w.open_button.isEnabled() and not w.report_button.isEnabled()


def test_when_the_package_is_for_another_brand_then_the_window_says_it_is_not_addressed_to_you(
        qtbot, window, parcel):
    other, _card = generate("Other Brand")
    w = window(identity=other)
    with qtbot.waitSignal(w.refused, timeout=T) as refused:
        w.load_package(parcel[1])
    assert "not addressed to you" in refused.args[0] and BRAND in refused.args[0]
    assert w.view is None


def test_when_the_studio_key_is_not_pinned_then_the_window_asks_for_it_and_verifies_once_it_is_pinned(
        qtbot, window, parcel, brand_dir):
    vault, package, _identity, pem = parcel
    w = window(pin=False)
    with qtbot.waitSignal(w.refused, timeout=T) as asked:
        w.load_package(package)
    assert vault.studio_key_fingerprint in asked.args[0] and w.pin_button.isVisible()
    assert w.view is None
    with qtbot.waitSignal(w.packageShown, timeout=T):
        w.pin_studio_key(pem)  # what the button does once the user compared the fingerprint
    assert [p.suffix for p in (brand_dir / STUDIO_KEYS).iterdir()] == [".pem"]


def test_when_an_open_is_cancelled_part_way_then_nothing_is_left_in_the_folder(
        qtbot, window, parcel, tmp_path, monkeypatch):
    held = tmp_path / "held"
    held.mkdir()
    monkeypatch.setenv(PAUSE_ENV, f"package.open.member#1={held}")  # the worker stops at the first file
    w = window()
    _shown(qtbot, w, parcel[1])
    out = tmp_path / "cancelled"
    w.open_into(out)
    qtbot.waitUntil(lambda: (held / "package.open.member.reached").exists(), timeout=T)
    assert w.work.isVisible() and w.cancel_button.isEnabled() and not w.open_button.isEnabled()
    w.cancel()
    (held / "package.open.member.go").touch()
    qtbot.waitUntil(lambda: w.task is None, timeout=T)
    assert w.opened is None and "Cancelled" in w.banner.text()
    assert not out.exists()  # the folder it made is removed again, as open's all-or-none (DR012)
    assert w.open_button.isEnabled()  # the package can still be opened


def test_when_a_use_is_outside_the_licence_then_the_form_warns_before_writing_and_the_studio_reads_the_report(
        qtbot, window, parcel, tmp_path):
    vault, package, _identity, _pem = parcel
    w = window()
    _shown(qtbot, w, package)
    out = tmp_path / "report.json"
    dialog = w.report_dialog(out)
    dialog.open()
    qtbot.waitExposed(dialog)
    dialog.description.setText("Spring lookbook, hero image")
    dialog.territory.setCurrentText("US")  # the grant covers FR and BE
    dialog.write()
    assert dialog.banner.level == "warning" and "territory US not granted" in dialog.banner.text()
    assert dialog.write_button.text() == "Write anyway" and not out.exists()
    dialog.territory.setCurrentText("FR")  # inside the licence: no warning, written at once
    with qtbot.waitSignal(w.reportWritten, timeout=T):
        dialog.write()
    assert dialog.result() == QDialog.Accepted and out.is_file()
    entry = import_report(vault, out).entry
    assert entry.kind == "use" and entry.id in [e.id for e in list_entries(vault)]


def test_when_the_brand_unlocks_its_keys_then_a_wrong_passphrase_is_refused_and_the_right_one_opens(
        qtbot, tasks, tmp_path):
    from studio.ui.brand_dialogs import BrandUnlockDialog

    folder = tmp_path / "keys"
    card = keygen(folder, BRAND, BRAND_PASSPHRASE)
    dialog = BrandUnlockDialog(folder, tasks)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.passphrase.setText("not the passphrase")
    dialog.unlock()
    qtbot.waitUntil(lambda: dialog.banner.level == "error" and dialog.banner.isVisible(), timeout=T)
    assert "wrong passphrase" in dialog.banner.text() and dialog.identity is None
    dialog.passphrase.setText(BRAND_PASSPHRASE)
    with qtbot.waitSignal(dialog.accepted, timeout=T):
        dialog.unlock()
    assert dialog.identity.recipient == card.recipient and dialog.identity.signing_key is not None


def test_when_the_first_run_user_received_a_package_then_they_choose_their_keys_and_the_brand_window_is_next(
        qtbot, tasks, tmp_path):
    from studio.ui.app import BrandChosen, vault_dialog
    from studio.ui.vault_dialogs import SWITCH

    folder = tmp_path / "keys"
    keygen(folder, BRAND, BRAND_PASSPHRASE)
    dialog = vault_dialog(tmp_path / "my-vault", tasks)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.received is not None and dialog.received.isVisible()
    dialog.received.click()
    chooser = dialog.brand_chooser
    qtbot.waitExposed(chooser)
    chooser.existing.setText(str(tmp_path / "nothing-here"))
    chooser.go()
    assert "no brand keys" in chooser.banner.text() and chooser.isVisible()
    chooser.existing.setText(str(folder))
    chooser.go()
    qtbot.waitUntil(lambda: dialog.result() == SWITCH, timeout=T)
    assert dialog.switch == ("brand", folder) and dialog.brand_identity is None  # the passphrase is asked next
    assert BrandChosen(folder, None).folder == folder


def test_when_the_brand_makes_its_keys_in_the_first_run_dialog_then_they_are_locked_and_already_unlocked(
        qtbot, tasks, tmp_path):
    from studio.core.package.brand_keys import CARD_FILE, SIGNING_FILE, read_card
    from studio.ui.brand_dialogs import BrandIdentityDialog

    chooser = BrandIdentityDialog(tasks)
    qtbot.addWidget(chooser)
    chooser.show()
    chooser.make.setChecked(True)
    folder = tmp_path / "new-keys"
    chooser.new_folder.setText(str(folder))
    chooser.name.setText(BRAND)
    chooser.passphrase.setText("short")
    chooser.repeat.setText("short")
    chooser.go()
    assert "at least 8 characters" in chooser.banner.text() and not folder.exists()
    chooser.passphrase.setText(BRAND_PASSPHRASE)
    chooser.repeat.setText(BRAND_PASSPHRASE)
    with qtbot.waitSignal(chooser.accepted, timeout=T):
        chooser.go()
    assert chooser.folder == folder and chooser.identity.recipient == read_card(folder / CARD_FILE).recipient
    assert b"PRIVATE KEY" not in (folder / SIGNING_FILE).read_bytes()
    assert (folder / SIGNING_FILE).stat().st_mode & 0o077 == 0


def test_when_the_brand_adds_outputs_to_the_report_then_each_is_listed_by_name_and_hash_and_the_studio_judges_them(
        qtbot, window, parcel, tmp_path):
    """DR057: the form lists the outputs a use published; the report names them by SHA-256 (the
    files stay with the brand), and one the talent never approved makes the use a violation."""
    import json

    from tests.core.test_credentials import make_png

    vault, package, _identity, _pem = parcel
    w = window()
    _shown(qtbot, w, package)
    out = tmp_path / "report.json"
    dialog = w.report_dialog(out)
    dialog.open()
    qtbot.waitExposed(dialog)
    dialog.description.setText("Spring lookbook, hero image")
    png = make_png(tmp_path / "hero.png", seed=7)
    sha = sha256_of(png)
    with qtbot.waitSignal(dialog.outputsAdded, timeout=T):
        dialog.add_outputs([png])
    assert [dialog.outputs_list.item(i).text() for i in range(dialog.outputs_list.count())] == [
        f"hero.png — {sha[:12]}… (image/png)"]
    assert sha in dialog.outputs_list.item(0).toolTip()

    (tmp_path / "notes.txt").write_text("not an output")
    with qtbot.waitSignal(dialog.outputsAdded, timeout=T):
        dialog.add_outputs([tmp_path / "notes.txt"])
    assert dialog.banner.level == "error" and "notes.txt" in dialog.banner.text()
    shutil.copy(png, tmp_path / "hero-copy.png")
    with qtbot.waitSignal(dialog.outputsAdded, timeout=T):
        dialog.add_outputs([tmp_path / "hero-copy.png"])
    assert "already listed" in dialog.banner.text() and dialog.outputs_list.count() == 1

    with qtbot.waitSignal(w.reportWritten, timeout=T):
        dialog.write()
    written = json.loads(out.read_text())
    assert written["outputs"] == [{"sha256": sha, "media_type": "image/png"}]
    entry = import_report(vault, out).entry
    assert entry.kind == "violation"
    assert entry.reasons == [f"output {sha[:12]}… was never approved by the talent"]


def test_when_an_output_is_removed_from_the_report_form_then_the_report_does_not_name_it(
        qtbot, window, parcel, tmp_path):
    from tests.core.test_credentials import make_png

    w = window()
    _shown(qtbot, w, parcel[1])
    dialog = w.report_dialog(tmp_path / "report.json")
    dialog.open()
    qtbot.waitExposed(dialog)
    with qtbot.waitSignal(dialog.outputsAdded, timeout=T):
        dialog.add_outputs([make_png(tmp_path / "a.png", seed=1), make_png(tmp_path / "b.png", seed=2)])
    assert dialog.outputs_list.count() == 2 and not dialog.remove_outputs_button.isEnabled()
    dialog.outputs_list.item(0).setSelected(True)
    assert dialog.remove_outputs_button.isEnabled()
    dialog.remove_outputs_button.click()
    assert [p.name for p, _ in dialog.outputs] == ["b.png"] and dialog.outputs_list.count() == 1
    assert dialog.outputs_list.item(0).text().startswith("b.png — ")


def sha256_of(path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()
