"""Every user-visible string in the app goes through Qt's translation (DR022): no bare string
literal reaches the common text-setting calls, and an installed translation changes what a
widget shows."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication, QTranslator

UI = Path(__file__).resolve().parents[2] / "studio" / "ui"
# another engineer's sweep: these two still hold bare strings until it is merged
PENDING: set[str] = set()

# calls whose every positional string argument is shown to the user
TEXT_CALLS = {"setText", "setWindowTitle", "setToolTip", "setPlaceholderText", "setStatusTip", "setTitle",
              "setSubTitle", "setWhatsThis", "setAccessibleName", "setAccessibleDescription", "showMessage",
              "QLabel", "QPushButton", "QAction", "QCheckBox", "QGroupBox", "QRadioButton", "QToolButton",
              "addAction", "addMenu", "addRow"}
# calls where only some arguments are text: name -> positions
TEXT_ARGS = {"addTab": (1, 2), "insertTab": (2, 3), "addItem": (0, 1), "setTabText": (1,), "setItemText": (1,)}
MESSAGE_BOX = {"information", "warning", "critical", "question", "about"}  # QMessageBox.x(parent, title, text)
# literals with letters that are not words: a key's shape shown as a placeholder
NOT_WORDS = {"age1…"}
_MARKUP = re.compile(r"<[^>]*>|&\w+;")  # HTML tags and entities around translated text
_SUFFIX = re.compile(r"^\.\w+$")  # a file name's ending: ".twinpkg"


def _words(text: str) -> bool:
    text = _MARKUP.sub("", text)
    return text not in NOT_WORDS and not _SUFFIX.match(text) and any(ch.isalpha() for ch in text)


def _user_visible(node: ast.AST) -> bool:
    """A string literal (or f-string, or a sum of them) with words in it, outside markup."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return _words(node.value)
    if isinstance(node, ast.JoinedStr):
        return _words("".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values))
    if isinstance(node, ast.BinOp):  # "a" + "b", "a %s" % x
        return _user_visible(node.left) or _user_visible(node.right)
    if isinstance(node, ast.IfExp):
        return _user_visible(node.body) or _user_visible(node.orelse)
    return False


def _name(func: ast.AST) -> str:
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def bare_strings(source: str, filename: str = "<ui>") -> list[str]:
    """Where a bare user-visible literal is passed to a text-setting call, as 'file:line call'."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if not isinstance(node, ast.Call):
            continue
        name = _name(node.func)
        args: list[ast.AST] = []
        if name in TEXT_CALLS:
            args = list(node.args)
        elif name in TEXT_ARGS:
            args = [node.args[i] for i in TEXT_ARGS[name] if i < len(node.args)]
        elif name in MESSAGE_BOX and isinstance(node.func, ast.Attribute) and _name(node.func.value) == "QMessageBox":
            args = node.args[1:3]
        elif name == "setHorizontalHeaderLabels" and node.args and isinstance(node.args[0], (ast.List, ast.Tuple)):
            args = list(node.args[0].elts)
        args += [kw.value for kw in node.keywords if kw.arg in ("text", "title", "toolTip", "placeholderText")]
        for arg in args:
            if _user_visible(arg):
                found.append(f"{filename}:{arg.lineno} {name}")
    return found


def test_the_checker_finds_bare_strings_and_allows_translated_ones():
    source = '''
w.setText("Save")
w.setText(self.tr("Save"))
w.setText("")
w.setText("—")
QLabel(f"{n} files", self)
QLabel(QCoreApplication.translate("X", "Files"), self)
tabs.addTab(page, "Assets")
QMessageBox.warning(self, "Title", self.tr("Text"))
table.setHorizontalHeaderLabels(["Name", self.tr("Size")])
w.setText("<p>" + self.tr("Saved") + "</p>")
w.setText(f"<b>{name}</b><br>")
w.setText(path + ".twinpkg")
w.setText(f"<p>Saved to {path}</p>")
'''
    assert [f.split(" ")[1] for f in bare_strings(source)] == [
        "setText", "QLabel", "addTab", "warning", "setHorizontalHeaderLabels", "setText"]


@pytest.mark.parametrize("module", sorted(p.name for p in UI.glob("*.py") if p.name not in PENDING))
def test_no_bare_user_visible_string(module):
    path = UI / module
    assert bare_strings(path.read_text(encoding="utf-8"), module) == []


def _tool(name: str) -> str:
    found = shutil.which(name) or str(Path(sys.executable).with_name(name))
    if not Path(found).exists():
        pytest.skip(f"{name} is not installed")
    return found


def test_an_installed_translation_changes_what_a_widget_shows(qapp, tmp_path):
    from studio.ui.banner import Banner

    ts = tmp_path / "test_xx.ts"
    ts.write_text('<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n<TS version="2.1" language="de">\n'
                  "<context><name>Banner</name><message><source>Dismiss message</source>"
                  "<translation>Meldung schließen</translation></message></context>\n</TS>\n", encoding="utf-8")
    qm = tmp_path / "test_xx.qm"
    subprocess.run([_tool("pyside6-lrelease"), str(ts), "-qm", str(qm)], check=True, capture_output=True)
    translator = QTranslator()
    assert translator.load(str(qm))
    assert QCoreApplication.installTranslator(translator)
    try:
        assert Banner().close_button.accessibleName() == "Meldung schließen"
    finally:
        QCoreApplication.removeTranslator(translator)
    assert Banner().close_button.accessibleName() == "Dismiss message"


def test_the_app_loads_a_catalogue_for_the_locale_when_one_is_compiled(qapp, tmp_path):
    from PySide6.QtCore import QLocale

    from studio.ui.app import install_translator

    assert install_translator(qapp, QLocale("de_DE"), folder=tmp_path) is None  # no .qm: English, no error
    ts = tmp_path / "twin_studio_de.ts"
    ts.write_text('<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n<TS version="2.1" language="de">\n'
                  "<context><name>Banner</name><message><source>Dismiss message</source>"
                  "<translation>Meldung schließen</translation></message></context>\n</TS>\n", encoding="utf-8")
    subprocess.run([_tool("pyside6-lrelease"), str(ts), "-qm", str(tmp_path / "twin_studio_de.qm")], check=True,
                   capture_output=True)
    translator = install_translator(qapp, QLocale("de_DE"), folder=tmp_path)
    assert translator is not None
    try:
        assert QCoreApplication.translate("Banner", "Dismiss message") == "Meldung schließen"
    finally:
        QCoreApplication.removeTranslator(translator)
    assert QCoreApplication.translate("Banner", "Dismiss message") == "Dismiss message"


def test_qt_own_texts_have_catalogues_to_match(qapp):
    """With a catalogue of its own, the app also loads Qt's (OK, Cancel) for the same language."""
    from PySide6.QtCore import QLibraryInfo, QLocale

    from studio.ui.app import install_translator

    qt = Path(QLibraryInfo.path(QLibraryInfo.TranslationsPath))
    if not (qt / "qtbase_de.qm").is_file():
        pytest.skip("this Qt ships no translations")
    translator = install_translator(qapp, QLocale("de_DE"), folder=qt, catalogue="qtbase")
    assert translator is not None
    QCoreApplication.removeTranslator(translator)


def _messages(ts: Path) -> set[tuple[str, str]]:
    """(context, source text) of every current message of a .ts catalogue."""
    found = set()
    for context in ET.parse(ts).getroot().iter("context"):
        name = context.findtext("name") or ""
        for message in context.iter("message"):
            if message.find("translation").get("type") not in ("obsolete", "vanished"):
                found.add((name, message.findtext("source")))
    return found


def test_the_shipped_catalogue_is_current(tmp_path):
    """tools/update_translations.sh was run after the last change of a text in studio/ui."""
    fresh = tmp_path / "twin_studio.ts"
    subprocess.run([_tool("pyside6-lupdate"), *sorted(str(p) for p in UI.glob("*.py")), "-ts", str(fresh)],
                   check=True, capture_output=True)
    shipped = _messages(UI / "i18n" / "twin_studio.ts")
    assert ("Banner", "Dismiss message") in shipped and ("VoiceDetail", "Duration") in shipped
    assert _messages(fresh) == shipped, "run tools/update_translations.sh"
