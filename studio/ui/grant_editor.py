"""The grant editor: structured fields for a draft, validated by the core as you type, and the
plain-language summary that the talent will sign. Nothing in it moves when a message comes or
goes; assets and territories are searchable lists with what is chosen first (DR037)."""

from __future__ import annotations

import pycountry
from PySide6.QtCore import QDate, Qt, QTimer
from PySide6.QtWidgets import (QCheckBox, QComboBox, QDateEdit, QDialog, QDialogButtonBox, QFormLayout, QFrame,
                               QGridLayout, QHBoxLayout, QLabel, QLineEdit, QListWidget, QListWidgetItem,
                               QPlainTextEdit, QScrollArea, QSpinBox, QVBoxLayout, QWidget)

from studio.core.assets import AssetRecord
from studio.core.consent import fees, vocab
from studio.core.consent.document import summary
from studio.core.consent.grants import GrantRecord, fields_of, draft_grant, edit_draft, preview_document
from studio.core.vault import Vault
from studio.ui.banner import Banner
from studio.ui.formatting import key_figures, kind_label, status_label
from studio.ui.pick_list import PickList
from studio.ui.tasks import TaskManager

SUMMARY_LINES = 11  # the summary's fixed place: its usual length, more scrolls
CURRENCIES = ("EUR", "USD", "GBP", "CHF", "JPY", "CAD", "AUD", "SEK", "DKK", "PLN", "BRL", "NGN", "ZAR")


def _checklist(items: dict[str, str], height: int = 120) -> QListWidget:
    box = QListWidget()
    for key, text in items.items():
        item = QListWidgetItem(f"{key} — {text}")
        item.setData(Qt.UserRole, key)
        item.setFlags(item.flags() | Qt.ItemIsUserCheckable)
        item.setCheckState(Qt.Unchecked)
        box.addItem(item)
    box.setMaximumHeight(height)
    return box


def _checked(box: QListWidget) -> list[str]:
    return [box.item(i).data(Qt.UserRole) for i in range(box.count()) if box.item(i).checkState() == Qt.Checked]


def _check(box: QListWidget, keys) -> None:
    for i in range(box.count()):
        box.item(i).setCheckState(Qt.Checked if box.item(i).data(Qt.UserRole) in set(keys) else Qt.Unchecked)


class GrantEditor(QDialog):
    def __init__(self, vault: Vault, tasks: TaskManager, talent_id: str, assets: list[AssetRecord],
                 grant: GrantRecord | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Edit grant draft") if grant else self.tr("New grant draft"))
        self.resize(1260, 860)
        self.vault, self.tasks, self.talent_id, self.grant = vault, tasks, talent_id, grant
        self.saved: GrantRecord | None = None
        self.banner = Banner(self)
        self.banner.keep_place(2)
        self.banner.close_button.hide()  # it goes when the fields are right; dismissing would hide why Save is off
        self.all_assets = {a.id: a for a in assets}
        self.licensee = QLineEdit()
        self.represented = QLineEdit()
        self.description = QPlainTextEdit()
        self.description.setMaximumHeight(70)
        self.asset_picker = PickList(
            [(a.id, f"{a.original_name} · {kind_label(a.kind)} · {key_figures(a)}", a.original_name,
              self.tr("Asset ID: {id}").format(id=a.id))
             for a in sorted(assets, key=lambda a: (a.original_name.casefold(), a.created_at, a.id))
             if a.status == "approved"],
            self.tr("Search approved assets by name or ID"), buttons=True)
        self.assets = self.asset_picker.list
        self.assets.setMinimumHeight(self.assets.fontMetrics().lineSpacing() * 10)
        self.not_offered = QLabel(self._not_offered_text(assets))
        self.not_offered.setWordWrap(True)
        self.not_offered.setEnabled(False)  # reads as a note
        if not self.not_offered.text():
            self.not_offered.hide()  # fixed from here on: nothing moves
        self.purposes = _checklist(vocab.PURPOSES, 150)
        self.media = _checklist(vocab.MEDIA, 200)
        self.excluded = _checklist(vocab.EXCLUDED)
        self.territory_picker = PickList(
            [(c.alpha_2, f"{c.alpha_2} — {c.name}", c.alpha_2, c.name)
             for c in sorted(pycountry.countries, key=lambda c: c.name)], self.tr("Search countries by name or code"))
        self.territories = self.territory_picker.list
        self.territories.setMinimumHeight(self.territories.fontMetrics().lineSpacing() * 8)
        today = QDate.currentDate()
        self.start, self.end = QDateEdit(today), QDateEdit(today.addMonths(3))
        for d in (self.start, self.end):
            d.setCalendarPopup(True)
            d.setDisplayFormat("yyyy-MM-dd")
        self.max_uses = QSpinBox()
        self.max_uses.setRange(1, 1_000_000)
        self.max_uses.setValue(10)
        self.fee = QLineEdit("0")
        self.currency = QComboBox()
        self.currency.addItems(CURRENCIES)
        self.fee_basis = QComboBox()
        for code, text in ((fees.PER_USE, self.tr("Per use")), (fees.FLAT, self.tr("Flat fee")),
                           (fees.CAPPED, self.tr("Per use, capped at…"))):
            self.fee_basis.addItem(text, code)
        self.fee_cap = QLineEdit()
        self.fee_cap.setPlaceholderText(self.tr("total at most"))
        self.fee_cap.setEnabled(False)
        self.fee_basis.currentIndexChanged.connect(
            lambda _i: self.fee_cap.setEnabled(self.fee_basis.currentData() == fees.CAPPED))
        self.ai_label = QCheckBox(self.tr("AI-made images and audio must be labelled as such"))
        self.ai_label.setChecked(True)
        self.training = QCheckBox(self.tr("Allow training AI models on the likeness"))
        self.notice = QSpinBox()
        self.notice.setRange(0, 365)
        self.notice.setValue(30)
        self.notice.setSuffix(self.tr(" days"))
        self.exclusive = QCheckBox(self.tr("Exclusive"))
        self.jurisdiction = QComboBox()
        self.jurisdiction.addItem(self.tr("(first territory)"), None)
        for code in sorted(vocab.JURISDICTION_TZ):
            self.jurisdiction.addItem(code, code)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.summary.setAlignment(Qt.AlignTop)
        summary_area = QScrollArea()
        summary_area.setWidget(self.summary)
        summary_area.setWidgetResizable(True)
        summary_area.setFrameShape(QFrame.NoFrame)
        summary_area.setFixedHeight(self.summary.fontMetrics().lineSpacing() * SUMMARY_LINES + 4)

        left = QFormLayout()
        left.setRowWrapPolicy(QFormLayout.WrapAllRows)
        left.addRow(self.tr("Licensee"), self.licensee)
        left.addRow(self.tr("Represented by"), self.represented)
        left.addRow(self.tr("The use, in words"), self.description)
        left.addRow(self.tr("Purposes"), self.purposes)
        left.addRow(self.tr("Media"), self.media)
        middle = QVBoxLayout()
        middle.addWidget(QLabel(self.tr("Assets")))
        middle.addWidget(self.asset_picker, 1)
        middle.addWidget(self.not_offered)
        right = QFormLayout()
        right.addRow(self.tr("Territories"), self.territory_picker)
        right.addRow(self.tr("From"), self.start)
        right.addRow(self.tr("Until (inclusive)"), self.end)
        right.addRow(self.tr("Uses at most"), self.max_uses)
        fee_row = QGridLayout()
        fee_row.addWidget(self.fee, 0, 0)
        fee_row.addWidget(self.currency, 0, 1)
        right.addRow(self.tr("Fee"), fee_row)
        basis_row = QGridLayout()  # a row of its own: the cap's field is wide enough to read
        basis_row.addWidget(self.fee_basis, 0, 0)
        basis_row.addWidget(self.fee_cap, 0, 1)
        right.addRow(self.tr("Fee basis"), basis_row)
        right.addRow(self.tr("Never for"), self.excluded)
        right.addRow(self.tr("Notice to revoke"), self.notice)
        right.addRow(self.tr("Jurisdiction"), self.jurisdiction)
        right.addRow("", self.ai_label)
        right.addRow("", self.training)
        right.addRow("", self.exclusive)
        grid = QGridLayout()
        grid.addLayout(left, 0, 0)
        grid.addLayout(middle, 0, 1)
        grid.addLayout(right, 0, 2)
        for column in range(3):
            grid.setColumnStretch(column, 1)
        heading = QLabel(self.tr("<b>What the talent will read and sign</b>"))
        self.buttons = QDialogButtonBox(QDialogButtonBox.Save | QDialogButtonBox.Cancel)
        self.buttons.accepted.connect(self._save)
        self.buttons.rejected.connect(self.reject)
        bottom = QHBoxLayout()  # the message beside the Save it explains, in a place kept for it
        bottom.addWidget(self.banner, 1)
        bottom.addWidget(self.buttons, 0, Qt.AlignBottom)
        lay = QVBoxLayout(self)
        lay.addLayout(grid, 1)
        lay.addWidget(heading)
        lay.addWidget(summary_area)
        lay.addLayout(bottom)

        if grant is not None:
            self._load(fields_of(grant.document))
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(250)
        self._timer.timeout.connect(self._validate)
        for w in (self.licensee, self.represented, self.fee, self.fee_cap):
            w.textChanged.connect(self._timer.start)
        self.description.textChanged.connect(self._timer.start)
        for box in (self.purposes, self.media, self.excluded):
            box.itemChanged.connect(self._timer.start)
        for picker in (self.asset_picker, self.territory_picker):
            picker.changed.connect(self._timer.start)
        for w in (self.start, self.end):
            w.dateChanged.connect(self._timer.start)
        for w in (self.max_uses, self.notice):
            w.valueChanged.connect(self._timer.start)
        for w in (self.currency, self.fee_basis, self.jurisdiction):
            w.currentIndexChanged.connect(self._timer.start)
        for w in (self.ai_label, self.training, self.exclusive):
            w.toggled.connect(self._timer.start)
        self._validate()

    def _not_offered_text(self, assets: list[AssetRecord]) -> str:
        pending = sum(a.status == "pending_review" for a in assets)
        rejected = sum(a.status == "rejected" for a in assets)
        if not pending and not rejected:
            return ""
        return self.tr("Only assets the talent approved can be granted. Not offered: {pending} awaiting review, "
                       "{rejected} rejected.").format(pending=pending, rejected=rejected)

    def _offer_drafted(self, asset_ids: list[str]) -> None:
        """Assets a draft names that are not (or no longer) approved: listed ticked, with why,
        so the operator sees them and can drop them; once unticked they cannot be ticked again."""
        listed = set(self.asset_picker.keys())
        for aid in asset_ids:
            if aid in listed:
                continue
            a = self.all_assets.get(aid)
            if a is None:
                why = self.tr("not in this talent's assets")
                self.asset_picker.add(aid, f"{aid} · {why}", aid, why, refused=why)
                continue
            why = self.tr("{status} — only approved assets can be granted; untick to drop it").format(
                status=status_label(a.status))
            self.asset_picker.add(aid, f"{a.original_name} · {kind_label(a.kind)} · {status_label(a.status)}",
                                  a.original_name, self.tr("Asset ID: {id}").format(id=aid) + "\n" + why, refused=why)

    def _load(self, f: dict) -> None:
        self.licensee.setText(f["licensee"])
        self.represented.setText(f.get("represented_by") or "")
        self.description.setPlainText(f["use_description"])
        self._offer_drafted(f["assets"])
        self.asset_picker.check(f["assets"])
        _check(self.purposes, f["purposes"])
        _check(self.media, f["media"])
        self.territory_picker.check(f["territories"])
        _check(self.excluded, f["exclude"])
        self.start.setDate(QDate.fromString(f["start"], "yyyy-MM-dd"))
        self.end.setDate(QDate.fromString(f["end"], "yyyy-MM-dd"))
        self.max_uses.setValue(int(f["max_uses"]))
        self.fee.setText(f["fee"])
        self.currency.setCurrentText(f["currency"])
        self.fee_basis.setCurrentIndex(max(0, self.fee_basis.findData(f.get("fee_basis") or fees.PER_USE)))
        self.fee_cap.setText(f.get("fee_cap") or "")
        self.ai_label.setChecked(f["ai_label"] == "required")
        self.training.setChecked(f["training"] == "allowed")
        self.notice.setValue(int(f["notice_days"]))
        self.exclusive.setChecked(bool(f["exclusive"]))
        index = self.jurisdiction.findData(f["jurisdiction"])
        self.jurisdiction.setCurrentIndex(max(0, index))

    def fields(self) -> dict:
        return {"licensee": self.licensee.text(), "represented_by": self.represented.text() or None,
                "use_description": self.description.toPlainText(), "assets": self.asset_picker.checked(),
                "purposes": _checked(self.purposes), "media": _checked(self.media),
                "territories": self.territory_picker.checked(), "start": self.start.date().toString("yyyy-MM-dd"),
                "end": self.end.date().toString("yyyy-MM-dd"), "max_uses": self.max_uses.value(),
                "fee": self.fee.text(), "currency": self.currency.currentText(),
                "fee_basis": self.fee_basis.currentData(),
                "fee_cap": self.fee_cap.text() if self.fee_basis.currentData() == fees.CAPPED else None,
                "ai_label": "required" if self.ai_label.isChecked() else "not-required",
                "training": "allowed" if self.training.isChecked() else "prohibited",
                "exclude": _checked(self.excluded), "notice_days": self.notice.value(),
                "exclusive": self.exclusive.isChecked(), "jurisdiction": self.jurisdiction.currentData()}

    def _validate(self) -> None:
        fields = self.fields()
        self.tasks.read(lambda _task: preview_document(self.vault, self.talent_id, fields),
                        lambda doc: self._valid(fields, doc), lambda exc: self._invalid(fields, exc))

    def _valid(self, fields: dict, doc: dict) -> None:
        if fields != self.fields():
            return  # the operator typed on meanwhile
        self.banner.hide()
        self.summary.setText(summary(doc).replace("\n", "<br>"))
        self.buttons.button(QDialogButtonBox.Save).setEnabled(True)

    def _invalid(self, fields: dict, exc: BaseException) -> None:
        if fields != self.fields():
            return
        self.banner.show_error(exc, "warning")
        self.summary.setText(self.tr("The summary shows here once the draft is complete."))
        self.buttons.button(QDialogButtonBox.Save).setEnabled(False)

    def _save(self) -> None:
        fields = self.fields()
        self.buttons.setEnabled(False)
        if self.grant is None:
            work = lambda _task: draft_grant(self.vault, self.talent_id, fields)  # noqa: E731
        else:
            work = lambda _task: edit_draft(self.vault, self.grant.id, fields)  # noqa: E731
        self.tasks.write(work, self._saved, self._save_failed, what=self.tr("Saving the draft"), owner=self)

    def _saved(self, rec: GrantRecord) -> None:
        self.saved = rec
        self.accept()

    def _save_failed(self, exc: BaseException) -> None:
        self.buttons.setEnabled(True)
        self.banner.show_error(exc)
