"""Insider edits (issue 17, DR016): a real vault built through the API, then edited with
``sqlite3`` the way someone with the vault's files would. Export and report import refuse it,
naming what is wrong and writing nothing; ``check`` reports each edit."""

from __future__ import annotations

import datetime as dt

import pytest

from studio.core.check import check_vault
from studio.core.consent.grants import revoke_grant
from studio.core.consent.review import review_asset
from studio.core.errors import ConsentError, IntegrityError
from studio.core.ledger.entries import import_report, list_entries
from studio.core.package.export import export_package
from studio.core.package.reports import create_report, write_report
from studio.core.talents import add_talent
from studio.core.vault.audit import event_hash
from studio.core.vault.head import HEAD_NAME, Head, prepare_head
from tests.core.helpers import BRAND, active_grant, brand
from tests.vaults import BOTH_VAULTS, SmallFile, catalog_db, folder_only

pytestmark = BOTH_VAULTS


@pytest.fixture
def shop(world, tmp_path):
    """A 2-use grant over both assets, and the brand it licenses."""
    vault, talent, key, (scan, voice) = world
    g = active_grant(vault, talent, key, [scan, voice], max_uses=2)
    return vault, key, g, scan, voice, brand(vault)


def export(vault, g, folder, name, asset):
    return export_package(vault, g.id, BRAND, folder / name, assets=[asset])


def edit(vault, *statements):
    """What an insider does: the catalog opened with sqlite3, no passphrase, no Twin Studio."""
    with catalog_db(vault) as db:  # sqlite3 on a folder vault's file, psycopg on a shared vault's database
        for st in statements:
            db.execute(*st) if isinstance(st, tuple) else db.execute(st)


def last_seq(vault) -> int:
    with catalog_db(vault) as db:
        return db.execute("SELECT max(seq) FROM audit_events").fetchone()[0]


def problems(vault) -> str:
    rep = check_vault(vault)
    return "\n".join(rep.problems)


def test_when_the_use_counter_is_set_back_then_export_is_refused_and_check_reports_it(shop, tmp_path):
    vault, key, g, scan, voice, keys = shop
    export(vault, g, tmp_path, "1.twinpkg", voice)
    export(vault, g, tmp_path, "2.twinpkg", voice)
    with pytest.raises(ConsentError, match="no uses left"):
        export(vault, g, tmp_path, "3.twinpkg", voice)

    edit(vault, "UPDATE grants SET uses = 0")

    with pytest.raises(IntegrityError, match="use counter says 0, but the ledger and the audit chain record 2"):
        export(vault, g, tmp_path, "3.twinpkg", voice)
    assert not (tmp_path / "3.twinpkg").exists()
    assert sorted(p.name for p in tmp_path.glob("*twinpkg*")) == ["1.twinpkg", "2.twinpkg"]
    assert "use counter says 0" in problems(vault)


def test_when_a_rejected_asset_is_flipped_to_approved_then_export_is_refused_and_check_reports_it(shop, tmp_path):
    vault, key, g, scan, voice, keys = shop
    rejection = review_asset(vault, scan, "reject", key, note="not this one")
    with pytest.raises(ConsentError, match=f"asset {scan} not approved by the talent \\(rejected\\)"):
        export(vault, g, tmp_path, "p.twinpkg", scan)

    edit(vault, ("UPDATE assets SET status = 'approved' WHERE id = ?", (scan,)))
    with pytest.raises(IntegrityError, match=f"asset {scan}: status 'approved' is not backed by a signed review"):
        export(vault, g, tmp_path, "p.twinpkg", scan)
    assert "is not backed by a signed review" in problems(vault)

    edit(vault, ("DELETE FROM reviews WHERE id = ?", (rejection.id,)))  # the signed rejection too
    with pytest.raises(IntegrityError, match=f"signed review {rejection.id} .* was removed"):
        export(vault, g, tmp_path, "p.twinpkg", scan)
    assert f"signed review {rejection.id} (audit event" in problems(vault)
    assert not list(tmp_path.glob("*twinpkg*"))


def test_when_the_chain_tail_is_cut_with_its_ledger_row_then_check_and_export_find_it(shop, tmp_path):
    vault, key, g, scan, voice, keys = shop
    before = last_seq(vault)
    first = export(vault, g, tmp_path, "1.twinpkg", voice)
    assert check_vault(vault).ok

    edit(vault, ("DELETE FROM audit_events WHERE seq > ?", (before,)),
         ("DELETE FROM ledger_entries WHERE package_id = ?", (first.package_id,)),
         ("DELETE FROM packages WHERE id = ?", (first.package_id,)), "UPDATE grants SET uses = 0")

    assert f"events {before + 1}-{before + 3} were cut from the end" in problems(vault)
    with pytest.raises(IntegrityError, match="cut from the end"):
        export(vault, g, tmp_path, "2.twinpkg", voice)
    assert not (tmp_path / "2.twinpkg").exists()


def test_when_the_cut_tail_is_replaced_by_recomputed_events_then_check_finds_the_rewrite(shop, tmp_path):
    vault, key, g, scan, voice, keys = shop
    before = last_seq(vault)
    first = export(vault, g, tmp_path, "1.twinpkg", voice)
    after = last_seq(vault)
    edit(vault, ("DELETE FROM audit_events WHERE seq > ?", (before,)),
         ("DELETE FROM ledger_entries WHERE package_id = ?", (first.package_id,)),
         ("DELETE FROM packages WHERE id = ?", (first.package_id,)), "UPDATE grants SET uses = 0")
    with catalog_db(vault) as db:  # the chain's hashes are not keyed
        prev = db.execute("SELECT hash FROM audit_events WHERE seq = ?", (before,)).fetchone()[0]
        for seq in range(before + 1, after + 1):
            at, details = "2026-01-01T00:00:00Z", "{}"
            h = event_hash(seq, at, "studio", "talent.added", "tal_0000000000000000", details, prev)
            db.execute("INSERT INTO audit_events VALUES (?, ?, 'studio', 'talent.added', 'tal_0000000000000000', "
                       "?, ?, ?)", (seq, at, details, prev, h))
            prev = h

    assert f"audit event {after} is not the one anchored as the chain's head" in problems(vault)
    with pytest.raises(IntegrityError, match="rewritten"):
        export(vault, g, tmp_path, "2.twinpkg", voice)


def test_when_a_ledger_row_is_deleted_then_a_report_import_is_refused_and_nothing_is_added(shop, tmp_path):
    vault, key, g, scan, voice, keys = shop
    pkg = export(vault, g, tmp_path, "1.twinpkg", voice)
    rep, _ = create_report(tmp_path / "1.twinpkg", keys, "Homepage hero", "advertising", "web", "FR",
                           dt.date.today().isoformat(), 1)
    write_report(rep, tmp_path / "r.json")

    edit(vault, ("DELETE FROM ledger_entries WHERE package_id = ?", (pkg.package_id,)))

    with pytest.raises(IntegrityError, match="is in the audit chain but missing from the ledger"):
        import_report(vault, tmp_path / "r.json")
    assert list_entries(vault) == []
    assert "missing from the ledger (removed)" in problems(vault)
    assert "has no export entry in the ledger" in problems(vault)


def test_when_the_use_counter_is_set_back_then_a_report_import_is_refused(shop, tmp_path):
    vault, key, g, scan, voice, keys = shop
    export(vault, g, tmp_path, "1.twinpkg", voice)
    rep, _ = create_report(tmp_path / "1.twinpkg", keys, "Homepage hero", "advertising", "web", "FR",
                           dt.date.today().isoformat(), 1)
    write_report(rep, tmp_path / "r.json")
    edit(vault, "UPDATE grants SET uses = 0")

    with pytest.raises(IntegrityError, match=f"(?s)import of report {rep['report_id']} refused.*use counter says 0"):
        import_report(vault, tmp_path / "r.json")
    assert [e.kind for e in list_entries(vault)] == ["export"]


def test_when_the_talents_revocation_is_removed_then_export_is_refused_and_check_reports_it(shop, tmp_path):
    vault, key, g, scan, voice, keys = shop
    revoke_grant(vault, g.id, key)  # notice 0 days: effective today
    with pytest.raises(ConsentError, match="revoked by the talent"):
        export(vault, g, tmp_path, "p.twinpkg", voice)

    edit(vault, "UPDATE grants SET revocation_sealed = NULL, revocation_signature = NULL")

    with pytest.raises(IntegrityError, match="signed revocation .* is no longer on the grant"):
        export(vault, g, tmp_path, "p.twinpkg", voice)
    assert "is no longer on the grant (removed)" in problems(vault)


def test_when_the_head_file_is_deleted_or_edited_then_check_and_export_refuse(shop, tmp_path):
    vault, key, g, scan, voice, keys = shop
    head = SmallFile(vault, HEAD_NAME)
    good = head.read_bytes()
    head.write_bytes(good.replace(b'"seq": ', b'"seq": 1', 1))
    assert "was altered or belongs to another vault" in problems(vault)
    with pytest.raises(IntegrityError, match="MAC does not match"):
        export(vault, g, tmp_path, "p.twinpkg", voice)

    head.unlink()
    add_talent(vault, "Someone Else")  # a write does not start a new head over a missing one
    assert not head.exists()
    assert "anchored head (audit-head.json) is missing" in problems(vault)
    with pytest.raises(IntegrityError, match="missing"):
        export(vault, g, tmp_path, "p.twinpkg", voice)
    assert not list(tmp_path.glob("*twinpkg*"))


def test_when_a_write_was_interrupted_before_its_head_was_anchored_then_the_vault_is_consistent(shop, tmp_path):
    vault, key, g, scan, voice, keys = shop
    head = SmallFile(vault, HEAD_NAME)
    old = head.read_bytes()
    add_talent(vault, "Someone Else")
    with catalog_db(vault) as db:
        seq, h = db.execute("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1").fetchone()
    head.write_bytes(old)  # the state a crash between the commit and the head's write leaves:
    prepare_head(vault.files, vault._keys, vault.header.vault_id, Head(seq, h))  # the new head still pending

    rep = check_vault(vault)
    assert rep.ok, rep.problems
    assert any("interrupted before its head was anchored" in n for n in rep.notes)
    export(vault, g, tmp_path, "p.twinpkg", voice)  # and the next write anchors it
    assert check_vault(vault).ok


def test_when_an_old_head_file_is_put_back_then_the_events_after_it_are_reported(shop, tmp_path):
    vault, key, g, scan, voice, keys = shop
    old = SmallFile(vault, HEAD_NAME).read_bytes()  # saved by an insider, to hide what follows
    export(vault, g, tmp_path, "1.twinpkg", voice)
    SmallFile(vault, HEAD_NAME).write_bytes(old)

    assert "were never anchored (added or rewritten outside Twin Studio)" in problems(vault)
    with pytest.raises(IntegrityError, match="never anchored"):
        export(vault, g, tmp_path, "2.twinpkg", voice)


def test_when_check_would_report_a_deleted_audit_event_then_export_is_refused(shop, tmp_path):
    vault, key, g, scan, voice, keys = shop
    edit(vault, "DELETE FROM audit_events WHERE seq = 2")

    assert "audit event 2 is missing" in problems(vault)
    with pytest.raises(IntegrityError, match="audit event 2 is missing"):
        export(vault, g, tmp_path, "p.twinpkg", voice)
    assert not list(tmp_path.glob("*twinpkg*"))


@folder_only("a vault made before heads were anchored is a folder vault: a shared vault is anchored from its creation")
def test_when_a_vault_made_before_heads_were_anchored_is_opened_then_it_is_anchored_once_and_for_good(
        new_vault, talent):
    from dataclasses import replace

    from studio.core.vault import Vault
    from tests.conftest import PASSPHRASE

    root = new_vault.root
    # the vault as an older Twin Studio left it: no head file, a header without the mark
    (root / HEAD_NAME).unlink()
    older = replace(new_vault.header, audit_anchored=False).sealed(new_vault._keys)
    older.write(root)
    events = last_seq(new_vault)
    new_vault.close()

    with Vault.open(root, PASSPHRASE) as v:
        assert v.header.audit_anchored and (root / HEAD_NAME).exists()
        assert v.audit_anchor().head.seq == events
        assert check_vault(v).ok, problems(v)
        add_talent(v, "Someone New")  # the chain grows on from its anchored head
        assert check_vault(v).ok, problems(v)
    # from now on a missing head file is a problem, never a reason to start a new one
    (root / HEAD_NAME).unlink()
    with Vault.open(root, PASSPHRASE) as v:
        assert not (root / HEAD_NAME).exists()
        assert "audit-head.json" in problems(v)
