"""Review mode's list of the talent's assets, built for a session of 80 takes and for thousands
(issue 16 item 6, DR032): each asset's thumbnail, file name and review state; a filter by name
and by state; several selected at once; keyboard decisions (A approves, R or X rejects, as
Lightroom's flags) and the next asset awaiting review found for the auto-advance.

The rows are :class:`~studio.ui.asset_model.AssetModel` rows made on a worker (``make_rows``);
thumbnails are fetched off the GUI thread for the rows on screen only (DR026)."""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (QAbstractItemView, QComboBox, QHBoxLayout, QHeaderView, QLineEdit, QStyle,
                               QTableView, QVBoxLayout, QWidget)

from studio.core.assets import AssetRecord
from studio.core.vault import Vault
from studio.ui.asset_model import ASSET_ROLE, AssetModel
from studio.ui.formatting import STATUS_LABELS, status_label
from studio.ui.tasks import TaskManager
from studio.ui.thumbnail_fetcher import ThumbnailFetcher, wanted_ids

AWAITING = "pending_review"
NAME_COLUMN, STATUS_COLUMN, ADDED_COLUMN = 0, 2, 6
ICON = 48
APPROVE_KEYS = ("A",)
REJECT_KEYS = ("R", "X")


def state_counts(assets) -> dict[str, int]:
    """How many of ``assets`` are in each review state (on a worker for 10,000)."""
    counts: dict[str, int] = {}
    for a in assets:
        counts[a.status] = counts.get(a.status, 0) + 1
    return counts


class ReviewList(QWidget):
    """The assets, their filter and their selection. ``decisionRequested`` carries "approve" or
    "reject" (a key pressed in the list); ``recordChanged`` the current asset (or None);
    ``selectionChanged`` fires when the selected assets change."""

    recordChanged = Signal(object)
    selectionChanged = Signal()
    decisionRequested = Signal(str)
    playRequested = Signal(object)

    def __init__(self, vault: Vault, tasks: TaskManager, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = AssetModel(self)
        style = self.style()
        self.model.placeholders = {"voice": style.standardIcon(QStyle.SP_MediaVolume),
                                   "mesh": style.standardIcon(QStyle.SP_FileIcon),
                                   "point_cloud": style.standardIcon(QStyle.SP_FileIcon)}
        self.search = QLineEdit(self)
        self.search.setPlaceholderText(self.tr("Filter by name"))
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName(self.tr("Filter your assets by name"))
        self.state = QComboBox(self)
        self.state.setAccessibleName(self.tr("Show assets by review state"))
        self._counts: dict[str, int] = {}
        for state, text in self._state_texts().items():
            self.state.addItem(text.format(n=0), state)
        self.state.setCurrentIndex(self.state.count() - 1)  # all: the talent sees everything first
        self.search.textChanged.connect(self._filters_changed)
        self.state.currentIndexChanged.connect(self._filters_changed)

        self.view = QTableView(self)
        self.view.setModel(self.model)
        self.view.setAccessibleName(self.tr("Your assets"))
        self.view.setToolTip(self.tr("Select several with Shift or Ctrl (Ctrl+A: all shown).\n"
                                     "A approves, R or X rejects the selected assets; the next one awaiting "
                                     "review is then selected.\nSpace plays a voice take."))
        self.view.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.ExtendedSelection)
        self.view.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.view.setIconSize(QSize(ICON, ICON))
        self.view.setWordWrap(False)
        self.view.setTextElideMode(Qt.ElideMiddle)
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setSectionResizeMode(QHeaderView.Fixed)
        self.view.verticalHeader().setDefaultSectionSize(ICON + 6)
        header = self.view.horizontalHeader()
        for column in range(self.model.columnCount()):
            self.view.setColumnHidden(column, column not in (NAME_COLUMN, STATUS_COLUMN))
        header.setSectionResizeMode(QHeaderView.Interactive)  # never measured per row (DR026)
        # the header paints each section asking whether its whole column is selected: a call into
        # the model for every row at each selection change (0.2-0.9 s once 10,000 rows are
        # selected). Its own, empty selection: the view's selection is not the header's business.
        header.setSelectionModel(QItemSelectionModel(self.model, header))
        header.setStretchLastSection(False)
        header.setSectionResizeMode(NAME_COLUMN, QHeaderView.Stretch)
        header.resizeSection(STATUS_COLUMN, max(self.fontMetrics().horizontalAdvance(status_label(s))
                                                for s in STATUS_LABELS) + 16)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(ADDED_COLUMN, Qt.AscendingOrder)  # the order they were captured in
        selection = self.view.selectionModel()
        selection.currentRowChanged.connect(
            lambda cur, _prev: self.recordChanged.emit(cur.data(ASSET_ROLE) if cur.isValid() else None))
        selection.selectionChanged.connect(lambda *_: self.selectionChanged.emit())
        for keys, decision in ((APPROVE_KEYS, "approve"), (REJECT_KEYS, "reject")):
            for key in keys:
                QShortcut(QKeySequence(key), self.view, lambda d=decision: self.decisionRequested.emit(d),
                          context=Qt.WidgetShortcut)
        QShortcut(QKeySequence(Qt.Key_Space), self.view, self._play, context=Qt.WidgetShortcut)

        filters = QHBoxLayout()
        filters.addWidget(self.search, 1)
        filters.addWidget(self.state)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(filters)
        lay.addWidget(self.view, 1)

        # thumbnails: for the rows on screen, a moment after the view stops changing (DR026)
        self.thumbnails = ThumbnailFetcher(vault, tasks, self.model, self.view, self)
        self._visible_timer = QTimer(self)
        self._visible_timer.setSingleShot(True)
        self._visible_timer.setInterval(100)  # later than the library (40 ms): the record's other lists go first
        self._visible_timer.timeout.connect(self.request_visible_thumbnails)
        self.view.verticalScrollBar().valueChanged.connect(self._visible_timer.start)
        for signal in (self.model.layoutChanged, self.model.modelReset, self.model.rowsInserted):
            signal.connect(self._visible_timer.start)

    # -- content -------------------------------------------------------------------------------------
    def set_rows(self, rows, current: str | None = None, selected: set[str] | None = None,
                 counts: dict[str, int] | None = None) -> None:
        """Show ``rows`` (``make_rows``, made on a worker); ``current``: the asset to make current
        (else the first awaiting review, else the first); ``selected``: the assets to keep
        selected (else just the current one); ``counts``: how many are in each review state
        (:func:`state_counts`, counted on the worker; counted here when not given)."""
        self._counts = counts if counts is not None else state_counts(r.asset for r in rows)
        self._label_states()
        selection = self.view.selectionModel()
        selection.blockSignals(True)
        self.model.set_assets(rows)
        selection.blockSignals(False)
        row = self.model.row_of(current) if current else None
        if row is None:
            row = self._next_awaiting(-1, set())
        if row is None and self.model.rowCount():
            row = 0
        self._select_rows(row, selected or set())

    def _select_rows(self, current: int | None, ids: set[str]) -> None:
        """Make row ``current`` current and select it and the rows of ``ids`` (as ranges: a
        selection of 10,000 is a handful of ranges, not 10,000 calls)."""
        selection = self.view.selectionModel()
        rows = sorted({r for r in (self.model.row_of(a) for a in ids) if r is not None} |
                      ({current} if current is not None else set()))
        ranges = QItemSelection()
        last = self.model.columnCount() - 1
        start = prev = None
        for r in rows + [None]:
            if start is not None and (r is None or r != prev + 1):
                ranges.select(self.model.index(start, 0), self.model.index(prev, last))
                start = None
            if r is not None and start is None:
                start = r
            prev = r
        if current is None:
            selection.clear()
            self.recordChanged.emit(None)
            return
        selection.setCurrentIndex(self.model.index(current, NAME_COLUMN), QItemSelectionModel.NoUpdate)
        selection.select(ranges, QItemSelectionModel.ClearAndSelect)
        self.view.scrollTo(self.model.index(current, NAME_COLUMN))

    def count(self) -> int:
        """The assets shown (the filters let through)."""
        return self.model.rowCount()

    def text(self, row: int) -> str:
        return self.model.index(row, NAME_COLUMN).data()

    def current_record(self) -> AssetRecord | None:
        index = self.view.currentIndex()
        return index.data(ASSET_ROLE) if index.isValid() else None

    def selected_rows(self) -> list[int]:
        """The selected rows, in order: read from the selection's ranges (``selectedRows()`` asks
        the model about every row, 0.9 s for 10,000 selected)."""
        rows: set[int] = set()
        for r in self.view.selectionModel().selection():
            rows.update(range(r.top(), r.bottom() + 1))
        return sorted(rows)

    def selected(self) -> list[AssetRecord]:
        """The selected assets in the order shown (the current one when none is selected)."""
        chosen = [self.model.asset_at(r) for r in self.selected_rows()]
        if not chosen and self.current_record() is not None:
            chosen = [self.current_record()]
        return chosen

    def select(self, asset_id: str) -> bool:
        """Make ``asset_id`` current and the only one selected (False: not shown)."""
        row = self.model.row_of(asset_id)
        if row is None:
            return False
        self._select_rows(row, set())
        return True

    # -- the next asset to decide on ------------------------------------------------------------------
    def advance(self, decided: list[AssetRecord], skip: set[str]) -> AssetRecord | None:
        """After a decision on ``decided``: select the next asset shown that awaits review, after
        the last of them (from the top when none is after), leaving out ``skip`` (decisions on
        their way). Returns it; None when none awaits (the selection stays)."""
        rows = [r for r in (self.model.row_of(a.id) for a in decided) if r is not None]
        after = max(rows) if rows else (self.view.currentIndex().row())
        row = self._next_awaiting(after, skip | {a.id for a in decided})
        if row is None:
            return None
        self._select_rows(row, set())
        return self.current_record()

    def _next_awaiting(self, after: int, skip: set[str]) -> int | None:
        count = self.model.rowCount()
        for rows in (range(after + 1, count), range(0, min(after + 1, count))):
            for row in rows:
                a = self.model.asset_at(row)
                if a.status == AWAITING and a.id not in skip:
                    return row
        return None

    # -- filters ---------------------------------------------------------------------------------------
    def _state_texts(self) -> dict[str | None, str]:
        """The state filter's entries, in their order, each with the place of its count."""
        return {AWAITING: self.tr("Awaiting review ({n})"), "approved": self.tr("Approved ({n})"),
                "rejected": self.tr("Rejected ({n})"), None: self.tr("All ({n})")}

    def _label_states(self) -> None:
        texts = self._state_texts()
        for i in range(self.state.count()):
            state = self.state.itemData(i)
            n = sum(self._counts.values()) if state is None else self._counts.get(state, 0)
            self.state.setItemText(i, texts[state].format(n=n))

    def set_state_filter(self, state: str | None) -> None:
        """Show the assets in review state ``state`` (None: all)."""
        self.state.setCurrentIndex(self.state.findData(state))

    def _filters_changed(self) -> None:
        current = self.current_record()
        kept = {a.id for a in self.selected()}
        self.model.set_filters(None, self.state.currentData(), self.search.text())
        self._select_rows(self.model.row_of(current.id) if current else None, kept)
        if self.current_record() is None and self.model.rowCount():
            self._select_rows(self._next_awaiting(-1, set()) or 0, set())

    # -- thumbnails and playing --------------------------------------------------------------------------
    def visible_rows(self) -> range:
        count = self.model.rowCount()
        if not count or not self.view.isVisible():
            return range(0)
        top = self.view.rowAt(0)
        bottom = self.view.rowAt(self.view.viewport().height() - 1)
        return range(max(top, 0), (count - 1 if bottom < 0 else bottom) + 1)

    def request_visible_thumbnails(self) -> list[str]:
        ids = wanted_ids(self.model, self.visible_rows())
        if ids:
            self.thumbnails.request(ids)
        return ids

    def showEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        self._visible_timer.start()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().resizeEvent(event)
        self._visible_timer.start()

    def _play(self) -> None:
        asset = self.current_record()
        if asset is not None and asset.kind == "voice":
            self.playRequested.emit(asset)
