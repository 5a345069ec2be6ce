"""The app's icon, from the package's data (DR038): for the window, the About dialog and dialogs."""

from __future__ import annotations

from PySide6.QtGui import QIcon, QPixmap

from studio.resources import icon_pngs


def app_icon() -> QIcon:
    """The app's icon from the package's data (DR038): every PNG size, each drawn for its size
    (one QIcon keeps one engine; the PNGs' engine serves in-between sizes from the next larger).
    A size missing from the package is an error: a wheel built without its data must not start
    as if nothing were wrong."""
    icon = QIcon()
    for size, png in icon_pngs().items():
        pixmap = QPixmap()
        if not pixmap.loadFromData(png.read_bytes(), "PNG") or pixmap.width() != size:
            raise RuntimeError(f"the app icon's {size} px PNG in the package is not a {size} px PNG: {png}")
        icon.addPixmap(pixmap)
    return icon
