"""A talent's card, registered from the app: *Add talent from card…* (the GUI twin of
``twin-studio talent add --card``) and *Link talent's own key…* (``talent link ID --card``).

The card (``talent-card.json``, made by ``talent keygen`` on the talent's device) is read and
checked off the GUI thread; the dialog then shows the name and the key's fingerprint for the
operator to compare with the one the talent's device shows, and registers it through the same
core function as the command line, on the vault's writer. A card that cannot be read, or that
names someone else, is a failed user action: the window's error display says why, and nothing
changes (DR045)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFileDialog, QFormLayout, QLabel, QLineEdit, QVBoxLayout,
                               QWidget)

from studio.core.paths import documents_dir
from studio.core.talent_identity import (CARD_FILE, TalentCard, add_talent_with_card, check_card_name,
                                         link_talent_card, read_talent_card)
from studio.core.talents import STUDIO, TALENT, TalentRecord, get_talent
from studio.core.vault import Vault
from studio.ui.tasks import TaskManager


def pick_card(parent: QWidget) -> Path | None:
    """The operator picks the talent's ``talent-card.json``; ``None`` when they cancel."""
    tr = QCoreApplication.translate
    path, _ = QFileDialog.getOpenFileName(parent, tr("TalentCardDialog", "The talent's card"), str(documents_dir()),
                                          tr("TalentCardDialog", "Talent card ({card});;JSON (*.json)")
                                          .format(card=CARD_FILE))
    return Path(path) if path else None


class TalentCardDialog(QDialog):
    """The card's name and fingerprint, to compare with the talent's device, then *Add talent*
    (``talent`` None: a new talent, with optional e-mail and agency) or *Link key* (``talent``:
    an existing one, whose current key ``holder`` — studio, talent or None — is replaced)."""

    def __init__(self, vault: Vault, tasks: TaskManager, card: TalentCard, path: Path,
                 talent: TalentRecord | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumWidth(480)
        self.vault, self.tasks, self.card, self.path, self.talent = vault, tasks, card, Path(path), talent
        self.created: TalentRecord | None = None
        self.linked = None  # the LinkedKey, once linked
        self.what = self.tr("Add talent from card") if talent is None else self.tr("Link talent's own key")
        lay = QVBoxLayout(self)
        if talent is None:
            self.setWindowTitle(self.tr("Add {name} from their card").format(name=card.name))
            intro = self.tr("<b>{name}</b> holds their own key, made on their own device. The studio keeps only "
                            "its public half: it can verify what they sign, never sign for them.").format(name=card.name)
        else:
            self.setWindowTitle(self.tr("Link {name}'s own key").format(name=talent.name))
            intro = self.tr("From now on <b>{name}</b> holds their own key, on their own device, and signs there: "
                            "the studio will hold no private key of theirs.").format(name=talent.name)
        self.text = QLabel(intro, self)
        self.text.setWordWrap(True)
        lay.addWidget(self.text)
        self.name_label = QLabel(card.name, self)
        self.fingerprint_label = QLabel(card.fingerprint, self)
        self.fingerprint_label.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.fingerprint_label.setFont(QFontDatabase.systemFont(QFontDatabase.FixedFont))
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.WrapAllRows)  # the fingerprint is long: under its label, whole
        form.addRow(self.tr("Name on the card"), self.name_label)
        form.addRow(self.tr("Key fingerprint"), self.fingerprint_label)
        self.email: QLineEdit | None = None
        self.agency: QLineEdit | None = None
        if talent is None:  # as `talent add --card --email --agency`
            self.email, self.agency = QLineEdit(self), QLineEdit(self)
            details = QFormLayout()
            details.addRow(self.tr("E-mail"), self.email)
            details.addRow(self.tr("Agency"), self.agency)
        lay.addLayout(form)
        if talent is None:
            lay.addLayout(details)
        self.compare = QLabel(self.tr("Compare the fingerprint, character by character, with the one {name}'s "
                                      "device shows (<tt>twin-studio talent keygen</tt> printed it). If they "
                                      "differ, this is not their card: cancel.").format(name=card.name), self)
        self.compare.setWordWrap(True)
        lay.addWidget(self.compare)
        self.consequence = QLabel(self._consequence(), self)
        self.consequence.setWordWrap(True)
        self.consequence.setVisible(bool(self.consequence.text()))
        lay.addWidget(self.consequence)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel, self)
        self.buttons.button(QDialogButtonBox.Ok).setText(
            self.tr("Add talent") if talent is None else self.tr("Link key"))
        self.buttons.accepted.connect(self._register)
        self.buttons.rejected.connect(self.reject)
        lay.addWidget(self.buttons)
        lay.setSizeConstraint(QVBoxLayout.SetMinimumSize)  # wrapped texts get the height they need

    def _consequence(self) -> str:
        if self.talent is None:
            return ""
        name = self.talent.name
        if self.talent.key_holder == STUDIO:
            return self.tr("The studio's copy of {name}'s key is destroyed: it is deleted from the vault for good, "
                           "and nobody at the studio can sign for them again. What they signed with it stays "
                           "valid.").format(name=name)
        if self.talent.key_holder == TALENT:
            return self.tr("The key {name} held until now is retired (a new device): what they signed with it "
                           "stays valid, nothing new signed with it counts.").format(name=name)
        return self.tr("{name} has no key yet: this card's becomes theirs.").format(name=name)

    def _register(self) -> None:
        self.buttons.setEnabled(False)
        card = self.card
        if self.talent is None:
            email, agency = self.email.text() or None, self.agency.text() or None
            self.tasks.write(lambda _task: add_talent_with_card(self.vault, card, email, agency), self._added,
                             self._failed, what=self.what, owner=self)
        else:
            tid = self.talent.id
            self.tasks.write(lambda _task: link_talent_card(self.vault, tid, card), self._linked, self._failed,
                             what=self.what, owner=self)

    def _added(self, record: TalentRecord) -> None:
        self.created = record
        self.accept()

    def _linked(self, linked) -> None:
        self.linked = linked
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        """A failed user action: the dialog goes, the window's error display says why."""
        self.reject()
        if self.tasks.on_error is not None:
            self.tasks.on_error(self.what, exc)


def open_card_dialog(vault: Vault, tasks: TaskManager, parent: QWidget, path: Path,
                     talent_id: str | None = None, on_open=None) -> None:
    """Read and check the card at ``path`` off the GUI thread (for ``talent_id``: also that it
    names that talent, and who holds their key now), then open :class:`TalentCardDialog` and
    hand it to ``on_open``. A card that fails goes to the window's error display."""

    def read(_task):
        card = read_talent_card(path)
        talent = None
        if talent_id is not None:
            talent = get_talent(vault, talent_id)
            check_card_name(talent, card)
        return card, talent

    def show(found) -> None:
        card, talent = found
        dialog = TalentCardDialog(vault, tasks, card, path, talent, parent)
        dialog.setAttribute(Qt.WA_DeleteOnClose)
        if on_open is not None:
            on_open(dialog)
        dialog.open()

    what = (QCoreApplication.translate("TalentCardDialog", "Add talent from card") if talent_id is None
            else QCoreApplication.translate("TalentCardDialog", "Link talent's own key"))
    tasks.read(read, show, what=what)
