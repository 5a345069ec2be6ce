"""Ready for a studio's workstation (issue 15, DR038): the desktop entry and the AppStream metadata
pass the freedesktop validators, and the built wheel, installed into a fresh virtual environment,
starts the app with its icon and reads its ODRL context from its own files — not the checkout's.

The validators are system tools (tools/setup.sh installs them): a missing one fails these tests,
it does not skip them. The wheel is built without build isolation, with the setuptools and wheel
the test extra installs, so the test needs no network."""

from __future__ import annotations

import configparser
import json
import os
import shutil
import site
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path
from xml.etree import ElementTree

from studio.resources import APP_ID, ICON_SIZES
from tests.conftest import REPO

PACKAGING = REPO / "packaging"
DESKTOP = PACKAGING / f"{APP_ID}.desktop"
METAINFO = PACKAGING / f"{APP_ID}.metainfo.xml"
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
HICOLOR = "studio/resources/icons/hicolor"


def tool(name: str) -> str:
    path = shutil.which(name)
    assert path, f"{name} is not installed: tools/setup.sh installs it (apt packages desktop-file-utils, appstream)"
    return path


def validate_desktop(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([tool("desktop-file-validate"), str(path)], capture_output=True, text=True, timeout=60)


def validate_metainfo(path: Path) -> subprocess.CompletedProcess:
    return subprocess.run([tool("appstreamcli"), "validate", "--no-net", "--no-color", str(path)],
                          capture_output=True, text=True, timeout=60)


def desktop_entry(path: Path = DESKTOP) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, delimiters=("=",))
    parser.optionxform = str  # keys are case-sensitive
    parser.read(path, encoding="utf-8")
    return parser["Desktop Entry"]


# --- the desktop entry ---------------------------------------------------------------------------

def test_the_desktop_entry_validates_and_starts_the_installed_command_with_the_packaged_icon():
    result = validate_desktop(DESKTOP)
    assert result.returncode == 0, result.stdout + result.stderr
    assert not [line for line in (result.stdout + result.stderr).splitlines() if "error" in line or "warning" in line]
    entry = desktop_entry()
    assert entry["Type"] == "Application" and entry["Name"] == "Twin Studio"
    command = entry["Exec"].split()[0]
    assert command in PYPROJECT["project"]["scripts"], f"Exec runs {command}, which the package does not install"
    # the icon theme name is the app id: the package's hicolor folder holds exactly that name at every size
    assert entry["Icon"] == APP_ID
    for size in ICON_SIZES:
        assert (REPO / HICOLOR / f"{size}x{size}" / "apps" / f"{APP_ID}.png").is_file()
    assert (REPO / HICOLOR / "scalable" / "apps" / f"{APP_ID}.svg").is_file()


def test_when_the_desktop_entry_lacks_its_type_then_the_validator_refuses_it(tmp_path):
    broken = tmp_path / DESKTOP.name
    broken.write_text("".join(line for line in DESKTOP.read_text(encoding="utf-8").splitlines(keepends=True)
                              if not line.startswith("Type=")), encoding="utf-8")
    result = validate_desktop(broken)
    assert result.returncode != 0 and "Type" in result.stdout + result.stderr


# --- the AppStream metadata ----------------------------------------------------------------------

def test_the_appstream_metadata_validates_and_matches_the_entry_the_release_and_the_screenshots():
    result = validate_metainfo(METAINFO)
    assert result.returncode == 0, result.stdout + result.stderr
    root = ElementTree.parse(METAINFO).getroot()
    assert root.get("type") == "desktop-application" and root.findtext("id") == APP_ID
    assert root.findtext("launchable[@type='desktop-id']") == DESKTOP.name
    assert root.find("content_rating").get("type").startswith("oars-")
    assert root.findtext("project_license") and root.findtext("metadata_license")
    newest = root.find("releases/release")  # newest first, as AppStream orders them
    assert newest.get("version") == PYPROJECT["project"]["version"], "the newest release is not the package's version"
    assert newest.get("date") and newest.find("description/p") is not None
    shots = [image.text for image in root.iterfind("screenshots/screenshot/image")]
    assert shots and root.find("screenshots/screenshot[@type='default']") is not None
    for url in shots:
        assert url.startswith("https://"), url
        name = url.rsplit("/", 1)[-1]
        assert (REPO / "docs" / "screenshots" / name).is_file(), f"{url} is not one of docs/screenshots"


def test_when_the_metadata_lacks_its_summary_then_appstreamcli_refuses_it(tmp_path):
    root = ElementTree.parse(METAINFO).getroot()
    root.remove(root.find("summary"))
    broken = tmp_path / METAINFO.name
    ElementTree.ElementTree(root).write(broken, encoding="utf-8", xml_declaration=True)
    result = validate_metainfo(broken)
    assert result.returncode != 0 and "summary" in result.stdout + result.stderr


# --- the wheel, installed --------------------------------------------------------------------------

CHILD = r"""
import json, sys
import studio
from studio.core.about import version
from studio.resources import icon_svg, odrl_context, resource, user_guide
from studio.ui.app import application

app = application()
icon = app.windowIcon()
small = icon.pixmap(16, 16).toImage()
context = odrl_context()["@context"]
print(json.dumps({
    "studio": studio.__file__, "path": sys.path, "resources": str(resource()),
    "null": icon.isNull(), "sizes": sorted(s.width() for s in icon.availableSizes()),
    "centre_alpha_16": small.pixelColor(8, 8).alpha(), "svg": icon_svg().is_file(),
    "desktop_file": app.desktopFileName(), "odrl": context.get("odrl"),
    "guide": user_guide().splitlines()[0], "version": version(),
}))
"""


def clean_env(home: Path) -> dict[str, str]:
    """The environment without anything that would put the checkout on the child's path."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTHONUSERBASE", "VIRTUAL_ENV")}
    env.update(HOME=str(home), PYTHONNOUSERSITE="1", QT_QPA_PLATFORM="offscreen")
    return env


def run(cmd: list, cwd: Path, env: dict, timeout: float = 300) -> subprocess.CompletedProcess:
    result = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{cmd} failed:\n{result.stdout}\n{result.stderr}"
    return result


def test_the_built_wheel_in_a_fresh_venv_starts_the_app_with_its_icon_and_reads_its_odrl_context_and_guide(tmp_path):
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = clean_env(home)
    # Build from a copy of what the build reads, so the checkout gets no build/ or egg-info.
    src = tmp_path / "src"
    shutil.copytree(REPO / "studio", src / "studio", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, src / name)
    run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", tmp_path / "dist", src], tmp_path, env)
    (wheel,) = (tmp_path / "dist").glob("twin_studio-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {f"{HICOLOR}/{n}x{n}/apps/{APP_ID}.png" for n in ICON_SIZES}
    expected |= {f"{HICOLOR}/scalable/apps/{APP_ID}.svg", "studio/resources/jsonld/odrl.jsonld",
                 "studio/resources/jsonld/README.md", "studio/resources/help/user-guide.md"}
    assert expected <= names, f"missing from the wheel: {sorted(expected - names)}"

    # A fresh venv with the wheel in it; its dependencies (PySide6, Open3D, …) are seen through a
    # .pth naming this venv's site-packages — plain paths, so the editable install's own .pth there
    # (which would put the checkout on the path) is never run.
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", venv], tmp_path, env)
    python = venv / "bin" / "python"
    run([sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps", "--no-index", wheel],
        tmp_path, env)
    purelib = Path(run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                       tmp_path, env).stdout.strip())
    deps = [p for p in site.getsitepackages() if Path(p).is_dir() and Path(p).resolve() != REPO.resolve()]
    (purelib / "zz-project-deps.pth").write_text("".join(f"{p}\n" for p in deps), encoding="utf-8")

    out = json.loads(run([python, "-c", CHILD], tmp_path, env, timeout=180).stdout.strip().splitlines()[-1])

    assert Path(out["studio"]).is_relative_to(purelib), f"studio imported from {out['studio']}, not the wheel"
    assert Path(out["resources"]).is_relative_to(purelib)
    assert not any(p and Path(p).resolve() == REPO.resolve() for p in out["path"]), "the checkout is on the path"
    assert not out["null"]
    assert out["sizes"] == list(ICON_SIZES)
    assert out["centre_alpha_16"] == 255  # drawn, not an empty 16 px square
    assert out["svg"]
    assert out["desktop_file"] == DESKTOP.stem
    assert out["odrl"] == "http://www.w3.org/ns/odrl/2/"
    assert out["guide"] == "# Twin Studio user guide"  # Help ▸ User Guide reads it from the installed package
    assert out["version"] == tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]

