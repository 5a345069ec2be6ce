"""``twin-studio migrate`` as a process: a folder vault to a shared vault (real PostgreSQL and
SeaweedFS), then ``check`` on the shared vault; what it refuses, in one line (DR028)."""

from __future__ import annotations

import json

from tests.conftest import TESTDATA

VOICE = TESTDATA / "voice" / "vctk_p225_001.wav"


def test_when_a_folder_vault_is_migrated_by_the_cli_then_check_passes_on_the_shared_vault(
        cli, new_vault, shared_location, passphrase_file):
    from studio.core.intake import ingest_paths
    from studio.core.talents import add_talent

    talent = add_talent(new_vault, "Ines Duarte", "ines@example.com")
    (result,) = ingest_paths(new_vault, talent.id, [VOICE])
    assert result.status == "ingested"
    new_vault.close()
    to = ("--to-catalog", shared_location.catalog, "--to-store", shared_location.store,
          "--to-store-endpoint", shared_location.endpoint)

    half = cli("migrate", "--to-catalog", shared_location.catalog)
    assert half.returncode == 2 and half.stderr.strip() == \
        "twin-studio: error: a target shared vault needs both --to-catalog and --to-store"

    proc = cli("migrate", *to, "--json")

    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["ok"] and out["source_check"]["ok"] and out["target_check"]["ok"]
    assert out["blobs_copied"] >= 1 and out["blobs_skipped"] == 0 and out["bytes_copied"] > 0
    assert out["rows"]["talents"] == 1 and out["rows"]["assets"] == 1 and out["catalog"] == "copied"
    assert out["target_check"]["blobs_checked"] == out["blobs_copied"]

    check = cli.run("check", "--catalog", shared_location.catalog, "--store", shared_location.store,
                    "--passphrase-file", str(passphrase_file))
    assert check.returncode == 0, check.stdout + check.stderr
    assert "vault consistent" in check.stdout

    again = cli("migrate", *to)
    assert again.returncode == 2 and len(again.stderr.strip().splitlines()) == 1
    assert "already migrated" in again.stderr
