"""Trace reads the leaked file once — not once for every package it is compared with — and a
file it cannot read at all is refused with the reason, never reported as carrying no mark."""

from __future__ import annotations

import sys

import pytest

from studio.core.errors import InvalidFile
from studio.core.package.export import export_package
from studio.core.package.trace import trace_file
from tests.core.helpers import BRAND, active_grant, brand
from tests.vaults import BOTH_VAULTS

pytestmark = BOTH_VAULTS

_OPENED: list[str] = []
_WATCHING: list[str] = []


def _audit(event, args):  # observes every file Python opens while a test watches one path
    if event == "open" and _WATCHING and args and str(args[0]) == _WATCHING[0]:
        _OPENED.append(str(args[0]))


sys.addaudithook(_audit)


def test_when_the_leaked_file_cannot_be_read_then_trace_says_so_naming_it(world, tmp_path):
    vault, talent, key, (scan, voice) = world
    g = active_grant(vault, talent, key, [scan])
    brand(vault)
    export_package(vault, g.id, BRAND, tmp_path / "p.twinpkg")
    leak = tmp_path / "leak.ply"
    leak.write_bytes(b"ply\nformat binary_little_endian 1.0\nelement vertex 99999\n")  # cut off in its header

    with pytest.raises(InvalidFile, match=r"leak\.ply: cannot trace it, the file could not be read"):
        trace_file(vault, leak)


def test_when_a_leak_is_compared_with_several_packages_then_it_is_read_once(world, tmp_path):
    import trimesh

    vault, talent, key, (scan, voice) = world
    keys = brand(vault)
    packages = [export_package(vault, active_grant(vault, talent, key, [scan]).id, BRAND, tmp_path / f"p{i}.twinpkg")
                for i in range(3)]
    from studio.core.package.unpack import open_package
    from tests.core.helpers import studio_key

    open_package(packages[1].path, keys, studio_key(vault), tmp_path / "opened")
    leak = tmp_path / "leak.obj"
    trimesh.load(tmp_path / "opened" / packages[1].manifest["assets"][0]["path"], process=False).export(leak)

    _OPENED.clear()
    _WATCHING[:] = [str(leak)]
    try:
        result = trace_file(vault, leak)
    finally:
        _WATCHING.clear()
    assert result.found is not None and result.found.package_id == packages[1].package_id
    assert len(result.scores) == 3 and len(_OPENED) == 1, _OPENED
