"""The data files that ship inside the package (DR038): the app icon in the freedesktop hicolor
layout, the vendored ODRL JSON-LD context and the user guide. Read through ``importlib.resources``, so an
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
USER_GUIDE = "help/user-guide.md"  # the one copy of the guide; docs/user-guide.md points here (DR039)
# others' work shipped in this package, with its licence (the About dialog lists it beside the
# dependencies; jsonld/README.md has the full notice)
BUNDLED_DATA = (("W3C ODRL 2.2 JSON-LD context (jsonld/odrl.jsonld)", "W3C Document License"),)


def resource(*parts: str) -> Traversable:
    """The file at ``parts`` below this package (it need not exist)."""
    return files(__name__).joinpath(*parts)


def icon_svg() -> Traversable:
    return resource(*ICONS.split("/"), "scalable", "apps", f"{APP_ID}.svg")


def icon_pngs() -> dict[int, Traversable]:
    """Each PNG size of the icon, rendered from the SVG by tools/make_icons.py."""
    return {size: resource(*ICONS.split("/"), f"{size}x{size}", "apps", f"{APP_ID}.png") for size in ICON_SIZES}


def user_guide_file() -> Traversable:
    """The user guide, in Markdown: what Help ▸ User Guide shows."""
    return resource(*USER_GUIDE.split("/"))


def user_guide() -> str:
    return user_guide_file().read_text(encoding="utf-8")


def odrl_context_file() -> Traversable:
    """The ODRL 2.2 JSON-LD context as W3C publishes it (jsonld/README.md: source, licence, hash)."""
    return resource("jsonld", "odrl.jsonld")


def odrl_context() -> dict:
    """The ODRL context document, parsed: what a JSON-LD processor is served for
    :data:`ODRL_CONTEXT_URLS` when it works offline."""
    return json.loads(odrl_context_file().read_text(encoding="utf-8"))
