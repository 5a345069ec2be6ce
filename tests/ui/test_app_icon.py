"""The app's icon comes from the package's own data (DR038), at every size it was drawn for."""

from __future__ import annotations

from PySide6.QtGui import QImage

from studio.resources import ICON_SIZES, icon_pngs
from studio.ui.app import app_icon


def test_the_app_icon_holds_every_drawn_size(qapp):
    icon = app_icon()
    assert not icon.isNull()
    assert sorted(s.width() for s in icon.availableSizes()) == list(ICON_SIZES)


def test_at_each_drawn_size_the_icon_shows_that_drawing_not_a_scaled_larger_one(qapp):
    icon = app_icon()
    for size, png in icon_pngs().items():
        drawn = QImage.fromData(png.read_bytes(), "PNG").convertToFormat(QImage.Format_ARGB32)
        shown = icon.pixmap(size, size).toImage().convertToFormat(QImage.Format_ARGB32)
        assert shown == drawn, f"the {size} px icon is not the {size} px PNG"
    # between drawn sizes Qt scales the next larger drawing down: still the icon, at the size asked
    assert icon.pixmap(20, 20).size().width() == 20
