"""Detail of a body scan: the 3D preview with its view and look buttons, the figures measured
at ingest, and QA warnings."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (QButtonGroup, QFormLayout, QHBoxLayout, QLabel, QToolButton, QVBoxLayout,
                               QWidget)

from studio.core.assets import AssetRecord
from studio.core.render.preview import FileScans
from studio.core.vault import Vault
from studio.ui.elided import FlowLayout
from studio.ui.tasks import TaskManager
from studio.ui.theme import style_toggles
from studio.ui.viewport import Viewport


# (key, button text, tool tip, shortcut); the texts are translated where the buttons are made
VIEW_BUTTONS = (("front", QT_TRANSLATE_NOOP("ScanDetail", "Front"), QT_TRANSLATE_NOOP("ScanDetail", "Front view"), "F"),
                ("three-quarter", "¾", QT_TRANSLATE_NOOP("ScanDetail", "Three quarter view"), "T"),
                ("side", QT_TRANSLATE_NOOP("ScanDetail", "Side"), QT_TRANSLATE_NOOP("ScanDetail", "Side view"), "S"),
                ("back", QT_TRANSLATE_NOOP("ScanDetail", "Back"), QT_TRANSLATE_NOOP("ScanDetail", "Back view"), "B"))
MODE_BUTTONS = (("shaded", QT_TRANSLATE_NOOP("ScanDetail", "Shaded"), "Shift+S"),
                ("wireframe", QT_TRANSLATE_NOOP("ScanDetail", "Wireframe"), "Shift+W"),
                ("points", QT_TRANSLATE_NOOP("ScanDetail", "Points"), "Shift+P"))


def _tr(text: str) -> str:
    return QCoreApplication.translate("ScanDetail", text)


class ScanDetail(QWidget):
    openInViewer = Signal()

    def __init__(self, vault: Vault | FileScans, tasks: TaskManager, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.viewport = Viewport(vault, tasks, self)
        # two groups, side by side or one above the other when the pane is narrow (DR035)
        views, modes = QWidget(self), QWidget(self)
        bar = QHBoxLayout(views)
        bar.setContentsMargins(0, 0, 0, 0)
        bar.setSpacing(2)
        self.view_buttons: dict[str, QToolButton] = {}
        for key, label, tip, shortcut in VIEW_BUTTONS:
            b = QToolButton(self)
            b.setText(_tr(label))
            b.setToolTip(self.tr("{action} ({shortcut})").format(action=_tr(tip), shortcut=shortcut))
            b.setShortcut(QKeySequence(shortcut))
            b.clicked.connect(lambda _=False, k=key: self.viewport.set_view(k))
            bar.addWidget(b)
            self.view_buttons[key] = b
        reset = QToolButton(self)
        reset.setText(self.tr("Reset"))
        reset.setToolTip(self.tr("Back to the front view (R, or double-click the preview)"))
        reset.setShortcut(QKeySequence("R"))
        reset.clicked.connect(self.viewport.reset)
        bar.addWidget(reset)
        bar = QHBoxLayout(modes)
        bar.setContentsMargins(0, 0, 0, 0)
        bar.setSpacing(2)
        self.mode_group = QButtonGroup(self)
        self.mode_buttons: dict[str, QToolButton] = {}
        for key, label, shortcut in MODE_BUTTONS:
            b = QToolButton(self)
            b.setText(_tr(label))
            b.setCheckable(True)
            b.setToolTip(self.tr("{action} ({shortcut})").format(action=_tr(label), shortcut=shortcut))
            b.setShortcut(QKeySequence(shortcut))
            b.clicked.connect(lambda _=False, k=key: self.viewport.set_mode(k))
            self.mode_group.addButton(b)
            bar.addWidget(b)
            self.mode_buttons[key] = b
        self.mode_buttons["shaded"].setChecked(True)
        style_toggles(self, *self.mode_buttons.values())
        self.viewer_button = QToolButton(self)
        self.viewer_button.setText(self.tr("Open3D viewer"))
        self.viewer_button.setToolTip(self.tr("Open this scan in Open3D's own interactive window (Ctrl+Shift+O)"))
        self.viewer_button.clicked.connect(self.openInViewer)
        bar.addWidget(self.viewer_button)
        bar = FlowLayout(spacing=12)
        bar.addWidget(views)
        bar.addWidget(modes)
        self.form = QFormLayout()
        self.form.setLabelAlignment(Qt.AlignRight)
        self.warnings = QLabel(self)
        self.warnings.setWordWrap(True)
        self.warnings.setTextInteractionFlags(Qt.TextSelectableByMouse)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(bar)
        lay.addWidget(self.viewport, 1)
        lay.addLayout(self.form)
        lay.addWidget(self.warnings)

    def scan_rows(self, asset: AssetRecord) -> list[tuple[str, str]]:
        """(label, value) rows of the figures measured at ingest, in the user's language."""
        m = asset.metrics
        rows: list[tuple[str, str]] = []
        if asset.kind == "mesh":
            rows += [(self.tr("Triangles"), f"{m.get('faces', 0):,}"),
                     (self.tr("Vertices"), f"{m.get('vertices', 0):,}")]
        else:
            total = m.get("points_total")
            points = f"{m.get('points', 0):,}"
            if total and total != m.get("points"):
                points = self.tr("{points} of {total} (rest not finite)").format(points=points, total=f"{total:,}")
            rows.append((self.tr("Points"), points))
        if m.get("height_m") is not None:
            rows.append((self.tr("Height"), self.tr("{height} m (up axis {axis})").format(
                height=f"{m['height_m']:.3f}", axis=m.get("up_axis", "?").upper())))
        bbox = m.get("bbox_m") or {}
        if bbox.get("size"):
            sx, sy, sz = bbox["size"]
            rows.append((self.tr("Bounding box"), f"{sx:.3f} × {sy:.3f} × {sz:.3f} m"))
            if bbox.get("unit_guess"):
                rows.append((self.tr("Units in file"), str(bbox["unit_guess"])))
        if asset.kind == "mesh":
            closed = self.tr("yes") if m.get("watertight") else self.tr("no — {n} open edges").format(
                n=f"{m.get('boundary_edges', 0):,}")
            rows.append((self.tr("Watertight"), closed))
            if m.get("non_manifold_edges"):
                rows.append((self.tr("Non-manifold edges"), f"{m['non_manifold_edges']:,}"))
            rows.append((self.tr("Texture / colours"), self.tr("{texture}, {colours}").format(
                texture=self.tr("texture") if m.get("has_texture") else self.tr("no texture"),
                colours=self.tr("vertex colours") if m.get("has_colors") else self.tr("no colours"))))
            if m.get("textures"):
                size = m.get("texture_max_px")
                rows.append((self.tr("Textures"), self.tr("{count}, largest {width} × {height} px").format(
                    count=f"{m['textures']:,}", width=f"{size[0]:,}", height=f"{size[1]:,}") if size
                    else f"{m['textures']:,}"))
            lods = [level for level in asset.levels() if level.file is not None]
            if not lods:
                shown = self.tr("not needed (small scan)")
            elif all(level.faces is not None for level in lods):
                shown = self.tr("{faces} triangles").format(faces=", ".join(f"{level.faces:,}" for level in lods))
            else:
                shown = self.tr("stored")
            rows.append((self.tr("Preview LOD"), shown))
        else:
            rows.append((self.tr("Colours"), self.tr("yes") if m.get("has_colors") else self.tr("no")))
        return rows

    def show_scan(self, asset: AssetRecord) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        for label, value in self.scan_rows(asset):
            v = QLabel(value, self)
            v.setTextInteractionFlags(Qt.TextSelectableByMouse)
            self.form.addRow(label, v)
        if asset.warnings:
            self.warnings.setText(self.tr("<b>QA warnings</b>") + "<br>"
                                  + "<br>".join(f"⚠ {w}" for w in asset.warnings))
        else:
            self.warnings.setText(self.tr("No QA warnings."))
        is_mesh = asset.kind == "mesh"
        for key in ("shaded", "wireframe"):
            self.mode_buttons[key].setEnabled(is_mesh)
        self.mode_buttons["shaded" if is_mesh else "points"].setChecked(True)
        self.viewport.mode = "shaded" if is_mesh else "points"
        self.viewport.show_asset(asset.id)

    def show_file(self, key: str, is_mesh: bool) -> None:
        """A scan read from a file, with no figures measured at ingest (the brand's window, DR048):
        ``key`` as the viewport's :class:`~studio.core.render.preview.FileScans` knows it."""
        while self.form.rowCount():
            self.form.removeRow(0)
        self.warnings.clear()
        for k in ("shaded", "wireframe"):
            self.mode_buttons[k].setEnabled(is_mesh)
        self.mode_buttons["shaded" if is_mesh else "points"].setChecked(True)
        self.viewport.mode = "shaded" if is_mesh else "points"
        self.viewport.show_asset(key)

    def clear(self) -> None:
        self.viewport.show_asset(None)

    def shutdown(self) -> None:
        self.viewport.shutdown()
