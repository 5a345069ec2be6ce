"""Fixtures shared by the consent tests: a vault with a keyed talent and two approved assets."""

from __future__ import annotations

import shutil

import pytest

from tests.conftest import TESTDATA

TALENT_PASS = "the talent's own long phrase"


@pytest.fixture(scope="session")
def _consent_template(tmp_path_factory, _vault_template):
    """Made once (each talent-key operation costs a second of scrypt); each test gets a copy:
    a talent with their own key, a head-sized scan and a voice take, both approved."""
    from studio.core.consent.review import review_asset
    from studio.core.consent.talent_keys import set_talent_passphrase, unlock_talent_key
    from studio.core.intake import ingest_paths
    from studio.core.talents import add_talent
    from studio.core.vault import Vault
    from studio.core.vault.header import read_header

    template, keys = _vault_template
    root = tmp_path_factory.mktemp("consent") / "vault"
    shutil.copytree(template, root)
    with Vault(root, read_header(root), keys) as vault:
        talent = add_talent(vault, "Ines Duarte", "ines@example.com")
        set_talent_passphrase(vault, talent.id, TALENT_PASS)
        key = unlock_talent_key(vault, talent.id, TALENT_PASS)
        scan, voice = ingest_paths(vault, talent.id, [TESTDATA / "scans" / "stanford-bunny_zipper_res2.ply",
                                                      TESTDATA / "voice" / "vctk_p225_001.wav"])
        for r in (scan, voice):
            review_asset(vault, r.asset_id, "approve", key)
    return root, keys, talent, key, [scan.asset_id, voice.asset_id]


@pytest.fixture
def world(tmp_path, _consent_template):
    """(vault, talent, unlocked talent key, [scan id, voice id]) on a fresh copy."""
    from studio.core.vault import Vault
    from studio.core.vault.header import read_header

    template, keys, talent, key, assets = _consent_template
    root = tmp_path / "vault"
    shutil.copytree(template, root)
    vault = Vault(root, read_header(root), keys)
    yield vault, talent, key, assets
    vault.close()
