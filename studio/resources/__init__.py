"""The data files that ship inside the package (DR038): the app icon in the freedesktop hicolor
layout and the vendored ODRL JSON-LD context. Read through ``importlib.resources``, so an
installed wheel finds them where it put them, never in a source checkout. No Qt here: the core
may read these too."""

from __future__ import annotations

import json
from importlib.resources import files
from importlib.resources.abc import Traversable

APP_ID = "io.twinstudio.TwinStudio"  # the AppStream id; the desktop entry and the icons are named for it
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICONS = "icons/hicolor"  # below this package: scalable/apps/<APP_ID>.svg, <N>x<N>/apps/<APP_ID>.png
ODRL_CONTEXT_URLS = ("http://www.w3.org/ns/odrl.jsonld", "https://www.w3.org/ns/odrl.jsonld")


def resource(*parts: str) -> Traversable:
    """The file at ``parts`` below this package (it need not exist)."""
    return files(__name__).joinpath(*parts)


def icon_svg() -> Traversable:
    return resource(*ICONS.split("/"), "scalable", "apps", f"{APP_ID}.svg")


def icon_pngs() -> dict[int, Traversable]:
    """Each PNG size of the icon, rendered from the SVG by tools/make_icons.py."""
    return {size: resource(*ICONS.split("/"), f"{size}x{size}", "apps", f"{APP_ID}.png") for size in ICON_SIZES}


def odrl_context_file() -> Traversable:
    """The ODRL 2.2 JSON-LD context as W3C publishes it (jsonld/README.md: source, licence, hash)."""
    return resource("jsonld", "odrl.jsonld")


def odrl_context() -> dict:
    """The ODRL context document, parsed: what a JSON-LD processor is served for
    :data:`ODRL_CONTEXT_URLS` when it works offline."""
    return json.loads(odrl_context_file().read_text(encoding="utf-8"))
