"""The app's theme and what follows its palette.

The theme (Preferences: system, light or dark, DR040): "system" is the platform's own style and
palette, as the app started with; "light" and "dark" are Qt's Fusion style with its light palette
or a dark one. What follows the palette: the 3D preview's background (dark under a dark
palette) and the look of the checkable view toggles (the checked one in the palette's Highlight
colours, so that which one is on shows under a dark palette as under a light one)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QAbstractButton, QApplication, QStyleFactory

from studio.core.render.worker import BACKGROUND

LIGHT_BACKGROUND = tuple(BACKGROUND[:3])   # as the CLI's stills and the stored thumbnails
# a dark neutral grey: the renderer takes linear values, so 0.42 shows as about 40 of 255
DARK_BACKGROUND = (0.42, 0.42, 0.43)
PALETTE_EVENTS = (QEvent.PaletteChange, QEvent.ApplicationPaletteChange)


_SYSTEM: dict[str, object] = {}  # the style's name and the palette the app started with
_APPLIED = {"theme": "system"}   # the theme in effect: the system's until one is chosen


def dark_palette() -> QPalette:
    """A dark palette as the system's dark theme gives one (Fusion's dark colours)."""
    p = QPalette()
    for role, rgb in ((QPalette.Window, (45, 45, 48)), (QPalette.WindowText, (230, 230, 230)),
                      (QPalette.Base, (30, 30, 32)), (QPalette.AlternateBase, (45, 45, 48)),
                      (QPalette.Text, (230, 230, 230)), (QPalette.Button, (53, 53, 56)),
                      (QPalette.ButtonText, (230, 230, 230)), (QPalette.Highlight, (42, 130, 218)),
                      (QPalette.HighlightedText, (255, 255, 255)), (QPalette.ToolTipBase, (53, 53, 56)),
                      (QPalette.ToolTipText, (230, 230, 230)), (QPalette.PlaceholderText, (150, 150, 150)),
                      (QPalette.Link, (95, 165, 235)), (QPalette.BrightText, (255, 90, 90))):
        p.setColor(role, QColor(*rgb))
    for role, rgb in ((QPalette.WindowText, (128, 128, 128)), (QPalette.Text, (128, 128, 128)),
                      (QPalette.ButtonText, (128, 128, 128))):
        p.setColor(QPalette.Disabled, role, QColor(*rgb))
    return p


def apply_theme(app: QApplication, theme: str) -> None:
    """Give ``app`` the ``theme`` ("system", "light" or "dark"); what follows the palette
    follows it at once. "system" brings back the style and palette the app started with."""
    if theme == _APPLIED["theme"]:
        return  # nothing to do (a palette set by other means stays)
    _APPLIED["theme"] = theme
    if not _SYSTEM:
        _SYSTEM.update(style=app.style().name(), palette=QPalette(app.palette()))
    if theme in ("light", "dark"):
        if app.style().name().lower() != "fusion":
            app.setStyle(QStyleFactory.create("Fusion"))
        app.setPalette(dark_palette() if theme == "dark" else app.style().standardPalette())
        return
    if app.style().name() != _SYSTEM["style"]:
        app.setStyle(QStyleFactory.create(str(_SYSTEM["style"])))
    app.setPalette(QPalette(_SYSTEM["palette"]))


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
