"""The talent's key and review from the command line, as a studio and a talent use it."""

from __future__ import annotations

import json

from cryptography.hazmat.primitives import serialization

from tests.conftest import TESTDATA


def test_when_a_talent_reviews_from_the_command_line_then_the_status_follows_and_is_signed(cli, tmp_path):
    talent_pass = tmp_path / "talent.txt"
    talent_pass.write_text("the talent's own phrase\n")
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("not the phrase at all\n")
    cli("init", check=True)
    tid = cli("talent", "add", "--name", "Ines Duarte", "--talent-passphrase-file", str(talent_pass),
              check=True).stdout.strip().splitlines()[-1]
    pem = cli("talent", "export-key", tid, check=True).stdout
    assert isinstance(serialization.load_pem_public_key(pem.encode()), object) and "PUBLIC KEY" in pem
    (result,) = cli.json("ingest", "--talent", tid, str(TESTDATA / "voice" / "vctk_p225_001.wav"))
    aid = result["asset_id"]

    refused = cli("review", "approve", aid, "--talent-passphrase-file", str(wrong))
    assert refused.returncode == 2 and "wrong passphrase for talent" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert cli.json("assets", "show", aid)["status"] == "pending_review"

    done = cli("review", "approve", aid, "--talent-passphrase-file", str(talent_pass), "--note", "good take",
               check=True)
    assert f"{aid} approved by {tid}" in done.stdout
    assert cli.json("assets", "show", aid)["status"] == "approved"
    events = cli.json("audit", "list")
    assert any(e["action"] == "asset.approved" and e["actor"] == tid for e in events)
    assert cli("check").returncode == 0

    # a studio without the talent's passphrase cannot review (no prompt without a terminal)
    blocked = cli("review", "reject", aid)
    assert blocked.returncode == 2 and "talent-passphrase-file" in blocked.stderr
    assert json.loads(cli("assets", "show", aid, "--json").stdout)["status"] == "approved"
