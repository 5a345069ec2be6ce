"""One task manager, one change signal: a write runs on the vault's one writer and never on the
read pool; every window is handed the same manager; what one window changes, every other shows."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtWidgets import QDialogButtonBox

from studio.core.changes import Changes
from studio.core.consent.grants import draft_grant
from studio.core.consent.talent_keys import set_talent_passphrase, unlock_talent_key
from studio.core.intake import ingest_paths
from studio.core.talents import add_talent
from studio.ui.review_window import ReviewWindow
from studio.ui.tasks import READ_THREADS, WRITER_THREAD, ReadOp, TaskManager, WriteOp
from tests.conftest import TESTDATA

TALENT_PASS = "the talent's own long phrase"
T = 60_000


def test_when_writes_and_reads_are_submitted_then_writes_run_on_the_one_writer_and_reads_never_do(qtbot, tasks):
    seen: dict[str, str] = {}
    release = threading.Event()

    def record(name: str, wait: bool = False):
        def work(_task):
            if wait:
                release.wait(30)
            seen[name] = threading.current_thread().name
            return Changes(talents={name})
        return work

    tasks.write(record("first write", wait=True))  # holds the writer
    tasks.write(record("second write"))
    tasks.submit(WriteOp(record("write op")))
    tasks.read(record("read"))
    tasks.submit(ReadOp(record("read op")))
    qtbot.waitUntil(lambda: "read" in seen and "read op" in seen, timeout=T)
    assert "second write" not in seen and "write op" not in seen, "writes queue behind the busy writer"
    release.set()
    qtbot.waitUntil(lambda: len(seen) == 5 and not tasks.busy, timeout=T)
    for name in ("first write", "second write", "write op"):
        assert seen[name].startswith(WRITER_THREAD), (name, seen[name])
    for name in ("read", "read op"):
        assert seen[name].startswith(READ_THREADS), (name, seen[name])
    with pytest.raises(TypeError):
        tasks.submit(object())  # only the two op types run


def test_when_a_write_succeeds_then_one_change_signal_says_what_it_changed_and_a_read_sends_none(qtbot, tasks,
                                                                                               new_vault):
    got: list[Changes] = []
    tasks.changed.connect(got.append)
    done = []
    tasks.write(lambda _t: add_talent(new_vault, "Grace Hopper"), done.append)
    qtbot.waitUntil(lambda: bool(done and got), timeout=T)
    assert got == [Changes(talents={done[0].id}, audit=True)]
    tasks.read(lambda _t: add_talent.__name__, done.append)
    qtbot.waitUntil(lambda: len(done) == 2 and not tasks.busy, timeout=T)
    assert len(got) == 1, "a read announces nothing"


def test_when_a_write_is_cancelled_then_its_failure_says_so_and_no_change_is_sent(qtbot, tasks):
    from studio.core.errors import Cancelled

    got, failed, started = [], [], threading.Event()
    tasks.changed.connect(got.append)
    go = threading.Event()

    def work(task):
        started.set()
        go.wait(30)
        task.token.raise_if_set()
        return Changes(audit=True)

    task = tasks.write(work, None, failed.append)
    assert started.wait(30)
    task.cancel()
    go.set()
    qtbot.waitUntil(lambda: bool(failed), timeout=T)
    assert isinstance(failed[0], Cancelled) and task.cancelled and got == []


def test_when_every_window_opens_then_all_share_the_one_task_manager(qtbot, make_window, new_vault, talent):
    set_talent_passphrase(new_vault, talent.id, TALENT_PASS)
    window = make_window()
    qtbot.waitUntil(lambda: window.talent is not None, timeout=T)
    manager = window.tasks
    assert isinstance(manager, TaskManager)
    brands = window.open_brands()
    window.export_twin()
    window.review_as_talent()
    unlock = window.review
    qtbot.keyClicks(unlock.passphrase, TALENT_PASS)
    unlock.buttons.button(QDialogButtonBox.Ok).click()
    qtbot.waitUntil(lambda: getattr(unlock, "review_window", None) is not None, timeout=T)
    review = unlock.review_window
    window.talent_passphrase()
    qtbot.waitUntil(lambda: getattr(window, "passphrase_dialog", None) is not None, timeout=T)
    holders = [window.talents, window.consent, window.ledger, window.detail, window.activity,
               window.detail.scan.viewport, brands, window.wizard, unlock, review, review.ledger, review.detail,
               review.detail.scan.viewport, window.passphrase_dialog]
    assert all(h.tasks is manager for h in holders), [type(h).__name__ for h in holders if h.tasks is not manager]
    assert review.detail.scan.viewport.renders is window.detail.scan.viewport.renders is manager.renders
    for w in (review, brands, window.wizard, window.passphrase_dialog):
        w.close()


def test_when_the_talent_approves_and_signs_in_review_mode_then_the_main_window_shows_both(qtbot, make_window,
                                                                                         new_vault, talent):
    set_talent_passphrase(new_vault, talent.id, TALENT_PASS)
    key = unlock_talent_key(new_vault, talent.id, TALENT_PASS)
    (r,) = ingest_paths(new_vault, talent.id, [TESTDATA / "voice" / "vctk_p225_001.wav"])
    draft_grant(new_vault, talent.id, {
        "licensee": "Maison Lumière", "assets": [r.asset_id], "use_description": "Radio spot", "purposes": "advertising",
        "media": "audio", "territories": "FR", "start": "2027-01-01", "end": "2027-03-31", "max_uses": 3,
        "fee": "1200", "currency": "EUR"})
    window = make_window()
    qtbot.waitUntil(lambda: window.library.model.rowCount() == 1 and window.consent.table.rowCount() == 1, timeout=T)
    assert window.library.model.assets[0].status != "approved"
    assert window.consent.table.item(0, 1).text() == "draft"
    window.library.select(r.asset_id)
    review = ReviewWindow(new_vault, talent, key, window.tasks, window)
    qtbot.addWidget(review)
    review.show()
    qtbot.waitUntil(lambda: review.assets.count() == 1 and review.grants.rowCount() == 1, timeout=T)

    review.approve_button.click()
    qtbot.waitUntil(lambda: window.library.model.assets[0].status == "approved", timeout=T)
    qtbot.waitUntil(lambda: "approved" in window.detail.header.text().lower(), timeout=T)
    review.grants.selectRow(0)
    review.sign_button.click()
    qtbot.keyClicks(review.confirm.passphrase, TALENT_PASS)
    review.confirm.confirm_button.click()
    qtbot.waitUntil(lambda: window.consent.table.item(0, 1).text() == "signed", timeout=T)
    window.consent.table.selectRow(0)
    assert window.consent.activate_button.isEnabled(), "the studio can countersign what the talent just signed"
    review.close()
