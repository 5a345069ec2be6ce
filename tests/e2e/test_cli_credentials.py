"""``twin-studio credentials root|add|verify`` as the studio and a publisher run them (issue 14,
DR044): the studio exports its root and credentials an output; anyone verifies it with the root,
without a vault; a changed file, a file without credentials and an unsupported file are told
apart by exit code and message."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from PIL import Image

from tests.conftest import CLI


@pytest.fixture
def studio(cli: CLI, _vault_template) -> str:
    """The test's vault (a copy of the session's), with one talent added through the CLI."""
    shutil.copytree(_vault_template[0], cli.vault)
    return cli("talent", "add", "--name", "Ines Duarte", check=True).stdout.split()[-1]


def test_when_the_studio_credentials_an_output_then_a_publisher_verifies_it_with_the_root_alone(
        cli, studio, tmp_path):
    output = tmp_path / "look-4.png"
    Image.fromarray(np.random.default_rng(4).integers(0, 256, (48, 64, 3), dtype=np.uint8)).save(output)
    root, out = tmp_path / "studio-root.pem", tmp_path / "look-4.c2pa.png"

    exported = cli("credentials", "root", "--out", str(root), "--json", check=True)
    added = cli("credentials", "add", str(output), "--out", str(out), "--talent", studio,
                "--note", "spring lookbook", "--json", check=True)

    assert json.loads(exported.stdout)["fingerprint"] == json.loads(added.stdout)["root_fingerprint"]
    # the publisher: no vault, no passphrase
    verify = cli.run("credentials", "verify", str(out), "--trust-root", str(root))
    assert verify.returncode == 0, verify.stderr
    assert "valid content credentials, trusted" in verify.stdout
    assert f"talent: {studio}" in verify.stdout and "trainedAlgorithmicMedia" in verify.stdout
    as_json = json.loads(cli.run("credentials", "verify", str(out), "--studio-root", str(root), "--json").stdout)
    assert (as_json["valid"], as_json["trusted"], as_json["facts"]["note"]) == (True, True, "spring lookbook")
    untrusted = cli.run("credentials", "verify", str(out))
    assert untrusted.returncode == 0 and "untrusted" in untrusted.stdout

    changed = bytearray(out.read_bytes())
    changed[-40] ^= 0x01  # a byte of the image's data (the manifest sits before it)
    tampered = tmp_path / "tampered.png"
    tampered.write_bytes(bytes(changed))
    refused = cli.run("credentials", "verify", str(tampered), "--trust-root", str(root))
    assert refused.returncode == 1 and "INVALID" in refused.stdout

    plain = cli.run("credentials", "verify", str(output), "--trust-root", str(root))
    assert plain.returncode == 1 and "no content credentials" in plain.stdout


def test_when_the_file_is_unsupported_or_the_out_file_exists_then_add_refuses_and_writes_nothing(
        cli, studio, tmp_path, testdata):
    out = tmp_path / "out.ply"
    unsupported = cli("credentials", "add", str(testdata / "scans" / "stanford-bunny_zipper_res2.ply"),
                      "--out", str(out), "--talent", studio)
    assert unsupported.returncode == 2
    assert "not a PNG, JPEG, WAV, FLAC or MP3 file" in unsupported.stderr and "Traceback" not in unsupported.stderr
    assert not out.exists()

    voice = testdata / "voice" / "vctk_p225_001.wav"
    existing = tmp_path / "take.wav"
    existing.write_bytes(b"keep me")
    refused = cli("credentials", "add", str(voice), "--out", str(existing), "--talent", studio)
    assert refused.returncode == 2 and "already exists (use --force" in refused.stderr
    assert existing.read_bytes() == b"keep me"

    cli("credentials", "add", str(voice), "--out", str(existing), "--talent", studio, "--force", check=True)
    assert cli.run("credentials", "verify", str(existing)).returncode == 0
