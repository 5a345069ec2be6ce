"""The main window's exchanges with the talent's and the brand's machines: importing a talent's
signed decisions, importing a brand's approval request, writing the answer to it (DR047, DR049,
DR054). Mixed into :class:`studio.ui.main_window.MainWindow`, whose ``vault``, ``tasks`` and
status bar they use."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from studio.core.vault import Vault
from studio.ui.banner import error_text


class ExchangeActions:
    """File ▸ Import Decisions…, Import Approval Request…, Respond to Approval Request…"""

    def choose_decisions(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        path, _ = QFileDialog.getOpenFileName(self, self.tr("Import a talent's decisions"), "",
                                              self.tr("Decisions files (*.twindecisions);;All files (*)"))
        if path:
            self.import_decisions(Path(path))

    def import_decisions(self, path: Path) -> None:
        """``decisions import`` as a write: every signature checked against the talent's card, all
        applied in one transaction or nothing (DR049); what was applied, or why it was refused, is
        shown in :attr:`decisions_box`."""
        from studio.core.kits.decisions import import_decisions

        self.tasks.write(lambda _task: import_decisions(self.vault, path), self._decisions_imported,
                         lambda exc: self._decisions_report(QMessageBox.Warning, self.tr("Decisions refused"),
                                                            self.tr("Nothing was changed: {reason}").format(
                                                                reason=error_text(exc))),
                         what=self.tr("Importing the talent's decisions"))

    def _decisions_imported(self, done) -> None:
        labels = {"approve": self.tr("approved asset {0}"), "reject": self.tr("rejected asset {0}"),
                  "sign": self.tr("signed grant {0}"), "decline": self.tr("declined grant {0}"),
                  "revoke": self.tr("revoked grant {0}"), "pause": self.tr("asked to pause exports {0}"),
                  "resume": self.tr("asked to resume exports {0}"),
                  "request_access": self.tr("asked for an access copy {0}"),
                  "request_erasure": self.tr("asked for erasure {0}"),
                  "approve_output": self.tr("approved output {0}"), "reject_output": self.tr("rejected output {0}")}
        lines = [labels.get(kind, kind + " {0}").format(subject or "").rstrip() for kind, subject in done.applied]
        self._decisions_report(QMessageBox.Information, self.tr("Talent's decisions imported"),
                               self.tr("{count} decision(s) of talent {talent} applied (kit {kit}):").format(
                                   count=len(done.applied), talent=done.talent_id, kit=done.kit_id)
                               + "\n" + "\n".join("• " + line for line in lines))
        self.statusBar().showMessage(self.tr("Imported decisions {id}").format(id=done.decisions_id))

    def _decisions_report(self, icon, title: str, text: str) -> None:
        self.decisions_box = _report(self, icon, title, text)

    # -- the approval of each output (issue 14, DR047, DR054) ----------------------------------------
    def choose_approval_request(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        path, _ = QFileDialog.getOpenFileName(self, self.tr("Import an approval request"), "",
                                              self.tr("Approval requests (*.twinrequest);;All files (*)"))
        if path:
            self.import_approval_request(Path(path))

    def import_approval_request(self, path: Path) -> None:
        """``approval import`` as a write: checked against the package and the grant, kept
        encrypted for the talent to decide; what was imported, or why it was refused (nothing
        changed), is shown in :attr:`approval_box`."""
        from studio.core.package.approvals import import_request

        def work(_task):
            rec = import_request(self.vault, path)
            return rec, _own_device_note(self.vault, rec.talent_id)

        self.tasks.write(work, self._approval_imported,
                         lambda exc: self._approval_report(QMessageBox.Warning, self.tr("Approval request refused"),
                                                           self.tr("Nothing was imported: {reason}").format(
                                                               reason=error_text(exc))),
                         what=self.tr("Importing the approval request"))

    def _approval_imported(self, found) -> None:
        rec, own_device = found
        u = rec.use
        text = self.tr("{brand} asks talent {talent} to approve {n} output(s) (request {id}):\n"
                       "{description} — {purpose}, {media}, {territory}, under grant {grant}.").format(
            brand=rec.brand, talent=rec.talent_id, n=len(rec.outputs), id=rec.id, description=u.get("description", ""),
            purpose=u.get("purpose", ""), media=u.get("media", ""), territory=u.get("territory", ""),
            grant=rec.grant_id)
        text += "\n" + "\n".join(f"• {o.name} ({o.media_type})" for o in rec.outputs)
        text += "\n\n" + (own_device or self.tr("The talent decides on each output in review mode (Talent ▸ Review "
                                                 "as talent…, tab Outputs to approve)."))
        self._approval_report(QMessageBox.Information, self.tr("Approval request imported"), text)
        self.statusBar().showMessage(self.tr("Imported approval request {id}").format(id=rec.id))

    def _approval_report(self, icon, title: str, text: str) -> None:
        self.approval_box = _report(self, icon, title, text)

    def choose_response(self) -> None:
        """Pick a request the talent has decided on all of, then where its answer goes."""
        from studio.core.package.approvals import list_requests

        self.tasks.read(lambda _task: [r for r in list_requests(self.vault) if not r.undecided],
                        self._pick_response, what=self.tr("Loading the decided approval requests"))

    def _pick_response(self, decided) -> None:
        from PySide6.QtWidgets import QFileDialog, QInputDialog

        from studio.core.paths import documents_dir

        if not decided:
            self._approval_report(QMessageBox.Information, self.tr("Respond to an approval request"),
                                  self.tr("No approval request is fully decided yet: the talent decides on each "
                                          "output in review mode first."))
            return
        labels = [self.tr("{id} — {brand}, talent {talent} ({approved} approved, {rejected} rejected){answered}").format(
            id=r.id, brand=r.brand, talent=r.talent_id,
            approved=sum(o.decision == "approved" for o in r.outputs),
            rejected=sum(o.decision == "rejected" for o in r.outputs),
            answered=self.tr(", answered before") if r.responded_at else "") for r in decided]
        label, ok = QInputDialog.getItem(self, self.tr("Respond to an approval request"), self.tr("Request:"), labels,
                                         0, False)
        if not ok:
            return
        rec = decided[labels.index(label)]
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Save the answer for {brand}").format(brand=rec.brand),
                                              str(documents_dir() / f"{rec.id}.twinapproval"),
                                              self.tr("Approval answers (*.twinapproval)"),
                                              options=QFileDialog.DontConfirmOverwrite)  # never over a file
        if path:
            self.respond_to_request(rec.id, Path(path))

    def respond_to_request(self, request_id: str, path: Path) -> None:
        """``approval respond`` as a write: the answer at ``path`` (never over a file: a file
        there is refused, changing nothing); the result is shown in :attr:`approval_box`."""
        from studio.core.package.approvals import respond

        self.tasks.write(lambda _task: respond(self.vault, request_id, path), self._responded,
                         lambda exc: self._approval_report(QMessageBox.Warning, self.tr("No answer written"),
                                                           self.tr("Nothing was written: {reason}").format(
                                                               reason=error_text(exc))),
                         what=self.tr("Writing the answer to the approval request"))

    def _responded(self, done) -> None:
        self._approval_report(QMessageBox.Information, self.tr("Answer written"), self.tr(
            "Wrote {path} for request {id}: {approved} approved output(s) with content credentials, {rejected} "
            "rejected. Send it to the brand.").format(path=done.path, id=done.request_id,
                                                      approved=len(done.approved), rejected=len(done.rejected)))
        self.statusBar().showMessage(self.tr("Answered approval request {id}").format(id=done.request_id))


def _report(parent, icon, title: str, text: str) -> QMessageBox:
    """A window-modal message that does not block, deleted when closed (tests read it)."""
    box = QMessageBox(icon, title, text, QMessageBox.Ok, parent)
    box.setAttribute(Qt.WA_DeleteOnClose)
    box.open()
    return box


def _own_device_note(vault: Vault, talent_id: str) -> str | None:
    """On a worker: the refusal's words when the talent holds their own key (they decide on their
    device, not in review mode here), else None."""
    from studio.core.errors import TalentSignsOnOwnDevice
    from studio.core.package.approvals import own_device_refusal

    try:
        own_device_refusal(vault, talent_id)
    except TalentSignsOnOwnDevice as exc:
        return str(exc)
    return None
