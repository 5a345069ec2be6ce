"""The talent pauses new exports of their likeness, all of them or under one grant, without
revoking; only their signature resumes (issue 13, DR050)."""

from __future__ import annotations

import pyrage
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from studio.core.check import check_vault
from studio.core.consent.grants import get_grant
from studio.core.consent.pause import (SignedStatement, active_pause, list_pauses, pause_exports, pause_statement,
                                       pause_with_key, resume_exports, resume_statement, resume_with_key,
                                       sign_statement)
from studio.core.consent.policy import check_use
from studio.core.consent.signing import sign
from studio.core.consent.talent_keys import TalentKey, link_own_key
from studio.core.errors import ConsentError, ExportsPaused, InvalidInput, TalentSignsOnOwnDevice
from studio.core.package.export import export_package
from studio.core.package import manifest as mf
from studio.core.talents import add_talent
from studio.core.vault import audit
from studio.core.vault.keys import public_key_b64, public_key_fingerprint
from studio.core.package.unpack import open_package
from tests.core.helpers import BRAND, active_grant, brand, studio_key
from tests.vaults import BOTH_VAULTS, catalog_db, folder_only

pytestmark = BOTH_VAULTS


def _events(vault) -> list[tuple[str, str]]:
    return [(e["action"], e["subject"]) for e in audit.list_events(vault)]


def _no_package_files(folder) -> bool:
    return not [p for p in folder.iterdir() if p.suffix == ".twinpkg" or p.name.startswith(".tmp-")]


def test_when_the_talent_pauses_then_exports_refuse_naming_them_and_since_when_and_resume_re_allows(world, tmp_path):
    vault, talent, key, assets = world
    g = active_grant(vault, talent, key, assets)
    b = brand(vault)
    out = tmp_path / "out"
    out.mkdir()
    delivered = export_package(vault, g.id, BRAND, tmp_path / "delivered.twinpkg")

    paused = pause_with_key(vault, talent.id, None, key)

    assert paused.active and paused.grant_id is None and active_pause(vault, talent.id).sha256 == paused.sha256
    with pytest.raises(ExportsPaused, match=rf"talent {talent.id}'s likeness are paused by the talent since "
                                            rf"{paused.paused_at}") as refused:
        export_package(vault, g.id, BRAND, out / "p.twinpkg")
    assert (refused.value.talent_id, refused.value.grant_id, refused.value.since) == (talent.id, None, paused.paused_at)
    assert _no_package_files(out) and get_grant(vault, g.id).uses == 1  # the delivered one only
    # the package delivered before the pause is not reached: the brand still opens it
    opened = open_package(delivered.path, b, studio_key(vault), tmp_path / "opened")
    assert len(opened.files) == len(delivered.manifest["assets"]) + 2
    decision = check_use(vault, g.id, "e-commerce", "web", "FR")
    assert not decision.permitted and any("paused by the talent" in r for r in decision.reasons)
    assert ("talent.exports_paused", talent.id) in _events(vault)

    resumed = resume_with_key(vault, talent.id, None, key)

    assert not resumed.active and resumed.resume_statement["pause_sha256"] == paused.sha256
    assert active_pause(vault, talent.id) is None
    result = export_package(vault, g.id, BRAND, out / "p.twinpkg")
    assert get_grant(vault, g.id).uses == 2
    assert result.manifest["pause_policy"] == mf.PAUSE_POLICY
    assert result.manifest["pause_policy"]["delivered_packages"] == "unaffected"
    assert ("talent.exports_resumed", talent.id) in _events(vault)
    assert check_vault(vault).ok


def test_when_one_grant_is_paused_then_only_that_grant_refuses(world, tmp_path):
    vault, talent, key, assets = world
    paused_grant = active_grant(vault, talent, key, assets)
    other = active_grant(vault, talent, key, assets)
    brand(vault)

    p = pause_with_key(vault, talent.id, paused_grant.id, key)

    with pytest.raises(ExportsPaused, match=f"exports under grant {paused_grant.id} of talent {talent.id}"):
        export_package(vault, paused_grant.id, BRAND, tmp_path / "a.twinpkg")
    assert not (tmp_path / "a.twinpkg").exists()
    export_package(vault, other.id, BRAND, tmp_path / "b.twinpkg")
    assert get_grant(vault, other.id).uses == 1 and get_grant(vault, paused_grant.id).uses == 0
    assert [x.grant_id for x in list_pauses(vault, talent.id, active_only=True)] == [paused_grant.id]
    with pytest.raises(ConsentError, match="not paused"):  # the talent-wide scope was never paused
        resume_with_key(vault, talent.id, None, key)
    assert resume_with_key(vault, talent.id, paused_grant.id, key).resumed_at is not None
    assert p.changes.grants == {paused_grant.id}


def test_when_the_studio_or_anyone_else_signs_a_resume_then_it_is_refused_and_nothing_changes(world):
    vault, talent, key, assets = world
    active_grant(vault, talent, key, assets)
    first = pause_with_key(vault, talent.id, None, key)
    old_resume = sign_statement(vault, key, resume_statement(first))
    resume_exports(vault, talent.id, None, old_resume)
    paused = pause_with_key(vault, talent.id, None, key)
    other = add_talent(vault, "Someone Else")
    before = _events(vault)
    statement = resume_statement(paused)
    forgeries = {
        "the studio's key": SignedStatement(statement, sign(vault.studio_signing_key(), statement)),
        "a key not the talent's": SignedStatement(statement, sign(Ed25519PrivateKey.generate(), statement)),
        "no signature": SignedStatement(statement, ""),
        "another talent's statement": SignedStatement({**statement, "talent": other.id},
                                                      sign(key.private, {**statement, "talent": other.id})),
    }
    for what, forged in forgeries.items():
        with pytest.raises(ConsentError):
            resume_exports(vault, talent.id, None, forged)
    with pytest.raises(ConsentError, match="names another pause"):  # the talent's own, but for the earlier pause
        resume_exports(vault, talent.id, None, SignedStatement(
            {**old_resume.statement}, old_resume.signature))
    altered = dict(statement, at="2020-01-01T00:00:00+00:00")  # signed, then its instant changed
    with pytest.raises(ConsentError, match="signature is not talent"):
        resume_exports(vault, talent.id, None, SignedStatement(altered, sign(key.private, statement)))
    assert active_pause(vault, talent.id).sha256 == paused.sha256
    assert _events(vault) == before
    with pytest.raises(ConsentError, match="applied before"):  # the first pause's statement, replayed
        pause_exports(vault, talent.id, None, SignedStatement(first.statement, first.signature))
    with pytest.raises(ConsentError, match="already paused"):
        pause_with_key(vault, talent.id, None, key)
    assert _events(vault) == before


def test_when_a_statement_is_malformed_or_about_another_scope_then_it_is_refused(world):
    vault, talent, key, assets = world
    g = active_grant(vault, talent, key, assets)
    st = pause_statement(talent.id, None)
    with pytest.raises(ConsentError, match="not grant"):  # signed for all exports, given for one grant
        pause_exports(vault, talent.id, g.id, sign_statement(vault, key, st))
    with pytest.raises(InvalidInput, match="other fields"):
        pause_exports(vault, talent.id, None, sign_statement(vault, key, {**st, "extra": 1}))
    with pytest.raises(InvalidInput, match="UTC offset"):
        pause_exports(vault, talent.id, None, sign_statement(vault, key, {**st, "at": "yesterday"}))
    other = add_talent(vault, "Someone Else")
    foreign = active_grant(vault, talent, key, assets)
    with pytest.raises(InvalidInput, match="not talent"):
        pause_exports(vault, other.id, foreign.id, sign_statement(vault, key, pause_statement(talent.id, foreign.id)))
    assert list_pauses(vault) == []


def test_when_the_talent_holds_their_own_key_then_only_a_statement_from_their_device_pauses_and_resumes(world, tmp_path):
    vault, talent, key, assets = world
    g = active_grant(vault, talent, key, assets)
    brand(vault)
    own = Ed25519PrivateKey.generate()  # as `talent keygen` made it on their laptop
    link_own_key(vault, talent.id, public_key_b64(own.public_key()),
                 str(pyrage.x25519.Identity.generate().to_public()), public_key_fingerprint(own.public_key()))
    with pytest.raises(TalentSignsOnOwnDevice):
        pause_with_key(vault, talent.id, None, key)
    with pytest.raises(TalentSignsOnOwnDevice):
        pause_with_key(vault, talent.id, None, TalentKey(talent.id, own))  # their key does not belong here

    statement = pause_statement(talent.id, None)  # made and signed on their device, carried in a decisions file
    with pytest.raises(ConsentError, match="signature is not talent"):  # the studio-held key is retired
        pause_exports(vault, talent.id, None, SignedStatement(statement, sign(key.private, statement)))
    p = pause_exports(vault, talent.id, None, SignedStatement(statement, sign(own, statement)))
    with pytest.raises(ExportsPaused):
        export_package(vault, g.id, BRAND, tmp_path / "p.twinpkg")
    resume = resume_statement(p)
    resume_exports(vault, talent.id, None, SignedStatement(resume, sign(own, resume)))
    export_package(vault, g.id, BRAND, tmp_path / "p.twinpkg")
    assert check_vault(vault).ok


def test_when_a_pause_is_deleted_or_lifted_outside_twin_studio_then_check_says_so(world):
    vault, talent, key, assets = world
    active_grant(vault, talent, key, assets)
    pause_with_key(vault, talent.id, None, key)
    assert check_vault(vault).ok
    with catalog_db(vault) as db:
        db.execute("UPDATE export_pauses SET resumed_at = '2026-01-01T00:00:00Z'")
    assert any("lifted without the talent's" in p for p in check_vault(vault).problems)
    with catalog_db(vault) as db:
        db.execute("DELETE FROM export_pauses")
    assert any("missing from the catalog" in p for p in check_vault(vault).problems)


@folder_only("about the folder vault's SQLite schema: Alembic runs the same migration on PostgreSQL")
def test_when_a_vault_from_before_pauses_is_opened_then_it_migrates_and_the_talent_can_pause(world, tmp_path):
    """A catalog at schema 0006 (no export_pauses): opening it upgrades it; check is clean and a
    pause then works (migration 0009 only adds its table)."""
    import sqlite3

    from alembic import command

    from studio.core.vault import Vault
    from studio.core.vault.database import _alembic_config, make_engine
    from studio.core.vault.header import read_header

    vault, talent, key, assets = world
    g = active_grant(vault, talent, key, assets)
    root, keys = vault.root, vault._keys
    vault.close()
    engine = make_engine(root)
    with engine.begin() as conn:
        cfg = _alembic_config()
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0006")
    engine.dispose()
    with sqlite3.connect(root / "catalog.sqlite") as db:
        assert "export_pauses" not in {t for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}

    with Vault(root, read_header(root), keys) as old:
        assert check_vault(old).ok
        pause_with_key(old, talent.id, g.id, key)
        with pytest.raises(ExportsPaused):
            export_package(old, g.id, BRAND, tmp_path / "p.twinpkg")
        assert check_vault(old).ok
