"""The talent's choices before they sign them: each listed under *Your decisions* (undoable), one
reason for the file, and the :class:`Choices` they make. Mixed into
:class:`studio.ui.talent_window.TalentWindow`, whose lists, kit and ``pending`` they use."""

from __future__ import annotations

import html
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from studio.core.kits.talent_side import Choices
from studio.ui.talent_dialogs import ReasonDialog

ASSET_ROLE = Qt.UserRole  # an asset's id, or an output's (request, sha256, carried), on its list item


@dataclass(frozen=True)
class Pending:
    """One choice not yet signed: ``kind`` as in a decisions file, ``subject`` the asset or grant
    (None: all the talent's exports, or a request about them), ``label`` as listed."""

    kind: str
    subject: str | None
    label: str


# choices that replace each other on the same subject (approving after rejecting, …)
_EXCLUSIVE = ({"approve", "reject"}, {"sign", "decline", "revoke"}, {"pause", "resume"},
              {"approve_output", "reject_output"})


class TalentChoices:
    """Approve or reject an asset, sign, decline, revoke, pause or resume a grant, the requests
    about all exports; undo; :meth:`choices` for signing."""

    def _add(self, choice: Pending) -> None:
        """List ``choice``; one it contradicts on the same subject (approve after reject) is replaced."""
        group = next((g for g in _EXCLUSIVE if choice.kind in g), {choice.kind})
        self.pending = [p for p in self.pending if not (p.subject == choice.subject and p.kind in group)]
        self.pending.append(choice)
        self.saved_path = None
        self._refresh_decisions()

    def _refresh_decisions(self) -> None:
        self.decisions.clear()
        for p in self.pending:
            self.decisions.addItem(p.label)
        needs = any(p.kind in ("reject", "decline", "revoke", "reject_output") for p in self.pending)
        self.decisions_reason.setText(self.tr("Reason, kept with each rejection, decline and revocation: “{reason}”")
                                      .format(reason=self.reason) if needs and self.reason else "")
        if self.shown is not None:
            for i in range(self.assets.count()):
                item = self.assets.item(i)
                item.setText(self._asset_line(self.scenes.assets[item.data(ASSET_ROLE)]))
            for i in range(self.outputs.count()):
                item = self.outputs.item(i)
                item.setText(self._output_line(*self._output_of(item)))
        self._show_kit_state()

    def _ask_reason(self, title: str, question: str, required: bool, then) -> None:
        """Ask for the file's one reason (DR049: ``kit decide --reason``), shown with what it already
        says; ``then(reason)`` once the talent gives it (nothing when they cancel)."""
        if self.reason_dialog is not None:
            return  # one asked at a time
        dialog = ReasonDialog(title, question, self.reason, required, self)
        dialog.setAttribute(Qt.WA_DeleteOnClose)
        self.reason_dialog = dialog

        def accepted() -> None:
            reason = dialog.reason.text().strip()
            self.reason = reason or self.reason
            then()

        dialog.accepted.connect(accepted)
        dialog.finished.connect(lambda _r: setattr(self, "reason_dialog", None))
        dialog.open()

    def choose_asset(self, kind: str) -> None:
        a = self.current_asset()
        if a is None or self.showing_output:
            return
        label = (self.tr("Approve {name}") if kind == "approve" else self.tr("Reject {name}")).format(name=a["name"])
        choice = Pending(kind, a["id"], label)
        if kind == "reject":
            self._ask_reason(self.tr("Reject “{name}”").format(name=a["name"]),
                             self.tr("Why do you reject <b>{name}</b>?").format(name=html.escape(a["name"])),
                             False, lambda: self._add(choice))
            return
        self._add(choice)

    def choose_grant(self, kind: str) -> None:
        g = self.current_grant()
        if g is None:
            return
        use = (g.get("document") or {}).get("use_description") or g["id"]
        labels = {"sign": self.tr("Sign grant {use}"), "decline": self.tr("Decline grant {use}"),
                  "revoke": self.tr("Revoke grant {use}"), "pause": self.tr("Pause exports under {use}"),
                  "resume": self.tr("Resume exports under {use}")}
        choice = Pending(kind, g["id"], labels[kind].format(use=use))
        if kind == "revoke":
            self._ask_reason(self.tr("Revoke grant"), self.tr("Why do you revoke <b>{use}</b>?").format(
                use=html.escape(use)), True, lambda: self._add(choice))
        elif kind == "decline":
            self._ask_reason(self.tr("Decline grant"), self.tr("Why do you decline <b>{use}</b>?").format(
                use=html.escape(use)), False, lambda: self._add(choice))
        else:
            self._add(choice)

    def choose_request(self, kind: str) -> None:
        if self.shown is None:
            return
        labels = {"pause": self.tr("Pause all new exports of my likeness"),
                  "resume": self.tr("Resume all exports of my likeness"),
                  "request_access": self.tr("Ask for a copy of everything held about me"),
                  "request_erasure": self.tr("Ask for my likeness to be erased")}
        choice = Pending(kind, None, labels[kind])
        if kind != "request_erasure":
            self._add(choice)
            return
        box = QMessageBox(QMessageBox.Question, self.tr("Ask for erasure"),
                          self.tr("Ask the studio to erase your likeness: your scans and voice takes, and what was "
                                  "made from them. Packages already delivered to brands are not recalled by this. "
                                  "Add the request?"), QMessageBox.Yes | QMessageBox.No, self)
        box.setAttribute(Qt.WA_DeleteOnClose)
        box.buttonClicked.connect(lambda b: self._add(choice) if box.standardButton(b) == QMessageBox.Yes else None)
        self.erasure_box = box
        box.open()

    def undo_selected(self) -> None:
        rows = sorted({i.row() for i in self.decisions.selectedIndexes()}, reverse=True)
        if not rows and self.pending:
            rows = [len(self.pending) - 1]  # nothing selected: the last choice
        for r in rows:
            del self.pending[r]
        self._refresh_decisions()

    def choices(self) -> Choices:
        def of(kind: str) -> tuple:
            return tuple(p.subject for p in self.pending if p.kind == kind)

        kinds = {p.kind for p in self.pending}
        needs_reason = kinds & {"reject", "decline", "revoke", "reject_output"}
        return Choices(approve=of("approve"), reject=of("reject"), sign=of("sign"), decline=of("decline"),
                       revoke=of("revoke"), reason=(self.reason or None) if needs_reason else None,
                       pause=of("pause"), resume=of("resume"), request_access="request_access" in kinds,
                       request_erasure="request_erasure" in kinds, approve_output=of("approve_output"),
                       reject_output=of("reject_output"))
