"""Ingest into a real vault: every real scan and voice take, duplicates, rejections that change
nothing, companions, derived files, cancellation, and no plaintext on disk."""

from __future__ import annotations

import hashlib
import os
import json
from pathlib import Path

import numpy as np
import pytest

from studio.core.assets import extract_asset, get_asset, list_assets, read_derived
from studio.core.errors import Cancelled, NotFound
from studio.core.intake import ingest_paths
from studio.core.progress import CancelToken
from studio.core.vault.audit import list_events
from studio.core.check import check_vault
from tests.conftest import TESTDATA
from tests.generators import sphere_ply
from tests.vaults import BOTH_VAULTS, folder_only, stored

pytestmark = BOTH_VAULTS

SCANS = TESTDATA / "scans"
VOICE = TESTDATA / "voice"
MALFORMED = TESTDATA / "malformed"
LICENCE_NOTES = {".md", ".txt"}


def _real_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() not in LICENCE_NOTES)


def _catalog_counts(vault) -> tuple[int, int, int]:
    return (len(list_assets(vault)), len(list_events(vault)),
            sum(len(a.files) for a in list_assets(vault)))


@folder_only("the suite's budget: analysing every real file is 30 s of work that is the same on both kinds; "
             "storing, reading back and checking on a shared vault are the other tests here")
def test_when_every_real_scan_and_voice_take_is_ingested_then_each_is_stored_measured_and_recoverable(
        new_vault, talent, tmp_path):
    files = _real_files(SCANS) + _real_files(VOICE)
    seen = []
    results = ingest_paths(new_vault, talent.id, files, on_result=seen.append)
    assert seen == results
    by_name = {Path(r.path).name: r for r in results}
    rejected = {n: r.reason for n, r in by_name.items() if r.status == "rejected"}
    assert rejected == {}, rejected
    assets = {a.id: a for a in list_assets(new_vault, talent.id)}
    assert len(assets) == len(files)
    for path in files:
        r = by_name[path.name]
        a = assets[r.asset_id]
        assert a.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
        assert a.size == path.stat().st_size and a.original_name == path.name
        assert a.status == "pending_review"
        assert a.kind == ("voice" if path.is_relative_to(VOICE) else a.kind)
        out = tmp_path / "out" / path.name
        out.parent.mkdir(exist_ok=True)
        extract_asset(new_vault, a.id, out)
        assert out.read_bytes() == path.read_bytes()
        if a.kind == "voice":
            wave = json.loads(read_derived(new_vault, a.id, "waveform"))
            assert len(wave["min"]) == len(wave["max"]) == wave["buckets"] > 0
    kinds = {a.kind for a in assets.values()}
    assert kinds == {"mesh", "point_cloud", "voice"}
    rep = check_vault(new_vault)
    assert rep.ok, rep.problems
    assert rep.blobs_checked >= len(files)

    # Nothing of any original is readable anywhere under the vault folder (a shared vault: in
    # its objects): look for 32-byte windows taken every 4 KiB through each file (and its start)
    # in every vault file.
    kept = [p.read_bytes() for p in new_vault.root.rglob("*") if p.is_file()]
    if new_vault.shared:
        kept += stored(new_vault).values()
    for path in files:
        data = path.read_bytes()
        offsets = sorted({0, *range(64, max(65, len(data) - 32), 4096)})
        windows = {data[o:o + 32] for o in offsets if len(data[o:o + 32]) == 32}
        windows = {w for w in windows if len(set(w)) > 4}  # skip runs of one byte (padding, silence)
        for blob in kept:
            leaked = [w for w in windows if w in blob]
            assert not leaked, f"{path.name}: plaintext found on disk"


def test_when_the_same_content_is_ingested_again_then_it_is_a_duplicate_and_nothing_is_created(new_vault, talent):
    scan = SCANS / "stanford-bunny_zipper_res2.ply"
    (first,) = ingest_paths(new_vault, talent.id, [scan])
    counts = _catalog_counts(new_vault)
    files_before = stored(new_vault)
    (second,) = ingest_paths(new_vault, talent.id, [scan])
    assert second.status == "duplicate" and second.asset_id == first.asset_id
    assert "already in the vault" in second.reason
    assert _catalog_counts(new_vault) == counts
    assert stored(new_vault) == files_before


def test_when_every_file_is_malformed_or_rejected_then_the_vault_is_exactly_as_it_was(new_vault, talent):
    files = sorted(p for p in MALFORMED.rglob("*") if p.is_file())
    files_before = stored(new_vault)
    counts = _catalog_counts(new_vault)
    results = ingest_paths(new_vault, talent.id, files)
    rejected = [r for r in results if r.status == "rejected"]
    assert rejected, "the malformed set must contain files that are rejected"
    for r in rejected:
        assert r.reason and len(r.reason) > 10 and r.asset_id is None
    accepted = {r.asset_id for r in results if r.status == "ingested"}  # companions share their parent's id
    # remove what was accepted from the comparison: rejected files must have added nothing
    assert len(list_assets(new_vault)) == counts[0] + len(accepted)
    if not accepted:
        assert stored(new_vault) == files_before
    assert check_vault(new_vault).ok


def test_when_only_rejected_files_are_ingested_then_no_byte_changes(new_vault, talent, tmp_path):
    bad = [MALFORMED / "assimp" / "invalid" / "OutOfMemory.off", MALFORMED / "pydub" / "test1_empty.wav",
           MALFORMED / "utf8_mangled" / "LeePerrySmith.glb", MALFORMED / "assimp" / "invalid" / "malformed.obj"]
    empty = tmp_path / "empty.ply"
    empty.write_bytes(b"")
    files_before = stored(new_vault)
    counts = _catalog_counts(new_vault)
    results = ingest_paths(new_vault, talent.id, [*bad, empty, tmp_path / "missing.wav"])
    assert [r.status for r in results] == ["rejected"] * 6
    assert results[-1].reason == "no such file"
    assert stored(new_vault) == files_before
    assert _catalog_counts(new_vault) == counts


def test_when_a_talent_is_unknown_then_ingest_refuses_before_reading(new_vault):
    with pytest.raises(NotFound, match="no talent"):
        ingest_paths(new_vault, "tal_0123456789abcdef", [SCANS / "igea.ply"])


def test_when_an_obj_has_a_material_and_texture_then_they_are_stored_with_it(new_vault, talent, tmp_path):
    folder = tmp_path / "capture"
    folder.mkdir()
    (folder / "head.obj").write_text(
        "mtllib head.mtl\nv 0 0 0\nv 0.2 0 0\nv 0 0.25 0\nv 0 0 0.2\nvt 0 0\nvt 1 0\nvt 0 1\nvt 1 1\n"
        "usemtl skin\nf 1/1 2/2 3/3\nf 1/1 3/3 4/4\nf 1/1 4/4 2/2\nf 2/2 4/4 3/3\n")
    (folder / "head.mtl").write_text("newmtl skin\nKd 1 1 1\nmap_Kd skin.png\n")
    from PIL import Image  # trimesh depends on it for textures

    Image.fromarray(np.full((8, 8, 3), 200, np.uint8)).save(folder / "skin.png")
    results = {Path(r.path).name: r for r in ingest_paths(new_vault, talent.id, [folder])}
    obj = results["head.obj"]
    assert obj.status == "ingested"
    for companion in ("head.mtl", "skin.png"):
        assert results[companion].status == "ingested" and results[companion].asset_id == obj.asset_id
        assert "stored with head.obj" in results[companion].reason
    asset = get_asset(new_vault, obj.asset_id)
    assert {f.name for f in asset.files if f.role == "companion"} == {"head.mtl", "skin.png"}
    assert asset.metrics["has_texture"] is True
    assert read_derived(new_vault, obj.asset_id, "companion") in {(folder / "head.mtl").read_bytes(),
                                                                   (folder / "skin.png").read_bytes()}
    assert len(list_assets(new_vault)) == 1


def test_when_a_large_mesh_is_ingested_then_a_smaller_preview_lod_is_stored(new_vault, talent, tmp_path):
    import trimesh

    path = tmp_path / "big.ply"
    mesh = sphere_ply(path)  # 327,680 faces
    (r,) = ingest_paths(new_vault, talent.id, [path])
    assert r.status == "ingested", r.reason
    asset = get_asset(new_vault, r.asset_id)
    assert asset.metrics["faces"] == len(mesh.faces) and asset.metrics["watertight"] is True
    lod = trimesh.load(trimesh.util.wrap_as_stream(read_derived(new_vault, r.asset_id, "lod")), file_type="ply")
    assert 0 < len(lod.faces) < len(mesh.faces) // 2
    assert np.allclose(lod.bounds, mesh.bounds, atol=0.05)


def test_when_a_batch_is_cancelled_then_no_partial_asset_remains(new_vault, talent):
    token = CancelToken()
    files = _real_files(VOICE)

    def progress(p) -> None:
        if p.done >= 2.5:  # in the middle of the third file
            token.cancel()

    with pytest.raises(Cancelled):
        ingest_paths(new_vault, talent.id, files, progress=progress, cancel=token)
    assets = list_assets(new_vault)
    assert len(assets) in (2, 3)
    rep = check_vault(new_vault)
    assert rep.ok and not rep.notes, (rep.problems, rep.notes)
    for a in assets:
        assert new_vault.blobs.verify(a.sha256) == a.size


def _capture_still_being_written(path: Path, at_fraction: float, extra: bytes):
    """A progress callback that appends ``extra`` to ``path`` the first time ingest reports
    ``at_fraction`` or more: a capture tool still writing the file while it is ingested."""
    done = [False]

    def progress(p) -> None:
        if not done[0] and p.fraction is not None and p.fraction >= at_fraction:
            done[0] = True
            with open(path, "ab") as f:
                f.write(extra)
    return progress, done


@pytest.mark.parametrize("at_fraction", [0.02, 0.6], ids=["while-it-is-analysed", "while-it-is-stored"])
def test_when_a_capture_file_grows_while_it_is_ingested_then_it_is_refused_and_nothing_is_stored(
        new_vault, talent, tmp_path, at_fraction):
    path = tmp_path / "take.ply"
    path.write_bytes((TESTDATA / "scans" / "stanford-bunny_zipper_res2.ply").read_bytes())
    before = stored(new_vault)
    progress, appended = _capture_still_being_written(path, at_fraction, b"\n" * 4096)
    (result,) = ingest_paths(new_vault, talent.id, [path], progress=progress)
    assert appended[0], "the file was appended to while it was ingested"
    assert result.status == "rejected"
    assert "changed while it was being read" in result.reason
    assert list_assets(new_vault, talent.id) == []
    assert stored(new_vault) == before


@pytest.mark.skipif(os.name == "nt", reason="file names are bytes only on POSIX")
def test_when_a_take_is_named_in_latin1_by_its_capture_tool_then_it_is_ingested_and_its_name_shown_readably(
        new_vault, talent, tmp_path):
    source = VOICE / "cmu_arctic_us_aew_a0001.wav"
    folder = tmp_path / "session"
    folder.mkdir()
    name = os.fsdecode(b"prise_d\xe9but.wav")  # Latin-1 "début": not UTF-8
    take = folder / name
    take.write_bytes(source.read_bytes())
    (result,) = ingest_paths(new_vault, talent.id, [folder])
    assert result.status == "ingested", result.reason
    asset = get_asset(new_vault, result.asset_id)
    assert asset.sha256 == hashlib.sha256(source.read_bytes()).hexdigest()
    assert asset.original_name == "prise_d\ufffdbut.wav"  # readable, never a lone surrogate
