"""*Erase talent…* (issue 13, DR055): only for a talent who asked for it by a signed request. The
dialog says in plain words what is destroyed for good, asks for the talent's id to be typed, and
erases on the vault's writer with progress (the key first, then the files); the main window then
offers to save the signed receipt (*Talent ▸ Save Erasure Receipt…* later)."""

from __future__ import annotations

import html

from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QPlainTextEdit,
                               QProgressBar, QVBoxLayout, QWidget)

from studio.core.erasure import ErasurePlan, ErasureResult, erase_talent
from studio.core.progress import Progress
from studio.core.talents import TalentRecord
from studio.core.vault import Vault
from studio.ui.banner import Banner
from studio.ui.tasks import TaskManager


class EraseTalentDialog(QDialog):
    def __init__(self, vault: Vault, tasks: TaskManager, talent: TalentRecord, plan: ErasurePlan,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vault, self.tasks, self.talent, self.plan = vault, tasks, talent, plan
        self.result_erasure: ErasureResult | None = None
        self.setMinimumWidth(560)
        self.setWindowTitle(self.tr("Erase talent?"))
        intro = QLabel(self.tr("<b>{name}</b> asked for the erasure of their likeness, with their signature. "
                               "This cannot be undone. It destroys:").format(name=html.escape(talent.name)), self)
        intro.setWordWrap(True)
        self.text = QPlainTextEdit(self)
        self.text.setReadOnly(True)
        self.text.setAccessibleName(self.tr("What is destroyed"))
        self.text.setMinimumHeight(160)
        self.text.setPlainText("\n".join(self.lines()))
        self.banner = Banner(self)
        self.typed = QLineEdit(self)
        self.typed.setPlaceholderText(talent.id)
        self.typed.setAccessibleName(self.tr("The talent's id, to confirm"))
        self.typed.textChanged.connect(self._typed)
        form = QFormLayout()
        form.addRow(self.tr("Type {id} to confirm").format(id=talent.id), self.typed)
        self.progress = QProgressBar(self)
        self.progress.setAccessibleName(self.tr("Erasing"))
        self.progress.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel, self)
        self.confirm_button = self.buttons.button(QDialogButtonBox.Ok)
        self.confirm_button.setText(self.tr("Erase"))
        self.confirm_button.setEnabled(False)
        self.buttons.accepted.connect(self._confirm)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addWidget(self.text, 1)
        lay.addWidget(self.banner)
        lay.addLayout(form)
        lay.addWidget(self.progress)
        lay.addWidget(self.buttons)
        self.typed.setFocus()

    def lines(self) -> list[str]:
        p = self.plan
        lines = [self.tr("• Their likeness key: no copy of their files, the studio's backups included, can be "
                         "opened again."),
                 self.tr("• %n asset(s) and every file of theirs: originals, previews, thumbnails, waveforms.", "",
                         len(p.assets)),
                 self.tr("• Their name, e-mail and agency, their review notes, the file lists of their packages.")]
        legacy = sum(len(v) for v in p.legacy.values())
        if legacy:
            lines.append(self.tr("• %n older file(s), stored before each talent had their own key: deleted here, "
                                 "but their copies in backups open with the vault key until those backups expire.",
                                 "", legacy))
        shared = len(p.handed) + len(p.kept)
        if shared:
            lines.append(self.tr("Kept: %n file(s) another talent has too, byte for byte.", "", shared))
        if p.packages:
            brands = ", ".join(sorted({pkg["brand_name"] for pkg in p.packages}))
            lines.append(self.tr("Already delivered: %n package(s), to {brands}. Erasure cannot reach them: the "
                                 "receipt lists them so the brands can be asked to delete them.", "",
                                 len(p.packages)).format(brands=brands))
        lines.append(self.tr("The ledger keeps amounts, dates and brands; the history keeps fingerprints only."))
        return lines

    def _typed(self, text: str) -> None:
        self.confirm_button.setEnabled(text.strip() == self.talent.id)

    def _confirm(self) -> None:
        if self.typed.text().strip() != self.talent.id:
            return
        self.confirm_button.setEnabled(False)
        self.typed.setEnabled(False)
        self.buttons.button(QDialogButtonBox.Cancel).setEnabled(False)  # the key goes first: no stopping halfway
        self.progress.setRange(0, 0)
        self.progress.show()
        tid = self.talent.id

        def work(task) -> ErasureResult:
            return erase_talent(self.vault, tid, progress=task.report)

        self.tasks.write(work, self._done, self._failed, what=self.tr("Erasing the talent"), owner=self,
                         progress=self._progress)

    def _progress(self, p: Progress) -> None:
        if p.total:
            self.progress.setRange(0, 1000)
            self.progress.setValue(int(1000 * p.done / p.total))

    def _done(self, result: ErasureResult) -> None:
        self.result_erasure = result
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.progress.hide()
        self.buttons.button(QDialogButtonBox.Cancel).setEnabled(True)
        self.typed.setEnabled(True)
        self._typed(self.typed.text())
        self.banner.show_message(str(exc))
