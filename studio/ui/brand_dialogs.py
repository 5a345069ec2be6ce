"""The brand's dialogs (DR048): unlock the brand's keys with their passphrase (DR046), choose or
make the brand's identity folder (the first-run dialog's *I received a package*), and the usage
report form. The keys are unlocked and made by the core (:mod:`studio.core.package.brand_keys`)
on a worker; the scrypt runs in a child process (DR043), so the dialog never freezes."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QButtonGroup, QComboBox, QDateEdit, QDialog, QDialogButtonBox,
                               QFileDialog, QFormLayout, QHBoxLayout, QLabel, QLineEdit, QListWidget,
                               QListWidgetItem, QProgressBar, QPushButton, QRadioButton, QSpinBox, QVBoxLayout,
                               QWidget)

from studio.core.consent import vocab
from studio.core.errors import InvalidInput, NotFound
from studio.core.package.brand_app import use_outside_licence
from studio.core.package.brand_keys import IDENTITY_FILE, BrandIdentity, check_new_passphrase, keygen, load_identity
from studio.core.package.reports import create_report, output_fingerprint, write_report
from studio.ui.banner import Banner
from studio.ui.tasks import TaskManager


def _busy_bar(parent: QWidget) -> QProgressBar:
    bar = QProgressBar(parent)
    bar.setRange(0, 0)
    bar.setMaximumHeight(6)
    bar.setTextVisible(False)
    bar.hide()
    return bar


def _browse_row(parent: QWidget, edit: QLineEdit, pick) -> QHBoxLayout:
    row = QHBoxLayout()
    row.addWidget(edit, 1)
    button = QPushButton(parent.tr("Browse…"), parent)
    button.clicked.connect(pick)
    row.addWidget(button)
    return row


class BrandUnlockDialog(QDialog):
    """The passphrase of the brand's keys in ``folder``; ``identity`` once accepted."""

    def __init__(self, folder: Path, tasks: TaskManager, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.folder, self.tasks = Path(folder), tasks
        self.identity: BrandIdentity | None = None
        self.setWindowTitle(self.tr("Unlock the brand's keys — Twin Studio"))
        self.setMinimumWidth(460)
        intro = QLabel(self.tr("Your brand's keys in {folder} are locked by your passphrase. They open the "
                               "packages studios send you and sign your usage reports.").format(folder=self.folder),
                       self)
        intro.setWordWrap(True)
        self.banner = Banner(self)
        self.passphrase = QLineEdit(self)
        self.passphrase.setEchoMode(QLineEdit.Password)
        self.passphrase.setAccessibleName(self.tr("Passphrase"))
        form = QFormLayout()
        form.addRow(self.tr("Passphrase"), self.passphrase)
        self.busy = _busy_bar(self)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel, self)
        self.buttons.button(QDialogButtonBox.Ok).setText(self.tr("Unlock"))
        self.buttons.accepted.connect(self.unlock)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addWidget(self.banner)
        lay.addLayout(form)
        lay.addWidget(self.busy)
        lay.addWidget(self.buttons)
        self.banner.hide()

    def _working(self, on: bool) -> None:
        self.busy.setVisible(on)
        self.passphrase.setEnabled(not on)
        self.buttons.button(QDialogButtonBox.Ok).setEnabled(not on)

    def unlock(self) -> None:
        passphrase, folder = self.passphrase.text(), self.folder
        self.banner.hide()
        self._working(True)
        self.tasks.read(lambda _task: load_identity(folder, passphrase, signing=True), self._unlocked,
                        self._failed, what=self.tr("Unlocking the brand's keys"), owner=self)

    def _unlocked(self, identity: BrandIdentity) -> None:
        self.identity = identity
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self._working(False)
        self.passphrase.clear()
        self.passphrase.setFocus()
        self.banner.show_error(exc)


class BrandIdentityDialog(QDialog):
    """*I received a package*: the brand's keys folder from ``brand keygen``, or new keys made
    here (the same core function). ``folder`` once accepted, and ``identity`` when the keys were
    made here (unlocked already: no second passphrase)."""

    def __init__(self, tasks: TaskManager, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.tasks = tasks
        self.folder: Path | None = None
        self.identity: BrandIdentity | None = None
        self.setWindowTitle(self.tr("I received a package — Twin Studio"))
        self.setMinimumWidth(520)
        intro = QLabel(self.tr("A studio sent your brand a twin package. Packages open with your brand's keys: "
                               "choose the folder they are in, or make them now and give the studio the "
                               "brand card they come with."), self)
        intro.setWordWrap(True)
        self.banner = Banner(self)
        self.have = QRadioButton(self.tr("I have my brand's keys"), self)
        self.make = QRadioButton(self.tr("Make my brand's keys"), self)
        group = QButtonGroup(self)
        group.addButton(self.have)
        group.addButton(self.make)
        self.have.setChecked(True)
        self.existing = QLineEdit(self)
        self.existing.setPlaceholderText(self.tr("the folder `brand keygen` wrote"))
        self.new_folder, self.name = QLineEdit(self), QLineEdit(self)
        self.passphrase, self.repeat = QLineEdit(self), QLineEdit(self)
        for edit in (self.passphrase, self.repeat):
            edit.setEchoMode(QLineEdit.Password)
        self.make_form = QWidget(self)
        form = QFormLayout(self.make_form)
        form.addRow(self.tr("Folder"), _browse_row(self, self.new_folder, lambda: self._pick(self.new_folder)))
        form.addRow(self.tr("Brand name"), self.name)
        form.addRow(self.tr("Passphrase"), self.passphrase)
        form.addRow(self.tr("Repeat it"), self.repeat)
        self.busy = _busy_bar(self)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel, self)
        self.buttons.button(QDialogButtonBox.Ok).setText(self.tr("Continue"))
        self.buttons.accepted.connect(self.go)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addWidget(self.banner)
        lay.addWidget(self.have)
        lay.addLayout(_browse_row(self, self.existing, lambda: self._pick(self.existing)))
        lay.addWidget(self.make)
        lay.addWidget(self.make_form)
        lay.addWidget(self.busy)
        lay.addWidget(self.buttons)
        self.banner.hide()
        self.have.toggled.connect(self._update)
        self._update()

    def _update(self) -> None:
        self.existing.setEnabled(self.have.isChecked())
        self.make_form.setEnabled(self.make.isChecked())

    def _pick(self, edit: QLineEdit) -> None:
        chosen = QFileDialog.getExistingDirectory(self, self.tr("Choose a folder"), edit.text())
        if chosen:
            edit.setText(chosen)

    def go(self) -> None:
        self.banner.hide()
        try:
            if self.have.isChecked():
                folder = Path(self.existing.text().strip()).expanduser()
                if not self.existing.text().strip() or not (folder / IDENTITY_FILE).is_file():
                    raise NotFound(self.tr("no brand keys in {folder} (it has no {file})").format(
                        folder=folder, file=IDENTITY_FILE))
                self.folder = folder
                self.accept()
                return
            if not self.new_folder.text().strip():
                raise InvalidInput(self.tr("choose a folder for the new keys"))
            if self.passphrase.text() != self.repeat.text():
                raise InvalidInput(self.tr("the two passphrases differ"))
            check_new_passphrase(self.passphrase.text())
        except (InvalidInput, NotFound) as exc:
            self.banner.show_error(exc)
            return
        folder, name, passphrase = Path(self.new_folder.text().strip()).expanduser(), self.name.text(), \
            self.passphrase.text()

        def make(_task) -> BrandIdentity:
            keygen(folder, name, passphrase)
            return load_identity(folder, passphrase, signing=True)

        self.busy.show()
        self.buttons.button(QDialogButtonBox.Ok).setEnabled(False)
        self.tasks.read(make, lambda identity: self._made(folder, identity), self._failed,
                        what=self.tr("Making the brand's keys"), owner=self)

    def _made(self, folder: Path, identity: BrandIdentity) -> None:
        self.folder, self.identity = folder, identity
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.busy.hide()
        self.buttons.button(QDialogButtonBox.Ok).setEnabled(True)
        self.banner.show_error(exc)


class ReportDialog(QDialog):
    """A usage report: what the use was, for which purpose, in which medium and territory, on
    which day, how many times, and the outputs it published (DR057: each by name and short hash;
    the report carries their SHA-256 and media type, never the files). Checked against the
    licence before anything is signed; a use outside it is named in the dialog, and the button
    then says *Write anyway* (the report still says what happened: the talent sees it as a
    violation). Signed and written by the core."""

    outputsAdded = Signal()  # the files chosen were hashed and listed (or refused): for tests

    def __init__(self, package: Path, manifest: dict, identity: BrandIdentity, tasks: TaskManager,
                 parent: QWidget | None = None, out: Path | None = None) -> None:
        super().__init__(parent)
        self.package, self.manifest, self.identity, self.tasks = Path(package), manifest, identity, tasks
        self.written: Path | None = None
        self.warnings: list[str] = []
        self._checked: tuple | None = None  # the fields the warnings were shown for
        self.setWindowTitle(self.tr("Usage report — Twin Studio"))
        intro = QLabel(self.tr("Tell the studio how you used package {package}. The report is signed with your "
                               "brand's key; each use counts against the licence.").format(
                                   package=manifest["package_id"]), self)
        intro.setWordWrap(True)
        # the dialog's least width through a child's, not its own: a top-level widget with a minimum
        # size of its own gets no minimum height from its layout, and the rows then overlap
        intro.setMinimumWidth(560)
        self.banner = Banner(self)
        doc = manifest["grant"]["document"]
        self.description = QLineEdit(self)
        self.description.setPlaceholderText(self.tr("e.g. Spring campaign, hero image"))
        self.purpose, self.media = QComboBox(self), QComboBox(self)
        for combo, words, granted in ((self.purpose, vocab.PURPOSES, doc["purposes"]),
                                      (self.media, vocab.MEDIA, doc["media"])):
            for key in sorted(words, key=lambda k: (k not in granted, k)):
                combo.addItem(f"{key} — {words[key]}", key)
        self.territory = QComboBox(self)
        self.territory.setEditable(True)
        self.territory.addItems(list(doc["territories"]))
        self.date = QDateEdit(self)
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.date.setDate(QDate.currentDate())
        self.count = QSpinBox(self)
        self.count.setRange(1, 1_000_000)
        self.out = QLineEdit(self)
        self.out.setText(str(out) if out else "")
        # the outputs the use published (DR057): hashed on a worker, a 256 MiB image included
        self.outputs: list[tuple[Path, dict]] = []
        self.outputs_list = QListWidget(self)
        self.outputs_list.setAccessibleName(self.tr("Outputs used"))
        self.outputs_list.setSelectionMode(QAbstractItemView.ExtendedSelection)
        self.outputs_list.setTextElideMode(Qt.ElideMiddle)  # the name's middle, never the hash at the end
        self.outputs_list.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        rows = self.outputs_list.fontMetrics().height() + 4
        self.outputs_list.setFixedHeight(3 * rows + 2 * self.outputs_list.frameWidth() + 4)  # three outputs
        self.outputs_list.setToolTip(self.tr("The images and voice lines this use published. The report names "
                                             "each by its SHA-256; the studio checks that the talent approved "
                                             "it for this package."))
        self.add_outputs_button = QPushButton(self.tr("Add outputs…"), self)
        self.add_outputs_button.clicked.connect(self._pick_outputs)
        self.remove_outputs_button = QPushButton(self.tr("Remove"), self)
        self.remove_outputs_button.clicked.connect(self.remove_selected_outputs)
        self.remove_outputs_button.setEnabled(False)
        self.outputs_list.itemSelectionChanged.connect(
            lambda: self.remove_outputs_button.setEnabled(bool(self.outputs_list.selectedItems())))
        output_buttons = QHBoxLayout()
        output_buttons.addWidget(self.add_outputs_button)
        output_buttons.addWidget(self.remove_outputs_button)
        output_buttons.addStretch(1)
        form = QFormLayout()
        form.addRow(self.tr("Use"), self.description)
        form.addRow(self.tr("Purpose"), self.purpose)
        form.addRow(self.tr("Medium"), self.media)
        form.addRow(self.tr("Territory"), self.territory)
        form.addRow(self.tr("Date"), self.date)
        form.addRow(self.tr("Count"), self.count)
        form.addRow(self.tr("Outputs used"), self.outputs_list)
        form.addRow("", output_buttons)
        form.addRow(self.tr("Save as"), _browse_row(self, self.out, self._pick))
        self.busy = _busy_bar(self)
        self.buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel, self)
        self.write_button = self.buttons.button(QDialogButtonBox.Ok)
        self.write_button.setText(self.tr("Write report"))
        self.buttons.accepted.connect(self.write)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(intro)
        lay.addLayout(form)
        lay.addWidget(self.banner)
        lay.addWidget(self.busy)
        lay.addWidget(self.buttons)
        self.banner.hide()
        for combo in (self.purpose, self.media, self.territory):
            combo.currentTextChanged.connect(self._fields_changed)
        self.date.dateChanged.connect(self._fields_changed)

    def fields(self) -> tuple:
        return (self.description.text(), self.purpose.currentData(), self.media.currentData(),
                self.territory.currentText().strip().upper(), self.date.date().toString("yyyy-MM-dd"),
                self.count.value())

    def _fields_changed(self) -> None:
        if self._checked is not None:
            self._checked = None
            self.write_button.setText(self.tr("Write report"))
            self.banner.hide()

    def _pick(self) -> None:
        chosen, _ = QFileDialog.getSaveFileName(self, self.tr("Save the usage report"), self.out.text(),
                                                self.tr("Usage reports (*.json)"))
        if chosen:
            self.out.setText(chosen)

    def _say(self, message, level: str = "error") -> None:
        """The banner, and the dialog as tall as its wrapped lines need: a dialog's least height
        comes from its layout without the lines a word-wrapped text takes at its width, and the
        form's rows would overlap under a three-line banner."""
        if isinstance(message, BaseException):
            self.banner.show_error(message)
        else:
            self.banner.show_message(message, level)
        self.layout().activate()
        need = self.layout().totalHeightForWidth(self.width())
        if need > self.height():
            self.setMinimumHeight(need)
            self.resize(self.width(), need)

    def _pick_outputs(self) -> None:
        chosen, _ = QFileDialog.getOpenFileNames(self, self.tr("Outputs this use published"), "",
                                                 self.tr("Images and voice lines (*.png *.jpg *.jpeg *.wav *.flac "
                                                         "*.mp3);;All files (*)"))
        if chosen:
            self.add_outputs([Path(c) for c in chosen])

    def add_outputs(self, paths: list[Path]) -> None:
        """Hash ``paths`` on a worker and list each by name and short hash; a file that is no
        image or voice line, or one listed already, is refused by name in the banner."""
        paths = [Path(p) for p in paths]

        def fingerprints(_task) -> list[tuple[Path, dict]]:
            return [(p, output_fingerprint(p)) for p in paths]

        self.add_outputs_button.setEnabled(False)
        self.tasks.read(fingerprints, self._outputs_hashed, self._outputs_failed,
                        what=self.tr("Hashing the outputs"), owner=self)

    def _outputs_hashed(self, found: list[tuple[Path, dict]]) -> None:
        self.add_outputs_button.setEnabled(True)
        self.banner.hide()
        listed = {fp["sha256"]: p for p, fp in self.outputs}
        for path, fp in found:
            if fp["sha256"] in listed:
                self._say(self.tr("{name} is the same file as {other}, already listed.").format(
                    name=path.name, other=listed[fp["sha256"]].name), "warning")
                continue
            listed[fp["sha256"]] = path
            self.outputs.append((path, fp))
            item = QListWidgetItem(self.tr("{name} — {hash}… ({media})").format(
                name=path.name, hash=fp["sha256"][:12], media=fp["media_type"]), self.outputs_list)
            item.setData(Qt.UserRole, fp["sha256"])
            item.setToolTip(self.tr("{path}\nSHA-256 {hash}").format(path=path, hash=fp["sha256"]))
        self.outputsAdded.emit()

    def _outputs_failed(self, exc: BaseException) -> None:
        self.add_outputs_button.setEnabled(True)
        self._say(exc)
        self.outputsAdded.emit()

    def remove_selected_outputs(self) -> None:
        gone = {item.data(Qt.UserRole) for item in self.outputs_list.selectedItems()}
        self.outputs = [(p, fp) for p, fp in self.outputs if fp["sha256"] not in gone]
        for item in self.outputs_list.selectedItems():
            self.outputs_list.takeItem(self.outputs_list.row(item))

    def write(self) -> None:
        """First press: check the use; outside the licence, say how and wait for a second press."""
        fields = self.fields()
        self.banner.hide()
        try:
            if not self.out.text().strip():
                raise InvalidInput(self.tr("choose where to save the report"))
            reasons = use_outside_licence(self.manifest, *fields)
        except InvalidInput as exc:
            self._say(exc)
            return
        if reasons and self._checked != fields:
            self.warnings, self._checked = reasons, fields
            self._say(self.tr("This use falls outside the licence: {reasons}. The report will "
                              "still say what happened, and the talent will see it as a "
                              "violation.").format(reasons="; ".join(reasons)), "warning")
            self.write_button.setText(self.tr("Write anyway"))
            return
        out = Path(self.out.text().strip()).expanduser()
        package, identity = self.package, self.identity
        outputs = [p for p, _ in self.outputs]

        def sign_and_write(_task) -> Path:
            report, _warnings = create_report(package, identity, *fields, outputs=outputs)
            write_report(report, out)
            return out

        self.busy.show()
        self.write_button.setEnabled(False)
        self.tasks.read(sign_and_write, self._written, self._failed, what=self.tr("Writing the usage report"),
                        owner=self)

    def _written(self, out: Path) -> None:
        self.written = out
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.busy.hide()
        self.write_button.setEnabled(True)
        self._say(exc)
