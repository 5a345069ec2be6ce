"""Render the app icon's PNG sizes from its SVG, with Qt's own SVG renderer.

    .venv/bin/python tools/make_icons.py     # writes studio/resources/icons/hicolor/<N>x<N>/apps/*.png

The icons sit in the package in the freedesktop hicolor layout (DR038): the SVG under
``hicolor/scalable/apps``, each PNG under ``hicolor/<N>x<N>/apps``, all named for the app's id.
Run it again after changing the SVG, and commit the PNGs it writes.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))


def main() -> int:
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    from studio.resources import APP_ID, ICON_SIZES, ICONS

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 (QPainter needs one)
    hicolor = REPO / "studio" / "resources" / ICONS
    svg = hicolor / "scalable" / "apps" / f"{APP_ID}.svg"
    renderer = QSvgRenderer(str(svg))
    if not renderer.isValid():
        print(f"make_icons: {svg} is not an SVG Qt can render", file=sys.stderr)
        return 1
    for size in ICON_SIZES:
        image = QImage(size, size, QImage.Format_ARGB32_Premultiplied)
        image.fill(Qt.transparent)
        painter = QPainter(image)
        painter.setRenderHints(QPainter.Antialiasing | QPainter.SmoothPixmapTransform)
        renderer.render(painter)
        painter.end()
        out = hicolor / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
        out.parent.mkdir(parents=True, exist_ok=True)
        if not image.save(str(out), "PNG"):
            print(f"make_icons: could not write {out}", file=sys.stderr)
            return 1
        print(out.relative_to(REPO))
    return 0


if __name__ == "__main__":
    sys.exit(main())
