"""The app's icon comes from the package's own data (DR038), at every size it was drawn for."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from studio.resources import ICON_SIZES, icon_pngs
from studio.ui.app import app_icon


def test_the_app_icon_holds_every_drawn_size(qapp):
    icon = app_icon()
    assert not icon.isNull()
    assert sorted(s.width() for s in icon.availableSizes()) == list(ICON_SIZES)


def test_at_each_drawn_size_the_icon_shows_that_drawing_not_a_scaled_larger_one(qapp):
    # Compared premultiplied, the form a pixmap holds: converting the pixmap back to straight alpha
    # is not exact on every CPU (Qt picks SSE4/AVX2 routines at run time; CI's 128 px icon differed).
    icon = app_icon()
    pngs = icon_pngs()
    sizes = sorted(pngs)
    for size in sizes:
        drawn = premultiplied(pngs[size])
        shown = icon.pixmap(size, size).toImage().convertToFormat(QImage.Format_ARGB32_Premultiplied)
        assert shown == drawn, f"the {size} px icon is not the {size} px PNG"
        larger = next((s for s in sizes if s > size), None)
        if larger is not None:  # the check tells the drawings apart: a scaled larger one would fail it
            scaled = premultiplied(pngs[larger]).scaled(size, size, Qt.IgnoreAspectRatio, Qt.SmoothTransformation)
            assert scaled != drawn, f"the {larger} px PNG scaled to {size} px is the {size} px drawing"
    # between drawn sizes Qt scales the next larger drawing down: still the icon, at the size asked
    assert icon.pixmap(20, 20).size().width() == 20


def premultiplied(png) -> QImage:
    return QImage.fromData(png.read_bytes(), "PNG").convertToFormat(QImage.Format_ARGB32_Premultiplied)
