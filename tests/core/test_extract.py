"""Getting an original back out of the vault (``extract``) never leaves a readable plaintext:
the file is written through an owner-only temp file, and the temp file of an extract that was
killed mid-way is removed by the next extract into the folder."""

from __future__ import annotations

import hashlib
import os
import stat

import pytest

from studio.core.assets import extract_asset
from studio.core.errors import IntegrityError
from studio.core.intake import ingest_paths
from studio.core.vault.plaintext import PREFIX, SUFFIX, remove_abandoned, write_plaintext
from tests.conftest import TESTDATA
from tests.vaults import BOTH_VAULTS, blob_data, put_blob_data

pytestmark = BOTH_VAULTS

VOICE = TESTDATA / "voice" / "vctk_p225_001.wav"
posix_only = pytest.mark.skipif(os.name != "posix", reason="file modes and flock are POSIX")


@pytest.fixture
def voice_asset(new_vault, talent):
    [result] = ingest_paths(new_vault, talent.id, [VOICE])
    assert result.status == "ingested", result.reason
    return result.asset_id


@pytest.fixture
def open_umask():
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_when_an_extract_was_killed_mid_way_then_the_next_one_removes_its_plaintext(new_vault, voice_asset, tmp_path):
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    # what a process killed while decrypting leaves behind: a temp file with part of the scan
    leftover = out_dir / f"{PREFIX}0123456789abcdef01234567{SUFFIX}"
    leftover.write_bytes(VOICE.read_bytes()[:5000])
    keep = out_dir / "notes.txt"  # the operator's own files are not touched
    keep.write_text("mine")

    out = extract_asset(new_vault, voice_asset, out_dir / "take.wav")

    assert out.read_bytes() == VOICE.read_bytes()
    assert sorted(p.name for p in out_dir.iterdir()) == ["notes.txt", "take.wav"]


@posix_only
def test_when_an_extract_is_written_then_its_temp_and_the_result_are_owner_only(tmp_path, open_umask):
    seen = {}

    def write(fh):
        [temp] = [p for p in tmp_path.iterdir() if p.name.startswith(PREFIX)]
        seen["mode"] = stat.S_IMODE(temp.stat().st_mode)
        seen["name"] = temp.name
        fh.write(b"plaintext of a likeness")

    out = write_plaintext(tmp_path / "ada-lovelace-body.ply", write)
    assert seen["mode"] == 0o600
    assert "ada" not in seen["name"] and seen["name"].endswith(SUFFIX)  # the temp does not name the person
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["ada-lovelace-body.ply"]


@posix_only
def test_when_another_extract_is_still_writing_then_its_temp_is_left_alone(tmp_path):
    def write(fh):
        fh.write(b"first half ")
        # a second extract into the same folder starts now and cleans up
        assert remove_abandoned(tmp_path) == []
        fh.write(b"second half")

    out = write_plaintext(tmp_path / "scan.ply", write)
    assert out.read_bytes() == b"first half second half"


def test_when_the_blob_is_damaged_then_extract_refuses_and_leaves_nothing(new_vault, voice_asset, tmp_path):
    from studio.core.assets import get_asset

    sha = get_asset(new_vault, voice_asset).sha256
    raw = bytearray(blob_data(new_vault, sha))
    raw[len(raw) // 2] ^= 0xFF
    put_blob_data(new_vault, sha, bytes(raw))
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    with pytest.raises(IntegrityError):
        extract_asset(new_vault, voice_asset, out_dir / "take.wav")
    assert list(out_dir.iterdir()) == []


def test_when_extracted_over_an_existing_file_with_force_then_it_is_the_original(new_vault, voice_asset, tmp_path):
    out = tmp_path / "take.wav"
    out.write_bytes(b"an older file")
    extract_asset(new_vault, voice_asset, out, overwrite=True)
    assert hashlib.sha256(out.read_bytes()).hexdigest() == hashlib.sha256(VOICE.read_bytes()).hexdigest()
