"""The middle column: the talent's assets as a grid of thumbnails or a sortable list, with
filters, "Import…", and a drop target for files and folders."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, QSize, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (QAbstractItemView, QButtonGroup, QComboBox, QFileDialog, QHBoxLayout, QHeaderView,
                               QLabel, QLineEdit, QListView, QPushButton, QStackedWidget, QTableView, QToolButton,
                               QVBoxLayout, QWidget)

from studio.core.assets import AssetRecord
from studio.ui.asset_model import ASSET_ROLE, AssetFilter, AssetModel
from studio.ui.formatting import KIND_LABELS, STATUS_LABELS, kind_label, status_label

SUFFIXES = "*.ply *.obj *.stl *.off *.glb *.gltf *.pcd *.xyz *.pts *.wav *.flac *.ogg *.opus *.mp3 *.sph *.aif *.aiff"


class LibraryPanel(QWidget):
    assetSelected = Signal(object)      # AssetRecord | None
    filesDropped = Signal(list)         # list[Path]
    thumbnailsWanted = Signal(list)     # asset ids shown without a thumbnail

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAcceptDrops(True)
        self.model = AssetModel(self)
        self.proxy = AssetFilter(self)
        self.proxy.setSourceModel(self.model)

        self.title = QLabel(self.tr("<b>Assets</b>"), self)
        self.import_button = QPushButton(self.tr("Import…"), self)
        self.import_button.setToolTip(self.tr("Add scans and voice takes for this talent (Ctrl+I) — or drop files here"))
        self.import_button.clicked.connect(self.choose_files)
        self.kind = QComboBox(self)
        self.kind.setAccessibleName(self.tr("Filter by kind"))
        self.kind.addItem(self.tr("All kinds"), None)
        for k in KIND_LABELS:
            self.kind.addItem(kind_label(k), k)
        self.status = QComboBox(self)
        self.status.setAccessibleName(self.tr("Filter by status"))
        self.status.addItem(self.tr("Any status"), None)
        for s in STATUS_LABELS:
            self.status.addItem(status_label(s), s)
        self.search = QLineEdit(self)
        self.search.setPlaceholderText(self.tr("Filter by name"))
        self.search.setClearButtonEnabled(True)
        for w in (self.kind, self.status):
            w.currentIndexChanged.connect(self._filters_changed)
        self.search.textChanged.connect(self._filters_changed)
        self.grid_button = QToolButton(self)
        self.grid_button.setText(self.tr("Grid"))
        self.list_button = QToolButton(self)
        self.list_button.setText(self.tr("List"))
        group = QButtonGroup(self)
        for b in (self.grid_button, self.list_button):
            b.setCheckable(True)
            group.addButton(b)
        self.grid_button.setChecked(True)
        self.grid_button.toggled.connect(lambda on: self.set_view("grid" if on else "list"))

        self.grid = QListView(self)
        self.grid.setViewMode(QListView.IconMode)
        self.grid.setIconSize(QSize(128, 128))
        self.grid.setGridSize(QSize(164, 176))
        self.grid.setResizeMode(QListView.Adjust)
        self.grid.setMovement(QListView.Static)
        self.grid.setWordWrap(True)
        self.grid.setUniformItemSizes(True)
        self.grid.setModel(self.proxy)
        self.grid.setAccessibleName(self.tr("Assets (grid)"))
        self.table = QTableView(self)
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(6, Qt.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.setIconSize(QSize(32, 32))
        self.table.verticalHeader().setDefaultSectionSize(36)
        self.table.setWordWrap(False)
        self.table.setTextElideMode(Qt.ElideMiddle)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.Stretch)
        header.setMinimumSectionSize(48)
        self.table.setAccessibleName(self.tr("Assets (list)"))
        # the grid and the list share one selection
        self.grid.setSelectionModel(self.table.selectionModel())
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.grid)
        self.stack.addWidget(self.table)
        self.empty = QLabel(self)
        self.empty.setAlignment(Qt.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.setEnabled(False)
        self.stack.addWidget(self.empty)

        bar = QHBoxLayout()
        bar.addWidget(self.title)
        bar.addStretch(1)
        bar.addWidget(self.grid_button)
        bar.addWidget(self.list_button)
        bar.addWidget(self.import_button)
        filters = QHBoxLayout()
        filters.addWidget(self.search, 1)
        filters.addWidget(self.kind)
        filters.addWidget(self.status)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(bar)
        lay.addLayout(filters)
        lay.addWidget(self.stack, 1)
        self.view_mode = "grid"
        self.set_talent(None)
        self._update_empty()

    # -- content -------------------------------------------------------------------------------
    def set_talent(self, name: str | None) -> None:
        self.talent_name = name
        self.title.setText(self.tr("<b>{name}</b> — assets").format(name=name) if name else self.tr("<b>Assets</b>"))
        self.import_button.setEnabled(name is not None)
        self.setAcceptDrops(name is not None)

    def set_assets(self, assets: list[AssetRecord], select: str | None = None) -> None:
        current = select or (self.current().id if self.current() else None)
        self.model.set_assets(assets)
        self._update_empty()
        if current:
            self.select(current)
        if self.current() is None:
            self.assetSelected.emit(None)
        missing = [a.id for a in assets if a.id not in self.model.thumbnails]
        if missing:
            self.thumbnailsWanted.emit(missing)

    def select(self, asset_id: str) -> bool:
        row = self.model.row_of(asset_id)
        if row is None:
            return False
        index = self.proxy.mapFromSource(self.model.index(row, 0))
        if not index.isValid():
            return False
        self.table.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.ClearAndSelect | QItemSelectionModel.Rows)
        return True

    def current(self) -> AssetRecord | None:
        index = self.table.selectionModel().currentIndex()
        return index.data(ASSET_ROLE) if index.isValid() else None

    def _current_changed(self, current, _previous) -> None:
        self.assetSelected.emit(current.data(ASSET_ROLE) if current.isValid() else None)

    # -- view ------------------------------------------------------------------------------------
    def set_view(self, mode: str) -> None:
        self.view_mode = mode
        (self.grid_button if mode == "grid" else self.list_button).setChecked(True)
        self._update_empty()

    def _filters_changed(self) -> None:
        self.proxy.set_filters(self.kind.currentData(), self.status.currentData(), self.search.text())
        self._update_empty()

    def _update_empty(self) -> None:
        if self.talent_name is None:
            self.empty.setText(self.tr("Add or choose a talent on the left."))
        elif not self.model.assets:
            self.empty.setText(self.tr("No scans or voice takes yet.\n\nDrop files or a capture-session folder here,\n"
                                       "or use Import… (Ctrl+I)."))
        else:
            self.empty.setText(self.tr("Nothing matches the filters."))
        if self.proxy.rowCount() == 0:
            self.stack.setCurrentWidget(self.empty)
        else:
            self.stack.setCurrentWidget(self.grid if self.view_mode == "grid" else self.table)

    # -- import ------------------------------------------------------------------------------------
    def choose_files(self) -> None:
        if self.talent_name is None:
            return
        files, _ = QFileDialog.getOpenFileNames(
            self, self.tr("Import for {name}").format(name=self.talent_name), "",
            self.tr("Scans and voice takes ({suffixes});;All files (*)").format(suffixes=SUFFIXES))
        if files:
            self.filesDropped.emit([Path(f) for f in files])

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802 (Qt API)
        if event.mimeData().hasUrls() and any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:  # noqa: N802
        event.acceptProposedAction() if event.mimeData().hasUrls() else event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        paths = [Path(u.toLocalFile()) for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            event.acceptProposedAction()
            self.filesDropped.emit(paths)
