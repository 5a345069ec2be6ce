"""A talent's grants: state, dates, uses left and fee, the plain-language summary, and the
studio's actions (draft, edit a draft, activate what the talent signed); the talent's pause of
new exports, with its badge, and their Pause/Resume exports… (signed with their passphrase)."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QAbstractTableModel, QCoreApplication, QModelIndex, Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QHeaderView, QLabel, QPushButton, QTableView,
                               QVBoxLayout, QWidget)

from studio.core.assets import list_assets
from studio.core.changes import Changes
from studio.core.consent import fees
from studio.core.consent.document import summary
from studio.core.consent.grants import GrantRecord, activate_grant, list_grants
from studio.core.consent.pause import PauseRecord, list_pauses
from studio.core.consent.talent_keys import key_holder
from studio.core.talents import TalentRecord
from studio.core.vault import Vault
from studio.ui.elided import FlowLayout
from studio.ui.grant_editor import GrantEditor
from studio.ui.pause_exports import PAUSE, RESUME, ask_pause, pause_choices, resume_choices
from studio.ui.tasks import TaskManager

COLUMNS = (QT_TRANSLATE_NOOP("GrantTable", "Grant"), QT_TRANSLATE_NOOP("GrantTable", "State"),
           QT_TRANSLATE_NOOP("GrantTable", "Licensee"), QT_TRANSLATE_NOOP("GrantTable", "From"),
           QT_TRANSLATE_NOOP("GrantTable", "Until"), QT_TRANSLATE_NOOP("GrantTable", "Uses left"),
           QT_TRANSLATE_NOOP("GrantTable", "Fee"))


def grant_row(g: GrantRecord) -> tuple[str, ...]:
    d = g.document
    status = g.status()
    if g.revocation is not None and status in ("active", "signed"):
        status += QCoreApplication.translate("GrantTable", " · revoked from {date}").format(
            date=g.revocation["effective"])  # within the notice period
    uses = QCoreApplication.translate("GrantTable", "{left} of {most}").format(left=g.uses_left, most=d["max_uses"])
    return (g.id, status, d["licensee"], d["start"], d["end"], uses,
            fees.words(d))  # "4800.00 EUR per use": the basis in the words the talent signs (DR033)


class _Cell:
    """What ``GrantTable.item`` returns: a cell's text (the table has no item objects)."""

    def __init__(self, text: str) -> None:
        self._text = text

    def text(self) -> str:
        return self._text


class _GrantModel(QAbstractTableModel):
    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.rows: list[tuple[str, ...]] = []

    def set_rows(self, rows: list[tuple[str, ...]]) -> None:
        self.beginResetModel()
        self.rows = rows
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802 (Qt API)
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.DisplayRole):  # noqa: N802
        if orientation == Qt.Horizontal and role == Qt.DisplayRole:
            return QCoreApplication.translate("GrantTable", COLUMNS[section])
        return None

    def data(self, index, role=Qt.DisplayRole):
        # the tooltip repeats the cell: an elided grant id or a long licensee shows in full on hover
        return self.rows[index.row()][index.column()] if role in (Qt.DisplayRole, Qt.ToolTipRole) else None


class GrantTable(QTableView):
    """A talent's grants, one row each. A view over the rows' texts (made on a worker): a
    thousand grants are one model reset, not 7,000 table items made on the GUI thread (DR026)."""

    itemSelectionChanged = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._model = _GrantModel(self)
        self.setModel(self._model)
        self.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SingleSelection)
        self.verticalHeader().hide()
        self.verticalHeader().setSectionResizeMode(QHeaderView.Fixed)
        self.setWordWrap(False)  # one line a grant, as the table widget showed them
        header = self.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeToContents)
        header.setResizeContentsPrecision(20)  # sized from 20 rows, not 1,000 (precision 0 measures every row of a hidden table)
        # the licensee's name is what a reader looks for: sized to it, never squeezed; the grant's id is
        # long and the same for every reader, so it is shown elided in the middle (the full id is on the
        # row's tooltip); the other columns keep their contents' width (a scroll bar when the tab is narrow)
        self.setTextElideMode(Qt.ElideMiddle)
        header.setSectionResizeMode(0, QHeaderView.Interactive)
        header.resizeSection(0, self.fontMetrics().horizontalAdvance("grt_d90…f5f") + 12)
        self.selectionModel().selectionChanged.connect(lambda *_: self.itemSelectionChanged.emit())
        self.grants: list[GrantRecord] = []

    def set_grants(self, grants: list[GrantRecord], rows: list[tuple[str, ...]] | None = None) -> None:
        """``rows``: the grants' cells, made beforehand on a worker (``grant_row``) for a long list."""
        keep = self.current().id if self.current() else None
        self.grants = grants
        self.blockSignals(True)
        self._model.set_rows(list(rows) if rows is not None else [grant_row(g) for g in grants])
        self.blockSignals(False)
        row = next((r for r, g in enumerate(grants) if g.id == keep), 0 if grants else None)
        if row is not None:
            self.selectRow(row)
        else:
            self.itemSelectionChanged.emit()

    def rowCount(self) -> int:  # noqa: N802 (the table widget's name, kept)
        return self._model.rowCount()

    def currentRow(self) -> int:  # noqa: N802
        index = self.currentIndex()
        return index.row() if index.isValid() else -1

    def item(self, row: int, column: int) -> _Cell | None:
        return _Cell(self._model.rows[row][column]) if 0 <= row < len(self._model.rows) else None

    def current(self) -> GrantRecord | None:
        row = self.currentRow()
        return self.grants[row] if 0 <= row < len(self.grants) else None


class ConsentPanel(QWidget):
    def __init__(self, vault: Vault, tasks: TaskManager, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vault, self.tasks = vault, tasks
        self.talent: TalentRecord | None = None
        self.table = GrantTable(self)
        self.table.itemSelectionChanged.connect(self._selected)
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.summary.setAlignment(Qt.AlignTop)
        self.new_button = QPushButton(self.tr("New draft…"), self)
        self.edit_button = QPushButton(self.tr("Edit draft…"), self)
        self.activate_button = QPushButton(self.tr("Activate"), self)
        self.activate_button.setToolTip(self.tr("Countersign with the studio key: only a grant the talent signed"))
        # the talent's own pause of new exports (DR050): signed with their passphrase, as a grant is
        self.pause_button = QPushButton(self.tr("Pause exports…"), self)
        self.resume_button = QPushButton(self.tr("Resume exports…"), self)
        self.paused_badge = QLabel(self)
        self.paused_badge.setObjectName("pausedBadge")
        self.paused_badge.setStyleSheet("QLabel#pausedBadge { background: #b45309; color: white; "
                                        "border-radius: 4px; padding: 2px 8px; font-weight: bold; }")
        self.paused_badge.hide()
        self.pauses: list[PauseRecord] = []
        self.key_holder: str | None = None  # "studio", "talent" (their own device) or None, as last read
        self.pause_button.clicked.connect(lambda: self.ask(PAUSE))
        self.resume_button.clicked.connect(lambda: self.ask(RESUME))
        self.new_button.clicked.connect(lambda: self.open_editor(None))
        self.edit_button.clicked.connect(lambda: self.open_editor(self.table.current()))
        self.activate_button.clicked.connect(self.activate)
        bar = FlowLayout(spacing=6)  # onto a second line in a narrow window (DR035)
        title = QLabel(self.tr("<b>Consent grants</b>"), self)
        title.setContentsMargins(0, 0, 12, 0)
        bar.addWidget(title)
        for b in (self.new_button, self.edit_button, self.activate_button, self.pause_button, self.resume_button,
                  self.paused_badge):
            bar.addWidget(b)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(bar)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.summary)
        self._selected()
        tasks.changed.connect(self.on_changes)

    def on_changes(self, changes: Changes) -> None:
        """A grant signed, activated, used or reported on; an asset approved (the editor lists them)."""
        if changes.touches("grants", "ledger") or (self.talent is not None and self.talent.id in changes.talents):
            self.refresh()

    def set_talent(self, talent: TalentRecord | None) -> None:
        self.talent = talent
        self.new_button.setEnabled(talent is not None)
        self.refresh()

    def refresh(self) -> None:
        talent = self.talent
        if talent is None:
            self.table.set_grants([])
            self._set_pauses([])
            self._selected()
            return
        def work(_task):
            grants = list_grants(self.vault, talent.id)
            pauses = list_pauses(self.vault, talent.id, active_only=True)
            # who holds the key now (the talent record may predate a passphrase set or a card linked)
            holder = key_holder(self.vault, talent.id)
            return grants, [grant_row(g) for g in grants], pauses, holder  # the cells too: a thousand grants format here

        self.tasks.read(work, lambda data: self._loaded(talent.id, *data), what=self.tr("Loading grants"))

    def _loaded(self, talent_id: str, grants: list[GrantRecord], rows, pauses: list[PauseRecord],
                holder: str | None) -> None:
        if self.talent is not None and self.talent.id == talent_id:
            self.table.set_grants(grants, rows)
            self._set_pauses(pauses, holder)
            self._selected()

    def _set_pauses(self, pauses: list[PauseRecord], holder: str | None = None) -> None:
        self.pauses, self.key_holder = pauses, holder
        everything = next((p for p in pauses if p.grant_id is None), None)
        if everything is not None:
            self.paused_badge.setText(self.tr("Paused"))
            self.paused_badge.setToolTip(self.tr("The talent paused every new export of their likeness since "
                                                 "{since}").format(since=everything.paused_at))
        elif pauses:
            self.paused_badge.setText(self.tr("Paused: %n grant(s)", "", len(pauses)))
            self.paused_badge.setToolTip("\n".join(self.tr("Grant {grant} paused since {since}").format(
                grant=p.grant_id, since=p.paused_at) for p in pauses))
        self.paused_badge.setVisible(bool(pauses))
        if holder == "talent":
            tip = self.tr("{name} holds their own key: they pause and resume on their own device").format(
                name=self.talent.name)
            self.pause_button.setToolTip(tip)
            self.resume_button.setToolTip(tip)
        else:
            self.pause_button.setToolTip(self.tr("The talent stops new exports of their likeness, signed with their "
                                                 "own passphrase; nothing is revoked"))
            self.resume_button.setToolTip(self.tr("Only the talent's signature lifts their pause"))
        self.pause_button.setEnabled(holder == "studio" and bool(pause_choices(self.table.grants, pauses)))
        self.resume_button.setEnabled(holder == "studio" and bool(pauses))

    def ask(self, decision: str) -> None:
        """Ask the talent to sign a pause or a resume (their passphrase), then refresh."""
        if self.talent is None:
            return
        choices = (pause_choices(self.table.grants, self.pauses) if decision == PAUSE
                   else resume_choices(self.pauses))
        if choices:
            self.confirm = ask_pause(self.vault, self.tasks, self.talent, decision, choices, self)

    def _selected(self) -> None:
        g = self.table.current()
        self.edit_button.setEnabled(g is not None and g.state == "draft")
        self.activate_button.setEnabled(g is not None and g.status() == "signed")
        self.summary.setText(summary(g.document).replace("\n", "<br>") if g else
                             self.tr("No grant selected. Nothing leaves the vault without a grant the talent signed."))

    def open_editor(self, grant: GrantRecord | None) -> None:
        if self.talent is None:
            return
        talent = self.talent
        self.tasks.read(lambda _task: list_assets(self.vault, talent.id),
                        lambda assets: self._edit(talent, assets, grant),
                        what=self.tr("Loading assets"))

    def _edit(self, talent: TalentRecord, assets, grant) -> None:
        self.editor = GrantEditor(self.vault, self.tasks, talent.id, assets, grant, self)
        self.editor.setAttribute(Qt.WA_DeleteOnClose)
        self.editor.open()

    def activate(self) -> None:
        g = self.table.current()
        if g is not None:
            self.tasks.write(lambda _task: activate_grant(self.vault, g.id), what=self.tr("Activating"))
