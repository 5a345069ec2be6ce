"""Erasure by crypto-shredding (issue 13, DR055): each talent's files are encrypted to their own
likeness key; erasing them destroys the key, so copies taken before and put back cannot be
decrypted; the studio signs a receipt; a crash between the commit and the deletion is safe."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys

import pyrage
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import select

from studio.core.check import check_vault
from studio.core.consent.policy import check_use
from studio.core.derived import add_derived
from studio.core.erasure import erase_talent, erasure_status, plan_erasure, request_erasure_with_key
from studio.core.errors import ConsentError, IntegrityError
from studio.core.intake import ingest_paths
from studio.core.kits.receipts import erasure_receipt, verify_receipt, write_erasure_receipt
from studio.core.ledger.entries import list_entries
from studio.core.package.export import export_package
from studio.core.talents import add_talent, get_talent
from studio.core.vault import audit
from studio.core.vault.catalog import Asset, AssetFile, Blob, TalentBlobKey
from studio.core.vault.likeness_keys import unwrap
from tests.conftest import TESTDATA
from tests.core.helpers import BRAND, active_grant, brand, studio_key
from tests.vaults import BOTH_VAULTS, blob_data, blob_names, catalog_db, folder_only, put_blob_data

pytestmark = BOTH_VAULTS
THUMB = b"\x89PNG\r\n\x1a\n" + b"the same thumbnail bytes under two talents" * 4


def _files(vault, tid) -> list[tuple[str, str]]:
    """(store, sha256) of every file of the talent's assets."""
    with vault.session() as s:
        rows = s.execute(select(Blob.store, Blob.sha256).where(Blob.sha256.in_(
            select(Asset.sha256).where(Asset.talent_id == tid).union(
                select(AssetFile.sha256).join(Asset, Asset.id == AssetFile.asset_id).where(Asset.talent_id == tid))
        ))).all()
    return sorted((store, sha) for store, sha in rows)


def _other(vault):
    """A second talent with a voice take of their own (and the thumbnail bytes the first one has too)."""
    other = add_talent(vault, "Ruth Okafor")
    (r,) = ingest_paths(vault, other.id, [TESTDATA / "voice" / "ljspeech_LJ050-0131.wav"])
    assert r.status == "ingested"
    return other, r.asset_id


def _opens(ct: bytes, identities) -> bool:
    try:
        pyrage.decrypt(ct, identities)
    except (pyrage.DecryptError, ValueError, OSError):
        return False
    return True


def test_a_talents_files_are_encrypted_to_their_own_key_not_the_vault_key(world):
    vault, talent, key, assets = world
    files = _files(vault, talent.id)
    assert {store for store, _ in files} == {"blobs", "derived"}  # originals and derived files (LODs, waveform)
    with vault.session() as s:
        row = s.get(TalentBlobKey, talent.id)
        owners = set(s.execute(select(Blob.owner).where(Blob.sha256.in_([sha for _, sha in files]))).scalars())
    assert owners == {talent.id}
    mine = unwrap(vault._keys, row)  # the two steps `age -d` takes: the vault identity opens the talent's key
    for store, sha in files:
        ct = blob_data(vault, sha, store)
        assert not _opens(ct, [vault._keys.identity])
        assert hashlib.sha256(pyrage.decrypt(ct, [mine])).hexdigest() == sha
        assert hashlib.sha256(vault.store(store).read_bytes(sha)).hexdigest() == sha  # reading works as before


def test_erasure_is_refused_without_the_talents_signed_request_and_changes_nothing(world):
    vault, talent, key, assets = world
    before = len(audit.list_events(vault))

    with pytest.raises(ConsentError, match="has not asked for erasure: erasure needs their signed request"):
        erase_talent(vault, talent.id)

    assert len(audit.list_events(vault)) == before
    assert get_talent(vault, talent.id).name == "Ines Duarte"
    assert erasure_status(vault, talent.id) is None  # what the app's buttons follow
    for store, sha in _files(vault, talent.id):
        vault.store(store).verify(sha)
    other, _ = _other(vault)
    with pytest.raises(ConsentError, match="only talent"):  # the studio cannot sign for them with another's key
        request_erasure_with_key(vault, other.id, key)


def test_after_erasure_old_copies_cannot_be_decrypted_others_are_intact_the_ledger_kept_and_the_receipt_verifies(
        world, tmp_path):
    vault, talent, key, assets = world
    other, other_asset = _other(vault)
    add_derived(vault, assets[0], "thumbnail", "image/png", THUMB)  # the same plaintext under both talents
    add_derived(vault, other_asset, "thumbnail", "image/png", THUMB)
    shared_sha = hashlib.sha256(THUMB).hexdigest()
    g = active_grant(vault, talent, key, assets)
    brand(vault)
    delivered = export_package(vault, g.id, BRAND, tmp_path / "delivered.twinpkg")
    fees = [(e.fee, e.currency, e.on, e.brand_id) for e in list_entries(vault, talent.id)]
    assert fees
    files = [(store, sha) for store, sha in _files(vault, talent.id) if sha != shared_sha]
    copies = {(store, sha): blob_data(vault, sha, store) for store, sha in files}  # a backup, taken before
    other_files = _files(vault, other.id)
    request_erasure_with_key(vault, talent.id, key)
    assert erasure_status(vault, talent.id) == "requested"
    plan = plan_erasure(vault, talent.id)
    assert sorted((st, sha) for st, hashes in plan.destroyed.items() for sha in hashes) == sorted(files)
    assert plan.handed == [("derived", shared_sha, other.id)]

    done = erase_talent(vault, talent.id)

    assert done.removed == len(files) and not done.already
    assert erasure_status(vault, talent.id) == "erased"
    with vault.session() as s:
        assert s.get(TalentBlobKey, talent.id) is None
    assert get_talent(vault, talent.id).name == "(erased)" and get_talent(vault, talent.id).email is None
    for (store, sha), ct in copies.items():  # put back from the backup: nothing this vault holds opens them
        assert vault.store(store).name_for(sha) not in blob_names(vault, store)
        put_blob_data(vault, sha, ct, store)
        assert not _opens(ct, vault.keyring.all_identities())
    report = check_vault(vault)
    assert report.ok, report.problems
    strays = [n for n in report.notes if "of an erased talent: no key this vault holds decrypts it" in n]
    assert len(strays) == len(copies)
    # the other talent is intact, the shared thumbnail included (now under their key)
    for store, sha in other_files:
        vault.store(store).verify(sha)
    assert not _opens(blob_data(vault, shared_sha, "derived"), [vault._keys.identity])
    # the ledger keeps what accounting needs; exports are refused
    assert [(e.fee, e.currency, e.on, e.brand_id) for e in list_entries(vault, talent.id)] == fees
    decision = check_use(vault, g.id, "e-commerce", "web", "FR")
    assert not decision.permitted and any("was erased at their request" in r for r in decision.reasons)
    with pytest.raises(ConsentError, match="was erased at their request"):
        export_package(vault, g.id, BRAND, tmp_path / "after.twinpkg")
    assert not (tmp_path / "after.twinpkg").exists()
    with pytest.raises(ConsentError):
        ingest_paths(vault, talent.id, [TESTDATA / "voice" / "cmu_arctic_us_aew_a0001.wav"])

    receipt_file = tmp_path / "erasure.json"
    receipt = write_erasure_receipt(vault, talent.id, receipt_file)
    assert receipt["destroyed"] == plan.destroyed and receipt["shared_kept"] == [shared_sha]
    assert [p["package"] for p in receipt["packages"]] == [delivered.package_id]
    assert receipt["packages"][0]["brand_name"] == BRAND and receipt["backup_retention_days"] == 35
    assert "Ines" not in receipt_file.read_text()
    me = tmp_path / "my-keys"
    me.mkdir()
    checked = verify_receipt(receipt_file, studio_key(vault), me)  # the talent's folder remembers the head
    seen = json.loads((me / "seen-kits.json").read_text())
    head = checked.receipt["chain_head"]["seq"]
    assert [(h["kit"], h["seq"]) for h in seen["heads"]] == [(f"erasure {talent.id}", head)]
    tomb = [e for e in audit.list_events(vault) if e["action"] == "talent.erased"]
    assert checked.receipt["chain_head"] == {"seq": tomb[0]["seq"], "hash": tomb[0]["hash"]}
    raw = receipt_file.read_bytes()
    changed = tmp_path / "changed.json"
    i = raw.index(b'"erased_at": "') + 20
    changed.write_bytes(raw[:i] + bytes([raw[i] ^ 1]) + raw[i + 1:])
    with pytest.raises(IntegrityError):
        verify_receipt(changed, studio_key(vault))
    with pytest.raises(IntegrityError, match="not signed by the studio key"):
        verify_receipt(receipt_file, Ed25519PrivateKey.generate().public_key())
    assert erasure_receipt(vault, talent.id)["destroyed"] == receipt["destroyed"]  # again later, the same

    again = erase_talent(vault, talent.id)  # a re-run removes the copies put back

    assert again.already and again.removed == len(copies)
    report = check_vault(vault)
    assert report.ok and not [n for n in report.notes if "erased talent" in n], report.notes


def _make_legacy(vault, store: str, sha: str) -> None:
    """As an older Twin Studio stored it: encrypted to the vault key, no owner."""
    plain = vault.store(store).read_bytes(sha)
    with catalog_db(vault) as db:
        db.execute("UPDATE blobs SET owner = NULL WHERE sha256 = ?", (sha,))
    put_blob_data(vault, sha, pyrage.encrypt(plain, [vault._keys.recipient]), store)
    vault.keyring.set_owner(sha, None)


def test_files_stored_before_talent_keys_are_deleted_and_listed_as_decryptable_from_backups(world, tmp_path):
    vault, talent, key, assets = world
    store, sha = _files(vault, talent.id)[0]
    _make_legacy(vault, store, sha)
    old_copy = blob_data(vault, sha, store)
    request_erasure_with_key(vault, talent.id, key)

    erase_talent(vault, talent.id)

    receipt = erasure_receipt(vault, talent.id)
    assert receipt["legacy_in_backups"] == {"blobs": [], "derived": [], store: [sha]}
    assert sha not in receipt["destroyed"][store]
    assert "legacy_in_backups" in receipt["backups"] and "35 days" in receipt["backups"]
    assert vault.store(store).name_for(sha) not in blob_names(vault, store)
    put_blob_data(vault, sha, old_copy, store)  # a backup's copy put back: it still opens, and check says so
    report = check_vault(vault)
    assert any("still decrypts with this vault's key" in p for p in report.problems)
    erase_talent(vault, talent.id)
    assert check_vault(vault).ok


_CHILD = """
import sys
from pathlib import Path
import pyrage
from studio.core.erasure import erase_talent
from studio.core.vault import Vault
from studio.core.vault.header import read_header
from studio.core.vault.keys import VaultKeys
root = Path(sys.argv[1])
keys = VaultKeys(pyrage.x25519.Identity.from_str(sys.stdin.read().strip()))
erase_talent(Vault(root, read_header(root), keys), sys.argv[2])
"""


@folder_only("the crash is a killed child process on the folder vault; the sequence is the same on both")
def test_a_crash_between_the_commit_and_the_deletion_leaves_undecryptable_strays_that_a_rerun_removes(world):
    from studio.core.vault.header import read_header
    from studio.core.vault import Vault

    vault, talent, key, assets = world
    files = _files(vault, talent.id)
    request_erasure_with_key(vault, talent.id, key)
    root, keys = vault.root, vault._keys
    vault.close()
    env = {**os.environ, "STUDIO_TEST_KILL_AT": "erase.committed", "PYTHONPATH": os.getcwd()}
    proc = subprocess.run([sys.executable, "-c", _CHILD, str(root), talent.id], input=str(keys.identity).encode(),
                          env=env, capture_output=True, timeout=300)
    assert proc.returncode != 0  # killed at the point

    with Vault(root, read_header(root), keys) as after:
        assert get_talent(after, talent.id).name == "(erased)"  # committed
        assert all(after.store(st).exists(sha) for st, sha in files)  # not deleted yet
        report = check_vault(after)
        assert report.ok, report.problems
        assert len([n for n in report.notes if "of an erased talent: no key" in n]) == len(files)
        done = erase_talent(after, talent.id)
        assert done.already and done.removed == len(files)
        report = check_vault(after)
        assert report.ok and not [n for n in report.notes if "erased talent" in n]


def test_files_stored_before_talent_keys_are_moved_to_the_talents_key_by_rekey(world):
    from studio.core.rekey import rekey_talent_files

    vault, talent, key, assets = world
    files = _files(vault, talent.id)
    legacy = [next(f for f in files if f[0] == "blobs"), next(f for f in files if f[0] == "derived")]
    for store, sha in legacy:
        _make_legacy(vault, store, sha)
        assert _opens(blob_data(vault, sha, store), [vault._keys.identity])

    done = rekey_talent_files(vault)

    assert (done.rekeyed, done.finished) == (2, 0)
    for store, sha in legacy:
        assert not _opens(blob_data(vault, sha, store), [vault._keys.identity])
        vault.store(store).verify(sha)
    assert check_vault(vault).ok
    assert rekey_talent_files(vault).to_json() == {"rekeyed": 0, "finished": 0, "shared": 0}


_REKEY_CHILD = _CHILD.replace("from studio.core.erasure import erase_talent", "from studio.core.rekey import "
                              "rekey_talent_files").replace("erase_talent(", "rekey_talent_files(")


@folder_only("the crash is a killed child process on the folder vault; the sequence is the same on both")
def test_a_rekey_killed_after_the_owner_is_committed_leaves_a_readable_file_that_the_next_run_finishes(world):
    from studio.core.rekey import rekey_talent_files
    from studio.core.vault.header import read_header
    from studio.core.vault import Vault

    vault, talent, key, assets = world
    store, sha = _files(vault, talent.id)[0]
    _make_legacy(vault, store, sha)
    root, keys = vault.root, vault._keys
    vault.close()
    env = {**os.environ, "STUDIO_TEST_KILL_AT": "rekey.owned", "PYTHONPATH": os.getcwd()}
    proc = subprocess.run([sys.executable, "-c", _REKEY_CHILD, str(root), talent.id],
                          input=str(keys.identity).encode(), env=env, capture_output=True, timeout=300)
    assert proc.returncode != 0

    with Vault(root, read_header(root), keys) as after:
        assert _opens(blob_data(after, sha, store), [keys.identity])  # both keys open it: step 3 not done
        assert check_vault(after).ok
        assert rekey_talent_files(after).finished == 1
        assert not _opens(blob_data(after, sha, store), [keys.identity])
        after.store(store).verify(sha)
        assert check_vault(after).ok


def test_outputs_a_brand_sent_for_approval_are_the_talents_files_and_go_with_them(world, tmp_path):
    from studio.core.package.approval_brand import create_request, write_request
    from studio.core.package.approvals import decide_outputs, import_request
    from tests.core.test_credentials import make_png

    vault, talent, key, assets = world
    g = active_grant(vault, talent, key, assets)
    keys = brand(vault)
    export_package(vault, g.id, BRAND, tmp_path / "p.twinpkg")
    request, _ = create_request(tmp_path / "p.twinpkg", keys, [make_png(tmp_path / "look.png", seed=4)],
                                description="Spring lookbook", purpose="advertising", media="web", territory="FR")
    write_request(request, tmp_path / "ask.twinrequest")
    rec = import_request(vault, tmp_path / "ask.twinrequest")
    (out,) = [o.sha256 for o in rec.outputs]
    decide_outputs(vault, rec.id, key, approve=[out], note="fine by me")
    assert not _opens(blob_data(vault, out, "blobs"), [vault._keys.identity])  # under the talent's key
    request_erasure_with_key(vault, talent.id, key)

    done = erase_talent(vault, talent.id)

    assert out in done.plan["destroyed"]["blobs"]
    assert vault.store("blobs").name_for(out) not in blob_names(vault, "blobs")
    report = check_vault(vault)
    assert report.ok, report.problems


@pytest.mark.vaults("shared", reason="two stations uploading before the lock: a folder vault publishes under it")
def test_two_writers_storing_the_same_new_bytes_for_two_talents_leave_a_file_that_reads(world):
    from studio.core.clock import now_iso
    from studio.core.vault.writes import add_blob_rows, clear_intent, publish_with_intent

    vault, talent, key, assets = world
    other, _ = _other(vault)
    data = THUMB + b" a race"
    sha = hashlib.sha256(data).hexdigest()
    with vault.staging() as first, vault.staging() as second:
        mine = vault.derived.stage_bytes(data, first.folder, talent.id)
        theirs = vault.derived.stage_bytes(data, second.folder, other.id)
        vault.upload_staged(first, [("derived", mine)])
        vault.upload_staged(second, [("derived", theirs)])  # the object is theirs now
        for staged in (mine, theirs):  # the first commits its row naming its talent, then the second
            with vault.writer_lock():
                now = now_iso()
                fresh = publish_with_intent(vault, [("derived", staged)], now)
                with vault.session() as s:
                    add_blob_rows(s, fresh, now)
                    clear_intent(s, fresh)
    with vault.session() as s:
        assert s.get(Blob, sha).owner == other.id
    assert vault.derived.read_bytes(sha) == data
