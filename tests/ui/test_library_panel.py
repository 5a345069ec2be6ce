"""The library's small desktop-tool habits (issue 16 item 9): Import… takes files or a folder
and opens where it last took from; Space plays the selected take."""

from __future__ import annotations

import shutil
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtWidgets import QApplication, QMenu

from studio.core import paths
from studio.core.assets import list_assets
from studio.ui import library_panel
from studio.ui.settings import Settings
from tests.conftest import TESTDATA

SCAN = TESTDATA / "scans" / "pointclouds" / "points_agisoft.xyz"
TAKES = [TESTDATA / "voice" / "cmu_arctic_us_aew_a0001.wav", TESTDATA / "voice" / "ljspeech_LJ050-0131.wav"]


def _session(folder: Path) -> Path:
    folder.mkdir(parents=True)
    for take in TAKES:
        shutil.copy(take, folder / take.name)
    return folder


class _Dialogs:
    """Stands in for the operator at Qt's modal file dialogs: records where each opened and
    answers with ``files`` or ``folder``."""

    def __init__(self, monkeypatch, files: list[Path] | None = None, folder: Path | None = None) -> None:
        self.started: list[str] = []
        self.files, self.folder = files or [], folder
        monkeypatch.setattr(library_panel.QFileDialog, "getOpenFileNames", self._files)
        monkeypatch.setattr(library_panel.QFileDialog, "getExistingDirectory", self._folder)

    def _files(self, _parent, _title, start, _filter):
        self.started.append(start)
        return [str(f) for f in self.files], ""

    def _folder(self, _parent, _title, start):
        self.started.append(start)
        return str(self.folder) if self.folder else ""


def test_import_folder_ingests_it_like_a_drop_and_the_next_import_opens_where_it_took_from(
        qtbot, monkeypatch, make_window, new_vault, talent, tmp_path):
    session = _session(tmp_path / "captures" / "session-1")
    dialogs = _Dialogs(monkeypatch, folder=session)
    window = make_window()
    qtbot.waitUntil(lambda: window.talent is not None and not window.tasks.busy, timeout=60_000)
    assert window.library.import_folder_action.shortcut().toString() == "Ctrl+Shift+I"
    assert window.library.import_files_action.shortcut().toString() == "Ctrl+I"
    assert window.library.import_button.menu().actions() == [window.library.import_files_action,
                                                             window.library.import_folder_action]

    window.library.import_folder_action.trigger()

    assert dialogs.started == [str(paths.documents_dir())] and dialogs.started[0] != str(Path.cwd())
    qtbot.waitUntil(lambda: len(list_assets(new_vault, talent.id)) == 2 and not window.activity.running,
                    timeout=60_000)
    assert sorted(a.original_name for a in list_assets(new_vault, talent.id)) == sorted(t.name for t in TAKES)
    assert Settings().import_start() == tmp_path / "captures"  # saved: a new window finds it too
    window.library.import_files_action.trigger()  # cancelled (no files): nothing happens
    assert dialogs.started[-1] == str(tmp_path / "captures")
    qtbot.waitUntil(lambda: not window.tasks.busy, timeout=60_000)
    assert len(window.activity.model.rows) == 2


def test_import_files_remembers_their_folder_and_a_vanished_folder_falls_back_to_documents(
        qtbot, monkeypatch, make_window, new_vault, talent, tmp_path):
    session = _session(tmp_path / "takes")
    dialogs = _Dialogs(monkeypatch, files=[session / TAKES[0].name])
    window = make_window()
    qtbot.waitUntil(lambda: window.talent is not None and not window.tasks.busy, timeout=60_000)

    window.library.choose_files()
    qtbot.waitUntil(lambda: len(list_assets(new_vault, talent.id)) == 1 and not window.activity.running,
                    timeout=60_000)
    window.library.choose_files()  # the same file again: a duplicate, nothing added
    assert dialogs.started[-1] == str(session)
    qtbot.waitUntil(lambda: not window.activity.running and not window.tasks.busy, timeout=60_000)

    shutil.rmtree(session)
    assert Settings().import_start() == paths.documents_dir()


def test_space_in_the_grid_plays_and_pauses_the_selected_take_and_does_nothing_on_a_scan(
        qtbot, make_window, new_vault, talent):
    from PySide6.QtMultimedia import QMediaPlayer

    from studio.core.intake import ingest_paths

    ingest_paths(new_vault, talent.id, [TAKES[0], SCAN])
    (take,) = [a for a in list_assets(new_vault, talent.id) if a.kind == "voice"]
    (scan,) = [a for a in list_assets(new_vault, talent.id) if a.kind != "voice"]
    window = make_window()
    lib, player = window.library, window.detail.voice.player
    qtbot.waitUntil(lambda: lib.model.rowCount() == 2, timeout=60_000)
    asked: list[str] = []
    lib.playRequested.connect(lambda a: asked.append(a.id))
    window.activateWindow()
    lib.grid.setFocus()
    qtbot.waitUntil(lib.grid.hasFocus, timeout=10_000)

    assert lib.select(scan.id)
    qtbot.keyClick(lib.grid, Qt.Key_Space)
    assert asked == [] and player.playbackState() == QMediaPlayer.PlaybackState.StoppedState

    assert lib.select(take.id)
    qtbot.keyClick(lib.grid, Qt.Key_Space)  # at once: the take may still be opening, it plays when ready
    assert asked == [take.id]
    qtbot.waitUntil(lambda: player.playbackState() == QMediaPlayer.PlaybackState.PlayingState, timeout=60_000)
    assert window.detail.asset.id == take.id and lib.grid.hasFocus()
    qtbot.keyClick(lib.grid, Qt.Key_Space)
    qtbot.waitUntil(lambda: player.playbackState() == QMediaPlayer.PlaybackState.PausedState, timeout=60_000)
    lib.set_view("list")
    lib.table.setFocus()
    qtbot.waitUntil(lib.table.hasFocus, timeout=10_000)
    qtbot.keyClick(lib.table, Qt.Key_Space)  # the list as well
    qtbot.waitUntil(lambda: player.playbackState() == QMediaPlayer.PlaybackState.PlayingState, timeout=60_000)
    qtbot.waitUntil(lambda: not window.tasks.busy, timeout=60_000)


def test_an_assets_right_click_menu_copies_its_id_and_extracts_its_original(qtbot, qapp, make_window, new_vault,
                                                                             talent, tmp_path):
    from studio.core.intake import ingest_paths

    ingest_paths(new_vault, talent.id, [TAKES[0], SCAN])
    (take,) = [a for a in list_assets(new_vault, talent.id) if a.kind == "voice"]
    (scan,) = [a for a in list_assets(new_vault, talent.id) if a.kind != "voice"]
    window = make_window()
    lib = window.library
    qtbot.waitUntil(lambda: lib.model.rowCount() == 2, timeout=60_000)

    menu = lib.asset_menu(take)
    texts = [a.text() for a in menu.actions() if not a.isSeparator()]
    assert texts == ["Copy &ID", "E&xtract original…", "&Review as talent…"]
    assert window.viewer_action in lib.asset_menu(scan).actions()  # a scan's menu opens it in the viewer too
    assert window.viewer_action not in menu.actions()

    menu.actions()[0].trigger()
    assert qapp.clipboard().text() == take.id

    lib.set_view("list")  # a right-click on the scan's row selects it and pops its menu up
    qtbot.waitUntil(lambda: lib.table.isVisible() and lib.table.viewport().height() > 100, timeout=10_000)
    row = lib.proxy.mapFromSource(lib.model.index(lib.model.row_of(scan.id), 0))
    centre = lib.table.visualRect(row).center()
    port = lib.table.viewport()
    QApplication.sendEvent(port, QContextMenuEvent(QContextMenuEvent.Mouse, centre, port.mapToGlobal(centre)))
    (popped,) = [w for w in QApplication.topLevelWidgets() if isinstance(w, QMenu) and w.isVisible()]
    assert window.viewer_action in popped.actions() and lib.current().id == scan.id
    popped.close()

    out = tmp_path / "out" / "take.wav"
    out.parent.mkdir()
    said: list[str] = []  # every status message (a later one, a thumbnail's, may replace it at once)
    window.statusBar().messageChanged.connect(said.append)
    window.extract_to(take, out)  # what Extract original… does with the file name chosen
    qtbot.waitUntil(lambda: any(str(out) in m for m in said) and not window.tasks.busy, timeout=60_000)
    assert out.read_bytes() == TAKES[0].read_bytes()
