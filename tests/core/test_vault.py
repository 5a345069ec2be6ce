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
from studio.core.vault.opening import open_vault
from tests.conftest import PASSPHRASE
from tests.vaults import (
    BOTH_VAULTS, blob_data, catalog_db, folder_only, put_blob_data, remove_blob_data, reopen, stored, where,
)

pytestmark = BOTH_VAULTS


@folder_only("the folder's layout and its SQLite catalog's journal mode")
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
    new_vault.close()
    with open_vault(where(new_vault), PASSPHRASE) as again:
        assert [t.id for t in list_talents(again)] == [talent.id]
        assert get_talent(again, talent.id).name == "Ada Lovelace"


@folder_only("the suite's budget: the KDF's refusal is the same code on both kinds, and a shared vault's open "
             "only reads its header object before it")
def test_when_passphrase_is_wrong_then_a_clear_error_and_nothing_changes(new_vault):
    root = new_vault.root
    new_vault.close()
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    with pytest.raises(WrongPassphrase, match="wrong passphrase"):
        Vault.open(root, "not the passphrase")
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == before


@folder_only("creating a folder vault in a folder")
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


@folder_only("the header file of a folder vault")
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


@folder_only("the header file of a folder vault")
def test_when_header_recipient_is_swapped_then_open_detects_it(new_vault):
    root = new_vault.root
    new_vault.close()
    header = json.loads((root / HEADER_NAME).read_text())
    header["recipient"] = str(pyrage.x25519.Identity.generate().to_public())
    (root / HEADER_NAME).write_text(json.dumps(header))
    with pytest.raises(IntegrityError, match="recipient"):
        Vault.open(root, PASSPHRASE)


@folder_only("the header file of a folder vault")
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
    header = json.loads(new_vault.files.read(HEADER_NAME))
    import base64

    identity = pyrage.passphrase.decrypt(base64.b64decode(header["wrapped_key"]), PASSPHRASE)
    key_file = tmp_path / "identity.txt"
    key_file.write_bytes(identity)
    blob = tmp_path / "blob.age"  # a folder vault's file, a shared vault's object, as a file
    blob.write_bytes(blob_data(new_vault, staged.sha256))
    out = subprocess.run([age, "-d", "-i", str(key_file), str(blob)],
                         capture_output=True, check=True)
    assert out.stdout == data


def test_when_talent_is_added_then_its_name_is_not_readable_on_disk(new_vault):
    add_talent(new_vault, "Zora Quintessa-Vale", "zora.quintessa@example.org", "Aurelian Agency")
    root = new_vault.root
    new_vault.close()
    kept = {p.name: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    if new_vault.shared:  # its objects, and every row of its catalog as the database server holds it
        kept.update(stored(new_vault))
        with catalog_db(new_vault) as db:
            tables = [t for (t,) in db.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
            for table in tables:
                rows = db.execute(f"SELECT t::text FROM {table} t").fetchall()
                kept[f"table {table}"] = "\n".join(r for (r,) in rows).encode()
        assert "talents" in tables
    for name, raw in kept.items():
        for secret in (b"Zora", b"Quintessa", b"zora.quintessa", b"Aurelian"):
            assert secret not in raw, f"{secret!r} readable in {name}"


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
    with catalog_db(new_vault) as db:
        db.execute("UPDATE audit_events SET subject='tal_0000000000000000' WHERE seq=2")
    rep = check_vault(new_vault)
    assert any("audit event 2" in p and "altered" in p for p in rep.problems)
    with catalog_db(new_vault) as db:
        db.execute("DELETE FROM audit_events WHERE seq=2")
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
    raw = bytearray(blob_data(new_vault, corrupt.sha256))
    raw[-5] ^= 0xFF
    put_blob_data(new_vault, corrupt.sha256, bytes(raw))
    remove_blob_data(new_vault, missing.sha256)
    extra = store.stage_bytes(b"not in the catalog")
    store.publish(extra)
    rep = check_vault(new_vault)
    text = "\n".join(rep.problems)
    assert not rep.ok
    assert corrupt.sha256[:16] in text and "cannot be decrypted" in text
    assert f"missing blobs file for {missing.sha256[:16]}" in text
    # listed by the name the store keeps it under (a keyed name in a shared vault's store)
    assert f"extra blobs file {store.name_for(extra.sha256)[:16]}" in text


def test_when_a_blob_decrypts_to_other_content_then_reading_refuses(new_vault):
    a = new_vault.blobs.stage_bytes(b"first")
    b = new_vault.blobs.stage_bytes(b"second")
    new_vault.blobs.publish(a)
    new_vault.blobs.publish(b)
    # swap the files: each is valid age, but no longer matches its name
    da, db = blob_data(new_vault, a.sha256), blob_data(new_vault, b.sha256)
    put_blob_data(new_vault, a.sha256, db)
    put_blob_data(new_vault, b.sha256, da)
    with pytest.raises(IntegrityError, match="different content"):
        new_vault.blobs.read_bytes(a.sha256)
    assert new_vault.blobs.read_bytes is not None  # the store stays usable
    out = io.BytesIO()
    with pytest.raises(IntegrityError):
        new_vault.blobs.decrypt_to(b.sha256, out)


def test_when_catalog_schema_is_newer_than_the_program_then_open_refuses(new_vault):
    new_vault.close()
    with catalog_db(new_vault) as db:
        db.execute("UPDATE alembic_version SET version_num='9999_future'")
    with pytest.raises(UnsupportedVaultVersion, match="newer"):
        reopen(new_vault)  # the schema is checked by the constructor: no KDF needed to reach it


@folder_only("SQLite's schema (PostgreSQL's: test_migrations_build_exactly_the_models_schema_on_postgresql)")
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


def test_migrations_build_exactly_the_models_schema_on_postgresql(shared_location):
    """Alembic's migrations, run on an empty PostgreSQL database, build the models' schema
    (types included: the sizes are BIGINT there), and a size past 2**31 fits in each table."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import inspect, select

    from studio.core.vault.catalog import Asset, AssetFile, Base, Blob, Talent
    from studio.core.vault.database import make_pg_engine, migrate, session_factory

    engine = make_pg_engine(shared_location.catalog, "the test's catalog")
    try:
        migrate(engine)
        with engine.connect() as conn:
            assert conn.dialect.name == "postgresql"
            diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
            columns = {t: {c["name"]: c["type"] for c in inspect(conn).get_columns(t)}
                       for t in ("blobs", "assets", "asset_files")}
        assert diffs == []
        assert {t: type(cols["size"]).__name__ for t, cols in columns.items()} == dict.fromkeys(columns, "BIGINT")

        big = 2**31 + 12_345  # a scan of 2 GiB and more
        at = "2026-01-01T00:00:00Z"
        with session_factory(engine).begin() as s:
            s.add(Talent(id="tal_0123456789abcdef", name_sealed=b"x", created_at=at))
            s.add_all([Blob(sha256="a" * 64, store="blobs", size=big, created_at=at),
                       Blob(sha256="b" * 64, store="derived", size=big + 1, created_at=at)])
            s.flush()
            s.add(Asset(id="ast_0123456789abcdef", talent_id="tal_0123456789abcdef", kind="scan", format="ply",
                        media_type="application/ply", sha256="a" * 64, size=big, original_name_sealed=b"x",
                        metrics_sealed=b"x", warnings_sealed=b"x", status="pending", created_at=at))
            s.flush()
            s.add(AssetFile(asset_id="ast_0123456789abcdef", role="lod", name_sealed=b"x",
                            media_type="application/ply", sha256="b" * 64, size=big + 1))
        with session_factory(engine).begin() as s:
            assert sorted(s.execute(select(Blob.size)).scalars()) == [big, big + 1]
            assert s.execute(select(Asset.size)).scalar_one() == big
            assert s.execute(select(AssetFile.size)).scalar_one() == big + 1
    finally:
        engine.dispose()


def test_when_a_sealed_catalog_field_is_altered_then_check_names_the_row(new_vault, talent):
    with catalog_db(new_vault) as db:
        (sealed,) = db.execute("SELECT name_sealed FROM talents WHERE id=?", (talent.id,)).fetchone()
        tampered = bytearray(sealed)
        tampered[20] ^= 0x01
        db.execute("UPDATE talents SET name_sealed=? WHERE id=?", (bytes(tampered), talent.id))
    rep = check_vault(new_vault)
    assert f"talent {talent.id}: sealed field name was altered" in rep.problems
    with pytest.raises(IntegrityError):
        get_talent(new_vault, talent.id)


def test_when_sealed_values_are_swapped_between_rows_then_check_detects_it(new_vault, talent):
    other = add_talent(new_vault, "Bea Swap")
    with catalog_db(new_vault) as db:
        a = db.execute("SELECT name_sealed FROM talents WHERE id=?", (talent.id,)).fetchone()[0]
        b = db.execute("SELECT name_sealed FROM talents WHERE id=?", (other.id,)).fetchone()[0]
        db.execute("UPDATE talents SET name_sealed=? WHERE id=?", (b, talent.id))
        db.execute("UPDATE talents SET name_sealed=? WHERE id=?", (a, other.id))
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
@folder_only("the header file of a folder vault")
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
