"""A CLI write during the app's ingest gets its turn (DR025): the app's real ingest path (a file
dropped on the library, run by the task manager's writer thread) is held at the test point
``ingest.staged`` — analysed, hashed and encrypted, not yet committing — while `twin-studio
ingest` with ``STUDIO_LOCK_TIMEOUT=0`` takes the writer lock and stores its file; then the app's
ingest finishes."""

from __future__ import annotations

from studio.core.assets import list_assets
from studio.core.check import check_vault
from studio.core.talents import add_talent
from tests.conftest import TESTDATA
from tests.ui.helpers import drop_files

LONG = 180_000


def test_when_the_app_is_ingesting_then_a_cli_write_gets_its_turn_without_waiting(
        qtbot, make_window, new_vault, cli, tmp_path, monkeypatch):
    talent = add_talent(new_vault, "Ada Lovelace")
    points = tmp_path / "points"
    points.mkdir()
    monkeypatch.setenv("STUDIO_TEST_PAUSE_AT", f"ingest.staged={points}")  # the app's ingest, in this process
    window = make_window()
    qtbot.waitUntil(lambda: window.talent is not None, timeout=10_000)
    assert drop_files(window.library, [TESTDATA / "voice" / "vctk_p225_001.wav"])
    qtbot.waitUntil(lambda: (points / "ingest.staged.reached").exists(), timeout=LONG)
    assert window.activity.running

    proc = cli("ingest", "--talent", talent.id, str(TESTDATA / "voice" / "vctk_p226_001.wav"),
               env={"STUDIO_TEST_PAUSE_AT": "", "STUDIO_LOCK_TIMEOUT": "0"})
    assert proc.returncode == 0, proc.stderr  # the lock was free while the app's ingest was under way
    assert proc.stdout.startswith("ingested")

    (points / "ingest.staged.go").touch()
    rows = window.activity.model.rows
    qtbot.waitUntil(lambda: not window.activity.running and rows and rows[0].state == "ingested", timeout=LONG)
    assert len(list_assets(new_vault)) == 2
    rep = check_vault(new_vault)
    assert rep.ok and not rep.notes, (rep.problems, rep.notes)
