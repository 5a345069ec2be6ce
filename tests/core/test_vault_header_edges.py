"""The vault header's edges (issue 17): a wrong passphrase is told apart from an altered or
damaged wrapped key; fields outside the MAC and oversized headers are refused."""

from __future__ import annotations

import base64
import json
import re
import shutil

import pytest

from studio.core.errors import IntegrityError, WrongPassphrase
from studio.core.vault import Vault
from studio.core.vault.header import HEADER_NAME, read_header
from tests.conftest import PASSPHRASE


@pytest.fixture
def vault_dir(tmp_path, _vault_template):
    root = tmp_path / "vault"
    shutil.copytree(_vault_template[0], root)
    return root


def _edit_header(root, fn) -> None:
    path = root / HEADER_NAME
    raw = json.loads(path.read_text())
    fn(raw)
    path.write_text(json.dumps(raw, indent=2))


def _edit_wrapped(root, fn) -> None:
    def edit(raw):
        raw["wrapped_key"] = base64.b64encode(fn(base64.b64decode(raw["wrapped_key"]))).decode()
    _edit_header(root, edit)


def _set_stanza_factor(wrapped: bytes, factor: int) -> bytes:
    return re.sub(rb"^(-> scrypt \S+ )\d+$", lambda m: m.group(1) + str(factor).encode(), wrapped, flags=re.M)


def test_when_the_passphrase_is_wrong_then_it_is_reported_as_wrong(vault_dir):
    with pytest.raises(WrongPassphrase):
        Vault.open(vault_dir, "not the passphrase at all")


def test_when_the_wrapped_keys_work_factor_is_altered_then_the_header_is_altered_not_the_passphrase_wrong(vault_dir):
    recorded = read_header(vault_dir).kdf["log2_n"]
    _edit_wrapped(vault_dir, lambda w: _set_stanza_factor(w, recorded + 1))
    with pytest.raises(IntegrityError, match="altered.*work factor") as caught:
        Vault.open(vault_dir, PASSPHRASE)
    assert not isinstance(caught.value, WrongPassphrase)


def test_when_the_work_factor_is_beyond_any_sane_cost_then_it_is_refused_as_altered(vault_dir):
    _edit_wrapped(vault_dir, lambda w: _set_stanza_factor(w, 30))
    _edit_header(vault_dir, lambda raw: raw["kdf"].update(log2_n=30))
    with pytest.raises(IntegrityError, match=r"2\^30"):
        Vault.open(vault_dir, PASSPHRASE)


def test_when_the_wrapped_key_is_damaged_then_it_is_reported_damaged_not_a_wrong_passphrase(vault_dir):
    def damage(w: bytes) -> bytes:
        b = bytearray(w)
        b[-3] ^= 0x01  # in the encrypted identity, after the header's MAC
        return bytes(b)
    _edit_wrapped(vault_dir, damage)
    with pytest.raises(IntegrityError, match="damaged") as caught:
        Vault.open(vault_dir, PASSPHRASE)
    assert not isinstance(caught.value, WrongPassphrase)


def test_when_the_header_carries_a_field_outside_its_mac_then_it_is_refused(vault_dir):
    _edit_header(vault_dir, lambda raw: raw.update(pad="x" * 1000))
    with pytest.raises(IntegrityError, match="fields this version does not know.*'pad'"):
        read_header(vault_dir)
    with pytest.raises(IntegrityError):
        Vault.open(vault_dir, PASSPHRASE)


def test_when_the_header_is_padded_beyond_its_bound_then_it_is_refused_before_it_is_parsed(vault_dir):
    path = vault_dir / HEADER_NAME
    path.write_bytes(path.read_bytes().rstrip() + b" " * (2 * 1024 * 1024) + b"\n")  # valid JSON, 2 MB
    with pytest.raises(IntegrityError, match="larger than 64 KiB"):
        read_header(vault_dir)


def test_when_the_header_is_untouched_then_it_still_opens(vault_dir):
    with Vault.open(vault_dir, PASSPHRASE) as vault:
        assert vault.header.vault_id == read_header(vault_dir).vault_id
