"""The vault as a studio relies on it: created once, locked by a passphrase, refusing what it
does not understand, detecting tampering, recoverable with the standard ``age`` tool."""

from __future__ import annotations

import io
import json
import shutil
import sqlite3
import subprocess

import pyrage
import pytest

from studio.core.errors import (
    IntegrityError, InvalidInput, UnsupportedVaultVersion, VaultExists, VaultNotFound, WrongPassphrase,
)
from studio.core.talents import add_talent, get_talent, list_talents
from studio.core.vault import Vault
from studio.core.check import check_vault
from studio.core.vault.header import HEADER_NAME
from tests.conftest import PASSPHRASE
from tests.vaults import BOTH_VAULTS, folder_only

pytestmark = BOTH_VAULTS


def test_when_created_then_layout_and_header_are_as_documented(new_vault):
    root = new_vault.root
    assert {p.name for p in root.iterdir()} >= {HEADER_NAME, "catalog.sqlite", "blobs", "derived", "keys"}
    header = json.loads((root / HEADER_NAME).read_text())
    assert header["format"] == "twin-studio-vault" and header["version"] == 1
    assert header["kdf"]["scheme"] == "age-scrypt" and header["kdf"]["log2_n"] >= 15
    assert header["recipient"].startswith("age1")
    # the catalog is SQLite in WAL mode
    mode = sqlite3.connect(root / "catalog.sqlite").execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_when_reopened_with_the_passphrase_then_talents_are_there(new_vault, talent):
    root = new_vault.root
    new_vault.close()
    with Vault.open(root, PASSPHRASE) as again:
        assert [t.id for t in list_talents(again)] == [talent.id]
        assert get_talent(again, talent.id).name == "Ada Lovelace"


def test_when_passphrase_is_wrong_then_a_clear_error_and_nothing_changes(new_vault):
    root = new_vault.root
    new_vault.close()
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    with pytest.raises(WrongPassphrase, match="wrong passphrase"):
        Vault.open(root, "not the passphrase")
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == before


def test_when_folder_is_not_empty_or_a_vault_then_create_refuses(tmp_path, new_vault):
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("keep me")
    with pytest.raises(VaultExists, match="not an empty folder"):
        Vault.create(busy, PASSPHRASE)
    assert [p.name for p in busy.iterdir()] == ["notes.txt"]
    with pytest.raises(VaultExists, match="already exists"):
        Vault.create(new_vault.root, PASSPHRASE)


def test_when_passphrase_is_too_short_then_create_refuses(tmp_path):
    with pytest.raises(InvalidInput, match="at least 8"):
        Vault.create(tmp_path / "v", "short")
    assert not (tmp_path / "v").exists()


def test_when_header_version_is_unknown_then_open_refuses_without_guessing(new_vault):
    root = new_vault.root
    new_vault.close()
    header = json.loads((root / HEADER_NAME).read_text())
    header["version"] = 2
    (root / HEADER_NAME).write_text(json.dumps(header))
    with pytest.raises(UnsupportedVaultVersion, match="version 2 is not supported"):
        Vault.open(root, PASSPHRASE)


def test_when_no_header_then_vault_not_found(tmp_path):
    with pytest.raises(VaultNotFound, match="no vault"):
        Vault.open(tmp_path, PASSPHRASE)


def test_when_header_recipient_is_swapped_then_open_detects_it(new_vault):
    root = new_vault.root
    new_vault.close()
    header = json.loads((root / HEADER_NAME).read_text())
    header["recipient"] = str(pyrage.x25519.Identity.generate().to_public())
    (root / HEADER_NAME).write_text(json.dumps(header))
    with pytest.raises(IntegrityError, match="recipient"):
        Vault.open(root, PASSPHRASE)


def test_when_header_field_is_edited_then_its_mac_fails(new_vault):
    root = new_vault.root
    new_vault.close()
    header = json.loads((root / HEADER_NAME).read_text())
    header["created_at"] = "2020-01-01T00:00:00.000000Z"
    (root / HEADER_NAME).write_text(json.dumps(header))
    with pytest.raises(IntegrityError, match="altered"):
        Vault.open(root, PASSPHRASE)


def test_when_a_blob_is_stored_then_the_standard_age_tool_recovers_it(new_vault, tmp_path):
    age = shutil.which("age")
    if age is None:
        pytest.fail("the standard `age` tool is not installed (tools/setup.sh installs it)")
    data = b"voice take bytes " * 1000
    staged = new_vault.blobs.stage_bytes(data)
    new_vault.blobs.publish(staged)
    # the vault key, unwrapped with the passphrase by the age format's own scrypt recipient
    header = json.loads((new_vault.root / HEADER_NAME).read_text())
    import base64

    identity = pyrage.passphrase.decrypt(base64.b64decode(header["wrapped_key"]), PASSPHRASE)
    key_file = tmp_path / "identity.txt"
    key_file.write_bytes(identity)
    out = subprocess.run([age, "-d", "-i", str(key_file), str(new_vault.blobs.path_for(staged.sha256))],
                         capture_output=True, check=True)
    assert out.stdout == data


def test_when_talent_is_added_then_its_name_is_not_readable_on_disk(new_vault):
    add_talent(new_vault, "Zora Quintessa-Vale", "zora.quintessa@example.org", "Aurelian Agency")
    root = new_vault.root
    new_vault.close()
    for p in root.rglob("*"):
        if p.is_file():
            raw = p.read_bytes()
            for secret in (b"Zora", b"Quintessa", b"zora.quintessa", b"Aurelian"):
                assert secret not in raw, f"{secret!r} readable in {p.name}"


def test_when_talent_input_is_bad_then_it_is_refused_with_the_reason(new_vault):
    with pytest.raises(InvalidInput, match="must not be empty"):
        add_talent(new_vault, "   ")
    with pytest.raises(InvalidInput, match="not an e-mail"):
        add_talent(new_vault, "Bo", email="bo-at-example")
    assert list_talents(new_vault) == []


def test_when_nothing_is_wrong_then_check_is_clean(new_vault, talent):
    rep = check_vault(new_vault)
    assert rep.ok, rep.problems
    assert rep.audit_events == 2  # vault.created, talent.added


def test_when_an_audit_event_is_edited_or_removed_then_check_names_it(new_vault, talent):
    add_talent(new_vault, "Second Person")
    db = sqlite3.connect(new_vault.root / "catalog.sqlite")
    db.execute("UPDATE audit_events SET subject='tal_0000000000000000' WHERE seq=2")
    db.commit()
    rep = check_vault(new_vault)
    assert any("audit event 2" in p and "altered" in p for p in rep.problems)
    db.execute("DELETE FROM audit_events WHERE seq=2")
    db.commit()
    db.close()
    rep = check_vault(new_vault)
    assert any("audit event 2 is missing" in p for p in rep.problems)


def test_when_blobs_are_corrupt_missing_or_extra_then_check_names_each(new_vault, talent):
    from studio.core.vault.catalog import Blob

    store = new_vault.blobs
    staged = [store.stage_bytes(f"blob {i}".encode() * 100) for i in range(3)]
    with new_vault.session() as s:
        for st in staged:
            store.publish(st)
            s.add(Blob(sha256=st.sha256, store="blobs", size=st.size, created_at="2026-01-01T00:00:00Z"))
    assert check_vault(new_vault).ok
    corrupt, missing, _ = staged
    p = store.path_for(corrupt.sha256)
    raw = bytearray(p.read_bytes())
    raw[-5] ^= 0xFF
    p.write_bytes(bytes(raw))
    store.path_for(missing.sha256).unlink()
    extra = store.stage_bytes(b"not in the catalog")
    store.publish(extra)
    rep = check_vault(new_vault)
    text = "\n".join(rep.problems)
    assert not rep.ok
    assert corrupt.sha256[:16] in text and "cannot be decrypted" in text
    assert f"missing blobs file for {missing.sha256[:16]}" in text
    assert f"extra blobs file {extra.sha256[:16]}" in text


def test_when_a_blob_decrypts_to_other_content_then_reading_refuses(new_vault):
    a = new_vault.blobs.stage_bytes(b"first")
    b = new_vault.blobs.stage_bytes(b"second")
    new_vault.blobs.publish(a)
    new_vault.blobs.publish(b)
    # swap the files: each is valid age, but no longer matches its name
    pa, pb = new_vault.blobs.path_for(a.sha256), new_vault.blobs.path_for(b.sha256)
    da, db = pa.read_bytes(), pb.read_bytes()
    pa.write_bytes(db)
    pb.write_bytes(da)
    with pytest.raises(IntegrityError, match="different content"):
        new_vault.blobs.read_bytes(a.sha256)
    assert new_vault.blobs.read_bytes is not None  # the store stays usable
    out = io.BytesIO()
    with pytest.raises(IntegrityError):
        new_vault.blobs.decrypt_to(b.sha256, out)


def test_when_catalog_schema_is_newer_than_the_program_then_open_refuses(new_vault):
    root = new_vault.root
    new_vault.close()
    db = sqlite3.connect(root / "catalog.sqlite")
    db.execute("UPDATE alembic_version SET version_num='9999_future'")
    db.commit()
    db.close()
    with pytest.raises(UnsupportedVaultVersion, match="newer"):
        Vault.open(root, PASSPHRASE)


def test_migrations_build_exactly_the_models_schema(new_vault):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from studio.core.vault.catalog import Base
    from studio.core.vault.database import make_engine

    engine = make_engine(new_vault.root)
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    engine.dispose()
    assert diffs == []


def test_when_a_sealed_catalog_field_is_altered_then_check_names_the_row(new_vault, talent):
    db = sqlite3.connect(new_vault.root / "catalog.sqlite")
    (sealed,) = db.execute("SELECT name_sealed FROM talents WHERE id=?", (talent.id,)).fetchone()
    tampered = bytearray(sealed)
    tampered[20] ^= 0x01
    db.execute("UPDATE talents SET name_sealed=? WHERE id=?", (bytes(tampered), talent.id))
    db.commit()
    db.close()
    rep = check_vault(new_vault)
    assert f"talent {talent.id}: sealed field name was altered" in rep.problems
    with pytest.raises(IntegrityError):
        get_talent(new_vault, talent.id)


def test_when_sealed_values_are_swapped_between_rows_then_check_detects_it(new_vault, talent):
    other = add_talent(new_vault, "Bea Swap")
    db = sqlite3.connect(new_vault.root / "catalog.sqlite")
    a = db.execute("SELECT name_sealed FROM talents WHERE id=?", (talent.id,)).fetchone()[0]
    b = db.execute("SELECT name_sealed FROM talents WHERE id=?", (other.id,)).fetchone()[0]
    db.execute("UPDATE talents SET name_sealed=? WHERE id=?", (b, talent.id))
    db.execute("UPDATE talents SET name_sealed=? WHERE id=?", (a, other.id))
    db.commit()
    db.close()
    problems = check_vault(new_vault).problems
    assert f"talent {talent.id}: sealed field name was altered" in problems
    assert f"talent {other.id}: sealed field name was altered" in problems


@pytest.mark.parametrize("mac", [
    "flip-one",      # the right MAC with one hex digit changed
    "",              # no MAC at all
    "0" * 64,        # right length, wrong value
    "é" * 64,        # not even ASCII (a naive constant-time compare would raise TypeError)
    "\ud800" * 3,    # a lone surrogate, as JSON can carry
])
def test_when_the_header_mac_is_tampered_then_open_refuses(new_vault, mac):
    root = new_vault.root
    new_vault.close()
    header = json.loads((root / HEADER_NAME).read_text())
    if mac == "flip-one":
        mac = header["mac"][:-1] + ("0" if header["mac"][-1] != "0" else "1")
    header["mac"] = mac
    (root / HEADER_NAME).write_text(json.dumps(header))
    with pytest.raises(IntegrityError, match="vault header was altered"):
        Vault.open(root, PASSPHRASE)
