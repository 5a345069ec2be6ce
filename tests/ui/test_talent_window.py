"""The talent's window (``gui --talent``, DR052) on a review kit made in the test: the talent
approves an asset, signs a grant, revokes another, undoes a choice and saves the decisions file;
the studio imports it and the catalog shows each decision as the talent's; a kit whose chain goes
backwards shows the banner; the studio's *Import Talent Decisions…* applies a file and reports a
replayed one as refused."""

from __future__ import annotations

import json
import os
import stat

import pyrage
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox

from studio.core.assets import list_assets
from studio.core.consent.grants import activate_grant, draft_grant, get_grant
from studio.core.consent.review import list_reviews
from studio.core.intake import ingest_paths
from studio.core.kits.decisions import import_decisions
from studio.core.kits.export import export_review_kit
from studio.core.kits.talent_side import SEEN_FILE, Choices, decide, show_kit
from studio.core.talent_identity import TalentCard, TalentIdentity, add_talent_with_card
from studio.core.vault import audit
from studio.core.vault.keys import public_key_b64
from studio.ui.talent_window import TalentWindow
from tests.conftest import TESTDATA
from tests.core.helpers import grant_fields

T = 60_000


def _identity(name: str = "Ines Duarte") -> TalentIdentity:
    """The talent's keys as ``talent keygen`` makes them, held in memory (no scrypt here: the
    passphrase dialog is not what these tests are about)."""
    signing, identity = Ed25519PrivateKey.generate(), pyrage.x25519.Identity.generate()
    return TalentIdentity(TalentCard(name, public_key_b64(signing.public_key()), str(identity.to_public())),
                          signing, identity)


@pytest.fixture
def kit_world(new_vault, tmp_path):
    """A talent who holds their own key, with a scan and a voice take approved and grant A signed
    and active through a first kit, a new scan awaiting review and draft B awaiting them; the
    second kit written for them. (vault, talent, me, side folder, kit path, ids)."""
    vault, me = new_vault, _identity()
    talent = add_talent_with_card(vault, me.card)
    ingest_paths(vault, talent.id, [TESTDATA / "scans" / "stanford-bunny_zipper_res2.ply",
                                    TESTDATA / "voice" / "vctk_p225_001.wav", TESTDATA / "scans" / "stanford-bunny.obj"])
    by_name = {a.original_name: a.id for a in list_assets(vault, talent.id)}
    scan, voice, new = (by_name[n] for n in ("stanford-bunny_zipper_res2.ply", "vctk_p225_001.wav",
                                             "stanford-bunny.obj"))
    side = tmp_path / "talent-side"
    side.mkdir()
    a = draft_grant(vault, talent.id, grant_fields([scan, voice], use_description="Autumn campaign"))
    export_review_kit(vault, talent.id, side / "kit1.twinreview")
    decide(show_kit(side / "kit1.twinreview", me, side), me, Choices(approve=(scan, voice), sign=(a.id,)),
           tmp_path / "first.twindecisions")
    import_decisions(vault, tmp_path / "first.twindecisions")
    activate_grant(vault, a.id)
    b = draft_grant(vault, talent.id, grant_fields([scan, voice], use_description="Winter lookbook"))
    kit = side / "kit2.twinreview"
    export_review_kit(vault, talent.id, kit)
    return vault, talent, me, side, kit, {"scan": scan, "voice": voice, "new": new, "A": a.id, "B": b.id}


@pytest.fixture
def talent_window(qtbot, tasks):
    made = []

    def make(me, side):
        window = TalentWindow(me, side, tasks)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        made.append(window)
        return window

    yield make
    for w in made:
        w.pending = []  # nothing to ask about at teardown
        w.close()


def _select_asset(window, asset_id: str) -> None:
    row = next(i for i in range(window.assets.count()) if window.assets.item(i).data(256) == asset_id)
    window.assets.setCurrentRow(row)


def _select_grant(window, grant_id: str) -> None:
    window.grants.selectRow(next(i for i, g in enumerate(window.shown.kit["grants"]) if g["id"] == grant_id))


def test_when_the_talent_decides_in_their_window_then_the_studio_imports_each_decision_as_theirs(
        qtbot, kit_world, talent_window, tmp_path):
    vault, talent, me, side, kit, ids = kit_world
    window = talent_window(me, side)
    assert not window.save_button.isEnabled() and not window.approve_button.isEnabled()
    window.open_kit(kit)
    qtbot.waitUntil(lambda: window.shown is not None, timeout=T)
    assert not window.chain_banner.isVisible()
    assert window.assets.count() == 3 and window.grants.rowCount() == 2
    assert ids["B"] in window.grants.item(window.grants.currentRow(), 0).text()  # the one awaiting them first

    _select_asset(window, ids["new"])  # the scan awaiting review: its 3D preview from the kit's own bytes
    qtbot.waitUntil(lambda: window.scan.viewport.image is not None or window.scan.viewport.error, timeout=T)
    assert window.scan.viewport.error is None
    assert window.name.text() == "stanford-bunny.obj"
    window.assets.setFocus()
    qtbot.keyClick(window.assets, Qt.Key_A)  # as in review mode: A approves
    assert [(p.kind, p.subject) for p in window.pending] == [("approve", ids["new"])]
    window.approve_button.click()  # the same again: listed once
    assert window.decisions.count() == 1 and "you approve" in window.assets.currentItem().text()
    _select_asset(window, ids["voice"])  # the take plays from the kit, in memory
    qtbot.waitUntil(lambda: window.voice.play_button.isEnabled(), timeout=T)

    _select_grant(window, ids["B"])
    assert me.card.verify_key in window.document.toPlainText()  # the exact bytes their key signs
    assert "Winter lookbook" in window.grant_summary.text()
    assert window.sign_button.isEnabled() and not window.revoke_button.isEnabled()
    window.sign_button.click()

    _select_grant(window, ids["A"])
    assert window.revoke_button.isEnabled() and not window.sign_button.isEnabled()
    window.revoke_button.click()
    qtbot.waitUntil(lambda: window.reason_dialog is not None and window.reason_dialog.isVisible(), timeout=T)
    dialog = window.reason_dialog
    dialog.buttons.button(QDialogButtonBox.Ok).click()  # no reason: a revocation needs one
    assert dialog.isVisible() and "say why" in dialog.banner.text()
    dialog.reason.setText("I no longer work with this brand")
    dialog.buttons.button(QDialogButtonBox.Ok).click()
    qtbot.waitUntil(lambda: window.reason_dialog is None, timeout=T)

    window.pause_button.click()  # a choice taken back before saving
    assert window.decisions.count() == 4
    window.decisions.setCurrentRow(3)
    window.undo_button.click()
    assert [p.kind for p in window.pending] == ["approve", "sign", "revoke"]
    assert "I no longer work with this brand" in window.decisions_reason.text()
    window.tabs.setCurrentIndex(3)  # Requests
    window.access_button.click()
    window.erasure_button.click()  # asked once more
    qtbot.waitUntil(lambda: getattr(window, "erasure_box", None) is not None and window.erasure_box.isVisible(),
                    timeout=T)
    window.erasure_box.button(QMessageBox.No).click()
    assert [p.kind for p in window.pending] == ["approve", "sign", "revoke", "request_access"]

    out = tmp_path / "mine.twindecisions"
    window.save_to(out)
    qtbot.waitUntil(lambda: window.saved_path == out, timeout=T)
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    assert window.decisions.count() == 0 and not window.save_button.isEnabled()
    assert str(out) in window.banner.text()

    done = import_decisions(vault, out)  # the studio's side
    assert done.applied == (("approve", ids["new"]), ("sign", ids["B"]), ("revoke", ids["A"]),
                            ("request_access", ""))
    assert list_reviews(vault, ids["new"])[-1].decision == "approved"
    assert get_grant(vault, ids["B"]).state == "signed"
    assert get_grant(vault, ids["A"]).revocation["reason"] == "I no longer work with this brand"
    events = [e for e in audit.list_events(vault) if e["action"] in ("asset.approved", "grant.signed",
                                                                     "decisions.imported")]
    assert all(e["actor"] == talent.id for e in events[-3:])


def test_when_a_kits_history_goes_backwards_then_the_window_shows_the_banner(qtbot, kit_world, talent_window):
    vault, talent, me, side, kit, ids = kit_world
    seen = json.loads((side / SEEN_FILE).read_text())
    seen["heads"][-1]["seq"] += 1000  # a kit seen before ended far later than this one does
    (side / SEEN_FILE).write_text(json.dumps(seen))
    window = talent_window(me, side)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(kit))])
    drop = QDropEvent(QPointF(200, 200), Qt.CopyAction, mime, Qt.LeftButton, Qt.NoModifier)
    window.dropEvent(drop)  # the kit dropped on the window
    qtbot.waitUntil(lambda: window.shown is not None, timeout=T)
    assert window.chain_banner.isVisible() and window.chain_banner.level == "error"
    assert "went backwards" in window.chain_banner.text()
    assert window.assets.count() == 3  # still shown, to keep and ask about


def test_when_a_kit_does_not_open_then_the_window_says_why_and_shows_nothing(qtbot, kit_world, talent_window,
                                                                            tmp_path):
    vault, talent, me, side, kit, ids = kit_world
    window = talent_window(_identity("Someone Else"), side)
    window.open_kit(kit)
    qtbot.waitUntil(lambda: window.banner.isVisible(), timeout=T)
    assert "does not open with your key" in window.banner.text()
    assert window.shown is None and window.assets.count() == 0


def test_when_the_studio_imports_talent_decisions_then_it_reports_them_and_refuses_a_replay(
        qtbot, kit_world, make_window, tmp_path):
    vault, talent, me, side, kit, ids = kit_world
    out = tmp_path / "d.twindecisions"
    decide(show_kit(kit, me, side), me, Choices(approve=(ids["new"],), sign=(ids["B"],)), out)
    window = make_window(vault)
    action = next(a for a in window.menuBar().actions()[0].menu().actions() if "Decisions" in a.text())
    assert action.isEnabled()
    window.import_decisions(out)
    qtbot.waitUntil(lambda: getattr(window, "decisions_box", None) is not None, timeout=T)
    box = window.decisions_box
    assert "2 decision(s)" in box.text() and f"approved asset {ids['new']}" in box.text()
    assert f"signed grant {ids['B']}" in box.text()
    box.close()
    assert get_grant(vault, ids["B"]).state == "signed"
    qtbot.waitUntil(lambda: window.talent is not None and window.talent.id == talent.id, timeout=T)
    qtbot.waitUntil(lambda: any(a.id == ids["new"] and a.status == "approved" for a in window.library.model.assets),
                    timeout=T)

    window.decisions_box = None
    window.import_decisions(out)  # the same file again: refused, nothing changes
    qtbot.waitUntil(lambda: window.decisions_box is not None, timeout=T)
    assert "Nothing was changed" in window.decisions_box.text() and "already imported" in window.decisions_box.text()
    window.decisions_box.close()


OWN_PASS = "a phrase only I know, on my laptop"


@pytest.fixture(scope="module")
def keygen_folder(tmp_path_factory):
    """Keys as ``talent keygen`` writes them, under a passphrase (scrypt: once for the module)."""
    from studio.core.talent_identity import keygen_talent

    folder = tmp_path_factory.mktemp("talent") / "keys"
    keygen_talent(folder, "Ines Duarte", OWN_PASS)
    return folder


def test_when_the_talent_types_their_passphrase_then_their_keys_unlock_and_a_wrong_one_is_said(
        qtbot, tasks, keygen_folder):
    from studio.ui.talent_window import TalentKeyDialog

    dialog = TalentKeyDialog(keygen_folder, tasks)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.passphrase.setText("not my phrase")
    dialog.buttons.button(QDialogButtonBox.Ok).click()
    qtbot.waitUntil(lambda: dialog.banner.isVisible(), timeout=T)
    assert "wrong passphrase" in dialog.banner.text() and dialog.identity is None and dialog.isVisible()
    dialog.passphrase.setText(OWN_PASS)
    dialog.buttons.button(QDialogButtonBox.Ok).click()
    qtbot.waitUntil(lambda: dialog.identity is not None, timeout=T)
    assert not dialog.isVisible() and dialog.passphrase.text() == ""
    assert dialog.identity.card.name == "Ines Duarte"


def test_when_gui_talent_is_started_with_a_passphrase_file_then_the_talents_window_comes_up(
        qapp, keygen_folder, tmp_path):
    from studio.cli.__main__ import main

    secret = tmp_path / "pass.txt"
    secret.write_text(OWN_PASS + "\n")
    secret.chmod(0o600)
    assert main(["gui", "--talent", str(keygen_folder), "--talent-passphrase-file", str(secret),
                 "--smoke-test"]) == 0


def test_when_the_first_run_dialog_is_told_i_am_the_talent_then_it_hands_over_to_their_window(
        qtbot, tasks, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    from studio.ui.vault_dialogs import SWITCH, CreateVaultDialog

    keys = tmp_path / "my-keys"
    keys.mkdir()
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", staticmethod(lambda *a, **k: str(keys)))  # Qt's picker
    dialog = CreateVaultDialog(tmp_path / "vault", tasks)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.talent_button.isVisible()
    dialog.talent_button.click()
    assert dialog.result() == SWITCH and dialog.switch == ("talent", keys)
    assert not (tmp_path / "vault").exists()  # no vault is made for the talent
