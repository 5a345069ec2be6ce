"""``check`` at scale (issue 10, DR043): the whole-vault evidence check reads each table and each
kind of audit event once instead of querying per grant and per asset — and finds exactly what the
per-grant and per-asset checks (the ones export relies on) find, on a generated library an
insider has edited in every way those checks know."""

from __future__ import annotations

import json

from sqlalchemy import select

from studio.core.check import check_vault
from studio.core.consent.evidence import approvals, asset_decision, grant_problems, verify_evidence
from studio.core.consent.talent_keys import keyrings
from studio.core.vault.catalog import Asset, Grant
from tests.library import make_library
from tests.vaults import catalog_db


def _one_by_one(vault) -> list[str]:
    """The evidence check as it was before DR043: queries per grant and per asset."""
    problems: list[str] = []
    with vault.session() as s:
        for row in s.execute(select(Grant).order_by(Grant.created_at)).scalars():
            problems += grant_problems(s, row)
        keys = keyrings(s)  # each talent's current and retired keys
        for asset in s.execute(select(Asset).order_by(Asset.created_at)).scalars():
            problems += asset_decision(vault, s, asset, keys.get(asset.talent_id))[1]
    return problems


def _edit(vault, *statements) -> None:
    """What an insider does: the catalog opened with sqlite3, no passphrase, no Twin Studio."""
    with catalog_db(vault) as db:
        for st in statements:
            db.execute(*st) if isinstance(st, tuple) else db.execute(st)


def test_when_a_library_is_edited_by_an_insider_then_the_batched_check_finds_what_the_per_item_checks_find(
        new_vault, tmp_path):
    library = make_library(new_vault, tmp_path / "work", assets=60, talents=4, grants=6, entries=8, others_each=2)
    assert verify_evidence(new_vault) == [] == _one_by_one(new_vault)
    with catalog_db(new_vault) as db:
        grants = [r[0] for r in db.execute("SELECT DISTINCT grant_id FROM ledger_entries ORDER BY grant_id")]
        entries = [r[0] for r in db.execute("SELECT id FROM ledger_entries ORDER BY id")]
        reviewed = [r[0] for r in db.execute("SELECT asset_id FROM reviews ORDER BY asset_id")]
        pending = [r[0] for r in db.execute("SELECT id FROM assets WHERE status = 'pending_review' ORDER BY id")]
    assert grants and len(entries) >= 3 and reviewed and len(pending) >= 2, (grants, entries, reviewed, pending)
    _edit(new_vault,
          ("UPDATE grants SET uses = uses + 5 WHERE id = ?", (grants[0],)),         # a counter edited
          ("DELETE FROM ledger_entries WHERE id = ?", (entries[0],)),               # a use removed
          ("UPDATE ledger_entries SET count = count + 1 WHERE id = ?", (entries[1],)),  # a use altered
          ("DELETE FROM reviews WHERE asset_id = ?", (reviewed[0],)),               # a signed review removed
          ("UPDATE assets SET status = 'approved' WHERE id = ?", (pending[0],)),    # approved by hand
          ("UPDATE assets SET status = 'rejected' WHERE id = ?", (pending[1],)))
    batched = verify_evidence(new_vault)
    assert batched == _one_by_one(new_vault)
    found = "\n".join(batched)
    assert f"grant {grants[0]}: its use counter says" in found
    assert f"ledger entry {entries[0]} of grant" in found and "missing from the ledger (removed)" in found
    assert f"ledger entry {entries[1]} of grant" in found and "(altered)" in found
    assert f"asset {reviewed[0]}: the talent's signed review" in found
    assert f"asset {pending[0]}: status 'approved' is not backed" in found
    assert f"asset {pending[1]}: status 'rejected' is not backed" in found
    report = check_vault(new_vault)
    assert set(batched) <= set(report.problems)
    assert library.assets == 60


def test_when_the_chain_is_hashed_fast_then_its_bytes_are_rfc8785s_for_every_kind_of_text():
    """``verify_chain`` hashes events with the standard library's JSON; its bytes must be the
    canonical (RFC 8785) bytes ``append`` hashed, for any text an event can hold."""
    import rfc8785

    from studio.core.vault.audit import _canonical

    texts = ["", "plain", 'quote " and \\ backslash', "é ü ß 漢字 🎙️", "\u2028\u2029 \x7f \x80 \u00a0",
             "".join(chr(c) for c in range(0x20)), "/slash/ and <html> & 'single'", "\ud7ff\ue000\uffff"]
    for text in texts:
        body = {"seq": 12345, "at": "2026-12-02T14:00:00.000000Z", "actor": text, "action": "asset.ingested",
                "subject": text[::-1], "details": json.dumps({"k": text}), "prev": "0" * 64}
        assert _canonical(body) == rfc8785.dumps(body), repr(text)


def test_when_an_export_establishes_approvals_in_batches_then_each_asset_gets_what_the_per_asset_check_gives(
        new_vault, tmp_path):
    make_library(new_vault, tmp_path / "work", assets=40, talents=3, grants=2, entries=2, others_each=2)
    with catalog_db(new_vault) as db:
        ids = [r[0] for r in db.execute("SELECT id FROM assets ORDER BY id")]
        reviewed = [r[0] for r in db.execute("SELECT asset_id FROM reviews ORDER BY asset_id")]
        pending = [r[0] for r in db.execute("SELECT id FROM assets WHERE status = 'pending_review' ORDER BY id")]
    assert reviewed and len(pending) >= 2, (reviewed, pending)
    _edit(new_vault, ("UPDATE assets SET status = 'approved' WHERE id = ?", (pending[0],)),  # approved by hand
          ("UPDATE assets SET status = 'rejected' WHERE id = ?", (pending[1],)))
    asked = ids + ["no-such-asset"]

    def one_by_one() -> dict:
        with new_vault.session() as s:
            keys = keyrings(s)
            return {aid: asset_decision(new_vault, s, s.get(Asset, aid), keys.get(s.get(Asset, aid).talent_id))
                    for aid in ids}

    expected = one_by_one()
    for batch in (7, 500):  # batches that split the talents' assets, and one batch for all
        got = approvals(new_vault, asked, batch=batch)
        assert {aid: got[aid] for aid in ids} == expected
        assert got["no-such-asset"] == ("pending_review", ["asset no-such-asset is not in the catalog"])
    decided = {aid: d for aid, (d, _) in expected.items()}
    assert decided[reviewed[0]] == "approved" and decided[pending[0]] == decided[pending[1]] == "pending_review"
    assert "not backed by a signed review" in expected[pending[0]][1][0]  # the edits are seen
    assert "not backed by a signed review" in expected[pending[1]][1][0]
