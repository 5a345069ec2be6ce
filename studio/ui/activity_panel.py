"""Background work the operator can watch: every file of an ingest batch with its own state
and progress, the batch's overall bar, and Cancel."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, QAbstractTableModel, QCoreApplication, QModelIndex, Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QApplication, QHBoxLayout, QHeaderView, QProgressBar, QPushButton,
                               QStyle, QStyledItemDelegate, QStyleOptionProgressBar, QTableView, QVBoxLayout,
                               QWidget)

from studio.core.changes import Changes, merge_all
from studio.core.errors import Cancelled
from studio.core.intake import IngestResult, collect_files, ingest_paths
from studio.core.progress import Progress
from studio.core.vault import Vault
from studio.ui.elided import ElidedLabel
from studio.ui.tasks import Task, TaskManager

STATE_TEXT = {"queued": QT_TRANSLATE_NOOP("IngestModel", "Queued"),
              "working": QT_TRANSLATE_NOOP("IngestModel", "Working"),
              "ingested": QT_TRANSLATE_NOOP("IngestModel", "Done"),
              "duplicate": QT_TRANSLATE_NOOP("IngestModel", "Duplicate"),
              "rejected": QT_TRANSLATE_NOOP("IngestModel", "Rejected"),
              "cancelled": QT_TRANSLATE_NOOP("IngestModel", "Cancelled")}
FINISHED = ("ingested", "duplicate", "rejected", "cancelled")
FILE_WIDTH = (160, 320)  # the File column: at first, and at most when it grows to the names (px)
PROGRESS_EVERY_S = 0.05  # at most 20 progress updates a second reach the GUI thread


@dataclass(frozen=True)
class Batch:
    """One ingest batch's results. Each new asset was announced as it was committed (DR035);
    what is left to say at the end is the talent's asset count."""
    talent_id: str
    results: list[IngestResult]

    @property
    def changes(self) -> Changes:
        added = merge_all(r.changes for r in self.results)
        return Changes(talents={self.talent_id}, audit=True) if added else added


@dataclass
class FileRow:
    path: Path
    state: str = "queued"
    fraction: float = 0.0
    detail: str = ""
    asset_id: str | None = None
    warnings: list[str] = field(default_factory=list)


class IngestModel(QAbstractTableModel):
    COLUMNS = (QT_TRANSLATE_NOOP("IngestModel", "File"), QT_TRANSLATE_NOOP("IngestModel", "State"),
               QT_TRANSLATE_NOOP("IngestModel", "Details"))

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.rows: list[FileRow] = []
        self._index: dict[str, int] = {}

    def add(self, paths: list[Path]) -> None:
        fresh = [p for p in paths if str(p) not in self._index or self.rows[self._index[str(p)]].state in FINISHED]
        if not fresh:
            return
        self.beginInsertRows(QModelIndex(), len(self.rows), len(self.rows) + len(fresh) - 1)
        for p in fresh:
            self._index[str(p)] = len(self.rows)
            self.rows.append(FileRow(p))
        self.endInsertRows()

    def row_for(self, path: str) -> FileRow | None:
        i = self._index.get(path)
        return self.rows[i] if i is not None else None

    def update(self, path: str, **changes) -> None:
        i = self._index.get(path)
        if i is None:
            return
        for k, v in changes.items():
            setattr(self.rows[i], k, v)
        self.dataChanged.emit(self.index(i, 0), self.index(i, 2))

    def clear_finished(self) -> None:
        self.beginResetModel()
        self.rows = [r for r in self.rows if r.state not in FINISHED]
        self._index = {str(r.path): i for i, r in enumerate(self.rows)}
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else 3

    def headerData(self, section, orientation, role=Qt.DisplayRole):  # noqa: N802
        if orientation == Qt.Horizontal and role == Qt.DisplayRole:
            return QCoreApplication.translate("IngestModel", self.COLUMNS[section])
        return None

    def data(self, index, role=Qt.DisplayRole):
        if not index.isValid():
            return None
        r = self.rows[index.row()]
        if role == Qt.DisplayRole:
            return (r.path.name, QCoreApplication.translate("IngestModel", STATE_TEXT[r.state]), r.detail)[index.column()]
        if role == Qt.ToolTipRole:
            return f"{r.path}\n{r.detail}" if r.detail else str(r.path)
        if role == Qt.UserRole:
            return r
        if role == Qt.ForegroundRole and index.column() in (1, 2) and r.state == "rejected":
            return QColor("#c62828")
        return None


class _StateDelegate(QStyledItemDelegate):
    """Draws a progress bar in the State cell of a file being worked on."""

    def paint(self, painter, option, index) -> None:
        row: FileRow = index.data(Qt.UserRole)
        if row is None or row.state != "working":
            return super().paint(painter, option, index)
        bar = QStyleOptionProgressBar()
        bar.rect = option.rect.adjusted(4, 6, -4, -6)
        bar.minimum, bar.maximum = 0, 100
        bar.progress = int(row.fraction * 100)
        bar.text = f"{bar.progress}%"
        bar.textVisible = True
        bar.state = option.state
        QApplication.style().drawControl(QStyle.CE_ProgressBar, bar, painter)


class ActivityPanel(QWidget):
    """Runs ingest batches one after another on the vault's writer thread."""

    batchFinished = Signal()

    def __init__(self, vault: Vault, tasks: TaskManager, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vault, self.tasks = vault, tasks
        self.model = IngestModel(self)
        self.view = QTableView(self)
        self.view.setModel(self.model)
        self.view.setItemDelegateForColumn(1, _StateDelegate(self.view))
        self.view.verticalHeader().hide()
        self.view.setSelectionBehavior(QTableView.SelectRows)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.Interactive)  # as wide as the names, up to FILE_WIDTH
        header.resizeSection(0, FILE_WIDTH[0])
        self.view.setTextElideMode(Qt.ElideMiddle)  # a long name keeps its start and its extension
        header.resizeSection(1, 120)
        header.setSectionResizeMode(2, QHeaderView.Stretch)
        self.view.setAccessibleName(self.tr("Ingest activity"))
        self.overall = QProgressBar(self)  # the files of the work queued since the panel was last idle
        self.overall.setFormat(self.tr("%v of %m files"))
        self.overall.setRange(0, 1)
        self.overall.setValue(0)
        self.overall.hide()
        self.summary = ElidedLabel(self.tr("No background work."), self)  # "Ingesting <long name>…": elided
        self.cancel_button = QPushButton(self.tr("Cancel"), self)
        self.cancel_button.setEnabled(False)
        self.cancel_button.hide()
        self.cancel_button.clicked.connect(self.cancel)
        clear = QPushButton(self.tr("Clear finished"), self)
        clear.clicked.connect(self.model.clear_finished)
        top = QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.overall, 1)
        top.addWidget(self.cancel_button)
        top.addWidget(clear)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(top)
        lay.addWidget(self.view, 1)
        self._running: list[Task] = []
        self._batches = 0
        self._total = self._done = 0  # files of the batches since idle, and of those finished (DR035)
        self.lod_sizes = None  # the preview LODs' sizes for scans imported next (the preferences); None: built in

    @property
    def running(self) -> bool:
        return self._batches > 0

    def ingest(self, talent_id: str, paths: list[Path]) -> None:
        if self._batches == 0:  # counting starts again from nothing
            self._total = self._done = 0
        self._batches += 1
        self.cancel_button.setEnabled(True)
        self.cancel_button.show()
        self._refresh_overall()
        self.summary.setText(self.tr("Reading the dropped files…"))
        files: list[Path] = []  # this batch's files, once read (a stopped batch reports only these)
        task = self.tasks.write(lambda task: self._run_batch(talent_id, list(paths), task, files),
                                lambda batch: self._finished(talent_id, batch.results),
                                lambda exc: self._failed(talent_id, exc, files), what=self.tr("Ingest"))
        if task is not None:
            self._running.append(task)

    # -- worker thread ------------------------------------------------------------------------------
    def _run_batch(self, talent_id: str, paths: list[Path], task: Task, files: list[Path]) -> "Batch":
        files.extend(collect_files(paths))
        self.tasks.gui(lambda: self._queued(list(files)))
        last = [0.0]

        def on_progress(path: Path, p: Progress) -> None:
            now = time.monotonic()
            if now - last[0] >= PROGRESS_EVERY_S and p.fraction is not None:
                last[0] = now
                fraction = p.fraction
                self.tasks.gui(lambda: self._progress(str(path), fraction))

        def on_result(r: IngestResult) -> None:  # called once the file is committed (or passed over)
            self.tasks.gui(lambda: self._result(r))

        results = ingest_paths(self.vault, talent_id, paths, cancel=task.token, on_result=on_result,
                               on_file_progress=on_progress, lods=self.lod_sizes)
        return Batch(talent_id, results)

    # -- GUI thread --------------------------------------------------------------------------------
    def _queued(self, files: list[Path]) -> None:
        self.model.add(files)
        self._total += len(files)
        header, metrics = self.view.horizontalHeader(), self.view.fontMetrics()
        wanted = max((metrics.horizontalAdvance(f.name) + 16 for f in files[:200]), default=0)
        if wanted > header.sectionSize(0):
            header.resizeSection(0, min(wanted, FILE_WIDTH[1]))
        self._refresh_overall()

    def _progress(self, path: str, fraction: float) -> None:
        row = self.model.row_for(path)
        if row is not None and row.state in ("queued", "working"):
            self.model.update(path, state="working", fraction=fraction)
            self.summary.setText(self.tr("Ingesting {name}…").format(name=row.path.name))

    def _result(self, r: IngestResult) -> None:
        detail = r.reason or ""
        if r.status == "ingested":
            detail = r.asset_id + (f" · ⚠ {'; '.join(r.warnings)}" if r.warnings else "")
        self.model.update(r.path, state=r.status, fraction=1.0, detail=detail, asset_id=r.asset_id,
                          warnings=list(r.warnings))
        self._done = min(self._done + 1, self._total)
        self._refresh_overall()
        # the new asset is in the vault now: the library shows it before the batch ends (DR035)
        self.tasks.announce(r.changes)

    def _refresh_overall(self) -> None:
        """While work runs: its files done of its files queued. Idle: no bar (DR035)."""
        self.overall.setVisible(self.running)
        self.overall.setRange(0, max(1, self._total))
        self.overall.setValue(self._done)

    def _idle(self, last: str) -> None:
        self.summary.setText(self.tr("No background work.") + (" " + last if last else ""))

    def _end(self, talent_id: str, results: list[IngestResult]) -> None:
        self._batches -= 1
        if self._batches == 0:
            self.cancel_button.setEnabled(False)
            self.cancel_button.hide()
            self._running.clear()
        counts = {s: sum(r.status == s for r in results) for s in ("ingested", "duplicate", "rejected")}
        last = self.tr("Last batch: {added} added, {duplicate} duplicate, {rejected} rejected.").format(
            added=counts["ingested"], duplicate=counts["duplicate"], rejected=counts["rejected"])
        if self.running:
            self.summary.setText(last)
        else:
            self._idle(last)
        self._refresh_overall()
        self.batchFinished.emit()

    def _finished(self, talent_id: str, results: list[IngestResult]) -> None:
        self._end(talent_id, results)

    def _failed(self, talent_id: str, exc: BaseException, files: list[Path]) -> None:
        for r in self.model.rows:
            if r.state in ("queued", "working"):
                self._done = min(self._done + 1, self._total)
                self.model.update(str(r.path), state="cancelled", fraction=0.0,
                                  detail=self.tr("cancelled — nothing of this file was stored")
                                  if isinstance(exc, Cancelled) else self.tr("stopped: {error}").format(error=exc))
        rows = [row for f in dict.fromkeys(str(f) for f in files) if (row := self.model.row_for(f)) is not None]
        done = [IngestResult(str(r.path), r.state, r.asset_id) for r in rows if r.state in FINISHED]
        self._end(talent_id, done)
        self.tasks.announce(Batch(talent_id, done).changes)  # files finished before the stop are kept
        if isinstance(exc, Cancelled):
            cancelled = self.tr("Cancelled. Files finished before the cancel are kept; the file in progress "
                                "left nothing behind.")
            if self.running:
                self.summary.setText(cancelled)
            else:
                self._idle(cancelled)
        elif self.tasks.on_error is not None:  # the window's error display
            self.tasks.on_error(self.tr("Ingest"), exc)

    def cancel(self) -> None:
        if self._running:
            for task in self._running:
                task.cancel()
            self.summary.setText(self.tr("Cancelling…"))
