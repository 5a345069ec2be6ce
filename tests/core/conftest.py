"""Fixtures shared by the consent tests: a vault with a keyed talent and two approved assets,
and the clock set to each side of midnight (DR020)."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from tests.conftest import TESTDATA

TALENT_PASS = "the talent's own long phrase"


def _fill_consent(vault):
    """A talent with their own key, a head-sized scan and a voice take, both approved."""
    from studio.core.consent.review import review_asset
    from studio.core.consent.talent_keys import set_talent_passphrase, unlock_talent_key
    from studio.core.intake import ingest_paths
    from studio.core.talents import add_talent

    talent = add_talent(vault, "Ines Duarte", "ines@example.com")
    set_talent_passphrase(vault, talent.id, TALENT_PASS)
    key = unlock_talent_key(vault, talent.id, TALENT_PASS)
    scan, voice = ingest_paths(vault, talent.id, [TESTDATA / "scans" / "stanford-bunny_zipper_res2.ply",
                                                  TESTDATA / "voice" / "vctk_p225_001.wav"])
    for r in (scan, voice):
        review_asset(vault, r.asset_id, "approve", key)
    return talent, key, [scan.asset_id, voice.asset_id]


@pytest.fixture(scope="session")
def _consent_template(tmp_path_factory, _vault_template):
    """Made once (each talent-key operation costs a second of scrypt); each test gets a copy:
    a talent with their own key, a head-sized scan and a voice take, both approved."""
    from studio.core.vault import Vault
    from studio.core.vault.header import read_header

    template, keys = _vault_template
    root = tmp_path_factory.mktemp("consent") / "vault"
    shutil.copytree(template, root)
    with Vault(root, read_header(root), keys) as vault:
        talent, key, assets = _fill_consent(vault)
    return root, keys, talent, key, assets


@pytest.fixture(scope="session")
def _shared_consent_template(shared_vaults, _shared_template):
    """The same on a shared vault: (template, talent, key, assets), made once."""
    template, (talent, key, assets) = shared_vaults.template_from(_shared_template, _fill_consent)
    return template, talent, key, assets


@pytest.fixture
def world(request, vault_kind, tmp_path):
    """(vault, talent, unlocked talent key, [scan id, voice id]) on a fresh copy."""
    from studio.core.vault import Vault
    from studio.core.vault.header import read_header

    if vault_kind == "shared":
        factory = request.getfixturevalue("shared_vaults")
        template, talent, key, assets = request.getfixturevalue("_shared_consent_template")
        factory.set_env(request.getfixturevalue("monkeypatch"))
        with factory.clone(template) as vault:
            yield vault, talent, key, assets
        return
    template, keys, talent, key, assets = request.getfixturevalue("_consent_template")
    root = tmp_path / "vault"
    shutil.copytree(template, root)
    vault = Vault(root, read_header(root), keys)
    yield vault, talent, key, assets
    vault.close()


# Instants either side of midnight in the grants' zones (Europe/Brussels and Europe/Paris are
# UTC+1 in winter, UTC+2 in summer) and in UTC, plus midday. Tests that date anything run at each.
INSTANTS = {
    "23:40 UTC = 00:40 next day in Brussels": "2026-11-30T23:40:00+00:00",
    "22:40 UTC = 23:40 in Brussels": "2026-11-30T22:40:00+00:00",
    "00:20 UTC = 01:20 in Brussels": "2026-12-01T00:20:00+00:00",
    "12:00 UTC": "2026-11-30T12:00:00+00:00",
    "summer 22:20 UTC = 00:20 next day in Brussels": "2027-06-30T22:20:00+00:00",
}


# On a shared vault the dated tests run at this one instant: the calendar logic is the same code
# on both kinds, and five runs of each would cost the suite's budget (issue 12)
SHARED_INSTANT = "23:40 UTC = 00:40 next day in Brussels"


def pytest_generate_tests(metafunc) -> None:
    """``clock_at`` runs a test at each of INSTANTS; with both vault kinds (tests/vaults.py), the
    folder vault at each and the shared vault at SHARED_INSTANT (tests/conftest.py leaves
    ``vault_kind`` to this hook for these tests)."""
    if "clock_at" not in metafunc.fixturenames:
        return
    from tests.vaults import kinds_for

    kinds = kinds_for(metafunc.definition) if "vault_kind" in metafunc.fixturenames else None
    if kinds is None:
        metafunc.parametrize("clock_at", list(INSTANTS.values()), ids=list(INSTANTS), indirect=True)
        return
    combos = [(kind, name) for kind in kinds for name in INSTANTS if kind == "folder" or name == SHARED_INSTANT]
    metafunc.parametrize(["vault_kind", "clock_at"], [(kind, INSTANTS[name]) for kind, name in combos],
                         ids=[f"{kind}-{name}" for kind, name in combos], indirect=True)


@pytest.fixture
def clock_at(request):
    """The core's clock set to one of INSTANTS for the test (then the system clock again)."""
    from studio.core.clock import fixed_at

    instant = dt.datetime.fromisoformat(request.param)
    with fixed_at(instant):
        yield instant
