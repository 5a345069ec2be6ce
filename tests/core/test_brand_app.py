"""The core under the brand's window (DR048), without Qt: studio keys pinned in the brand's folder
and found by the fingerprint a package names; a package inspected only against a pinned key and
only when it is addressed to these keys; a use checked against the licence before anything is
signed; a scan and a voice take read from the files a package was opened into."""

from __future__ import annotations

import stat

import numpy as np
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from studio.core.errors import InvalidInput, NotFound, PackageRefused
from studio.core.package.brand_app import (STUDIO_KEYS, inspect_package, named_sender, pin_studio_key, pinned_key,
                                           pinned_keys, use_outside_licence)
from studio.core.package.brand_keys import generate
from studio.core.package.export import export_package
from studio.core.package.unpack import open_package
from studio.core.previews import voice_file
from studio.core.render.preview import FileScans, Preview, open_scene
from tests.core.helpers import BRAND, active_grant, brand, studio_key, studio_pem


@pytest.fixture
def sent(world, tmp_path):
    """(vault, package path, the brand's keys, the studio's key file)."""
    vault, talent, key, assets = world
    keys = brand(vault)
    grant = active_grant(vault, talent, key, assets)
    package = tmp_path / "twin.twinpkg"
    export_package(vault, grant.id, BRAND, package)
    return vault, package, keys, studio_pem(vault, tmp_path / "studio.pem")


def _other_pem(path):
    key = Ed25519PrivateKey.generate().public_key()
    path.write_bytes(key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    return path


def test_when_a_studio_key_is_pinned_then_the_package_naming_it_finds_it_and_a_second_pin_changes_nothing(
        sent, tmp_path):
    vault, package, _keys, pem = sent
    folder = tmp_path / "brand"
    folder.mkdir()
    assert named_sender(package) == vault.studio_key_fingerprint
    assert pinned_key(folder, named_sender(package)) is None
    assert pin_studio_key(folder, _other_pem(tmp_path / "other.pem")) != vault.studio_key_fingerprint
    assert pin_studio_key(folder, pem) == vault.studio_key_fingerprint
    files = sorted((folder / STUDIO_KEYS).iterdir())
    assert pin_studio_key(folder, pem) == vault.studio_key_fingerprint
    assert sorted((folder / STUDIO_KEYS).iterdir()) == files and len(files) == 2
    found = pinned_key(folder, named_sender(package))
    assert found is not None and found.public_bytes_raw() == studio_key(vault).public_bytes_raw()
    assert set(pinned_keys(folder)) == {vault.studio_key_fingerprint, pin_studio_key(folder, tmp_path / "other.pem")}
    assert all(stat.S_IMODE(f.stat().st_mode) & 0o022 == 0 for f in files)  # public, but only the brand writes


def test_when_a_key_file_is_not_a_public_key_then_pinning_refuses_it_and_pins_nothing(sent, tmp_path):
    folder = tmp_path / "brand"
    folder.mkdir()
    bad = tmp_path / "bad.pem"
    bad.write_text("not a key\n")
    with pytest.raises(InvalidInput, match="not a PEM public key"):
        pin_studio_key(folder, bad)
    with pytest.raises(NotFound):
        pin_studio_key(tmp_path / "no-such-brand", sent[3])
    assert not (folder / STUDIO_KEYS).exists()


def test_when_a_package_is_inspected_then_it_must_be_the_pinned_studios_and_addressed_to_these_keys(sent):
    vault, package, keys, _pem = sent
    view = inspect_package(package, keys, studio_key(vault))
    assert view.sender == vault.studio_key_fingerprint and view.max_uses == 5
    assert view.licence.startswith(f"You ({BRAND}) may use") and view.talent_id.startswith("tal_")
    assert {a["kind"] for a in view.assets} >= {"mesh", "voice"}
    other, _card = generate("Other Brand")
    with pytest.raises(PackageRefused, match="not addressed to you: it is for Maison Lumière"):
        inspect_package(package, other, studio_key(vault))
    with pytest.raises(PackageRefused, match="bad signature"):
        inspect_package(package, keys, Ed25519PrivateKey.generate().public_key())


def test_when_a_use_falls_outside_the_licence_then_each_way_is_named_before_anything_is_signed(sent):
    vault, package, keys, _pem = sent
    m = inspect_package(package, keys, studio_key(vault)).manifest
    start = m["grant"]["document"]["start"]
    assert use_outside_licence(m, "Hero image", "advertising", "web", "FR", start) == []
    reasons = use_outside_licence(m, "Hero image", "editorial", "print", "US", "2001-01-01")
    assert any("territory US" in r for r in reasons) and any("purpose editorial" in r for r in reasons)
    assert any("medium print" in r for r in reasons) and any("not yet started" in r for r in reasons)
    with pytest.raises(InvalidInput, match="say what the use was"):
        use_outside_licence(m, " ", "advertising", "web", "FR", start)
    with pytest.raises(InvalidInput):
        use_outside_licence(m, "Hero image", "advertising", "web", "FR", start, count=0)


def test_when_a_package_is_opened_then_its_scan_renders_from_the_file_and_its_take_is_measured(sent, tmp_path):
    vault, package, keys, _pem = sent
    result = open_package(package, keys, studio_key(vault), tmp_path / "opened")
    assets = {a["kind"]: a for a in result.info.manifest["assets"] if a.get("kind")}
    scans = FileScans()
    mesh = assets["mesh"]
    scans.add("pkg:mesh", result.out / mesh["path"], "mesh", mesh["format"])
    scene = open_scene(scans, "pkg:mesh")
    assert scene.is_mesh and scene.full is not None and len(scene.full.triangles) > 1000
    preview = Preview(spare=False)
    try:
        image = preview.frame(scans, scene, scene.home, "shaded", (160, 120), moving=False)
    finally:
        preview.close()
    assert image.shape == (120, 160, 3)
    assert float((np.abs(image.astype(int) - image[0, 0].astype(int)).sum(axis=2) > 30).mean()) > 0.02
    with pytest.raises(InvalidInput, match="not a scan"):
        scans.add("pkg:voice", result.out / assets["voice"]["path"], "voice", assets["voice"]["format"])
    with pytest.raises(NotFound):
        open_scene(scans, "pkg:nothing")
    take = voice_file(result.out / assets["voice"]["path"], assets["voice"]["format"])
    assert take.audio == (result.out / assets["voice"]["path"]).read_bytes()
    assert take.metrics["duration_s"] > 1 and take.waveform["buckets"] > 10
