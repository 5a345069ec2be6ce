"""Opening a package is all or none: a file that appears in the output folder while the package
is being decrypted is never replaced (and nothing else is written), and with --force a refusal
leaves every one of the brand's originals as it was."""

from __future__ import annotations

import pytest

from studio.core.errors import InvalidInput, PackageRefused
from studio.core.package.export import export_package
from studio.core.package.unpack import open_package
from tests.core.helpers import BRAND, active_grant, brand, studio_key
from tests.vaults import BOTH_VAULTS

pytestmark = BOTH_VAULTS


def _files(folder):
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def _exported(world, tmp_path):
    vault, talent, key, assets = world
    g = active_grant(vault, talent, key, assets)
    keys = brand(vault)
    result = export_package(vault, g.id, BRAND, tmp_path / "p.twinpkg")
    return vault, result, [a["path"] for a in result.manifest["assets"]], keys


def _on_first_progress(action):
    done = []

    def progress(*_):
        if not done:
            done.append(True)
            action()
    return progress


def test_when_the_second_target_appears_while_opening_then_it_is_refused_and_nothing_is_written(world, tmp_path):
    vault, result, paths, keys = _exported(world, tmp_path)
    out = tmp_path / "opened"
    second = out / paths[1]

    def appear():
        second.parent.mkdir(parents=True)
        second.write_bytes(b"the brand's own file")

    with pytest.raises(InvalidInput, match="already exist"):
        open_package(result.path, keys, studio_key(vault), out, progress=_on_first_progress(appear))
    assert _files(out) == {paths[1]: b"the brand's own file"}
    assert not [p for p in out.iterdir() if p.name.startswith(".twinpkg-open")]


def test_when_a_forced_open_is_refused_midway_then_the_brands_originals_are_intact(world, tmp_path):
    vault, result, paths, keys = _exported(world, tmp_path)
    out = tmp_path / "opened"
    open_package(result.path, keys, studio_key(vault), out)
    for rel in paths:
        (out / rel).write_bytes(b"edited by the brand: " + rel.encode())
    before = _files(out)
    second = out / paths[1]

    def become_a_folder():
        second.unlink()
        second.mkdir()
        (second / "keep.txt").write_bytes(b"inside")

    with pytest.raises(PackageRefused, match="link or folder"):
        open_package(result.path, keys, studio_key(vault), out, force=True,
                     progress=_on_first_progress(become_a_folder))
    del before[paths[1]]
    assert _files(out) == {**before, paths[1] + "/keep.txt": b"inside"}
    assert not [p for p in out.iterdir() if p.name.startswith(".twinpkg-open")]
