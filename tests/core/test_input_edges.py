"""Input edges (issue 17): bounded fees and real currencies, one-line names, file names that
are not UTF-8, and entries of an ingested folder that are not regular files."""

from __future__ import annotations

import os
import shutil
import sqlite3
from decimal import Decimal

import pytest

from studio.core.consent import vocab
from studio.core.consent.grants import draft_grant
from studio.core.errors import InvalidInput
from studio.core.intake import ingest_paths
from studio.core.package.brand_keys import BrandCard, generate
from studio.core.package.brands import add_card
from studio.core.talents import add_talent, list_talents
from studio.core.text import shown
from tests.core.helpers import fields
from tests.conftest import TESTDATA


@pytest.mark.parametrize("fee", ["1e400", "1000000000.01", "Infinity", "NaN", "-0.01", "1" * 50, "10.005", "ten"])
def test_when_a_fee_is_unbounded_or_not_an_amount_then_it_is_refused(fee):
    with pytest.raises(InvalidInput, match="fee"):
        vocab.fee(fee)


@pytest.mark.parametrize("fee, amount", [("0", "0.00"), ("1500", "1500.00"), ("1000000000", "1000000000.00"),
                                         ("12.5", "12.50"), ("1E+3", "1000.00"), ("7.000", "7.00")])
def test_when_a_fee_is_within_bounds_then_it_is_kept_to_the_cent(fee, amount):
    assert f"{vocab.fee(fee):.2f}" == amount and vocab.fee(fee) <= Decimal(10) ** 9


@pytest.mark.parametrize("code", ["XXX", "XTS", "XAU", "XDR", "EURO", "ZZZ"])
def test_when_a_currency_is_not_money_then_it_is_refused(code):
    with pytest.raises(InvalidInput, match="ISO 4217"):
        vocab.currency(code)


@pytest.mark.parametrize("code", ["EUR", "usd", "JPY", "XOF", "XAF", "XPF", "CHF"])
def test_when_a_currency_is_real_money_then_it_is_accepted(code):
    assert vocab.currency(code) == code.upper()


@pytest.mark.parametrize("over", [{"fee": "1e400"}, {"currency": "XXX"}, {"licensee": "Maison\nrejected  forged"},
                                  {"licensee": "Maison \x1b[2J"}, {"represented_by": "Agent\u2028Two"}])
def test_when_a_draft_has_an_unbounded_fee_a_pseudo_currency_or_a_multi_line_name_then_nothing_is_stored(world, over):
    vault, talent, _, assets = world
    with pytest.raises(InvalidInput):
        draft_grant(vault, talent.id, fields(assets, **over))
    with sqlite3.connect(vault.root / "catalog.sqlite") as db:
        assert db.execute("SELECT count(*) FROM grants").fetchone() == (0,)


@pytest.mark.parametrize("name", ["Ada\nLovelace", "Ada\u2028Lovelace", "Ada\x85Lovelace", "Ada\u202eecalevoL", "Ada\x7f"])
def test_when_a_talent_name_holds_a_line_break_or_control_then_it_is_refused(new_vault, name):
    with pytest.raises(InvalidInput, match="control characters or line breaks"):
        add_talent(new_vault, name)
    assert list_talents(new_vault) == []


def test_when_a_brand_card_names_a_brand_over_two_lines_then_the_vault_refuses_it(new_vault, tmp_path):
    _, card = generate("Maison Lumière")
    forged = BrandCard("Maison\u2029Lumière", card.recipient, card.verify_key)
    with pytest.raises(InvalidInput, match="brand's name"):
        add_card(new_vault, forged)


def test_when_stored_text_holds_controls_or_undecodable_bytes_then_it_is_shown_on_one_line():
    assert shown("a\nb\x1b[2J\u2028c") == "a\\x0ab\\x1b[2J\\u2028c"
    assert shown(os.fsdecode(b"caf\xe9.wav")) == "caf\ufffd.wav"


def test_when_a_file_name_is_not_utf8_then_its_sealed_name_round_trips_as_given(new_vault):
    name = os.fsdecode(b"prise-caf\xe9.wav")  # a Latin-1 capture tool's name, as the OS hands it over
    sealed = new_vault.fields.seal(name, "assets.original_name:ast_x")
    assert new_vault.fields.open(sealed, "assets.original_name:ast_x") == name
    assert os.fsencode(name) == b"prise-caf\xe9.wav"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_when_an_ingested_folder_holds_a_named_pipe_then_it_is_reported_not_a_regular_file(new_vault, tmp_path):
    talent = add_talent(new_vault, "Ada Lovelace")
    folder = tmp_path / "session"
    folder.mkdir()
    shutil.copy(TESTDATA / "voice" / "cmu_arctic_us_aew_a0001.wav", folder / "take1.wav")
    os.mkfifo(folder / "take2.wav")  # never opened: reading it would block until someone writes
    results = {os.path.basename(r.path): r for r in ingest_paths(new_vault, talent.id, [folder])}
    assert results["take1.wav"].status == "ingested"
    assert results["take2.wav"].status == "rejected"
    assert results["take2.wav"].reason.startswith("not a regular file (a named pipe)")
