"""The Help menu (DR039): F1 shows the guide shipped in the package, Ctrl+/ lists the window's
real shortcuts, and About shows the versions and licences of what is installed."""

from __future__ import annotations

import platform
import re
from importlib import metadata

import PySide6
import pytest
from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QAbstractButton

from studio.resources import user_guide
from studio.ui.shortcuts_dialog import plain

WAIT = 30_000


def _activate(qtbot, window) -> None:
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=WAIT)


def _press(qtbot, window, keys: str) -> None:
    """Type ``keys`` into the window as a person does (the shortcut map, not the action)."""
    sequence = QKeySequence(keys)[0]
    qtbot.keyClick(window.library.grid, sequence.key(), sequence.keyboardModifiers())


def _rows(table) -> list[tuple[str, ...]]:
    return [tuple(table.model().index(r, c).data() for c in range(table.model().columnCount()))
            for r in range(table.rowCount())]


def _guide_headings() -> list[str]:
    """The guide's section and subsection headings, read from its Markdown."""
    return [m.group(2).strip() for m in re.finditer(r"^(##|###) (.+)$", user_guide(), re.MULTILINE)]


def test_f1_opens_the_guide_from_the_package_with_its_contents_and_search(qtbot, make_window):
    window = make_window()
    _activate(qtbot, window)
    _press(qtbot, window, "F1")
    guide = getattr(window, "help_window", None)
    assert guide is not None, "F1 opened no guide"
    qtbot.waitUntil(lambda: bool(guide.headings()), timeout=WAIT)
    assert guide.isVisible()
    assert guide.headings() == _guide_headings()
    assert {"A studio's day", "The talent's review", "The brand's side", "Troubleshooting",
            "Keyboard shortcuts"} <= set(guide.headings())
    shown = guide.browser.toPlainText()
    assert "Twin Studio user guide" in shown and "wrong passphrase for this vault" in shown
    assert "## " not in shown  # rendered, not Markdown source

    bar = guide.browser.verticalScrollBar()
    assert guide.go_to("Troubleshooting")
    qtbot.waitUntil(lambda: bar.value() > 0, timeout=WAIT)  # the section is brought into view
    assert guide.browser.textCursor().block().text() == "Troubleshooting"

    qtbot.keyClicks(guide.search, "STUDIO_LOCK_TIMEOUT")
    assert guide.browser.textCursor().selectedText() == "STUDIO_LOCK_TIMEOUT"
    assert guide.found.text() == ""
    guide.search.clear()
    qtbot.keyClicks(guide.search, "no such words in the guide")
    assert guide.found.text() == "Not found"

    _activate(qtbot, window)
    _press(qtbot, window, "F1")  # again: the same window, raised, not a second one
    assert window.help_window is guide
    guide.close()


def test_the_shortcuts_dialog_lists_every_shortcut_the_window_really_has(qtbot, make_window):
    window = make_window()
    _activate(qtbot, window)
    _press(qtbot, window, "Ctrl+/")
    dialog = getattr(window, "shortcuts_dialog", None)
    assert dialog is not None and dialog.isVisible(), "Ctrl+/ opened no shortcuts dialog"
    rows = _rows(dialog.table)
    listed = {(action, keys) for _where, action, keys in rows}

    native = QKeySequence.NativeText
    assert ("File", "Import files…", QKeySequence("Ctrl+I").toString(native)) in rows
    assert ("Package", "Export twin…", QKeySequence("Ctrl+E").toString(native)) in rows
    assert ("Help", "User Guide", QKeySequence(QKeySequence.HelpContents).toString(native)) in rows
    assert ("Front view", "F") in listed and ("Wireframe", "Shift+W") in listed
    assert ("Play or pause the selected voice take", "Space") in listed

    # every action and button of the window that has a shortcut is there, with that shortcut
    actions = {(plain(a.text()), ", ".join(k.toString(native) for k in a.shortcuts()))
               for a in window.findChildren(QAction) if a.shortcuts()}
    buttons = {b.shortcut().toString(native) for b in window.findChildren(QAbstractButton) if not b.shortcut().isEmpty()}
    assert actions <= listed, f"missing: {actions - listed}"
    assert buttons <= {keys for _action, keys in listed}, f"missing: {buttons - {k for _a, k in listed}}"
    assert len(actions) >= 16 and len(buttons) >= 8

    # the guide's own table names each of them, so it cannot fall behind the window unnoticed
    guide = user_guide()
    table = guide[guide.index("## Keyboard shortcuts"):]
    for _where, _action, keys in rows:
        for key in keys.split(", "):
            assert f"`{key}`" in table, f"the guide's shortcut table lacks {key}"
    dialog.close()


def test_about_shows_the_installed_versions_and_licences_and_copies_them(qtbot, qapp, make_window):
    import open3d

    window = make_window()
    help_menu = next(a.menu() for a in window.menuBar().actions() if plain(a.text()) == "Help")
    about_action = next(a for a in help_menu.actions() if plain(a.text()) == "About Twin Studio")
    about_action.trigger()
    dialog = window.about_dialog
    qtbot.waitUntil(dialog.copy_button.isEnabled, timeout=WAIT)

    shown = {key: label.text() for key, label in dialog.version_labels.items()}
    assert shown["qt"] == qVersion()
    assert shown["pyside"] == PySide6.__version__
    assert shown["open3d"] == open3d.__version__.split("+")[0]
    assert shown["python"].endswith(platform.python_version())
    assert metadata.version("twin-studio") in dialog.version.text()

    licences = {name: (version, licence) for name, version, licence in _rows(dialog.licences)}
    assert licences["Qt"] == (qVersion(), metadata.metadata("PySide6_Essentials")["License"])
    assert licences["PySide6"] == (PySide6.__version__, metadata.metadata("PySide6")["License"])
    assert licences["numpy"] == (metadata.version("numpy"), metadata.metadata("numpy")["License-Expression"])
    assert licences["cryptography"][1] == metadata.metadata("cryptography")["License-Expression"]
    assert any("ODRL" in name and licence == "W3C Document License" for name, (_v, licence) in licences.items())
    for name in ("SQLAlchemy", "pyrage", "trimesh"):
        assert licences[name][0] == metadata.version(name)

    qapp.clipboard().clear()
    qtbot.mouseClick(dialog.copy_button, Qt.LeftButton)
    copied = QGuiApplication.clipboard().text()
    assert copied.startswith(f"Twin Studio: {metadata.version('twin-studio')}\n")
    assert f"Qt: {qVersion()}\n" in copied and f"PySide6: {PySide6.__version__}\n" in copied
    assert f"numpy: {metadata.version('numpy')}\n" in copied
    dialog.close()


@pytest.mark.parametrize("text", ["&User Guide", "&Keyboard Shortcuts", "&About Twin Studio", "About &Qt"])
def test_the_help_menu_holds_its_entries(make_window, text):
    window = make_window()
    help_menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Help")
    assert text in [a.text() for a in help_menu.actions()]
    assert window.menuBar().actions()[-1].menu() is help_menu  # last, as desktops place it
