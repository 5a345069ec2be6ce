"""Help ▸ About Twin Studio: the version, what it runs on, and the licence of each component,
as the installed packages declare them (gathered off the GUI thread by studio.core.about;
DR039). "Copy version info" puts the versions on the clipboard for a bug report."""

from __future__ import annotations

import PySide6
from PySide6.QtCore import Qt, qVersion
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout,
                               QWidget)

from studio.core.about import About, about, component, report_text
from studio.ui.banner import Banner
from studio.ui.icon import app_icon
from studio.ui.tables import Row, RowsTable
from studio.ui.tasks import TaskManager

QT_DISTRIBUTION = "PySide6_Essentials"  # the wheel that carries Qt's own libraries, under its licence


class AboutDialog(QDialog):
    def __init__(self, tasks: TaskManager, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("About Twin Studio"))
        self.resize(720, 700)
        self.tasks = tasks
        self.info: About | None = None
        self.banner = Banner(self)
        icon = QLabel(self)
        icon.setPixmap(app_icon().pixmap(96, 96))
        self.title = QLabel(self.tr("<h2>Twin Studio</h2>"), self)
        self.version = QLabel(self)
        self.version.setTextInteractionFlags(Qt.TextSelectableByMouse)
        blurb = QLabel(self.tr("Digital twins that the people they show own: an encrypted vault for body scans "
                               "and voice, consent the talent signs, and locked packages for brands."), self)
        blurb.setWordWrap(True)
        head_text = QVBoxLayout()
        head_text.addWidget(self.title)
        head_text.addWidget(self.version)
        head_text.addWidget(blurb)
        head_text.addStretch(1)
        head = QHBoxLayout()
        head.addWidget(icon, 0, Qt.AlignTop)
        head.addLayout(head_text, 1)
        self.versions = QFormLayout()
        self.version_labels: dict[str, QLabel] = {}
        for key, label in (("python", self.tr("Python")), ("qt", self.tr("Qt")), ("pyside", self.tr("PySide6")),
                           ("open3d", self.tr("Open3D")), ("platform", self.tr("System"))):
            value = QLabel(self)
            value.setTextInteractionFlags(Qt.TextSelectableByMouse)
            self.versions.addRow(label, value)
            self.version_labels[key] = value
        self.licences = RowsTable([self.tr("Component"), self.tr("Version"), self.tr("Licence")], self)
        self.licences.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 8)  # a list to read, not to edit
        self.licences.horizontalHeader().setResizeContentsPrecision(-1)  # a few dozen rows: sized to every one
        self.licences.setAccessibleName(self.tr("Components and their licences"))
        self.copy_button = QPushButton(self.tr("Copy version info"), self)
        self.copy_button.setToolTip(self.tr("Copy the versions of Twin Studio and its components, for a bug report"))
        self.copy_button.setEnabled(False)
        self.copy_button.clicked.connect(self.copy_version_info)
        buttons = QDialogButtonBox(QDialogButtonBox.Close, self)
        buttons.addButton(self.copy_button, QDialogButtonBox.ActionRole)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(head)
        layout.addLayout(self.versions)
        layout.addWidget(QLabel(self.tr("<b>Components and their licences</b> (as each package declares it)"), self))
        layout.addWidget(self.licences, 1)
        layout.addWidget(buttons)
        self.tasks.read(lambda _task: (about(), component(QT_DISTRIBUTION)), self._show, self.banner.show_error,
                        what=self.tr("Reading the versions"), owner=self)

    def qt_versions(self) -> dict[str, str]:
        """What only Qt can tell: the Qt the app runs on and its binding."""
        return {"Qt": qVersion(), "PySide6": PySide6.__version__}

    def _show(self, found) -> None:
        info, qt = found
        self.info = info
        self.version.setText(self.tr("Version {version} · licence: {licence}").format(version=info.version,
                                                                                      licence=info.licence))
        shown = {"python": info.python, "qt": qVersion(), "pyside": PySide6.__version__, "open3d": info.open3d,
                 "platform": info.platform}
        for key, value in shown.items():
            self.version_labels[key].setText(value)
        rows = [Row(("Qt", qVersion(), qt.licence),
                    self.tr("Qt's libraries, in the {wheel} package").format(wheel=qt.name))]
        rows += [Row((c.name, c.version, c.licence), c.licence_file) for c in info.components]
        rows += [Row((d.name, "", d.licence), self.tr("Inside Twin Studio's own package")) for d in info.bundled]
        self.licences.set_rows(rows)
        self.copy_button.setEnabled(True)

    def version_info(self) -> str:
        return report_text(self.info, self.qt_versions()) if self.info is not None else ""

    def copy_version_info(self) -> None:
        QGuiApplication.clipboard().setText(self.version_info())
        self.copy_button.setText(self.tr("Copied"))
