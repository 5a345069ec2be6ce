"""Help ▸ Keyboard Shortcuts: every shortcut the window has, read from the window itself — its
menus' actions, then its other actions, buttons and shortcuts — so the list cannot drift from
what the keys do (DR039)."""

from __future__ import annotations

import re
from typing import NamedTuple

from PySide6.QtGui import QAction, QKeySequence, QShortcut
from PySide6.QtWidgets import QAbstractButton, QDialog, QDialogButtonBox, QLabel, QMainWindow, QMenu, QVBoxLayout, QWidget

from studio.ui.tables import Row, RowsTable

_KEY_IN_TIP = re.compile(r"\s*\([^()]*\)\s*$")  # "Front view (F)": the key the tooltip names


class Shortcut(NamedTuple):
    group: str    # the menu it is in, or "In the window"
    action: str   # what it does, as the menu or the button's tooltip says
    keys: str     # the key sequences, as this platform writes them


def plain(text: str) -> str:
    """A menu text without its mnemonic marks: "&Add talent…" → "Add talent…", "&&" → "&"."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")


def keys_text(sequences) -> str:
    return ", ".join(s.toString(QKeySequence.NativeText) for s in sequences if not s.isEmpty())


def _in_window(obj, window: QWidget) -> bool:
    """Whether ``obj`` belongs to ``window`` itself, not to a dialog opened from it."""
    owner = obj if isinstance(obj, QWidget) else obj.parent()
    return not isinstance(owner, QWidget) or owner.window() is window


def window_shortcuts(window: QMainWindow, elsewhere: str) -> list[Shortcut]:
    """Every shortcut of ``window``: its menus' actions in menu order, grouped by menu; then its
    other actions, buttons and described ``QShortcut``\\ s under ``elsewhere``."""
    found: list[Shortcut] = []
    listed: set[int] = set()

    def walk(menu: QMenu, group: str) -> None:
        for action in menu.actions():
            listed.add(id(action))
            if action.menu() is not None:
                walk(action.menu(), group)
            elif keys := keys_text(action.shortcuts()):
                found.append(Shortcut(group, plain(action.text()), keys))

    for top in window.menuBar().actions():
        if top.menu() is not None:
            walk(top.menu(), plain(top.text()))
    for action in window.findChildren(QAction):
        if id(action) not in listed and _in_window(action, window) and (keys := keys_text(action.shortcuts())):
            found.append(Shortcut(elsewhere, plain(action.text()), keys))
    for button in window.findChildren(QAbstractButton):
        if _in_window(button, window) and (keys := keys_text([button.shortcut()])):
            what = _KEY_IN_TIP.sub("", button.toolTip()) or plain(button.text())
            found.append(Shortcut(elsewhere, what, keys))
    for shortcut in window.findChildren(QShortcut):
        if shortcut.whatsThis() and _in_window(shortcut, window) and (keys := keys_text(shortcut.keys())):
            found.append(Shortcut(elsewhere, shortcut.whatsThis(), keys))
    unique: list[Shortcut] = []
    for entry in found:  # one line for the same key doing the same in several views
        if entry not in unique:
            unique.append(entry)
    return unique


class ShortcutsDialog(QDialog):
    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.setWindowTitle(self.tr("Keyboard Shortcuts"))
        self.resize(640, 740)
        intro = QLabel(self.tr("The shortcuts of the main window, as it has them now. The preview's keys work "
                               "while a scan is shown; Space plays the selected voice take while the asset "
                               "grid or list has the focus."), self)
        intro.setWordWrap(True)
        self.table = RowsTable([self.tr("Where"), self.tr("Action"), self.tr("Shortcut")], self)
        self.table.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)  # a list to read, not to edit
        self.table.horizontalHeader().setResizeContentsPrecision(-1)  # a few dozen rows: sized to every one
        self.table.setAccessibleName(self.tr("Keyboard shortcuts"))
        self.window_ = window
        self.shortcuts: list[Shortcut] = []
        self.refresh()
        buttons = QDialogButtonBox(QDialogButtonBox.Close, self)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(buttons)

    def refresh(self) -> None:
        """Read the window's shortcuts again (each time the dialog is shown)."""
        self.shortcuts = window_shortcuts(self.window_, self.tr("In the window"))
        self.table.set_rows([Row((s.group, s.action, s.keys)) for s in self.shortcuts])

    def showEvent(self, event) -> None:  # noqa: N802 (Qt API)
        self.refresh()
        super().showEvent(event)
