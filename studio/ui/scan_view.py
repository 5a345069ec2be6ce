"""Detail of a body scan: the 3D preview with its view and look buttons, the figures measured
at ingest, and QA warnings."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (QButtonGroup, QFormLayout, QHBoxLayout, QLabel, QToolButton, QVBoxLayout,
                               QWidget)

from studio.core.assets import AssetRecord
from studio.core.vault import Vault
from studio.ui.tasks import TaskManager
from studio.ui.viewport import Viewport

VIEW_BUTTONS = (("front", "Front", "F"), ("three-quarter", "¾", "T"), ("side", "Side", "S"), ("back", "Back", "B"))
MODE_BUTTONS = (("shaded", "Shaded", "Shift+S"), ("wireframe", "Wireframe", "Shift+W"), ("points", "Points", "Shift+P"))


def scan_rows(asset: AssetRecord) -> list[tuple[str, str]]:
    m = asset.metrics
    rows: list[tuple[str, str]] = []
    if asset.kind == "mesh":
        rows += [("Triangles", f"{m.get('faces', 0):,}"), ("Vertices", f"{m.get('vertices', 0):,}")]
    else:
        total = m.get("points_total")
        rows.append(("Points", f"{m.get('points', 0):,}" + (f" of {total:,} (rest not finite)" if total and total != m.get("points") else "")))
    if m.get("height_m") is not None:
        rows.append(("Height", f"{m['height_m']:.3f} m (up axis {m.get('up_axis', '?').upper()})"))
    bbox = m.get("bbox_m") or {}
    if bbox.get("size"):
        sx, sy, sz = bbox["size"]
        rows.append(("Bounding box", f"{sx:.3f} × {sy:.3f} × {sz:.3f} m"))
        if bbox.get("unit_guess"):
            rows.append(("Units in file", str(bbox["unit_guess"])))
    if asset.kind == "mesh":
        closed = "yes" if m.get("watertight") else f"no — {m.get('boundary_edges', 0):,} open edges"
        rows.append(("Watertight", closed))
        if m.get("non_manifold_edges"):
            rows.append(("Non-manifold edges", f"{m['non_manifold_edges']:,}"))
        rows.append(("Texture / colours", f"{'texture' if m.get('has_texture') else 'no texture'}, "
                                          f"{'vertex colours' if m.get('has_colors') else 'no colours'}"))
        lod = asset.file("lod")
        rows.append(("Preview LOD", "stored" if lod else "not needed (small scan)"))
    else:
        rows.append(("Colours", "yes" if m.get("has_colors") else "no"))
    return rows


class ScanDetail(QWidget):
    openInViewer = Signal()

    def __init__(self, vault: Vault, tasks: TaskManager, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.viewport = Viewport(vault, tasks, self)
        bar = QHBoxLayout()
        bar.setSpacing(2)
        self.view_buttons: dict[str, QToolButton] = {}
        for key, label, shortcut in VIEW_BUTTONS:
            b = QToolButton(self)
            b.setText(label)
            b.setToolTip(f"{key.replace('-', ' ').capitalize()} view ({shortcut})")
            b.setShortcut(QKeySequence(shortcut))
            b.clicked.connect(lambda _=False, k=key: self.viewport.set_view(k))
            bar.addWidget(b)
            self.view_buttons[key] = b
        reset = QToolButton(self)
        reset.setText("Reset")
        reset.setToolTip("Back to the front view (R, or double-click the preview)")
        reset.setShortcut(QKeySequence("R"))
        reset.clicked.connect(self.viewport.reset)
        bar.addWidget(reset)
        bar.addStretch(1)
        self.mode_group = QButtonGroup(self)
        self.mode_buttons: dict[str, QToolButton] = {}
        for key, label, shortcut in MODE_BUTTONS:
            b = QToolButton(self)
            b.setText(label)
            b.setCheckable(True)
            b.setToolTip(f"{label} ({shortcut})")
            b.setShortcut(QKeySequence(shortcut))
            b.clicked.connect(lambda _=False, k=key: self.viewport.set_mode(k))
            self.mode_group.addButton(b)
            bar.addWidget(b)
            self.mode_buttons[key] = b
        self.mode_buttons["shaded"].setChecked(True)
        self.viewer_button = QToolButton(self)
        self.viewer_button.setText("Open3D viewer")
        self.viewer_button.setToolTip("Open this scan in Open3D's own interactive window (Ctrl+Shift+O)")
        self.viewer_button.clicked.connect(self.openInViewer)
        bar.addWidget(self.viewer_button)
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

    def show_scan(self, asset: AssetRecord) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        for label, value in scan_rows(asset):
            v = QLabel(value, self)
            v.setTextInteractionFlags(Qt.TextSelectableByMouse)
            self.form.addRow(label, v)
        if asset.warnings:
            self.warnings.setText("<b>QA warnings</b><br>" + "<br>".join(f"⚠ {w}" for w in asset.warnings))
        else:
            self.warnings.setText("No QA warnings.")
        is_mesh = asset.kind == "mesh"
        for key in ("shaded", "wireframe"):
            self.mode_buttons[key].setEnabled(is_mesh)
        self.mode_buttons["shaded" if is_mesh else "points"].setChecked(True)
        self.viewport.mode = "shaded" if is_mesh else "points"
        self.viewport.show_asset(asset.id)

    def clear(self) -> None:
        self.viewport.show_asset(None)

    def shutdown(self) -> None:
        self.viewport.shutdown()
