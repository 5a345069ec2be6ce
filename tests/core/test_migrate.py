"""``migrate`` (issue 12, DR028): a folder vault to a shared vault and back is the same vault —
every blob (the same age files), grant, signature, ledger entry and audit event, the header, the
signing key and the audit head — with ``check`` clean on each end; an interrupted migration is
resumed by running it again; a target that holds anything else is refused and left untouched.
Real PostgreSQL and SeaweedFS (tests/servers.py)."""

from __future__ import annotations

import hashlib
import json

import pytest
from sqlalchemy import create_engine, inspect, select, text

from studio.core.check import check_vault
from studio.core.errors import Cancelled, IntegrityError, InvalidInput, VaultExists, VaultNotFound
from studio.core.migrate import migrate_vault
from studio.core.package.export import export_package
from studio.core.package.verify import verify_package
from studio.core.progress import CancelToken
from studio.core.vault import Vault
from studio.core.vault.audit import verify_chain
from studio.core.vault.catalog import Blob
from studio.core.vault.database import create_schema
from studio.core.vault.head import HEAD_NAME
from studio.core.vault.header import HEADER_NAME
from studio.core.vault.location import shared_location as parse_location
from studio.core.vault.migrate import copied_tables
from studio.core.vault.objects import ObjectStore
from studio.core.vault.opening import open_vault, read_vault_header
from studio.core.vault.vault import SIGNING_KEY_FILE
from tests.conftest import PASSPHRASE
from tests.core.helpers import BRAND, active_grant, brand, studio_key


@pytest.fixture
def exported(world, tmp_path):
    """The consent world (a keyed talent, an approved scan and voice take) with an active grant,
    a brand and a package exported to it: a package row and an export ledger entry."""
    vault, talent, key, assets = world
    g = active_grant(vault, talent, key, assets)
    brand(vault)
    pkg = tmp_path / "twin.twinpkg"
    export_package(vault, g.id, BRAND, pkg, assets=[assets[1]])
    return vault, pkg


def location(loc):
    return parse_location(loc.catalog, loc.store, loc.endpoint)


def rows(vault) -> dict[str, list[tuple]]:
    """Every copied table's rows, all columns, in a stable order."""
    with vault.session() as s:
        return {t.name: sorted(tuple(r) for r in s.execute(select(t))) for t in copied_tables()}


def age_files(vault) -> dict[str, bytes]:
    """Every blob's stored (encrypted) bytes, by plaintext hash."""
    with vault.session() as s:
        blobs = s.execute(select(Blob.sha256, Blob.store)).all()
    out = {}
    for sha, store in blobs:
        if vault.shared:
            out[sha] = vault.objects.get(f"{store}/{vault.store(store).name_for(sha)}.age")
        else:
            out[sha] = vault.store(store).path_for(sha).read_bytes()
    return out


def plaintext_hashes(vault) -> dict[str, str]:
    with vault.session() as s:
        blobs = s.execute(select(Blob.sha256, Blob.store)).all()
    return {sha: hashlib.sha256(vault.store(store).read_bytes(sha)).hexdigest() for sha, store in blobs}


def small_files(vault) -> list[bytes | None]:
    return [vault.files.read(name) for name in (HEADER_NAME, SIGNING_KEY_FILE, HEAD_NAME)]


def test_when_a_folder_vault_goes_to_a_shared_vault_and_back_then_everything_is_intact(exported, shared_location,
                                                                                       tmp_path):
    source, pkg = exported
    before = rows(source)
    assert before["packages"] and before["ledger_entries"] and before["grants"] and before["reviews"]
    files, blobs = small_files(source), age_files(source)
    assert len(blobs) >= 2 and all(f is not None for f in files)
    where = location(shared_location)

    rep = migrate_vault(source, where)

    assert rep.ok and rep.source_check.ok and rep.target_check.ok, rep.target_check.problems
    assert rep.copy.blobs_copied == len(blobs) and rep.copy.blobs_skipped == 0 and rep.copy.catalog == "copied"
    assert rep.copy.rows == {t: len(r) for t, r in before.items()}
    assert rep.target_check.blobs_checked == len(blobs)
    with open_vault(where, PASSPHRASE) as shared:  # the same passphrase opens it: the same wrapped key
        assert shared.shared and shared.header == source.header
        assert rows(shared) == before and small_files(shared) == files and age_files(shared) == blobs
        back = migrate_vault(shared, tmp_path / "back")
        assert back.ok and back.target_check.ok, back.target_check.problems
    assert rows(source) == before and small_files(source) == files  # the source is unchanged

    with Vault.open(tmp_path / "back", PASSPHRASE) as final:
        assert final.header == source.header and small_files(final) == files
        assert rows(final) == before
        assert age_files(final) == blobs  # the same age files, never re-encrypted
        assert plaintext_hashes(final) == {sha: sha for sha in blobs}
        with final.session() as s:
            assert verify_chain(s, final.audit_anchor) == []
        assert check_vault(final).ok
        info = verify_package(pkg, studio_key(final))  # the studio's signing key came along
        assert info.package_id == before["packages"][0][0]


def test_when_a_migration_is_interrupted_then_running_it_again_completes_it(exported, shared_location):
    source, _ = exported
    before = rows(source)
    where = location(shared_location)

    def stop_at(label: str, after: float = 1):
        token = CancelToken()

        def progress(p):
            if p.label.endswith(label) and p.done >= after:
                token.cancel()
        return token, progress

    # 1. after the first blob: some blobs are there, no catalog, no header
    token, progress = stop_at("copying blobs")
    with pytest.raises(Cancelled):
        migrate_vault(source, where, progress=progress, cancel=token)
    with pytest.raises(VaultNotFound):
        read_vault_header(where)
    engine = create_engine("postgresql+psycopg" + shared_location.catalog[len("postgresql"):])
    try:
        with engine.connect() as conn:
            assert inspect(conn).get_table_names() == []

        # 2. in the middle of the catalog: its one transaction is rolled back, schema and all
        token, progress = stop_at("copying the catalog")
        with pytest.raises(Cancelled):
            migrate_vault(source, where, progress=progress, cancel=token)
        with engine.connect() as conn:
            assert inspect(conn).get_table_names() == []
    finally:
        engine.dispose()

    # 3. while the copy is checked: the catalog is there, the header is not
    token, progress = stop_at("checking the copy: verifying blobs")
    with pytest.raises(Cancelled):
        migrate_vault(source, where, progress=progress, cancel=token)
    with pytest.raises(VaultNotFound):
        read_vault_header(where)

    rep = migrate_vault(source, where)

    assert rep.ok and rep.copy.resumed and rep.copy.catalog == "already there"
    assert rep.copy.blobs_copied == 0 and rep.copy.blobs_skipped == len(age_files(source))
    with open_vault(where, PASSPHRASE) as shared:
        assert rows(shared) == before  # no row twice
        assert check_vault(shared).ok
    with pytest.raises(VaultExists, match="already migrated"):
        migrate_vault(source, where)


def test_when_the_target_holds_something_else_then_the_migration_is_refused_and_the_target_untouched(
        new_vault, shared_location, tmp_path, _vault_template):
    source = new_vault
    # a folder with a file in it, and a folder that is a vault
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine")
    with pytest.raises(VaultExists, match="not an empty folder"):
        migrate_vault(source, busy)
    assert [p.name for p in busy.iterdir()] == ["notes.txt"]
    other_header = json.loads((_vault_template[0] / HEADER_NAME).read_text())
    other_header["vault_id"] = "vault_other"
    other = tmp_path / "other"
    other.mkdir()
    (other / HEADER_NAME).write_text(json.dumps(other_header))
    with pytest.raises(VaultExists, match="a vault already exists"):
        migrate_vault(source, other)
    assert [p.name for p in other.iterdir()] == [HEADER_NAME]

    where = location(shared_location)
    store = ObjectStore(where.bucket, where.prefix, where.endpoint)
    # a store that holds another vault's header
    store.put_bytes(HEADER_NAME, json.dumps(other_header).encode())
    with pytest.raises(VaultExists, match="a vault already exists"):
        migrate_vault(source, where)
    store.delete(HEADER_NAME)
    # a store that holds something else
    store.put_bytes("photos/cat.jpg", b"not a vault")
    with pytest.raises(VaultExists, match="already holds objects"):
        migrate_vault(source, where)
    assert list(store.names("photos")) == ["cat.jpg"] and list(store.names("blobs")) == []
    store.delete("photos/cat.jpg")

    # a catalog database that holds another vault
    engine = create_engine("postgresql+psycopg" + where.catalog[len("postgresql"):])
    try:
        with engine.begin() as conn:
            create_schema(conn)
            conn.execute(text("INSERT INTO audit_events (seq, at, actor, action, subject, details, prev_hash, hash) "
                              "VALUES (1, 'then', 'someone', 'vault.created', 'vault_other', '{}', 'x', 'y')"))
        with pytest.raises(VaultExists, match=r"holds another vault \(vault_other\)"):
            migrate_vault(source, where)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM audit_events")).scalar() == 1
            assert conn.execute(text("SELECT count(*) FROM talents")).scalar() == 0
    finally:
        engine.dispose()
    assert not store.holds_anything()


def test_when_a_migration_to_a_folder_is_resumed_then_leftovers_go_and_a_short_copy_is_copied_again(world, tmp_path):
    source = world[0]
    blobs = age_files(source)
    target = tmp_path / "copy"
    token = CancelToken()

    def progress(p):
        if p.label.endswith("copying blobs") and p.done >= 2:
            token.cancel()

    with pytest.raises(Cancelled):
        migrate_vault(source, target, progress=progress, cancel=token)
    copied = sorted(target.glob("*/??/*.age"))
    assert len(copied) == 2 and not (target / HEADER_NAME).exists()
    copied[0].write_bytes(copied[0].read_bytes()[:100])  # a copy cut short (a full disk, a kill)
    leftover = copied[1].parent / ".tmp-0123456789abcdef.age"
    leftover.write_bytes(b"half")

    rep = migrate_vault(source, target)

    assert rep.ok and rep.copy.resumed and rep.copy.blobs_skipped == 1
    assert rep.copy.blobs_copied == len(blobs) - 1 and not leftover.exists()
    with Vault.open(target, PASSPHRASE) as copy:
        assert age_files(copy) == blobs and rows(copy) == rows(source)


def test_when_the_source_has_an_interrupted_export_or_does_not_check_clean_then_nothing_is_copied(world, tmp_path):
    source = world[0]
    target = tmp_path / "copy"
    intent = source.root / "pending-exports" / "pkg_0123456789abcdef.intent"
    intent.parent.mkdir()
    intent.write_bytes(b"an export was here")
    with pytest.raises(InvalidInput, match="1 interrupted export"):
        migrate_vault(source, target)
    assert not target.exists()
    intent.unlink()

    with source.session() as s:
        sha, store = s.execute(select(Blob.sha256, Blob.store).limit(1)).one()
    source.store(store).path_for(sha).unlink()
    with pytest.raises(IntegrityError, match="the source vault is not consistent"):
        migrate_vault(source, target)
    assert not target.exists()


def test_when_the_copy_does_not_check_clean_then_it_gets_no_header(world, tmp_path):
    source = world[0]
    target = tmp_path / "copy"

    damaged = []

    def progress(p):  # once the blobs are copied: one of them damaged on the target's disk, its size kept
        if p.label.endswith("copying the catalog") and not damaged:
            victim = sorted(target.glob("blobs/??/*.age"))[0]
            data = bytearray(victim.read_bytes())
            data[-1] ^= 1
            victim.write_bytes(bytes(data))
            damaged.append(victim)

    rep = migrate_vault(source, target, progress=progress)

    assert not rep.ok and rep.source_check.ok and not rep.target_check.ok
    assert any("cannot be decrypted" in p for p in rep.target_check.problems)
    assert not (target / HEADER_NAME).exists()
    with pytest.raises(VaultNotFound):
        read_vault_header(target)
