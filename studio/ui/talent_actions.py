"""The main window's actions on the selected talent's keys and erasure: their passphrase, linking
their own key, erasing them and the signed receipt, review mode. Mixed into
:class:`studio.ui.main_window.MainWindow`, whose ``vault``, ``tasks``, ``talent``,
``show_error`` and status bar they use."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QMessageBox

from studio.core.errors import StudioError
from studio.ui.banner import error_text


class TalentActions:
    """Talent ▸ Talent's passphrase…, Link talent's own key…, Erase talent…, Save Erasure
    Receipt…, Review as talent…"""

    def talent_passphrase(self) -> None:
        from studio.core.consent.talent_keys import STUDIO, key_holder, talent_card_row
        from studio.ui.talent_passphrase import TalentPassphraseDialog

        talent = self.talent
        if talent is None:
            self.show_error(self.tr("Talent's passphrase"), StudioError(self.tr("Choose the talent first.")))
            return

        def read(_task):
            return key_holder(self.vault, talent.id), talent_card_row(self.vault, talent.id)

        def open_dialog(found) -> None:
            holder, card = found
            self.passphrase_dialog = TalentPassphraseDialog(self.vault, self.tasks, talent, holder == STUDIO, self,
                                                            card=card)
            self.passphrase_dialog.setAttribute(Qt.WA_DeleteOnClose)
            self.passphrase_dialog.open()

        self.tasks.read(read, open_dialog, what=self.tr("Talent's passphrase"))

    def link_talent_key(self, path: Path | None = None) -> None:
        """*Link talent's own key…* for the selected talent: pick their card (unless ``path`` is
        given), confirm its fingerprint, link it (``twin-studio talent link``)."""
        from studio.ui.talent_card import open_card_dialog, pick_card

        talent = self.talent
        if talent is None:
            self.show_error(self.tr("Link talent's own key"), StudioError(self.tr("Choose the talent first.")))
            return
        path = path or pick_card(self)
        if path is None:
            return

        def opened(dialog) -> None:
            self.card_dialog = dialog

        open_card_dialog(self.vault, self.tasks, self, path, talent_id=talent.id, on_open=opened)

    def _update_erase_action(self) -> None:
        """*Erase talent…* for a talent who asked and is not erased; *Save Erasure Receipt…* for an
        erased one (read on a worker)."""
        from studio.core.erasure import erasure_status

        self.erase_action.setEnabled(False)
        self.receipt_action.setEnabled(False)
        talent = self.talent
        if talent is None:
            return
        tid = talent.id

        def shown(status: str | None) -> None:
            if self.talent is not None and self.talent.id == tid:
                self.erase_action.setEnabled(status == "requested")
                self.receipt_action.setEnabled(status == "erased")

        self.tasks.read(lambda _task: erasure_status(self.vault, tid), shown, lambda _exc: None,
                        what=self.tr("Looking for the talent's erasure request"))

    def erase_talent(self) -> None:
        """*Erase talent…*: what is destroyed (read on a worker), confirmed by typing the talent's id,
        erased on the writer (DR055)."""
        from studio.core.erasure import plan_erasure
        from studio.ui.erase_talent import EraseTalentDialog

        talent = self.talent
        if talent is None:
            self.show_error(self.tr("Erase talent"), StudioError(self.tr("Choose the talent first.")))
            return

        def opened(plan) -> None:
            self.erase_dialog = EraseTalentDialog(self.vault, self.tasks, talent, plan, self)
            # erased: the signed receipt is offered at once (after the dialog has closed)
            self.erase_dialog.accepted.connect(
                lambda: QTimer.singleShot(0, self, lambda: self.choose_erasure_receipt(talent.id)))
            self.erase_dialog.open()

        self.tasks.read(lambda _task: plan_erasure(self.vault, talent.id), opened,
                        lambda exc: self.show_error(self.tr("Erase talent"), exc),
                        what=self.tr("Reading what the erasure destroys"))

    def choose_erasure_receipt(self, talent_id: str | None = None) -> None:
        """Where to save the signed erasure receipt of ``talent_id`` (the selected talent): a
        ``.json`` file that must not exist yet (nothing is overwritten). The picker is window-modal
        and does not block (:attr:`receipt_dialog`); Cancel saves nothing."""
        from PySide6.QtWidgets import QFileDialog

        tid = talent_id or (self.talent.id if self.talent is not None else None)
        if tid is None:
            return
        dialog = QFileDialog(self, self.tr("Save the erasure receipt"), str(Path.home()),
                             self.tr("Erasure receipts (*.json)"))
        dialog.selectFile(f"erasure-{tid}.json")
        dialog.setAcceptMode(QFileDialog.AcceptSave)
        dialog.setDefaultSuffix("json")
        dialog.setOption(QFileDialog.DontConfirmOverwrite)  # an existing file is refused instead, with why
        dialog.setAttribute(Qt.WA_DeleteOnClose)
        dialog.fileSelected.connect(lambda path: self.save_erasure_receipt(tid, Path(path)))
        self.receipt_dialog = dialog
        dialog.open()

    def save_erasure_receipt(self, talent_id: str, out: Path) -> None:
        """Write the receipt on a worker (it only reads the vault); refused when ``out`` exists, the
        reason shown in :attr:`receipt_box`."""
        from studio.core.kits.receipts import write_erasure_receipt

        def saved(_receipt) -> None:
            self.statusBar().showMessage(self.tr("Erasure receipt saved to {path}").format(path=out))
            self.receipt_saved = out

        def refused(exc: BaseException) -> None:
            box = QMessageBox(QMessageBox.Warning, self.tr("Erasure receipt not saved"),
                              self.tr("The receipt was not saved: {reason}").format(reason=error_text(exc)),
                              QMessageBox.Ok, self)
            box.setAttribute(Qt.WA_DeleteOnClose)
            self.receipt_box = box
            box.open()

        self.tasks.read(lambda _task: write_erasure_receipt(self.vault, talent_id, out), saved, refused,
                        what=self.tr("Saving the erasure receipt"))

    def review_as_talent(self) -> None:
        from studio.ui.review_window import start_review

        if self.talent is None:
            self.show_error(self.tr("Review"), StudioError(self.tr("Choose the talent first.")))
            return
        self.review = start_review(self.vault, self.talent, self.tasks, self)
