"""The data files that ship inside the package (DR038): the app icon in the freedesktop hicolor
layout, the vendored ODRL JSON-LD context and the user guide. Read through ``importlib.resources``, so an
installed wheel finds them where it put them, never in a source checkout. No Qt here: the core
may read these too. ``sample/`` holds the openly licensed files the sample vault is built from
(DR041; ``sample/SOURCES.md``)."""

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
BUNDLED_DATA = (("W3C ODRL 2.2 JSON-LD context (jsonld/odrl.jsonld)", "W3C Document License"),
                ("Sample body: MakeHuman hm08 base mesh (sample/makehuman-base.obj)", "CC0 1.0"),
                ("Sample voice: LJ Speech 1.1, LJ050-0159 (sample/ljspeech-LJ050-0159.wav)", "Public domain"),
                ("Sample voice: Mozilla Common Voice, French 17299458 (sample/commonvoice-fr-17299458.wav)",
                 "CC0 1.0"))
# the sample vault's files (DR041), in the order they are ingested; sample/SOURCES.md says whose they are
SAMPLES = ("makehuman-base.obj", "ljspeech-LJ050-0159.wav", "commonvoice-fr-17299458.wav")


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


def sample_files() -> list[Traversable]:
    """The sample vault's scan and voice takes (:data:`SAMPLES`)."""
    return [resource("sample", name) for name in SAMPLES]


def odrl_context_file() -> Traversable:
    """The ODRL 2.2 JSON-LD context as W3C publishes it (jsonld/README.md: source, licence, hash)."""
    return resource("jsonld", "odrl.jsonld")


def odrl_context() -> dict:
    """The ODRL context document, parsed: what a JSON-LD processor is served for
    :data:`ODRL_CONTEXT_URLS` when it works offline."""
    return json.loads(odrl_context_file().read_text(encoding="utf-8"))
