"""File ▸ Check Vault…: ``twin-studio check`` in a window (issue 15). Every blob is decrypted and
re-hashed on a worker, with a progress bar and Cancel; then the verdict and every problem and
note, as the command prints them. A cancelled check concludes nothing and changes nothing."""

from __future__ import annotations

from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QLabel, QListWidget, QListWidgetItem, QProgressBar, QStyle,
                               QVBoxLayout, QWidget)

from studio.core.check import CheckReport, check_vault
from studio.core.errors import Cancelled
from studio.core.progress import Progress
from studio.core.vault import Vault
from studio.ui.banner import Banner
from studio.ui.tasks import Task, TaskManager


class CheckDialog(QDialog):
    def __init__(self, vault: Vault, tasks: TaskManager, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Check the vault — Twin Studio"))
        self.setMinimumSize(560, 360)
        self.vault, self.tasks = vault, tasks
        self.task: Task | None = None
        self.report: CheckReport | None = None
        self.status = QLabel(self.tr("Every blob is decrypted and re-hashed; the catalog, the signatures and the "
                                     "audit chain are verified. Nothing is changed."), self)
        self.status.setWordWrap(True)
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 0)
        self.progress.setFormat(self.tr("%v of %m blobs"))
        self.banner = Banner(self)
        self.results = QListWidget(self)
        self.results.setAccessibleName(self.tr("Problems and notes"))
        self.results.setWordWrap(True)
        self.results.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.Cancel | QDialogButtonBox.Close, self)
        self.buttons.button(QDialogButtonBox.Close).hide()
        self.buttons.rejected.connect(self._cancel_or_close)
        lay = QVBoxLayout(self)
        lay.addWidget(self.status)
        lay.addWidget(self.progress)
        lay.addWidget(self.banner)
        lay.addWidget(self.results, 1)
        lay.addWidget(self.buttons)

    @property
    def running(self) -> bool:
        return self.task is not None

    def start(self) -> None:
        self.task = self.tasks.read(lambda task: check_vault(self.vault, task.report, task.token), self._done,
                                    self._failed, what=self.tr("Checking the vault"), owner=self,
                                    progress=self._progress)

    def _progress(self, p: Progress) -> None:
        if p.total:
            self.progress.setRange(0, int(p.total))
            self.progress.setValue(int(p.done))

    def _cancel_or_close(self) -> None:
        if self.task is not None:
            self.task.cancel()  # the check stops at its next blob; _failed says so
            self.buttons.button(QDialogButtonBox.Cancel).setEnabled(False)
            self.status.setText(self.tr("Cancelling…"))
        else:
            self.reject()

    def _finished(self) -> None:
        self.task = None
        self.buttons.button(QDialogButtonBox.Cancel).hide()
        self.buttons.button(QDialogButtonBox.Close).show()
        self.progress.hide()

    def _done(self, report: CheckReport) -> None:
        self._finished()
        self.report = report
        if report.ok:
            read = (self.tr("{blobs} blobs verified").format(blobs=report.blobs_checked))
            self.banner.show_message(self.tr("The vault is consistent: {read}, {events} audit events in an unbroken "
                                             "chain.").format(read=read, events=report.audit_events), "info")
        else:
            self.banner.show_message(self.tr("The vault is INCONSISTENT: %n problem(s).", "", len(report.problems)))
        self.status.setText(self.tr("Check finished."))
        style = self.style()
        for text in report.problems:
            QListWidgetItem(style.standardIcon(QStyle.SP_MessageBoxCritical), text, self.results)
        for text in report.notes:
            QListWidgetItem(style.standardIcon(QStyle.SP_MessageBoxInformation), text, self.results)
        self.results.setVisible(self.results.count() > 0)

    def _failed(self, exc: BaseException) -> None:
        self._finished()
        if isinstance(exc, Cancelled):
            self.status.setText(self.tr("The check was cancelled: nothing was concluded and nothing was changed."))
        else:
            self.status.setText(self.tr("The check could not finish."))
            self.banner.show_error(exc)

    def reject(self) -> None:  # Escape or the window's close button while it runs: cancel first
        if self.task is not None:
            self.task.cancel()
        super().reject()
