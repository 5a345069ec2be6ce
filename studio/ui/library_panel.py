"""The middle column: the talent's assets as a grid of thumbnails or a sortable list, with
filters, "Import…", and a drop target for files and folders."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QItemSelectionModel, QPoint, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QDragEnterEvent, QDropEvent, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (QAbstractItemView, QButtonGroup, QComboBox, QFileDialog, QHBoxLayout, QHeaderView,
                               QLabel, QLineEdit, QListView, QMenu, QPushButton, QStackedWidget, QTableView,
                               QToolButton, QVBoxLayout, QWidget)

from studio.core.assets import AssetRecord
from studio.ui.asset_model import ASSET_ROLE, AssetFilter, AssetModel
from studio.ui.elided import ElidedLabel
from studio.ui.formatting import KIND_LABELS, STATUS_LABELS, kind_label, status_label
from studio.ui.settings import Settings
from studio.ui.theme import style_toggles
from studio.ui.thumbnail_fetcher import wanted_ids

SIZED_FROM = 50  # the list's columns are sized from the first rows' texts (DR026)
NAME_WIDTH = (160, 360)  # the list's name column: at least, and at most when sized to the names (px)
SUFFIXES = "*.ply *.obj *.stl *.off *.glb *.gltf *.pcd *.xyz *.pts *.wav *.flac *.ogg *.opus *.mp3 *.sph *.aif *.aiff"


class LibraryPanel(QWidget):
    assetSelected = Signal(object)      # AssetRecord | None
    filesDropped = Signal(list)         # list[Path]
    thumbnailsWanted = Signal(list)     # asset ids on screen (and a screenful around) without a thumbnail
    playRequested = Signal(object)      # AssetRecord: Space on a selected voice take (play or pause it)
    menuAboutToShow = Signal(object, object)  # (QMenu, AssetRecord): the window adds its asset actions

    def __init__(self, settings: Settings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings  # where Import… last took from
        self.setAcceptDrops(True)
        self.model = AssetModel(self)
        self.proxy = AssetFilter(self)
        self.proxy.setSourceModel(self.model)

        self.title = ElidedLabel(self.tr("Assets"), self, Qt.ElideRight)  # a long talent name: elided (DR035)
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.import_button = QPushButton(self.tr("Import…"), self)
        self.import_button.setToolTip(self.tr("Add scans and voice takes for this talent — or drop files or a folder here"))
        self.import_files_action = QAction(self.tr("Import &files…"), self)
        self.import_files_action.setShortcut(QKeySequence("Ctrl+I"))
        self.import_files_action.setStatusTip(self.tr("Add scans and voice takes for the selected talent"))
        self.import_files_action.triggered.connect(self.choose_files)
        self.import_folder_action = QAction(self.tr("Import f&older…"), self)
        self.import_folder_action.setShortcut(QKeySequence("Ctrl+Shift+I"))
        self.import_folder_action.setStatusTip(
            self.tr("Add every scan and voice take in a folder (a capture session) for the selected talent"))
        self.import_folder_action.triggered.connect(self.choose_folder)
        self.import_menu = QMenu(self)
        self.import_menu.addAction(self.import_files_action)
        self.import_menu.addAction(self.import_folder_action)
        self.import_button.setMenu(self.import_menu)
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
        style_toggles(self, self.grid_button, self.list_button)
        self.grid_button.toggled.connect(lambda on: self.set_view("grid" if on else "list"))

        self.grid = QListView(self)
        self.grid.setViewMode(QListView.IconMode)
        self.grid.setIconSize(QSize(128, 128))
        self.grid.setGridSize(QSize(164, 176))
        self.grid.setResizeMode(QListView.Adjust)
        self.grid.setMovement(QListView.Static)
        self.grid.setWordWrap(True)
        self.grid.setUniformItemSizes(True)
        self.grid.setLayoutMode(QListView.Batched)  # 10,000 tiles are laid out a batch per event-loop turn
        self.grid.setBatchSize(500)
        self.grid.setModel(self.proxy)
        self.grid.setAccessibleName(self.tr("Assets (grid)"))
        self.table = QTableView(self)
        self.table.setModel(self.proxy)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.Fixed)
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
        # sized to the rows on screen when a talent's assets arrive, not on every change: a header
        # that fits its contents measures them again at every scroll, sort and filter (DR026)
        header.setSectionResizeMode(QHeaderView.Interactive)
        # the name takes the spare width (never less than its names need, up to NAME_WIDTH[1]);
        # the other columns fit their texts: a narrow list scrolls sideways, the names stay (DR035)
        self._sized_rows = 0  # rows the columns were sized from (at most SIZED_FROM)
        self._sizing = False
        self._name_width = NAME_WIDTH[0]
        self._fitting = False
        header.setMinimumSectionSize(48)
        header.sectionResized.connect(self._section_resized)
        self.table.viewport().installEventFilter(self)
        self.table.setAccessibleName(self.tr("Assets (list)"))
        # the grid and the list share one selection
        self.grid.setSelectionModel(self.table.selectionModel())
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        for view in (self.grid, self.table):  # Space plays or pauses the selected take, as in a file manager
            play = QShortcut(QKeySequence(Qt.Key_Space), view, self.play_current, context=Qt.WidgetShortcut)
            play.setWhatsThis(self.tr("Play or pause the selected voice take"))  # Help ▸ Keyboard Shortcuts lists it
            view.setContextMenuPolicy(Qt.CustomContextMenu)
            view.customContextMenuRequested.connect(lambda pos, view=view: self._context_menu(view, pos))
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.grid)
        self.stack.addWidget(self.table)
        self.empty = QLabel(self)
        self.empty.setAlignment(Qt.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.setEnabled(False)
        self.stack.addWidget(self.empty)

        bar = QHBoxLayout()
        bar.addWidget(self.title, 1)
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
        # thumbnails are asked for what is on screen, a moment after the view stops changing
        self._visible_timer = QTimer(self)
        self._visible_timer.setSingleShot(True)
        self._visible_timer.setInterval(40)
        self._visible_timer.timeout.connect(self.request_visible_thumbnails)
        for bar in (self.grid.verticalScrollBar(), self.table.verticalScrollBar()):
            bar.valueChanged.connect(self._visible_changed)
        for signal in (self.proxy.layoutChanged, self.proxy.modelReset, self.proxy.rowsInserted,
                       self.proxy.rowsRemoved, self.stack.currentChanged):
            signal.connect(self._visible_changed)
        self.set_talent(None)
        self._update_empty()

    # -- content -------------------------------------------------------------------------------
    def set_talent(self, name: str | None) -> None:
        self.talent_name = name
        self.talent_id: str | None = None  # whose assets are listed (the main window sets it)
        self._sized_rows = 0
        self.title.setText(self.tr("{name} — assets").format(name=name) if name else self.tr("Assets"))
        for w in (self.import_button, self.import_files_action, self.import_folder_action):
            w.setEnabled(name is not None)
        self.setAcceptDrops(name is not None)

    def set_assets(self, assets: list[AssetRecord], select: str | None = None) -> None:
        current = select or (self.current().id if self.current() else None)
        self.model.set_assets(assets)
        self._size_columns_soon()
        self._update_empty()
        if current:
            self.select(current)
        if self.current() is None:
            self.assetSelected.emit(None)

    def _size_columns_soon(self) -> None:
        """Size the list's columns from the talent's first rows, once they arrive (not on every
        change); an ingest's assets arrive one by one, so until SIZED_FROM rows were measured,
        each arrival widens the columns to its texts (DR035)."""
        if not self._sizing and self._sized_rows < min(SIZED_FROM, self.model.rowCount()):
            self._sizing = True
            QTimer.singleShot(0, self._size_columns)

    def _size_columns(self) -> None:
        """Each column as wide as its title and the first rows' texts (measured here rather than
        by the header, which would ask the model for every row); a later measure only widens."""
        self._sizing = False
        metrics = self.table.fontMetrics()
        header = self.table.horizontalHeader()
        count = min(SIZED_FROM, self.model.rowCount())
        for column in range(self.model.columnCount()):
            texts = [self.model.headerData(column, Qt.Horizontal)] + [
                self.model.data(self.model.index(r, column)) for r in range(count)]
            width = max(metrics.horizontalAdvance(t or "") for t in texts) + 16
            if column == 0:  # the name, after its icon, as wide as the names within bounds
                width = min(max(width + self.table.iconSize().width() + 8, NAME_WIDTH[0]), NAME_WIDTH[1])
                self._name_width = width = max(width, self._name_width) if self._sized_rows else width
            elif self._sized_rows:
                width = max(width, header.sectionSize(column))
            header.resizeSection(column, width)
        self._sized_rows = count
        self._fit_name_column()

    def _fit_name_column(self) -> None:
        """The name column: its own width, or what the others leave of the list's width if more."""
        header = self.table.horizontalHeader()
        others = sum(header.sectionSize(c) for c in range(1, header.count()))
        width = max(self._name_width, self.table.viewport().width() - others)
        if header.sectionSize(0) != width:
            self._fitting = True
            try:
                header.resizeSection(0, width)
            finally:
                self._fitting = False

    def _section_resized(self, column: int, _old: int, new: int) -> None:
        if self._fitting:
            return
        if column == 0:  # the user's width for the names, kept
            self._name_width = new
        else:
            QTimer.singleShot(0, self._fit_name_column)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt API): the list's width changed
        if watched is self.table.viewport() and event.type() == QEvent.Resize:
            self._fit_name_column()
        return super().eventFilter(watched, event)

    def add_assets(self, assets: list[AssetRecord], select: str | None = None) -> None:
        """More of the talent's assets (a long listing arrives in chunks, DR026; an ingest's
        assets as each is committed, DR035). The selection stays on its asset."""
        self.model.append_assets(assets)
        self._size_columns_soon()
        self._update_empty()
        if select and self.current() is None:
            self.select(select)

    # -- thumbnails of what is on screen ------------------------------------------------------------
    def _visible_changed(self, *_args) -> None:
        self._visible_timer.start()

    def visible_rows(self) -> range:
        """The proxy rows on screen in the view shown (empty when none is)."""
        view = self.stack.currentWidget()
        count = self.proxy.rowCount()
        if view not in (self.grid, self.table) or count == 0:
            return range(0)
        port = view.viewport()
        if view is self.table:
            top = self.table.rowAt(0)
            bottom = self.table.rowAt(port.height() - 1)
            return range(max(top, 0), (count - 1 if bottom < 0 else bottom) + 1)
        cell = self.grid.gridSize()
        rows = []
        for y in range(cell.height() // 2, port.height() + cell.height(), max(1, cell.height() // 2)):
            for x in range(cell.width() // 2, port.width(), max(1, cell.width() // 2)):
                index = self.grid.indexAt(QPoint(x, min(y, port.height() - 1)))
                if index.isValid():
                    rows.append(index.row())
        return range(min(rows), max(rows) + 1) if rows else range(0)

    def request_visible_thumbnails(self) -> list[str]:
        """Ask for the thumbnails of the assets on screen and a screenful either side; returns
        the ids asked for, those on screen first."""
        ids = wanted_ids(self.model, self.visible_rows(), self.settings.thumbnails_held)  # the proxy's rows are the model's
        if ids:
            self.thumbnailsWanted.emit(ids)
        return ids

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

    def play_current(self) -> None:
        """Space in the grid or the list: play or pause the selected voice take (a scan: nothing)."""
        asset = self.current()
        if asset is not None and asset.kind == "voice":
            self.playRequested.emit(asset)

    # -- right-click menu --------------------------------------------------------------------------
    def asset_menu(self, asset: AssetRecord) -> QMenu:
        """The right-click menu of ``asset``: Copy ID, then what the window adds for it."""
        menu = QMenu(self)
        menu.addAction(self.tr("Copy &ID"), lambda: self.copy_id(asset))
        self.menuAboutToShow.emit(menu, asset)
        return menu

    def copy_id(self, asset: AssetRecord) -> None:
        QGuiApplication.clipboard().setText(asset.id)

    def _context_menu(self, view: QAbstractItemView, pos: QPoint) -> None:
        index = view.indexAt(pos)
        asset = index.data(ASSET_ROLE) if index.isValid() else None
        if asset is None or not self.select(asset.id):  # the menu is the clicked asset's, selected
            return
        menu = self.asset_menu(asset)
        menu.setAttribute(Qt.WA_DeleteOnClose)
        menu.popup(view.viewport().mapToGlobal(pos))

    def _current_changed(self, current, _previous) -> None:
        self.assetSelected.emit(current.data(ASSET_ROLE) if current.isValid() else None)

    # -- view ------------------------------------------------------------------------------------
    def set_view(self, mode: str) -> None:
        self.view_mode = mode
        (self.grid_button if mode == "grid" else self.list_button).setChecked(True)
        self._update_empty()

    def _filters_changed(self) -> None:
        current = self.current()
        self.proxy.set_filters(self.kind.currentData(), self.status.currentData(), self.search.text())
        if current is not None and not self.select(current.id):
            self.assetSelected.emit(None)
        self._update_empty()
        self._visible_changed()

    def _update_empty(self) -> None:
        if self.talent_name is None:
            self.empty.setText(self.tr("Add or choose a talent on the left."))
        elif not self.model.total:
            self.empty.setText(self.tr("No scans or voice takes yet.\n\nDrop files or a capture-session folder here,\n"
                                       "or use Import… (Ctrl+I for files, Ctrl+Shift+I for a folder)."))
        else:
            self.empty.setText(self.tr("Nothing matches the filters."))
        if self.proxy.rowCount() == 0:
            self.stack.setCurrentWidget(self.empty)
        else:
            self.stack.setCurrentWidget(self.grid if self.view_mode == "grid" else self.table)
        self._visible_changed()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().resizeEvent(event)
        self._visible_changed()

    # -- import ------------------------------------------------------------------------------------
    def choose_files(self) -> None:
        """Import… files: the dialog opens where the last import took from (DR030)."""
        if self.talent_name is None:
            return
        files, _ = QFileDialog.getOpenFileNames(
            self, self.tr("Import for {name}").format(name=self.talent_name), str(self.settings.import_start()),
            self.tr("Scans and voice takes ({suffixes});;All files (*)").format(suffixes=SUFFIXES))
        self.import_chosen([Path(f) for f in files])

    def choose_folder(self) -> None:
        """Import… a folder (a capture session): every file in it, as when the folder is dropped."""
        if self.talent_name is None:
            return
        folder = QFileDialog.getExistingDirectory(
            self, self.tr("Import a folder for {name}").format(name=self.talent_name), str(self.settings.import_start()))
        self.import_chosen([Path(folder)] if folder else [])

    def import_chosen(self, paths: list[Path]) -> None:
        """What an Import… dialog chose (nothing: cancelled): remembered as the place the next
        one opens in, and handed on like a drop."""
        if not paths or self.talent_name is None:
            return
        self.settings.remember_import(paths)
        self.filesDropped.emit(paths)

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
