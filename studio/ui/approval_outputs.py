"""Review mode's *Outputs to approve* (issue 14, DR047, DR054): each approval request a brand sent
for this talent's likeness, with what the brand says it will do with it, and each output full
size — an image scaled to fit (or at 100 %), a voice line in the app's player — with *Approve*
and *Reject* and a note. Each decision is asked once, with the words signed and the talent's own
passphrase (DR034's pattern); only then is it signed (:func:`decide_outputs`) on the writer.

A talent who holds their own key sees why the studio cannot decide for them
(:func:`own_device_refusal`'s message) and no buttons."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (QCheckBox, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout, QLabel, QLineEdit,
                               QListWidget, QListWidgetItem, QPlainTextEdit, QPushButton, QScrollArea, QSizePolicy,
                               QSplitter, QStackedWidget, QVBoxLayout, QWidget)

from studio.core.changes import Changes
from studio.core.consent.talent_keys import TalentKey
from studio.core.errors import TalentSignsOnOwnDevice
from studio.core.package.approval_files import APPROVED, NOTE_LIMIT, REJECTED
from studio.core.package.approval_previews import OutputPreview, output_preview
from studio.core.package.approvals import ApprovalRecord, OutputRecord, decide_outputs, list_requests, own_device_refusal
from studio.core.talents import TalentRecord
from studio.core.vault import Vault
from studio.ui.banner import Banner
from studio.ui.signing_stages import SigningStages
from studio.ui.tasks import TaskManager
from studio.ui.voice_view import VoiceDetail

APPROVE, REJECT = "approve", "reject"


def _pending(vault: Vault, talent_id: str) -> tuple[list[ApprovalRecord], str | None]:
    """On a worker: the talent's requests with an output still undecided, and the refusal's words
    when the talent holds their own key (then the studio decides nothing for them)."""
    try:
        own_device_refusal(vault, talent_id)
        refusal = None
    except TalentSignsOnOwnDevice as exc:
        refusal = str(exc)
    return [r for r in list_requests(vault, talent_id) if r.undecided], refusal


def _preview(vault: Vault, request_id: str, sha256: str) -> tuple[OutputPreview, QImage | None]:
    """On a worker: the output's bytes and, for an image, the image decoded (QImage is safe off
    the GUI thread; the bytes never touch the disk)."""
    p = output_preview(vault, request_id, sha256)
    image = None if p.is_audio else QImage.fromData(p.data)
    return p, (image if image is not None and not image.isNull() else None)


class ImageView(QScrollArea):
    """An image scaled to fit the space it has, or shown at 100 % (scroll to see it all)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel(self)
        self.label.setAlignment(Qt.AlignCenter)
        self.setWidget(self.label)
        self.setAlignment(Qt.AlignCenter)
        self.image: QImage | None = None
        self.actual_size = False
        self._fit()

    def set_image(self, image: QImage | None) -> None:
        self.image = image
        self._show()

    def set_actual_size(self, on: bool) -> None:
        self.actual_size = on
        self._fit()
        self._show()

    def _fit(self) -> None:
        # fitted: the label takes the viewport's size whatever its pixmap (no scroll bars); at 100 %:
        # the image's own size, scrolled
        self.setWidgetResizable(not self.actual_size)
        policy = QSizePolicy.Preferred if self.actual_size else QSizePolicy.Ignored
        self.label.setSizePolicy(policy, policy)

    def _show(self) -> None:
        if self.image is None:
            self.label.clear()
            return
        if self.actual_size:
            pix = QPixmap.fromImage(self.image)
            self.label.setPixmap(pix)
            self.label.resize(pix.size())
            return
        room = self.viewport().size()
        pix = QPixmap.fromImage(self.image)
        if pix.width() > room.width() or pix.height() > room.height():
            pix = pix.scaled(room, Qt.KeepAspectRatio, Qt.SmoothTransformation)
        self.label.setPixmap(pix)

    def shown_size(self):
        pix = self.label.pixmap()
        return pix.size() if pix is not None else None

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().resizeEvent(event)
        if not self.actual_size:
            self._show()


class ConfirmOutputDialog(SigningStages, QDialog):
    """Asked once before the talent approves or rejects an output: the words of the decision, that
    it is final, and their own passphrase (checked by unlocking their key on a worker; only then
    is the decision signed on the writer). A wrong passphrase or Cancel changes nothing."""

    def __init__(self, vault: Vault, tasks: TaskManager, talent: TalentRecord, request: ApprovalRecord,
                 output: OutputRecord, decision: str, note: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vault, self.tasks, self.talent, self.request, self.output = vault, tasks, talent, request, output
        self.decision, self.note = decision, note.strip()
        self.result_record: ApprovalRecord | None = None
        self._stage: str | None = None  # None, "unlocking" (Cancel still stops it) or "signing" (it cannot)
        self.setMinimumWidth(560)
        approve = decision == APPROVE
        self.setWindowTitle(self.tr("Approve this output?") if approve else self.tr("Reject this output?"))
        intro = QLabel((self.tr("<b>{name}</b>, you are approving this output with your own key:") if approve else
                        self.tr("<b>{name}</b>, you are rejecting this output with your own key:")).format(
                            name=html.escape(talent.name)), self)
        intro.setWordWrap(True)
        self.text = QPlainTextEdit(self)
        self.text.setReadOnly(True)
        self.text.setPlainText(self.decision_text())
        self.text.setAccessibleName(self.tr("What you sign"))
        self.text.setMinimumHeight(150)
        self.final = QLabel(self.tr("<b>This is final.</b> A decision on an output cannot be changed: to ask "
                                    "again, the brand sends a new request."), self)
        self.final.setWordWrap(True)
        self.banner = Banner(self)
        self.passphrase = QLineEdit(self)
        self.passphrase.setEchoMode(QLineEdit.Password)
        self.passphrase.setAccessibleName(self.tr("Your own passphrase"))
        self.passphrase.textChanged.connect(self._typed)
        form = QFormLayout()
        form.addRow(self.tr("Your own passphrase"), self.passphrase)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel, self)
        self.confirm_button = self.buttons.button(QDialogButtonBox.Ok)
        self.confirm_button.setText(self.tr("Approve") if approve else self.tr("Reject"))
        self.confirm_button.setEnabled(False)
        self.buttons.accepted.connect(self._confirm)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        for w in (intro, self.text, self.final, self.banner):
            lay.addWidget(w, 1 if w is self.text else 0)
        lay.addLayout(form)
        lay.addWidget(self.buttons)
        self.passphrase.setFocus(Qt.OtherFocusReason)

    def decision_text(self) -> str:
        r, o, u = self.request, self.output, self.request.use
        what = (self.tr("I approve the output “{name}” that {brand} made with my likeness.") if self.decision == APPROVE
                else self.tr("I reject the output “{name}” that {brand} made with my likeness.")).format(
                    name=o.name, brand=r.brand)
        lines = [what,
                 self.tr("Use: {description} — {purpose}, {media}, {territory}").format(
                     description=u.get("description", ""), purpose=u.get("purpose", ""), media=u.get("media", ""),
                     territory=u.get("territory", "")),
                 self.tr("Request {request}, package {package}, grant {grant}").format(
                     request=r.id, package=r.package_id, grant=r.grant_id),
                 self.tr("Output SHA-256 {sha}").format(sha=o.sha256)]
        if self.note:
            lines.append(self.tr("My note to the brand: {note}").format(note=self.note))
        return "\n".join(lines)

    def _talent_id(self) -> str:
        return self.request.talent_id

    def _work(self, key: TalentKey):
        vault, rid, sha, note = self.vault, self.request.id, self.output.sha256, self.note or None
        chosen = {"approve": [sha]} if self.decision == APPROVE else {"reject": [sha]}
        return lambda _task: decide_outputs(vault, rid, key, note=note, **chosen)

    def _signed(self, record: ApprovalRecord) -> None:
        self.result_record = record


class OutputsPanel(QWidget):
    """The tab: pending requests (left), the request's terms and outputs, the output full size
    and the decision (right)."""

    countChanged = Signal(int)  # outputs awaiting the talent's decision

    def __init__(self, vault: Vault, tasks: TaskManager, talent: TalentRecord, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vault, self.tasks, self.talent = vault, tasks, talent
        self.records: list[ApprovalRecord] = []
        self.refusal: str | None = None
        self.loaded = False
        self.preview: OutputPreview | None = None
        self.confirm: ConfirmOutputDialog | None = None
        self._loading = self._reload = False
        self.banner = Banner(self)
        self.own_key_note = QLabel(self)
        self.own_key_note.setWordWrap(True)
        self.own_key_note.setAccessibleName(self.tr("Who decides"))
        self.own_key_note.hide()
        self.requests = QListWidget(self)
        self.requests.setAccessibleName(self.tr("Requests awaiting your decision"))
        self.requests.currentRowChanged.connect(self._request_selected)
        self.requests.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)  # long descriptions: elided, whole
        self.requests.setTextElideMode(Qt.ElideRight)                       # in the tool tip and the terms
        self.empty = QLabel(self.tr("No brand is waiting for your decision on an output."), self)
        self.empty.setWordWrap(True)
        self.empty.setEnabled(False)
        self.terms = QLabel(self)
        self.terms.setWordWrap(True)
        self.terms.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.terms.setAlignment(Qt.AlignTop)
        self.outputs = QListWidget(self)
        self.outputs.setAccessibleName(self.tr("Outputs"))
        self.outputs.currentRowChanged.connect(self._output_selected)
        self.outputs.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        self.outputs.setTextElideMode(Qt.ElideMiddle)  # a long file name keeps its end (its state)
        self.image = ImageView(self)
        self.voice = VoiceDetail(self)
        self.placeholder = QLabel(self.tr("Select an output to see it full size."), self)
        self.placeholder.setAlignment(Qt.AlignCenter)
        self.placeholder.setEnabled(False)
        self.stack = QStackedWidget(self)
        for w in (self.placeholder, self.image, self.voice):
            self.stack.addWidget(w)
        self.actual_size = QCheckBox(self.tr("Actual size (100 %)"), self)
        self.actual_size.toggled.connect(self.image.set_actual_size)
        self.state = QLabel(self)
        self.note = QLineEdit(self)
        self.note.setPlaceholderText(self.tr("A note to the brand (optional)"))
        self.note.setMaxLength(NOTE_LIMIT)
        self.note.setAccessibleName(self.tr("Note to the brand"))
        self.approve_button = QPushButton(self.tr("Approve…"), self)
        self.reject_button = QPushButton(self.tr("Reject…"), self)
        self.approve_button.setToolTip(self.tr("Approve this output, signed with your own key: the brand may "
                                               "publish it, with content credentials naming your approval"))
        self.reject_button.setToolTip(self.tr("Reject this output, signed with your own key: the brand gets no "
                                              "credentials for it, and your note"))
        self.approve_button.clicked.connect(lambda: self.decide(APPROVE))
        self.reject_button.clicked.connect(lambda: self.decide(REJECT))

        left = QWidget(self)
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addWidget(QLabel(self.tr("<b>Requests</b>"), self))
        ll.addWidget(self.requests, 1)
        ll.addWidget(self.empty)
        ll.addWidget(self.terms)
        ll.addWidget(QLabel(self.tr("<b>Outputs</b>"), self))
        ll.addWidget(self.outputs, 2)
        decide = QHBoxLayout()
        decide.addWidget(self.note, 1)
        decide.addWidget(self.approve_button)
        decide.addWidget(self.reject_button)
        view_bar = QHBoxLayout()
        view_bar.addWidget(self.state, 1)
        view_bar.addWidget(self.actual_size)
        right = QWidget(self)
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addLayout(view_bar)
        rl.addWidget(self.stack, 1)
        rl.addLayout(decide)
        split = QSplitter(Qt.Horizontal, self)
        split.addWidget(left)
        split.addWidget(right)
        split.setSizes([240, 520])
        split.setChildrenCollapsible(False)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addWidget(self.own_key_note)
        lay.addWidget(self.banner)
        lay.addWidget(split, 1)
        self._show_output(None)
        tasks.changed.connect(self.on_changes)
        self.refresh()

    # -- data ------------------------------------------------------------------------------------
    def on_changes(self, changes: Changes) -> None:
        """A request imported or decided for this talent (its statement changed), or their key
        switched to their own device."""
        if changes.everything or self.talent.id in changes.ledger or self.talent.id in changes.talents:
            self.refresh()

    def refresh(self) -> None:
        if self._loading:
            self._reload = True
            return
        self._loading, self._reload = True, False
        tid = self.talent.id
        self.tasks.read(lambda _task: _pending(self.vault, tid), lambda data: self._loaded(*data), self._load_failed,
                        what=self.tr("Loading the outputs to approve"), owner=self)

    def _load_failed(self, exc: BaseException) -> None:
        self._loading = False
        self.banner.show_error(exc)

    def _loaded(self, records: list[ApprovalRecord], refusal: str | None) -> None:
        self._loading = False
        if self._reload:
            self.refresh()
            return
        current = self.current_request()
        keep_output = self.current_output()
        self.records, self.refusal = records, refusal
        self.own_key_note.setText(self.tr("{reason}. Nothing can be approved or rejected here.").format(
            reason=refusal) if refusal else "")
        self.own_key_note.setVisible(refusal is not None)
        self.requests.blockSignals(True)
        self.requests.clear()
        for r in records:
            item = QListWidgetItem(self.tr("{brand} — {description}").format(
                brand=r.brand, description=r.use.get("description", "")), self.requests)
            item.setToolTip(self.tr("{description}\nRequest {request}, received {when}; {n} of {total} output(s) to "
                                    "decide").format(description=r.use.get("description", ""), request=r.id,
                                                     when=r.created_at[:16].replace("T", " "), n=len(r.undecided),
                                                     total=len(r.outputs)))
        self.requests.blockSignals(False)
        self.empty.setVisible(not records)
        self.loaded = True
        self.countChanged.emit(0 if refusal else sum(len(r.undecided) for r in records))
        row = next((i for i, r in enumerate(records) if current and r.id == current.id), 0 if records else -1)
        self.requests.blockSignals(True)  # shown once, below, keeping the output where it can
        self.requests.setCurrentRow(row)
        self.requests.blockSignals(False)
        self._request_selected(row, keep_output.sha256 if keep_output else None)

    def current_request(self) -> ApprovalRecord | None:
        row = self.requests.currentRow()
        return self.records[row] if 0 <= row < len(self.records) else None

    def current_output(self) -> OutputRecord | None:
        r, row = self.current_request(), self.outputs.currentRow()
        return r.outputs[row] if r is not None and 0 <= row < len(r.outputs) else None

    def _request_selected(self, row: int, keep: str | None = None) -> None:
        r = self.records[row] if 0 <= row < len(self.records) else None
        self.outputs.blockSignals(True)
        self.outputs.clear()
        if r is None:
            self.terms.setText("")
            self.outputs.blockSignals(False)
            self._output_selected(-1)
            return
        u = r.use
        self.terms.setText(self.tr("<b>{brand}</b> asks to publish these outputs made with your likeness.<br>"
                                   "<b>Use:</b> {description}<br><b>Purpose:</b> {purpose} · <b>Media:</b> {media} · "
                                   "<b>Territory:</b> {territory}<br><b>Under grant</b> {grant} "
                                   "(package {package})").format(
            brand=html.escape(r.brand), description=html.escape(u.get("description", "")),
            purpose=html.escape(u.get("purpose", "")), media=html.escape(u.get("media", "")),
            territory=html.escape(u.get("territory", "")), grant=r.grant_id, package=r.package_id)
            + (self.tr("<br>Generated media mixed with captured media (composite).") if u.get("composite") else ""))
        for o in r.outputs:
            item = QListWidgetItem(self.tr("{name} — {state}").format(name=o.name, state=self._state_text(o)),
                                   self.outputs)
            item.setToolTip(self.tr("{media} · SHA-256 {sha}").format(media=o.media_type, sha=o.sha256))
        self.outputs.blockSignals(False)
        index = next((i for i, o in enumerate(r.outputs) if o.sha256 == keep and o.decision is None), None)
        if index is None:  # the next output awaiting a decision, as review mode's list does
            index = next((i for i, o in enumerate(r.outputs) if o.decision is None), 0)
        self.outputs.setCurrentRow(index)
        self._output_selected(index)

    def _state_text(self, o: OutputRecord) -> str:
        if o.decision == APPROVED:
            return self.tr("approved")
        if o.decision == REJECTED:
            return self.tr("rejected")
        return self.tr("awaiting your decision")

    def _output_selected(self, row: int) -> None:
        r = self.current_request()
        o = r.outputs[row] if r is not None and 0 <= row < len(r.outputs) else None
        self._show_output(o)
        if o is None:
            return
        if self.preview is not None and self.preview.sha256 == o.sha256 and self.preview.request_id == r.id:
            return  # the same output after a refresh: kept as shown
        self.preview = None
        rid, sha = r.id, o.sha256
        self.tasks.read(lambda _task: _preview(self.vault, rid, sha), self._preview_ready, self.banner.show_error,
                        what=self.tr("Opening the output"), owner=self)

    def _preview_ready(self, found: tuple[OutputPreview, QImage | None]) -> None:
        preview, image = found
        o = self.current_output()
        if o is None or o.sha256 != preview.sha256:
            return  # another output was chosen meanwhile
        self.preview = preview
        if preview.is_audio:
            self.voice.show_take(preview.name, preview.data, preview.media_type, preview.waveform, preview.metrics, [])
            self.stack.setCurrentWidget(self.voice)
        elif image is not None:
            self.image.set_image(image)
            self.stack.setCurrentWidget(self.image)
        else:
            self.placeholder.setText(self.tr("This output cannot be shown here."))
            self.stack.setCurrentWidget(self.placeholder)
        self.actual_size.setVisible(image is not None)

    def _show_output(self, o: OutputRecord | None) -> None:
        own = self.refusal is not None
        undecided = o is not None and o.decision is None and not own
        for w in (self.approve_button, self.reject_button, self.note):
            w.setVisible(not own)
            w.setEnabled(undecided and self.confirm is None)
        if o is None:
            self.voice.clear()
            self.image.set_image(None)
            self.preview = None
            self.state.setText("")
            self.actual_size.hide()
            self.placeholder.setText(self.tr("Select an output to see it full size."))
            self.stack.setCurrentWidget(self.placeholder)
            return
        text = self._state_text(o)
        if o.note:
            text += " — " + self.tr("your note: {note}").format(note=o.note)
        self.state.setText(self.tr("<b>{name}</b> · {state}").format(name=html.escape(o.name), state=html.escape(text)))

    # -- the decision ------------------------------------------------------------------------------
    def decide(self, decision: str) -> None:
        """Ask once, with the words signed and the talent's passphrase; signed only then (DR034)."""
        r, o = self.current_request(), self.current_output()
        if r is None or o is None or o.decision is not None or self.refusal or self.confirm is not None:
            return
        self.confirm = ConfirmOutputDialog(self.vault, self.tasks, self.talent, r, o, decision, self.note.text(), self)
        self.confirm.setAttribute(Qt.WA_DeleteOnClose)
        self.confirm.accepted.connect(self.note.clear)
        self.confirm.finished.connect(self._confirm_closed)
        self._show_output(o)
        self.confirm.open()

    def _confirm_closed(self) -> None:
        self.confirm = None  # deleted as it closes
        self._show_output(self.current_output())

    def shutdown(self) -> None:
        self.voice.shutdown()
