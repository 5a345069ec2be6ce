"""What the About dialog shows comes from the installed packages' own metadata (DR039): the
components are pyproject.toml's dependencies, each with the version installed and the licence
it declares; and the user guide is package data."""

from __future__ import annotations

import fnmatch
import re
import tomllib
from email.message import Message
from importlib import metadata

from studio.core.about import NOT_STATED, about, component, licence_of, report_text
from studio.resources import resource, user_guide, user_guide_file
from tests.conftest import REPO

PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _installed(name: str) -> bool:
    try:
        metadata.distribution(name)
    except metadata.PackageNotFoundError:
        return False
    return True


def test_the_components_are_pyprojects_dependencies_as_installed_with_their_versions():
    declared = [re.match(r"[A-Za-z0-9._-]+", d).group(0) for d in PYPROJECT["project"]["dependencies"]]
    expected = [_canonical(n) for n in declared if _installed(n)]  # open3d or open3d-cpu: the one this platform has
    info = about()
    assert [_canonical(c.name) for c in info.components] == list(dict.fromkeys(expected))
    for c in info.components:
        assert c.version == metadata.version(c.name)
    assert info.version == PYPROJECT["project"]["version"]
    assert info.open3d == next(c.version for c in info.components if c.name.startswith("open3d"))
    assert not any(_canonical(c.name) in {"pytest", "pytest-qt", "hypothesis"} for c in info.components)  # test extras


def test_each_components_licence_is_what_its_metadata_declares():
    info = about()
    assert info.component("cryptography").licence == metadata.metadata("cryptography")["License-Expression"]
    assert info.component("PySide6").licence == metadata.metadata("PySide6")["License"]
    assert "LGPL-3.0" in info.component("PySide6").licence
    assert "MIT" in info.component("open3d-cpu" if _installed("open3d-cpu") else "open3d").licence
    assert "MIT" in info.component("trimesh").licence
    assert info.licence == "Proprietary"  # pyproject.toml's own, "LicenseRef-Proprietary" in SPDX terms
    assert licence_of({"License-Expression": "MIT AND LicenseRef-Proprietary"}) == "MIT AND Proprietary"
    for c in info.components:
        assert c.licence and "\n" not in c.licence and len(c.licence) <= 100, c


def test_a_package_that_states_its_licence_only_in_its_licence_file_gets_that_files_title():
    pyrage = component("pyrage")
    meta = metadata.metadata("pyrage")
    if meta.get("License-Expression") or meta.get("License") or any(
            c.startswith("License ::") for c in meta.get_all("Classifier") or []):
        assert pyrage.licence == licence_of(meta)  # a newer pyrage that declares it
    else:
        assert "MIT" in pyrage.licence
    assert pyrage.licence_file.endswith("LICENSE")


def _meta(**fields) -> Message:
    meta = Message()
    for name, value in fields.items():
        for v in value if isinstance(value, list) else [value]:
            meta[name.replace("_", "-")] = v
    return meta


def test_the_most_precise_licence_statement_wins():
    mit_text = "The MIT License (MIT)\n\nCopyright (c) 2023 Someone\n\nPermission is hereby granted, free of charge"
    assert licence_of(_meta(License_Expression="Apache-2.0 OR BSD-3-Clause", License="BSD")) == "Apache-2.0 OR BSD-3-Clause"
    assert licence_of(_meta(License="Apache-2.0", Classifier="License :: OSI Approved :: MIT License")) == "Apache-2.0"
    assert licence_of(_meta(License=mit_text, Classifier="License :: OSI Approved :: MIT License")) == "MIT License"
    assert licence_of(_meta(License=mit_text)) == "The MIT License (MIT)"
    assert licence_of(_meta(Classifier=["License :: OSI Approved :: BSD License",
                                        "License :: OSI Approved :: MIT License"])) == "BSD License, MIT License"
    assert licence_of(_meta(License="UNKNOWN")) == NOT_STATED
    assert licence_of(_meta()) == NOT_STATED


def test_a_component_not_installed_says_so():
    missing = component("no-such-distribution-twin-studio")
    assert missing.version == "not installed" and missing.licence == NOT_STATED


def test_the_bundled_odrl_context_is_listed_with_the_licence_its_readme_names():
    (odrl,) = [d for d in about().bundled if "ODRL" in d.name]
    assert odrl.licence in resource("jsonld", "README.md").read_text(encoding="utf-8")


def test_the_version_report_names_every_component_and_what_the_app_adds():
    info = about()
    text = report_text(info, {"Qt": "6.x"})
    assert text.startswith(f"Twin Studio: {info.version}\n")
    assert "Qt: 6.x\n" in text and f"Python: {info.python}\n" in text
    for c in info.components:
        assert f"{c.name}: {c.version}\n" in text


def test_the_user_guide_is_package_data_listed_for_the_wheel():
    guide = user_guide_file()
    assert guide.is_file()
    relative = str(guide).removeprefix(str(resource())).lstrip("/\\")
    patterns = PYPROJECT["tool"]["setuptools"]["package-data"]["studio.resources"]
    assert any(fnmatch.fnmatch(relative, p) for p in patterns), f"{relative} is not in the wheel's package data"
    text = user_guide()
    for heading in ("## A studio's day", "## The talent's review", "## The brand's side", "## Troubleshooting",
                    "## Keyboard shortcuts"):
        assert f"\n{heading}\n" in text
    # docs/user-guide.md is a pointer to the one copy, not a second copy that could drift
    pointer = (REPO / "docs" / "user-guide.md").read_text(encoding="utf-8")
    assert "../studio/resources/help/user-guide.md" in pointer and "## Troubleshooting" not in pointer
