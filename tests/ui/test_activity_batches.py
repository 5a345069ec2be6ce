"""Issue 16 item 8: the Activity panel counts each batch's own files; new assets appear in the
library as each is committed, not when the batch ends; the selection stays where the user put
it (DR035). A batch is held before a file's commit with the core's pause point, so what the
window shows meanwhile is checked at a known moment, not after a delay."""

from __future__ import annotations

from pathlib import Path

from studio.core.intake import ingest_paths
from studio.core.testpoints import PAUSE_ENV
from tests.conftest import TESTDATA
from tests.ui.helpers import drop_files

VOICE = TESTDATA / "voice"
CHOSEN, FIRST, SECOND, THIRD = (VOICE / n for n in ("cmu_arctic_us_aew_a0001.wav", "cmu_arctic_us_axb_a0005.wav",
                                                    "ljspeech_LJ050-0131.wav", "vctk_p226_001.wav"))
T = 60_000


def _hold(monkeypatch, folder: Path, nth: int) -> Path:
    """Hold the ingest before the commit of the ``nth`` file (the earlier ones are committed)."""
    folder.mkdir()
    monkeypatch.setenv(PAUSE_ENV, f"ingest.staged#{nth}={folder}")
    return folder


def test_each_batch_counts_its_own_files_assets_appear_as_committed_and_the_selection_stays(
        qtbot, make_window, new_vault, talent, tmp_path, monkeypatch):
    ingest_paths(new_vault, talent.id, [CHOSEN])
    window = make_window()
    lib, activity = window.library, window.activity
    qtbot.waitUntil(lambda: lib.model.rowCount() == 1 and not window.tasks.busy, timeout=T)
    (chosen,) = lib.model.assets
    assert lib.select(chosen.id)
    qtbot.waitUntil(lambda: window.detail.asset is not None and window.detail.asset.id == chosen.id, timeout=T)
    # idle: that, and nothing else (no "0 of 1 files")
    assert activity.summary.text() == "No background work."
    assert not activity.overall.isVisible() and not activity.cancel_button.isVisible()

    released: list[Path] = []
    try:
        held = _hold(monkeypatch, tmp_path / "first-batch", 2)
        assert drop_files(lib, [FIRST, SECOND])
        qtbot.waitUntil(lambda: (held / "ingest.staged.reached").exists(), timeout=T)
        # the first file is committed, the second held before its commit: the first is listed
        qtbot.waitUntil(lambda: lib.model.rowCount() == 2, timeout=T)
        assert activity.running
        assert {a.original_name for a in lib.model.assets} == {CHOSEN.name, FIRST.name}
        assert activity.overall.isVisible() and activity.overall.text() == "1 of 2 files"
        assert lib.current().id == chosen.id and window.detail.asset.id == chosen.id, "the selection stays"
        released.append(held)
        (held / "ingest.staged.go").touch()
        qtbot.waitUntil(lambda: not activity.running and lib.model.rowCount() == 3, timeout=T)
        qtbot.waitUntil(lambda: not window.tasks.busy, timeout=T)
        assert activity.summary.text().startswith("No background work.")
        assert "2 added" in activity.summary.text()
        assert not activity.overall.isVisible() and not activity.cancel_button.isVisible()
        assert lib.current().id == chosen.id and window.detail.asset.id == chosen.id

        # the next batch counts from nothing: "0 of 1", not "2 of 3"
        held = _hold(monkeypatch, tmp_path / "second-batch", 1)
        window.set_library_view("list")
        assert drop_files(lib, [THIRD])
        qtbot.waitUntil(lambda: (held / "ingest.staged.reached").exists(), timeout=T)
        qtbot.waitUntil(lambda: any(r.path.name == THIRD.name for r in activity.model.rows), timeout=T)
        assert activity.overall.isVisible() and activity.overall.text() == "0 of 1 files"
        released.append(held)
        (held / "ingest.staged.go").touch()
        qtbot.waitUntil(lambda: not activity.running and lib.model.rowCount() == 4, timeout=T)
        qtbot.waitUntil(lambda: not window.tasks.busy, timeout=T)
        assert "1 added" in activity.summary.text() and not activity.overall.isVisible()
        assert lib.current().id == chosen.id and window.detail.asset.id == chosen.id
        assert lib.table.selectionModel().selectedRows()[0].data() == CHOSEN.name
        # the talents column counts the new assets once the batch is done
        qtbot.waitUntil(lambda: window.talents.current() is not None
                        and window.talents.current().asset_count == 4, timeout=T)
    finally:  # never leave the writer held (the window's close would wait for it)
        for folder in (tmp_path / "first-batch", tmp_path / "second-batch"):
            if folder.is_dir() and folder not in released:
                (folder / "ingest.staged.go").touch()


def test_a_new_asset_does_not_select_itself_when_nothing_was_selected(qtbot, make_window, new_vault, talent):
    window = make_window()
    lib = window.library
    qtbot.waitUntil(lambda: window.talent is not None and not window.tasks.busy, timeout=T)
    assert drop_files(lib, [FIRST])
    qtbot.waitUntil(lambda: lib.model.rowCount() == 1 and not window.activity.running, timeout=T)
    qtbot.waitUntil(lambda: not window.tasks.busy, timeout=T)
    assert lib.current() is None and window.detail.asset is None


def test_when_a_talent_without_assets_is_chosen_then_the_list_empties(qtbot, make_window, new_vault, talent):
    from studio.core.talents import add_talent

    ingest_paths(new_vault, talent.id, [FIRST])
    other = add_talent(new_vault, "Ines Duarte")
    window = make_window()
    lib = window.library
    qtbot.waitUntil(lambda: window.talent is not None and window.talent.id == talent.id
                    and lib.model.rowCount() == 1 and not window.tasks.busy, timeout=T)
    talents = window.talents.list
    talents.setCurrentItem(next(talents.item(i) for i in range(talents.count())
                                if talents.item(i).text().startswith("Ines")))
    # the listing's result reaches the window after its worker is done: the state is waited for
    qtbot.waitUntil(lambda: window.talent.id == other.id and lib.talent_id == other.id
                    and lib.model.total == 0 and lib.model.rowCount() == 0, timeout=T)
    # and what is ingested now for this talent is the only asset listed
    assert drop_files(lib, [SECOND])
    qtbot.waitUntil(lambda: lib.model.rowCount() == 1 and not window.activity.running, timeout=T)
    assert [a.original_name for a in lib.model.assets] == [SECOND.name]
