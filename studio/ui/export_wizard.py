"""The export wizard: talent → grant → assets → brand → summary with the plain-language
licence → progress → done (the file and its fingerprint). Every check is the core's
(``plan_export``); the export itself runs on the writer thread and can be cancelled."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (QComboBox, QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QListWidget,
                               QListWidgetItem, QProgressBar, QPushButton, QVBoxLayout, QWidget, QWizard,
                               QWizardPage)

from studio.core.assets import list_assets
from studio.core.changes import Changes
from studio.core.consent import vocab
from studio.core.consent.document import summary
from studio.core.consent.fees import words as fee_words
from studio.core.consent.grants import GrantRecord, list_grants
from studio.core.errors import Cancelled
from studio.core.package.brands import BrandRecord, list_brands
from studio.core.package.export import ExportPlan, ExportResult, export_package, plan_export
from studio.core.talents import TalentRecord, list_talents
from studio.core.vault import Vault
from studio.ui.banner import Banner
from studio.ui.consent_panel import GrantTable
from studio.ui.tasks import Task, TaskManager


class _Page(QWizardPage):
    def __init__(self, wizard: "ExportWizard", title: str, subtitle: str) -> None:
        super().__init__()
        self.w = wizard
        self.setTitle(title)
        self.setSubTitle(subtitle)
        self.banner = Banner(self)
        self.box = QVBoxLayout(self)
        self.box.addWidget(self.banner)


class TalentPage(_Page):
    def __init__(self, wizard) -> None:
        super().__init__(wizard, self.tr("Talent"), self.tr("Whose twin goes out?"))
        self.combo = QComboBox(self)
        self.combo.setAccessibleName(self.tr("Talent"))
        self.combo.currentIndexChanged.connect(self.completeChanged)
        self.box.addWidget(self.combo)
        self.box.addStretch(1)

    def initializePage(self) -> None:  # noqa: N802 (Qt API)
        self.w.tasks.read(lambda _task: list_talents(self.w.vault), self._loaded, self.banner.show_error,
                          what=self.tr("Loading talents"), owner=self)

    def _loaded(self, talents: list[TalentRecord]) -> None:
        self.combo.clear()
        for t in talents:
            self.combo.addItem(f"{t.name}  ({t.id})", t)
            if self.w.talent_id == t.id:
                self.combo.setCurrentIndex(self.combo.count() - 1)
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802
        return self.combo.currentData() is not None

    def validatePage(self) -> bool:  # noqa: N802
        self.w.talent_id = self.combo.currentData().id
        self.w.talent_name = self.combo.currentData().name
        return True


class GrantPage(_Page):
    def __init__(self, wizard) -> None:
        super().__init__(wizard, self.tr("Grant"), self.tr("Only an active grant the talent signed and the studio "
                                                           "countersigned lets a twin leave the vault."))
        self.table = GrantTable(self)
        self.table.setAccessibleName(self.tr("Grants"))
        self.table.itemSelectionChanged.connect(self.completeChanged)
        self.note = QLabel(self)
        self.note.setWordWrap(True)
        self.box.addWidget(self.table, 1)
        self.box.addWidget(self.note)
        self.table.itemSelectionChanged.connect(self._note)

    def initializePage(self) -> None:  # noqa: N802
        tid = self.w.talent_id
        self.w.tasks.read(lambda _task: list_grants(self.w.vault, tid), self._loaded, self.banner.show_error,
                          what=self.tr("Loading grants"), owner=self)

    def _loaded(self, grants: list[GrantRecord]) -> None:
        self.table.set_grants(grants)
        for r, g in enumerate(grants):
            if g.status() == "active" and g.uses_left > 0:
                self.table.selectRow(r)
                break
        self._note()
        self.completeChanged.emit()

    def _note(self) -> None:
        g = self.table.current()
        if g is None:
            self.note.setText(self.tr("This talent has no grants yet: draft one on the Consent tab."))
        elif g.status() != "active":
            self.note.setText(self.tr("This grant is {state}; it does not permit an export.").format(state=g.status()))
        elif g.uses_left <= 0:
            self.note.setText(self.tr("Every use of this grant is spent."))
        else:
            self.note.setText(self.tr("{left} of {most} uses left; this export counts one.").format(
                left=g.uses_left, most=g.document["max_uses"]))

    def isComplete(self) -> bool:  # noqa: N802
        g = self.table.current()
        return g is not None and g.status() == "active" and g.uses_left > 0

    def validatePage(self) -> bool:  # noqa: N802
        self.w.grant = self.table.current()
        return True


class AssetsPage(_Page):
    def __init__(self, wizard) -> None:
        super().__init__(wizard, self.tr("Assets"),
                         self.tr("The approved assets the grant covers; untick any the brand does not need."))
        self.list = QListWidget(self)
        self.list.setAccessibleName(self.tr("Assets to export"))
        self.list.itemChanged.connect(self.completeChanged)
        self.box.addWidget(self.list, 1)

    def initializePage(self) -> None:  # noqa: N802
        g = self.w.grant
        covered = [a["id"] for a in g.document["assets"]]
        self.w.tasks.read(lambda _task: [a for a in list_assets(self.w.vault, g.talent_id) if a.id in covered],
                          self._loaded, self.banner.show_error, what=self.tr("Loading assets"), owner=self)

    def _loaded(self, assets) -> None:
        self.list.clear()
        for a in assets:
            item = QListWidgetItem(f"{a.original_name}  —  {a.kind.replace('_', ' ')}, {a.status.replace('_', ' ')}")
            item.setData(Qt.UserRole, a.id)
            item.setFlags(item.flags() | Qt.ItemIsUserCheckable)
            item.setCheckState(Qt.Checked)
            self.list.addItem(item)
        self.completeChanged.emit()

    def chosen(self) -> list[str]:
        return [self.list.item(i).data(Qt.UserRole) for i in range(self.list.count())
                if self.list.item(i).checkState() == Qt.Checked]

    def isComplete(self) -> bool:  # noqa: N802
        return bool(self.chosen())

    def validatePage(self) -> bool:  # noqa: N802
        self.w.assets = self.chosen()
        return True


class BrandPage(_Page):
    def __init__(self, wizard) -> None:
        super().__init__(wizard, self.tr("Brand"), self.tr("Who receives the package, for which use, and where it is saved."))
        self.brand = QComboBox(self)
        self.brand.setAccessibleName(self.tr("Brand"))
        self.brands_button = QPushButton(self.tr("Brands…"), self)
        self.brands_button.clicked.connect(self.w.open_brands)
        self.purpose, self.media, self.territory = QComboBox(self), QComboBox(self), QComboBox(self)
        self.out = QLineEdit(self)
        self.out.setAccessibleName(self.tr("Package file"))
        browse = QPushButton(self.tr("Choose…"), self)
        browse.clicked.connect(self.choose)
        brand_row, out_row = QHBoxLayout(), QHBoxLayout()
        brand_row.addWidget(self.brand, 1)
        brand_row.addWidget(self.brands_button)
        out_row.addWidget(self.out, 1)
        out_row.addWidget(browse)
        form = QFormLayout()
        form.addRow(self.tr("Brand"), brand_row)
        form.addRow(self.tr("Purpose"), self.purpose)
        form.addRow(self.tr("Medium"), self.media)
        form.addRow(self.tr("Territory"), self.territory)
        form.addRow(self.tr("Save as"), out_row)
        self.box.addLayout(form)
        self.box.addStretch(1)
        for signal in (self.brand.currentIndexChanged, self.out.textChanged):
            signal.connect(self.completeChanged)
        self.w.tasks.changed.connect(self._changes)

    def _changes(self, changes: Changes) -> None:
        if changes.touches("brands") and self.w.grant is not None:
            self.load_brands()

    def initializePage(self) -> None:  # noqa: N802
        doc = self.w.grant.document
        for combo, codes, labels in ((self.purpose, doc["purposes"], vocab.PURPOSES),
                                     (self.media, doc["media"], vocab.MEDIA),
                                     (self.territory, doc["territories"], {})):
            combo.clear()
            for code in codes:
                combo.addItem(f"{labels.get(code, code)} ({code})" if labels else code, code)
        if not self.out.text():
            self.out.setText(str(Path.home() / f"{self.w.grant.id}.twinpkg"))
        self.load_brands()

    def load_brands(self) -> None:
        self.w.tasks.read(lambda _task: list_brands(self.w.vault), self._loaded, self.banner.show_error,
                          what=self.tr("Loading brands"), owner=self)

    def _loaded(self, brands: list[BrandRecord]) -> None:
        licensee = " ".join(self.w.grant.document["licensee"].split()).casefold()
        self.brand.clear()
        for b in brands:
            self.brand.addItem(f"{b.name}  ({b.id})", b)
            if b.name.casefold() == licensee:
                self.brand.setCurrentIndex(self.brand.count() - 1)
        if not brands:
            self.banner.show_message(self.tr("No brand is registered yet: add the licensee's brand card with Brands…."),
                                     "warning")
        else:
            self.banner.hide()
        self.completeChanged.emit()

    def choose(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Save package"), self.out.text(),
                                              self.tr("Twin packages (*.twinpkg)"))
        if path:
            self.out.setText(path if path.endswith(".twinpkg") else path + ".twinpkg")

    def isComplete(self) -> bool:  # noqa: N802
        return self.brand.currentData() is not None and bool(self.out.text().strip())

    def validatePage(self) -> bool:  # noqa: N802
        self.w.brand = self.brand.currentData()
        self.w.use = (self.purpose.currentData(), self.media.currentData(), self.territory.currentData())
        self.w.out = Path(self.out.text().strip()).expanduser()
        return True


class SummaryPage(_Page):
    def __init__(self, wizard) -> None:
        super().__init__(wizard, self.tr("Summary"),
                         self.tr("What the brand may do with the twin, in the words the talent signed."))
        self.text = QLabel(self)
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.text.setAlignment(Qt.AlignTop)
        self.box.addWidget(self.text, 1)
        self.plan: ExportPlan | None = None

    def initializePage(self) -> None:  # noqa: N802
        w = self.w
        self.plan = None
        self.banner.hide()
        doc = w.grant.document
        release = (self.tr("Outputs must carry PLUS Model Release Status MR-LMR with Model Release ID {id} and an "
                           "AI label.") if doc["ai_label"] == "required" else
                   self.tr("Outputs must carry PLUS Model Release Status MR-LMR with Model Release ID {id}."))
        self.text.setText(
            "<p>" + self.tr("<b>%n file(s)</b> of {talent} go to <b>{brand}</b>, encrypted so that only its key opens "
                            "them, for {purpose} / {medium} in {territory}.", "", len(w.assets)).format(
                talent=w.talent_name, brand=w.brand.name, purpose=w.use[0], medium=w.use[1], territory=w.use[2])
            + "</p>"
            f"<p>{summary(doc).replace(chr(10), '<br>')}</p>"
            "<p>" + release.format(id=w.grant.id) + "</p>"
            "<p>" + self.tr("This export counts as one use (fee: {terms}).").format(terms=fee_words(doc)) + "</p>"
            "<p>" + self.tr("Saved to {path}").format(path=w.out) + "</p>")
        args = (w.grant.id, w.brand.id, w.assets, *w.use)
        w.tasks.read(lambda _task: plan_export(w.vault, *args), self._planned, self._refused,
                     what=self.tr("Checking the grant"), owner=self)

    def _planned(self, plan: ExportPlan) -> None:
        self.plan = plan
        self.completeChanged.emit()

    def _refused(self, exc: BaseException) -> None:
        self.banner.show_error(exc)
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802
        return self.plan is not None


class ExportPage(_Page):
    def __init__(self, wizard) -> None:
        super().__init__(wizard, self.tr("Export"),
                         self.tr("Packaging, encrypting and signing. Cancel leaves no file and counts no use."))
        self.bar = QProgressBar(self)
        self.bar.setAccessibleName(self.tr("Export progress"))
        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.cancel_button = QPushButton(self.tr("Cancel export"), self)
        self.cancel_button.clicked.connect(self.cancel)
        self.box.addWidget(self.bar)
        self.box.addWidget(self.cancel_button, 0, Qt.AlignLeft)
        self.box.addWidget(self.status, 1)
        self.result: ExportResult | None = None
        self.task: Task | None = None
        self.running = False
        self._last = 0

    def initializePage(self) -> None:  # noqa: N802
        w = self.w
        self.result, self.task = None, None
        self.bar.setRange(0, 1000)
        self.bar.setValue(0)
        self.cancel_button.setEnabled(True)
        self.status.setText(self.tr("Working…"))
        self.running = True
        args = (w.grant.id, w.brand.id, w.out, w.assets, *w.use)
        self.task = w.tasks.write(lambda task: export_package(w.vault, *args, progress=task.report, cancel=task.token),
                                  self._done, self._failed, what=self.tr("Exporting"), owner=self, progress=self._progress)

    def _progress(self, p) -> None:
        value = int(1000 * (p.fraction or 0))
        if value != self._last:
            self._last = value
            self.bar.setValue(value)

    def cancel(self) -> None:
        if self.task is not None:
            self.task.cancel()
            self.cancel_button.setEnabled(False)
            self.status.setText(self.tr("Cancelling…"))

    def _done(self, result: ExportResult) -> None:
        self.running = False
        self.result = result
        self.bar.setValue(1000)
        self.cancel_button.setEnabled(False)
        self.status.setText(self.tr("<p><b>Package {id}</b> written to<br>{path}</p>"
                                    "<p>File fingerprint (SHA-256):<br><tt>{sha256}</tt></p>"
                                    "<p>Give the brand the file and the studio key (Package ▸ Export studio key…); "
                                    "they check it with <tt>twin-studio verify</tt>.</p>").format(
            id=result.package_id, path=result.path, sha256=result.file_sha256))
        self.completeChanged.emit()
        self.w.exported(result)

    def _failed(self, exc: BaseException) -> None:
        self.running = False
        self.cancel_button.setEnabled(False)
        if isinstance(exc, Cancelled):
            self.status.setText(self.tr("Cancelled: no package was written and no use was counted."))
        else:
            self.banner.show_error(exc)
            self.status.setText(self.tr("Nothing was written and no use was counted."))

    def isComplete(self) -> bool:  # noqa: N802
        return self.result is not None


class ExportWizard(QWizard):
    def __init__(self, vault: Vault, tasks: TaskManager, talent_id: str | None = None, parent: QWidget | None = None,
                 open_brands=None) -> None:
        super().__init__(parent)
        self.vault, self.tasks = vault, tasks
        self.setWindowTitle(self.tr("Export twin"))
        self.setWizardStyle(QWizard.ClassicStyle)
        self.resize(720, 560)
        self.talent_id = talent_id
        self.talent_name = ""
        self.grant: GrantRecord | None = None
        self.assets: list[str] = []
        self.brand: BrandRecord | None = None
        self.use: tuple[str, str, str] = ("", "", "")
        self.out = Path()
        self._open_brands = open_brands
        self.pages = [TalentPage(self), GrantPage(self), AssetsPage(self), BrandPage(self), SummaryPage(self),
                      ExportPage(self)]
        for p in self.pages:
            self.addPage(p)
        self.setOption(QWizard.NoBackButtonOnLastPage)
        self.setButtonText(QWizard.FinishButton, self.tr("Done"))

    def open_brands(self) -> None:
        if self._open_brands is not None:
            self._open_brands()  # a brand registered there reaches the brand page as a change

    def exported(self, result: ExportResult) -> None:
        self.button(QWizard.CancelButton).setEnabled(False)

    def reject(self) -> None:
        export = self.pages[5]
        if self.currentPage() is export and export.running:
            export.cancel()  # the writer thread ends it; the page reports it
            return
        super().reject()
