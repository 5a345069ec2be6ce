"""Exports & Uses: a talent's statement (every export and reported use with its fee, totals
per currency, violations in red), the packages made from their likeness, and a chart of uses
over time. The studio's tab has the actions (export, import a report, save CSV); review mode
shows the same panel read-only to the talent.

Dates are the grant's calendar days and say so, "2026-12-01 (Europe/Brussels)"; a package was made
at an instant shown in its grant's zone, "2026-12-01 00:20 (Europe/Brussels)", so the two agree
(DR020). Rows are in the order they were recorded."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, QSize, Qt, Signal
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import (QFileDialog, QLabel, QListWidget, QListWidgetItem, QPushButton, QSplitter, QStyle,
                               QTableWidgetItem, QVBoxLayout, QWidget)

from studio.core.changes import Changes
from studio.core.ledger.entries import EntryRecord, import_report
from studio.core.errors import StudioError
from studio.core.ledger.statement import ApprovedOutput, Statement, statement, write_csv
from studio.core.package.approval_previews import output_preview
from studio.core.package.packages import PackageRecord, list_packages
from studio.core.talents import TalentRecord
from studio.core.vault import Vault
from studio.ui.banner import Banner
from studio.ui.elided import FlowLayout
from studio.ui.formatting import day_text, instant_text, utc_and_local
from studio.ui.tasks import TaskManager
from studio.ui.tables import Row, RowsTable, list_table, translated
from studio.ui.uses_chart import VIOLATION, UsesChart

COLUMNS = (QT_TRANSLATE_NOOP("LedgerPanel", "Date"), QT_TRANSLATE_NOOP("LedgerPanel", "Kind"),
           QT_TRANSLATE_NOOP("LedgerPanel", "Brand"), QT_TRANSLATE_NOOP("LedgerPanel", "Count"),
           QT_TRANSLATE_NOOP("LedgerPanel", "Fee"), QT_TRANSLATE_NOOP("LedgerPanel", "Use"),
           QT_TRANSLATE_NOOP("LedgerPanel", "Where"))
PACKAGE_COLUMNS = (QT_TRANSLATE_NOOP("LedgerPanel", "Package"), QT_TRANSLATE_NOOP("LedgerPanel", "Made"),
                   QT_TRANSLATE_NOOP("LedgerPanel", "Brand"), QT_TRANSLATE_NOOP("LedgerPanel", "Files"),
                   QT_TRANSLATE_NOOP("LedgerPanel", "File SHA-256"))
KIND_LABELS = {"export": QT_TRANSLATE_NOOP("LedgerPanel", "export"),
               "use": QT_TRANSLATE_NOOP("LedgerPanel", "reported use"),
               "violation": QT_TRANSLATE_NOOP("LedgerPanel", "VIOLATION")}


THUMB = 48          # px: an approved output's thumbnail in the statement
MAX_THUMBS = 200    # thumbnails made for one statement (each output is read whole to make it)


def approved_thumbnails(vault: Vault, outputs: list[ApprovedOutput]) -> dict[str, QImage]:
    """On a worker: a small image of each approved image output, by SHA-256 (decoded in memory
    from the vault, never written; QImage is safe off the GUI thread)."""
    return output_thumbnails(vault, [(o.request_id, o.sha256, o.media_type) for o in outputs])


def unapproved_outputs(st: Statement | None) -> list[tuple[EntryRecord, dict]]:
    """Each output a violation's report named that the talent had not approved for it (DR057)."""
    return [(e, o) for e in (st.violations if st else []) for o in e.outputs if o.get("reason")]


def output_thumbnails(vault: Vault, outputs: list[tuple[str | None, str, str]]) -> dict[str, QImage]:
    """On a worker: (request id, SHA-256, media type) → a small image of each image output whose
    blob is in the vault (it came in that approval request), by SHA-256."""
    thumbs: dict[str, QImage] = {}
    for request_id, sha, media in outputs[-MAX_THUMBS:]:
        if request_id is None or not media.startswith("image/") or sha in thumbs:
            continue
        try:
            image = QImage.fromData(output_preview(vault, request_id, sha).data)
        except StudioError:
            continue
        if not image.isNull():
            thumbs[sha] = image.scaled(THUMB, THUMB, Qt.KeepAspectRatio, Qt.SmoothTransformation)
    return thumbs


def entry_rows(st: Statement | None) -> list[Row]:
    """The statement's rows as the table shows them (safe on a worker: texts and translations)."""
    rows = []
    for e in st.entries if st else []:
        use = " / ".join(x for x in (e.purpose, e.media) if x)
        fee = "—" if e.kind == "violation" else f"{e.fee:,.2f} {e.currency}"
        cells = (day_text(e.on, e.timezone), QCoreApplication.translate("LedgerPanel", KIND_LABELS[e.kind]), e.brand,
                 str(e.count), fee, use, e.territory or "")
        tip = QCoreApplication.translate("LedgerPanel", "Package {0}, grant {1}\nRecorded {2}").format(
            e.package_id, e.grant_id, utc_and_local(e.at, e.timezone))
        tip += f"\n{e.description}" if e.description else ""
        if e.kind == "violation":
            tip += "\n" + QCoreApplication.translate("LedgerPanel", "Outside the grant:") + "\n" + "\n".join(e.reasons)
        rows.append(Row(cells, tip, VIOLATION if e.kind == "violation" else None))
    return rows


class LedgerPanel(QWidget):
    exportRequested = Signal()
    brandsRequested = Signal()

    def __init__(self, vault: Vault, tasks: TaskManager, parent: QWidget | None = None, *, studio: bool = True) -> None:
        super().__init__(parent)
        self.vault, self.tasks, self.studio = vault, tasks, studio
        self.talent: TalentRecord | None = None
        self.statement: Statement | None = None
        self.packages_list: list[PackageRecord] = []
        self.banner = Banner(self)
        self.entries = RowsTable(translated("LedgerPanel", COLUMNS), self, right=(3, 4))
        self.entries.setAccessibleName(self.tr("Statement"))
        self.packages = list_table(translated("LedgerPanel", PACKAGE_COLUMNS), self)
        self.packages.setAccessibleName(self.tr("Packages"))
        self.chart = UsesChart(self)
        self.totals = QLabel(self)
        self.totals.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.violations = QLabel(self)
        self.violations.setWordWrap(True)
        self.violations.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.violations.setAccessibleName(self.tr("Violations"))
        self.totals.setWordWrap(True)
        bar = FlowLayout(spacing=6)  # onto a second line in a narrow window, never wider than it (DR035)
        title = QLabel(self.tr("<b>Exports &amp; uses</b>") if studio else self.tr("<b>Every use of your likeness, and your fees</b>"))
        title.setContentsMargins(0, 0, 12, 0)
        bar.addWidget(title)
        self.export_button = QPushButton(self.tr("Export twin…"), self)
        self.import_button = QPushButton(self.tr("Import usage report…"), self)
        self.csv_button = QPushButton(self.tr("Save statement as CSV…"), self)
        self.brands_button = QPushButton(self.tr("Brands…"), self)
        self.export_button.clicked.connect(self.exportRequested.emit)
        self.brands_button.clicked.connect(self.brandsRequested.emit)
        self.import_button.clicked.connect(self.choose_report)
        self.csv_button.clicked.connect(self.choose_csv)
        buttons = (self.export_button, self.import_button, self.brands_button, self.csv_button) if studio \
            else (self.csv_button,)
        for b in buttons:
            bar.addWidget(b)
        for b in (self.export_button, self.import_button, self.brands_button):
            b.setVisible(studio)
        split = QSplitter(Qt.Vertical, self)
        top = QWidget(self)
        tl = QVBoxLayout(top)
        tl.setContentsMargins(0, 0, 0, 0)
        tl.addWidget(self.entries, 1)
        tl.addWidget(self.totals)
        tl.addWidget(self.violations)
        # the outputs the talent approved (DR047), each with its thumbnail (DR054)
        self.approved_title = QLabel(self.tr("<b>Outputs approved</b> (published with content credentials naming "
                                             "the approval)") if studio else
                                     self.tr("<b>Outputs you approved</b> (published with content credentials "
                                             "naming your approval)"), self)
        self.approved_title.setWordWrap(True)
        self.approved = QListWidget(self)
        self.approved.setAccessibleName(self.tr("Approved outputs"))
        self.approved.setIconSize(QSize(THUMB, THUMB))
        self.approved.setWordWrap(True)  # the whole line in a narrow pane, never a sideways scroll
        self.approved.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        tl.addWidget(self.approved_title)
        tl.addWidget(self.approved)
        # the outputs brands reported using without the talent's approval (DR057)
        self.unapproved_title = QLabel("<span style='color:{0}'>{1}</span>".format(
            VIOLATION.name(), self.tr("<b>Outputs used without approval</b> (violations)") if studio else
            self.tr("<b>Outputs used without your approval</b> (violations)")), self)
        self.unapproved_title.setWordWrap(True)
        self.unapproved = QListWidget(self)
        self.unapproved.setAccessibleName(self.tr("Outputs used without approval"))
        self.unapproved.setIconSize(QSize(THUMB, THUMB))
        self.unapproved.setWordWrap(True)
        self.unapproved.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        tl.addWidget(self.unapproved_title)
        tl.addWidget(self.unapproved)
        bottom = QWidget(self)
        bl = QVBoxLayout(bottom)
        bl.setContentsMargins(0, 0, 0, 0)
        legend = QLabel(self.tr("<b>Uses per month</b> (green: paid; red: reported outside the grant)"))
        legend.setWordWrap(True)
        bl.addWidget(legend)
        bl.addWidget(self.chart, 1)
        bl.addWidget(QLabel(self.tr("<b>Packages made from this likeness</b>")))
        bl.addWidget(self.packages, 1)
        split.addWidget(top)
        split.addWidget(bottom)
        split.setSizes([300, 300])
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(bar)
        lay.addWidget(self.banner)
        lay.addWidget(split, 1)
        self.set_talent(None)
        tasks.changed.connect(self.on_changes)

    def on_changes(self, changes: Changes) -> None:
        """Only this talent's statement: an export, an imported report, a grant's state."""
        if self.talent is None:
            return
        if changes.everything or self.talent.id in changes.ledger or changes.touches("packages", "grants"):
            self.refresh()

    def set_talent(self, talent: TalentRecord | None) -> None:
        self.talent = talent
        for b in (self.export_button, self.csv_button):
            b.setEnabled(talent is not None)
        self.refresh()

    def refresh(self) -> None:
        talent = self.talent
        if talent is None:
            self._show(None, [])
            return
        if not self.isVisible():  # a tab not shown: read when it is (a long statement costs the GUI, DR026)
            self._stale = True
            return
        self._stale = False
        def work(_task):
            st = statement(self.vault, talent.id)  # its rows formatted here: a thousand entries (DR026)
            thumbs = approved_thumbnails(self.vault, st.approved_outputs)
            thumbs.update(output_thumbnails(self.vault, [(o.get("request"), o["sha256"], o["media_type"])
                                                         for _, o in unapproved_outputs(st)]))
            return st, list_packages(self.vault, talent.id), entry_rows(st), thumbs

        self.tasks.read(work, lambda data: self._loaded(talent.id, *data), what=self.tr("Loading the statement"),
                        owner=self)

    def showEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().showEvent(event)
        if getattr(self, "_stale", False):
            self.refresh()

    def _loaded(self, talent_id: str, st: Statement, packages: list[PackageRecord], rows: list[Row],
                thumbs: dict[str, QImage]) -> None:
        if self.talent is not None and self.talent.id == talent_id:
            self._show(st, packages, rows, thumbs)

    def _show(self, st: Statement | None, packages: list[PackageRecord], rows: list[Row] | None = None,
              thumbs: dict[str, QImage] | None = None) -> None:
        self.statement, self.packages_list = st, packages
        entries = st.entries if st else []
        self.entries.set_rows(rows if rows is not None else entry_rows(st))
        self.chart.set_entries(entries)
        if st is None:
            self.totals.setText(self.tr("No talent selected."))
        else:
            money = ", ".join(f"<b>{v:,.2f} {c}</b>" for c, v in st.totals.items()) or self.tr("nothing yet")
            bad = len(st.violations)
            paid = (self.tr("1 paid use · owed {money}") if st.uses == 1
                    else self.tr("{n} paid uses · owed {money}")).format(n=st.uses, money=money)
            if bad:
                paid += " · <span style='color:{0}'>{1}</span>".format(
                    VIOLATION.name(), self.tr("1 violation") if bad == 1 else self.tr("{n} violations").format(n=bad))
            self.totals.setText(paid)
        self._show_approved(st.approved_outputs if st else [], thumbs or {})
        self._show_unapproved(unapproved_outputs(st), thumbs or {})
        bad_entries = st.violations if st else []
        self.violations.setVisible(bool(bad_entries))
        self.violations.setText("<br>".join(
            f"<span style='color:{VIOLATION.name()}'>{day_text(e.on, e.timezone)} · {e.brand}: "
            f"{'; '.join(e.reasons)}</span>"
            for e in bad_entries[-5:]))
        self.packages.setRowCount(len(packages))
        for r, p in enumerate(packages):
            zone = p.manifest.get("timezone")  # the grant's, as the brand reads its expiry
            cells = (p.id, instant_text(p.created_at, zone), p.brand, str(len(p.manifest["assets"])),
                     p.file_sha256[:16] + "…")
            for c, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(self.tr("Grant {0}\nMade {1}\nFile SHA-256 {2}").format(
                    p.grant_id, utc_and_local(p.created_at, zone), p.file_sha256))
                self.packages.setItem(r, c, item)

    def _show_approved(self, outputs: list[ApprovedOutput], thumbs: dict[str, QImage]) -> None:
        self.approved.clear()
        voice = self.style().standardIcon(QStyle.SP_MediaVolume)
        other = self.style().standardIcon(QStyle.SP_FileIcon)
        for o in outputs:
            text = self.tr("{day} · {brand} · {description} ({media})").format(
                day=day_text(o.on, o.timezone), brand=o.brand, description=o.description, media=o.media_type)
            image = thumbs.get(o.sha256)
            icon = QIcon(QPixmap.fromImage(image)) if image is not None else (
                voice if o.media_type.startswith("audio/") else other)
            item = QListWidgetItem(icon, text, self.approved)
            item.setToolTip(self.tr("Request {request}, package {package}, grant {grant}\nApproved {when}\n"
                                    "SHA-256 {sha}").format(request=o.request_id, package=o.package_id,
                                                            grant=o.grant_id, when=utc_and_local(o.at, o.timezone),
                                                            sha=o.sha256))
        self.approved_title.setVisible(bool(outputs))
        self.approved.setVisible(bool(outputs))
        # as tall as three outputs at most: the statement above keeps its room
        rows = min(max(len(outputs), 1), 3)
        self.approved.setFixedHeight(rows * (THUMB + 10) + 2 * self.approved.frameWidth())

    def _show_unapproved(self, outputs: list[tuple[EntryRecord, dict]], thumbs: dict[str, QImage]) -> None:
        """Each output used without approval: the day, the brand, the output's short hash and why
        (never approved, rejected on a day, approved for another package), its thumbnail when it
        came in an approval request (its blob is in the vault), the full hash in the tool tip."""
        self.unapproved.clear()
        voice = self.style().standardIcon(QStyle.SP_MediaVolume)
        other = self.style().standardIcon(QStyle.SP_MessageBoxWarning)
        for e, o in outputs:
            text = self.tr("{day} · {brand} · {media}: {reason}").format(  # the reason names the output
                day=day_text(e.on, e.timezone), brand=e.brand, media=o["media_type"], reason=o["reason"])
            image = thumbs.get(o["sha256"])
            icon = QIcon(QPixmap.fromImage(image)) if image is not None else (
                voice if o["media_type"].startswith("audio/") and o.get("request") else other)
            item = QListWidgetItem(icon, text, self.unapproved)
            item.setData(Qt.UserRole, o["sha256"])
            item.setForeground(VIOLATION)
            item.setToolTip(self.tr("Reported in {report}, package {package}, grant {grant}\nRecorded {when}\n"
                                    "SHA-256 {sha}").format(report=e.report_id, package=e.package_id,
                                                            grant=e.grant_id, when=utc_and_local(e.at, e.timezone),
                                                            sha=o["sha256"]))
        self.unapproved_title.setVisible(bool(outputs))
        self.unapproved.setVisible(bool(outputs))
        rows = min(max(len(outputs), 1), 3)
        self.unapproved.setFixedHeight(rows * (THUMB + 10) + 2 * self.unapproved.frameWidth())

    # -- actions -----------------------------------------------------------------------------------
    def choose_report(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Import a usage report"), "",
                                              self.tr("Usage reports (*.json);;All files (*)"))
        if path:
            self.import_report(Path(path))

    def import_report(self, path: Path) -> None:
        self.banner.hide()
        self.tasks.write(lambda _task: import_report(self.vault, path), self._imported, self.banner.show_error,
                         what=self.tr("Importing the report"), owner=self)

    def _imported(self, result) -> None:
        e = result.entry
        if result.violation:
            self.banner.show_message(self.tr("{brand} reported a use that grant {grant} does not allow or with "
                                             "outputs the talent did not approve; recorded as a violation the "
                                             "talent will see: {reasons}").format(
                brand=e.brand, grant=e.grant_id, reasons="; ".join(e.reasons)), "warning")
        else:
            self.banner.show_message(self.tr("Recorded {0} use(s) by {1} on {2}: {3} owed to the talent.").format(
                e.count, e.brand, day_text(e.on, e.timezone), f"{e.fee:,.2f} {e.currency}"), "info")

    def choose_csv(self) -> None:
        if self.statement is None:
            return
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Save statement"), f"statement-{self.statement.talent_id}.csv",
                                              self.tr("CSV (*.csv)"))
        if path:
            st = self.statement
            self.tasks.read(lambda _task: write_csv(st, Path(path)),
                            lambda _: self.banner.show_message(self.tr("Statement saved to {0}").format(path), "info"),
                            lambda exc: self.banner.show_error(exc), what=self.tr("Saving the statement"), owner=self)
