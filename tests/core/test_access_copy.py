"""The talent's access copy (issue 13, DR050): everything the vault holds about them, encrypted
to their age identity; each asset byte-identical, each event about them there, nothing about
anyone else; nothing in clear on disk, nothing left by a cancel."""

from __future__ import annotations

import hashlib
import io
import json
import os
import stat
import tarfile

import pyrage
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from studio.core.access import export_access_copy
from studio.core.assets import list_assets
from studio.core.consent.grants import draft_grant
from studio.core.consent.pause import pause_with_key, resume_with_key
from studio.core.consent.talent_keys import link_own_key
from studio.core.errors import Cancelled, InvalidInput
from studio.core.intake import ingest_paths
from studio.core.package.export import export_package
from studio.core.progress import CancelToken
from studio.core.talents import add_talent
from studio.core.vault import audit
from studio.core.vault.keys import public_key_b64, public_key_fingerprint
from tests.conftest import TESTDATA
from tests.core.helpers import BRAND, active_grant, brand, fields
from tests.vaults import BOTH_VAULTS

pytestmark = BOTH_VAULTS

ORIGINALS = [TESTDATA / "scans" / "stanford-bunny_zipper_res2.ply", TESTDATA / "voice" / "vctk_p225_001.wav"]


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _open(path, identity) -> dict[str, bytes]:
    """The copy decrypted in memory with the talent's identity: path → bytes."""
    plain = pyrage.decrypt(path.read_bytes(), [identity])
    with tarfile.open(fileobj=io.BytesIO(plain), mode="r:") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar.getmembers()}


def _mentions(event: dict, ids: set[str]) -> bool:
    return event["subject"] in ids or event["actor"] in ids or any(i in json.dumps(event["details"]) for i in ids)


def test_when_a_talent_asks_for_their_access_copy_then_it_holds_everything_about_them_and_nothing_else(world, tmp_path):
    vault, talent, key, assets = world
    g = active_grant(vault, talent, key, assets)
    brand(vault)
    export_package(vault, g.id, BRAND, tmp_path / "delivered.twinpkg")
    pause_with_key(vault, talent.id, None, key)
    resume_with_key(vault, talent.id, None, key)
    other = add_talent(vault, "Someone Else", "else@example.com")
    (theirs,) = ingest_paths(vault, other.id, [TESTDATA / "voice" / "vctk_p226_001.wav"])
    their_draft = draft_grant(vault, other.id, fields([theirs.asset_id]))
    me = pyrage.x25519.Identity.generate()
    out = tmp_path / "copy" / "ines-access.tar.age"
    out.parent.mkdir()
    seen = []

    copy = export_access_copy(vault, talent.id, out, recipient=str(me.to_public()), progress=seen.append)

    assert copy.path == out and stat.S_IMODE(os.stat(out).st_mode) == 0o600
    assert sorted(p.name for p in out.parent.iterdir()) == [out.name]  # no temp file, no clear tar
    assert seen and seen[-1].done == seen[-1].total
    files = _open(out, me)
    assert b"Your access copy" in files["README.txt"]
    assert json.loads(files["talent.json"])["name"] == "Ines Duarte"
    # every original byte-identical to the file ingested, every derived file as stored
    records = list_assets(vault, talent.id)
    assert {r.id for r in records} == set(assets)
    for path in ORIGINALS:
        data = path.read_bytes()
        (found,) = [n for n, b in files.items() if "/original/" in n and b == data]
        assert _sha(files[found]) == _sha(data)
    for r in records:
        record = json.loads(files[f"assets/{r.id}/asset.json"])
        assert _sha(files[record["original_path"]]) == r.sha256
        assert len(record["files"]) == len(r.files)
        assert all(_sha(files[f["path"]]) == f["sha256"] for f in record["files"])
    assert any(r.files for r in records)  # a derived file is there to check (the voice take's waveform)
    sums = dict(reversed(line.split("  ", 1)) for line in files["SHA256SUMS"].decode().splitlines())
    assert set(sums) == set(files) - {"SHA256SUMS"} and all(_sha(files[p]) == s for p, s in sums.items())
    grant = json.loads(files[f"grants/{g.id}.json"])
    assert grant["talent_signature"] == g.talent_signature and grant["document"] == g.document
    assert len(json.loads(files["reviews.json"])) == 2 and all(r["signature"] for r in json.loads(files["reviews.json"]))
    assert [p["grant"] for p in json.loads(files["packages.json"])] == [g.id]
    assert len(json.loads(files["ledger.json"])) == 1 and len(json.loads(files["pauses.json"])) == 1

    # every event about the talent or their assets, grants, package, ledger entry; none about the other talent
    included = {e["seq"]: e for e in json.loads(files["audit-events.json"])}
    mine = {talent.id, *assets, g.id, *(p["id"] for p in json.loads(files["packages.json"])),
            *(e["id"] for e in json.loads(files["ledger.json"]))}
    everything = audit.list_events(vault)
    expected = [e for e in everything if _mentions(e, mine) and e["action"] != "talent.access_copy"]
    assert expected and all(included.get(e["seq"], {}).get("hash") == e["hash"] for e in expected)
    theirs_ids = {other.id, theirs.asset_id, their_draft.id}
    assert not [e for e in included.values() if _mentions(e, theirs_ids)]
    assert not any(other.id.encode() in b or b"Someone Else" in b or b"else@example.com" in b for b in files.values())
    assert everything != [] and any(e["action"] == "talent.access_copy" for e in audit.list_events(vault))


def test_when_the_recipient_is_missing_or_not_the_talents_own_then_nothing_is_written(world, tmp_path):
    vault, talent, key, assets = world
    out = tmp_path / "copy.tar.age"
    with pytest.raises(InvalidInput, match="give the recipient"):
        export_access_copy(vault, talent.id, out)
    with pytest.raises(InvalidInput, match="not an age X25519 recipient"):
        export_access_copy(vault, talent.id, out, recipient="age1nonsense")
    own = Ed25519PrivateKey.generate()
    card_identity = pyrage.x25519.Identity.generate()
    link_own_key(vault, talent.id, public_key_b64(own.public_key()), str(card_identity.to_public()),
                 public_key_fingerprint(own.public_key()))
    with pytest.raises(InvalidInput, match="recipient on their card"):
        export_access_copy(vault, talent.id, out, recipient=str(pyrage.x25519.Identity.generate().to_public()))
    assert not out.exists() and [p.name for p in tmp_path.iterdir() if p.name != "vault" and p.name != "xdg-data"] == []

    copy = export_access_copy(vault, talent.id, out)  # their own key's card: the recipient is theirs

    assert copy.recipient == str(card_identity.to_public())
    assert set(assets) <= {n.split("/")[1] for n in _open(out, card_identity) if n.startswith("assets/")}
    with pytest.raises(InvalidInput, match="already exists"):
        export_access_copy(vault, talent.id, out)


def test_when_the_access_copy_is_cancelled_then_nothing_is_left(world, tmp_path):
    vault, talent, key, assets = world
    token = CancelToken()

    def progress(p):
        if p.done > 50_000:
            token.cancel()

    out = tmp_path / "copy" / "c.tar.age"
    out.parent.mkdir()
    before = len(audit.list_events(vault))
    with pytest.raises(Cancelled):
        export_access_copy(vault, talent.id, out, recipient=str(pyrage.x25519.Identity.generate().to_public()),
                           progress=progress, cancel=token)
    assert list(out.parent.iterdir()) == [] and len(audit.list_events(vault)) == before
