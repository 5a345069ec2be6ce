"""What follows the app's palette: the 3D preview's background (dark under a dark palette) and
the look of the checkable view toggles (the checked one in the palette's Highlight colours, so
that which one is on shows under a dark palette as under a light one)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QAbstractButton, QApplication

from studio.core.render.worker import BACKGROUND

LIGHT_BACKGROUND = tuple(BACKGROUND[:3])   # as the CLI's stills and the stored thumbnails
# a dark neutral grey: the renderer takes linear values, so 0.42 shows as about 40 of 255
DARK_BACKGROUND = (0.42, 0.42, 0.43)
PALETTE_EVENTS = (QEvent.PaletteChange, QEvent.ApplicationPaletteChange)


def is_dark(palette: QPalette) -> bool:
    return palette.color(QPalette.Window).lightness() < 128


def preview_background(palette: QPalette) -> tuple[float, float, float]:
    """The 3D preview's background (RGB floats in 0..1) under ``palette``."""
    return DARK_BACKGROUND if is_dark(palette) else LIGHT_BACKGROUND


def toggle_style(palette: QPalette) -> str:
    """The style sheet of a checkable toggle: checked, it takes the palette's Highlight and
    HighlightedText colours; unchecked, it keeps the platform's look."""
    back, text = palette.color(QPalette.Highlight), palette.color(QPalette.HighlightedText)
    return (f"QToolButton:checked {{ background-color: {back.name()}; color: {text.name()};"
            f" border: 1px solid {back.darker(130).name()}; border-radius: 3px; padding: 2px 6px; }}")


class _Restyle(QObject):
    """Sets its toggles' style sheets again when the app's palette changes. It watches only the
    owner (a widget without a style sheet of its own, so it is told of a new app palette), not
    the whole application: a filter there would run for every event in the app."""

    def __init__(self, owner: QObject, buttons: tuple[QAbstractButton, ...]) -> None:
        super().__init__(owner)
        self.buttons = buttons
        owner.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        if event.type() in PALETTE_EVENTS:
            for b in self.buttons:
                _apply(b)
        return False


def _apply(button: QAbstractButton) -> None:
    style = toggle_style(QApplication.palette())
    if button.styleSheet() != style:  # (setting it again would only repolish)
        button.setStyleSheet(style)


def style_toggles(owner: QObject, *buttons: QAbstractButton) -> None:
    """Give ``buttons`` (checkable toggles, children of ``owner``) the toggle style, kept in
    step with the app's palette for as long as ``owner`` lives."""
    for b in buttons:
        _apply(b)
    _Restyle(owner, buttons)
