"""A grant's fee says what it is for: each use, once (flat), or each use up to a total (DR033).

The basis is in the document the talent signs, the licence the brand reads, the ODRL policy and
the talent's statement, and the ledger charges by it — one export and three reported uses of
a 4800.00 EUR grant owe 19200.00 per use, 4800.00 flat, and at most the cap when capped. A
grant signed before the basis existed keeps its bytes, its signatures and its meaning: per use."""

from __future__ import annotations

import hashlib
from decimal import Decimal

import pytest

from studio.core import clock
from studio.core.consent.document import brand_summary, summary
from studio.core.consent.exports import to_odrl
from studio.core.consent.grants import (activate_grant, draft_grant, edit_draft, fields_of, get_grant, list_grants,
                                        sign_grant, verify_grants)
from studio.core.consent.signing import canonical, verify
from studio.core.errors import InvalidInput
from studio.core.ledger.entries import import_report
from studio.core.ledger.statement import CSV_COLUMNS, statement
from studio.core.package.export import export_package
from studio.core.package.reports import create_report, write_report
from studio.core.package.unpack import open_package
from studio.core.vault.catalog import Grant
from tests.core.helpers import BRAND, brand, grant_fields, studio_key
from tests.core.test_consent_exports import ODRL, RDF_VALUE, Graph, only_known_terms, typed
from tests.vaults import BOTH_VAULTS

pytestmark = BOTH_VAULTS

# (basis, cap, what every party reads, what the export and three reported uses owe)
CASES = {
    "per-use": (None, "4800.00 EUR per use", ["4800.00", "4800.00", "4800.00", "4800.00"]),
    "flat": (None, "4800.00 EUR flat fee for up to 10 uses", ["4800.00", "0.00", "0.00", "0.00"]),
    "per-use-capped": ("15000", "4800.00 EUR per use, at most 15000.00 EUR in total",
                       ["4800.00", "4800.00", "4800.00", "600.00"]),
}


def _grant(world, **over):
    vault, talent, key, assets = world
    g = draft_grant(vault, talent.id, grant_fields(assets, max_uses=10, fee="4800", **over))
    sign_grant(vault, g.id, key)
    return activate_grant(vault, g.id)


def _export_and_report(vault, g, tmp_path, reports=3):
    """One export of the grant, then ``reports`` reported uses of one each: the ledger's entries."""
    keys = brand(vault)
    result = export_package(vault, g.id, BRAND, tmp_path / "p.twinpkg")
    day = clock.now().astimezone(clock.zone(g.document["timezone"])).date().isoformat()
    for n in range(reports):
        rep, _ = create_report(result.path, keys, f"Homepage, week {n + 1}", "advertising", "web",
                               "FR", day, 1)
        write_report(rep, tmp_path / f"r{n}.json")
        assert not import_report(vault, tmp_path / f"r{n}.json").violation
    return result, keys


def _compensation(g):
    """The ODRL duty that pays the talent: (graph, duty, its compensate action)."""
    graph = Graph(to_odrl(g))
    only_known_terms(graph)
    (permission,) = graph.objects(f"urn:twin-studio:grant:{g.id}", ODRL + "permission")
    for duty in graph.objects(permission, ODRL + "duty"):
        for action in graph.objects(duty, ODRL + "action"):
            if graph.objects(action, RDF_VALUE) == [ODRL + "compensate"]:
                return graph, duty, action
    raise AssertionError("no compensate duty")


@pytest.mark.parametrize("basis", list(CASES))
def test_when_a_grant_names_its_fee_basis_then_every_party_reads_it_and_the_ledger_charges_by_it(
        world, tmp_path, basis):
    cap, words, owed = CASES[basis]
    vault, talent, _, _ = world
    g = _grant(world, fee_basis=basis, **({"fee_cap": cap} if cap else {}))
    assert g.document["fee"]["basis"] == basis and g.document["fee"].get("cap") == (f"{cap}.00" if cap else None)

    assert f"\nPay: {words}.\n" in summary(g.document)  # what the talent signed
    result, keys = _export_and_report(vault, g, tmp_path)
    licence = result.manifest["licence"]["summary"]
    assert licence == brand_summary(g.document) and f"\nFee: {words}.\n" in licence
    open_package(result.path, keys, studio_key(vault), tmp_path / "opened")
    assert f"\n  Fee: {words}.\n" in (tmp_path / "opened" / "LICENSE.txt").read_text()

    graph, duty, action = _compensation(g)
    (amount,) = graph.objects(action, ODRL + "refinement")
    assert graph.one(amount, ODRL + "leftOperand") == ODRL + "payAmount"
    assert graph.one(amount, ODRL + "rightOperand") == typed("4800.00", "decimal")
    assert graph.one(amount, ODRL + "unit") == "http://qudt.org/vocab/unit/CCY_EUR"
    constraints = {graph.one(c, ODRL + "leftOperand").removeprefix(ODRL):
                   (graph.one(c, ODRL + "operator").removeprefix(ODRL), graph.one(c, ODRL + "rightOperand"))
                   for c in graph.objects(duty, ODRL + "constraint")}
    assert constraints == {"per-use": {}, "flat": {"count": ("eq", typed(1, "integer"))},
                           "per-use-capped": {"payAmount": ("lteq", typed("15000.00", "decimal"))}}[basis]
    assert graph.one(duty, "http://purl.org/dc/terms/description").value == words

    st = statement(vault, talent.id)
    assert [e.kind for e in st.entries] == ["export", "use", "use", "use"]
    assert [f"{e.fee:.2f}" for e in st.entries] == owed
    assert st.totals == {"EUR": sum(Decimal(x) for x in owed)} and st.uses == 4
    assert st.fee_terms == {g.id: words} and st.to_json()["fee_terms"] == {g.id: words}
    rows = st.csv_text().splitlines()
    assert rows[0].split(",")[-1] == "fee_terms" and CSV_COLUMNS[-1] == "fee_terms"
    assert all(r.endswith(f",{words}") or r.endswith(f',"{words}"') for r in rows[1:5])


def test_when_the_fee_is_per_use_then_one_export_and_three_uses_owe_four_fees(world, tmp_path):
    """The issue's own case: at most 10 uses, 4800.00 EUR each; 19200.00 EUR after four uses."""
    vault, talent, _, _ = world
    g = _grant(world)  # no basis given: per use, said so in the document
    assert g.document["fee"] == {"amount": "4800.00", "currency": "EUR", "basis": "per-use"}
    _export_and_report(vault, g, tmp_path)
    assert statement(vault, talent.id).totals == {"EUR": Decimal("19200.00")}


def test_when_a_grant_was_signed_before_the_basis_existed_then_it_keeps_its_bytes_and_means_per_use(
        world, tmp_path):
    vault, talent, key, assets = world
    draft = draft_grant(vault, talent.id, grant_fields(assets, max_uses=10, fee="4800"))
    old = dict(draft.document, fee={"amount": "4800.00", "currency": "EUR"})  # as drafts were written before
    with vault.session() as s:
        s.get(Grant, draft.id).document_sealed = vault.fields.seal(canonical(old).decode(),
                                                                   f"grants.document:{draft.id}")
    g = activate_grant(vault, sign_grant(vault, draft.id, key).id)
    signed_sha = hashlib.sha256(canonical(dict(old, talent_public_key=key.public_b64))).hexdigest()
    assert g.sha256 == signed_sha and "basis" not in g.document["fee"]

    assert "\nPay: 4800.00 EUR per use.\n" in summary(g.document)
    assert fields_of(g.document)["fee_basis"] == "per-use"
    result, _ = _export_and_report(vault, g, tmp_path)
    assert "\nFee: 4800.00 EUR per use.\n" in result.manifest["licence"]["summary"]
    assert result.manifest["grant"]["document"] == g.document  # travels as signed, no basis added
    graph, duty, _ = _compensation(g)
    assert graph.objects(duty, ODRL + "constraint") == []  # ODRL: the same per-use duty as before

    st = statement(vault, talent.id)
    assert st.totals == {"EUR": Decimal("19200.00")} and st.fee_terms == {g.id: "4800.00 EUR per use"}
    after = get_grant(vault, g.id)  # read back and verified: the talent's and the studio's signatures hold
    assert after.sha256 == signed_sha and after.uses == 4 and verify_grants(vault) == []
    assert verify(after.document["talent_public_key"], after.document, after.talent_signature)


@pytest.mark.parametrize("over, message", [
    ({"fee_basis": "per-month"}, "fee basis 'per-month' is not one of per-use, flat, per-use-capped"),
    ({"fee_basis": "per-use-capped"}, "needs the cap"),
    ({"fee_basis": "per-use-capped", "fee_cap": "4000"}, "less than one use's fee"),
    ({"fee_basis": "per-use-capped", "fee_cap": "48000"}, "never reached: 10 use(s) at 4800.00 EUR come to 48000.00"),
    ({"fee_basis": "per-use-capped", "fee_cap": "lots"}, "the cap: fee 'lots' is not an amount"),
    ({"fee_basis": "flat", "fee_cap": "9000"}, "applies only to a fee per use with a cap"),
])
def test_when_the_basis_or_cap_is_wrong_then_the_draft_is_refused_naming_it_and_nothing_is_written(
        world, over, message):
    vault, talent, _, assets = world
    before = list_grants(vault, talent.id)
    with pytest.raises(InvalidInput) as err:
        draft_grant(vault, talent.id, grant_fields(assets, max_uses=10, fee="4800", **over))
    assert message in str(err.value)
    assert list_grants(vault, talent.id) == before


def test_when_a_capped_draft_becomes_flat_then_its_cap_goes_and_back_again_needs_one(world):
    vault, talent, _, assets = world
    g = draft_grant(vault, talent.id, grant_fields(assets, max_uses=10, fee="4800", fee_basis="per-use-capped",
                                                   fee_cap="20000"))
    assert fields_of(g.document)["fee_cap"] == "20000.00"
    assert "\nPay: 4800.00 EUR per use, at most 20000.00 EUR in total.\n" in summary(g.document)
    flat = edit_draft(vault, g.id, {"fee_basis": "flat"})
    assert flat.document["fee"] == {"amount": "4800.00", "currency": "EUR", "basis": "flat"}
    with pytest.raises(InvalidInput, match="needs the cap"):
        edit_draft(vault, g.id, {"fee_basis": "per-use-capped"})
    assert get_grant(vault, g.id).document == flat.document
    capped = edit_draft(vault, g.id, {"fee_basis": "per-use-capped", "fee_cap": "12000.5"})
    assert capped.document["fee"]["cap"] == "12000.50"
