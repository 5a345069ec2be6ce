"""The sample vault (issue 15, "Try it first"; DR041): built from the files shipped in the
package, it passes ``check`` and holds every kind of record a screen shows."""

from __future__ import annotations

import hashlib
import re

import pytest

from studio.core.about import about
from studio.core.assets import list_assets
from studio.core.check import check_vault
from studio.core.consent.grants import list_grants
from studio.core.consent.talent_keys import unlock_talent_key
from studio.core.demo import DEMO_PASSPHRASE, DEMO_TALENT_PASSPHRASE, build_demo, sample_vault_dir
from studio.core.errors import Cancelled, VaultExists
from studio.core.ledger.statement import statement
from studio.core.package.brands import list_brands
from studio.core.package.packages import list_packages
from studio.core.progress import CancelToken
from studio.core.talents import list_talents
from studio.core.vault.opening import open_vault
from studio.resources import SAMPLES, resource, sample_files


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """Built once for the module (scrypt, ingest, an export: several seconds)."""
    seen = []
    built = build_demo(tmp_path_factory.mktemp("demo") / "Sample vault", progress=seen.append)
    return built, seen


@pytest.fixture
def opened(demo):
    with open_vault(demo[0].root, DEMO_PASSPHRASE) as vault:
        yield vault


def test_the_sample_vault_opens_with_the_passphrase_it_shows_and_passes_check(demo, opened):
    built, seen = demo
    assert built.passphrase == DEMO_PASSPHRASE
    report = check_vault(opened)
    assert report.ok, report.problems
    assert report.blobs_checked >= len(SAMPLES) and report.audit_events > 10
    assert seen[-1].done == seen[-1].total and [p.done for p in seen] == sorted(p.done for p in seen)


def test_the_sample_vault_has_a_talent_with_their_own_key_and_approved_assets(demo, opened):
    built, _ = demo
    (talent,) = list_talents(opened)
    assert talent.id == built.talent_id and talent.name == "Sam Sample"
    assert unlock_talent_key(opened, talent.id, DEMO_TALENT_PASSPHRASE).talent_id == talent.id
    assets = list_assets(opened, talent.id)
    assert sorted(a.id for a in assets) == sorted(built.asset_ids)
    assert {a.status for a in assets} == {"approved"}
    assert sorted(a.kind for a in assets) == ["mesh", "voice", "voice"]
    # the originals are the shipped files, byte for byte
    shipped = {hashlib.sha256(f.read_bytes()).hexdigest() for f in sample_files()}
    assert {a.sha256 for a in assets} == shipped


def test_the_sample_vault_has_an_active_grant_a_brand_a_package_and_a_statement(demo, opened):
    built, _ = demo
    (grant,) = list_grants(opened, built.talent_id)
    assert grant.id == built.grant_id and grant.status() == "active"
    assert grant.talent_signature and grant.studio_signature
    assert [b.name for b in list_brands(opened)] == [built.brand]
    (package,) = list_packages(opened, built.talent_id)
    assert package.id == built.package_id and package.brand == built.brand
    st = statement(opened, built.talent_id)
    kinds = [e.kind for e in st.entries]
    assert kinds.count("export") == 1 and kinds.count("use") == 1 and not st.violations
    assert st.uses >= 1 and st.totals.get("EUR", 0) > 0
    assert grant.uses_left < grant.document["max_uses"]


def test_a_folder_that_holds_a_vault_or_other_files_is_refused_and_left_as_it_was(demo, tmp_path):
    with pytest.raises(VaultExists):
        build_demo(demo[0].root)
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine")
    with pytest.raises(VaultExists, match="not an empty folder"):
        build_demo(busy)
    assert [p.name for p in busy.iterdir()] == ["notes.txt"]


def test_a_cancelled_build_leaves_no_vault_behind(tmp_path):
    token = CancelToken()
    target = tmp_path / "Sample vault"

    def cancel_while_importing(p) -> None:
        if p.label == "Importing the samples":
            token.cancel()

    with pytest.raises(Cancelled):
        build_demo(target, progress=cancel_while_importing, cancel=token)
    assert not target.exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    token = CancelToken()
    with pytest.raises(Cancelled):
        build_demo(empty, progress=cancel_while_importing, cancel=token)
    assert empty.is_dir() and not any(empty.iterdir())


def test_the_sample_folder_is_beside_the_default_vault_in_the_data_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("STUDIO_DATA_DIR", str(tmp_path / "data"))
    assert sample_vault_dir() == tmp_path / "data" / "Sample vault"


def test_each_sample_is_listed_in_the_about_box_and_sources_with_an_open_licence():
    sources = resource("sample", "SOURCES.md").read_text(encoding="utf-8")
    bundled = about().bundled
    for name, shipped in zip(SAMPLES, sample_files()):
        assert shipped.is_file() and shipped.read_bytes()
        row = next(line for line in sources.splitlines() if line.startswith(f"| `{name}`"))
        (entry,) = [d for d in bundled if f"sample/{name}" in d.name]
        assert entry.licence in row and re.search(r"CC0 1\.0|Public domain", entry.licence)
        assert hashlib.sha256(shipped.read_bytes()).hexdigest()[:16] in row
    assert sum(len(f.read_bytes()) for f in sample_files()) < 5 * 1024 * 1024
