"""Help ▸ User Guide: the guide shipped in the package (studio/resources/help/user-guide.md),
shown as formatted text beside its table of contents, with a search field (DR039)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut, QTextCursor, QTextDocument
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QLineEdit, QSplitter, QTextBrowser,
                               QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget)

from studio.resources import user_guide
from studio.ui.banner import Banner
from studio.ui.tasks import TaskManager

HEADING_ROLE = Qt.UserRole  # a contents entry's heading: its position in the document


class HelpWindow(QDialog):
    """Not modal: the guide stays open beside the window it explains."""

    def __init__(self, tasks: TaskManager, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Twin Studio User Guide"))
        self.setWindowFlag(Qt.WindowMaximizeButtonHint, True)
        self.resize(1000, 760)
        self.tasks = tasks
        self.banner = Banner(self)
        self.contents = QTreeWidget(self)
        self.contents.setHeaderHidden(True)
        self.contents.setAccessibleName(self.tr("Contents"))
        self.contents.itemActivated.connect(self._go_to)
        self.contents.itemClicked.connect(self._go_to)
        self.browser = QTextBrowser(self)
        self.browser.setOpenExternalLinks(True)
        self.browser.setAccessibleName(self.tr("User guide"))
        self.search = QLineEdit(self)
        self.search.setPlaceholderText(self.tr("Find in the guide (Enter: next, Shift+Enter: previous)"))
        self.search.setAccessibleName(self.tr("Find in the guide"))
        self.search.setClearButtonEnabled(True)
        self.search.textEdited.connect(lambda _text: self.find(from_start=True))
        self.search.returnPressed.connect(self.find)
        QShortcut(QKeySequence("Shift+Return"), self.search, lambda: self.find(backward=True),
                  context=Qt.WidgetShortcut)
        QShortcut(QKeySequence.Find, self, self.search.setFocus)
        self.found = QLabel(self)
        search_row = QHBoxLayout()
        search_row.addWidget(self.search, 1)
        search_row.addWidget(self.found)
        right = QWidget(self)
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addLayout(search_row)
        rl.addWidget(self.browser, 1)
        split = QSplitter(Qt.Horizontal, self)
        split.addWidget(self.contents)
        split.addWidget(right)
        split.setStretchFactor(1, 1)
        split.setSizes([250, 750])
        buttons = QDialogButtonBox(QDialogButtonBox.Close, self)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(split, 1)
        layout.addWidget(buttons)
        self.tasks.read(lambda _task: user_guide(), self.show_guide, self.banner.show_error,
                        what=self.tr("Reading the user guide"), owner=self)

    def show_guide(self, markdown: str) -> None:
        self.browser.setMarkdown(markdown)
        self.contents.clear()
        parents: dict[int, QTreeWidgetItem] = {}
        block = self.browser.document().begin()
        while block.isValid():
            level = block.blockFormat().headingLevel()
            if level > 1:  # the title (level 1) is the window's; sections and their parts below
                parent = next((parents[p] for p in range(level - 1, 1, -1) if p in parents), None)
                item = QTreeWidgetItem([block.text()])
                item.setData(0, HEADING_ROLE, block.position())
                if parent is None:
                    self.contents.addTopLevelItem(item)
                else:
                    parent.addChild(item)
                parents = {k: v for k, v in parents.items() if k < level}
                parents[level] = item
            block = block.next()
        self.contents.expandAll()

    def headings(self) -> list[str]:
        """The contents' entries, in order (sections and their parts)."""
        found: list[str] = []

        def walk(item: QTreeWidgetItem) -> None:
            found.append(item.text(0))
            for i in range(item.childCount()):
                walk(item.child(i))

        for i in range(self.contents.topLevelItemCount()):
            walk(self.contents.topLevelItem(i))
        return found

    def _go_to(self, item: QTreeWidgetItem, _column: int = 0) -> None:
        """Show the heading at the top of the view."""
        document = self.browser.document()
        block = document.findBlock(item.data(0, HEADING_ROLE))
        cursor = QTextCursor(block)
        self.browser.setTextCursor(cursor)
        top = document.documentLayout().blockBoundingRect(block).top()
        self.browser.verticalScrollBar().setValue(int(top))

    def go_to(self, heading: str) -> bool:
        items = self.contents.findItems(heading, Qt.MatchExactly | Qt.MatchRecursive)
        if items:
            self.contents.setCurrentItem(items[0])
            self._go_to(items[0])
        return bool(items)

    def find(self, backward: bool = False, from_start: bool = False) -> bool:
        """Select the next (or previous) place the search text occurs, going round at the end."""
        text = self.search.text()
        self.found.clear()
        if not text:
            return False
        flags = QTextDocument.FindBackward if backward else QTextDocument.FindFlag(0)
        if from_start:
            self.browser.moveCursor(QTextCursor.Start)
        if self.browser.find(text, flags):
            return True
        self.browser.moveCursor(QTextCursor.End if backward else QTextCursor.Start)
        if self.browser.find(text, flags):
            return True
        self.found.setText(self.tr("Not found"))
        return False
