"""What Twin Studio is made of, for the About dialog and bug reports (DR039): its own version,
the Python it runs on, and each component it depends on with the version installed and the
licence that component declares in its own package metadata. No Qt here (the app adds Qt's
own version, which only Qt can tell); nothing is hard-coded but the distribution's name, so the
list follows ``pyproject.toml`` and the licences follow what is installed."""

from __future__ import annotations

import platform
import re
from dataclasses import dataclass
from importlib import metadata

from studio.resources import BUNDLED_DATA

DISTRIBUTION = "twin-studio"  # pyproject.toml's [project] name
OPEN3D = ("open3d-cpu", "open3d")  # one or the other is installed, per platform (pyproject.toml)
NOT_STATED = "not stated in its metadata"
_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_EXTRA = re.compile(r"""extra\s*==""")
_SHORT = 100  # a License field longer than this, or on several lines, is the licence's text, not its name


@dataclass(frozen=True)
class Component:
    """One distribution Twin Studio depends on, as installed."""

    name: str
    version: str
    licence: str
    licence_file: str = ""  # where its licence text lies, relative to site-packages ("" when none is listed)


@dataclass(frozen=True)
class BundledData:
    """A file shipped inside Twin Studio's own package that is someone else's work."""

    name: str
    licence: str


@dataclass(frozen=True)
class About:
    version: str
    licence: str  # Twin Studio's own, as its metadata says
    python: str
    platform: str
    open3d: str
    components: tuple[Component, ...]
    bundled: tuple[BundledData, ...]

    def component(self, name: str) -> Component | None:
        key = _canonical(name)
        return next((c for c in self.components if _canonical(c.name) == key), None)


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def version() -> str:
    """Twin Studio's version, from the installed distribution ("unknown" in a bare checkout)."""
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return "unknown"


def licence_of(meta) -> str:
    """The licence a distribution's metadata declares, most precise first: its SPDX
    ``License-Expression`` (``LicenseRef-Proprietary`` reads "Proprietary"); a short ``License`` field; its trove classifiers' licence names;
    the first line of a ``License`` field that holds the whole text."""
    if expression := (meta.get("License-Expression") or "").strip():
        return re.sub(r"\bLicenseRef-", "", expression)  # a licence SPDX has no id for, by its name
    field = (meta.get("License") or "").strip()
    if field and "\n" not in field and len(field) <= _SHORT and field.upper() != "UNKNOWN":
        return field
    classifiers = [c.split(" :: ")[-1] for c in meta.get_all("Classifier") or [] if c.startswith("License ::")]
    if classifiers:
        return ", ".join(classifiers)
    if field and field.upper() != "UNKNOWN":
        return field.splitlines()[0].strip()[:_SHORT]
    return NOT_STATED


def _licence_files(dist: metadata.Distribution) -> list:
    return [f for f in dist.files or () if ".dist-info" in str(f) and
            re.search(r"licen[cs]e|copying|notice", f.name, re.IGNORECASE)]


def _title_of(path) -> str:
    """A licence file's title line ("The MIT License (MIT)"), or "" when it opens otherwise
    (with a copyright line, a preamble)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return first if len(first) <= 60 and re.search(r"licen[cs]e", first, re.IGNORECASE) else ""


def dependency_names(distribution: str = DISTRIBUTION) -> list[str]:
    """The distributions ``distribution`` requires to run (its test extras left out), in the
    order ``pyproject.toml`` lists them; a platform's alternative (open3d / open3d-cpu) once,
    as installed."""
    try:
        requires = metadata.requires(distribution) or []
    except metadata.PackageNotFoundError:
        return []
    names: list[str] = []
    for requirement in requires:
        marker = requirement.partition(";")[2]
        match = _NAME.match(requirement)
        if match is None or _EXTRA.search(marker):
            continue
        name = match.group(1)
        if _canonical(name) in {_canonical(n) for n in names}:
            continue
        if marker.strip() and not _installed(name):
            continue  # for another platform
        names.append(name)
    return names


def _installed(name: str) -> bool:
    try:
        metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return False
    return True


def component(name: str) -> Component:
    try:
        dist = metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return Component(name, "not installed", NOT_STATED)
    meta = dist.metadata
    files = _licence_files(dist)
    licence = licence_of(meta)
    if licence == NOT_STATED and files:  # a package that says it only in its licence file (pyrage)
        licence = _title_of(files[0]) or NOT_STATED
    return Component(meta["Name"] or name, dist.version, licence, str(files[0]) if files else "")


def bundled_data() -> tuple[BundledData, ...]:
    """Others' work inside Twin Studio's package (studio/resources), with its licence."""
    return tuple(BundledData(name, licence) for name, licence in BUNDLED_DATA)


def about() -> About:
    """Everything the About dialog shows. Reads package metadata: call it off the GUI thread."""
    components = tuple(component(name) for name in dependency_names())
    open3d = next((c.version for c in components if _canonical(c.name) in OPEN3D), "not installed")
    try:
        own = licence_of(metadata.metadata(DISTRIBUTION))
    except metadata.PackageNotFoundError:
        own = NOT_STATED
    return About(version=version(), licence=own,
                 python=f"{platform.python_implementation()} {platform.python_version()}",
                 platform=platform.platform(), open3d=open3d, components=components, bundled=bundled_data())


def report_text(info: About, extra: dict[str, str] | None = None) -> str:
    """The plain text "Copy version info" puts on the clipboard: one ``name: version`` a line,
    for a bug report. ``extra``: lines the app adds (Qt's version)."""
    lines = [f"Twin Studio: {info.version}", f"Python: {info.python}", f"Platform: {info.platform}"]
    lines += [f"{name}: {value}" for name, value in (extra or {}).items()]
    lines += [f"{c.name}: {c.version}" for c in info.components]
    return "\n".join(lines) + "\n"
