"""Review kits from the command line (issue 13, DR049): ``review-kit export`` at the studio, ``kit
show`` and ``kit decide`` on the talent's device (no vault), ``decisions import`` back at the
studio; a replayed file is refused and changes nothing."""

from __future__ import annotations

import json

from tests.conftest import TESTDATA

VOICE = str(TESTDATA / "voice" / "vctk_p225_001.wav")


def test_when_a_talent_decides_from_a_kit_then_the_studio_imports_it_once(cli, tmp_path):
    own = tmp_path / "own.txt"
    own.write_text("my laptop, my phrase\n")
    keys = tmp_path / "my-keys"
    cli.run("talent", "keygen", "--out", str(keys), "--name", "Ines Duarte", "--talent-passphrase-file", str(own),
            check=True)
    cli("init", check=True)
    tid = json.loads(cli("talent", "add", "--card", str(keys / "talent-card.json"), "--json", check=True).stdout)["id"]
    (r,) = cli.json("ingest", "--talent", tid, VOICE)
    gid = cli("consent", "draft", "--talent", tid, "--licensee", "Maison Lumière", "--assets", r["asset_id"],
              "--use-description", "Voice for the spring campaign", "--purpose", "advertising", "--media", "web",
              "--territory", "FR", "--start", "2027-01-01", "--end", "2027-03-31", "--max-uses", "3",
              "--fee", "900", "--currency", "EUR", check=True).stdout.split()[-1]
    kit = tmp_path / "ines.twinreview"
    made = cli.json("review-kit", "export", "--talent", tid, "--out", str(kit))
    assert made["talent"] == tid and made["grants_awaiting"] == 1 and made["previews"] == 1

    # on the talent's device
    side = ("--identity", str(keys), "--talent-passphrase-file", str(own))
    shown = cli.run("kit", "show", str(kit), *side, "--json", check=True)
    data = json.loads(shown.stdout)
    assert data["verified"] and data["kit"]["kit"] == made["kit"]
    assert "first kit you opened" in shown.stderr
    text = cli.run("kit", "show", str(kit), *side, check=True).stdout
    assert "awaiting your decision" in text and r["asset_id"] in text
    out = tmp_path / "mine.twindecisions"
    decided = cli.run("kit", "decide", str(kit), *side, "--approve", r["asset_id"], "--sign", gid,
                      "--request-access", "--out", str(out), "--json", check=True)
    assert json.loads(decided.stdout)["decisions"] == ["approve", "sign", "request_access"]

    # back at the studio
    receipt = tmp_path / "receipt.json"
    imported = cli.json("decisions", "import", str(out), "--receipt", str(receipt))
    assert [a["kind"] for a in imported["applied"]] == ["approve", "sign", "request_access"]
    cli("studio-key", "export", "--out", str(tmp_path / "studio.pem"), check=True)
    # on the talent's laptop: the receipt is the studio's, and its head joins the kits' heads
    verified = cli.run("receipt", "verify", str(receipt), "--studio-key", str(tmp_path / "studio.pem"),
                       "--identity", str(keys), "--json", check=True)
    checked = json.loads(verified.stdout)
    assert checked["receipt"]["decisions_id"] == imported["id"] and checked["warnings"] == []
    assert checked["receipt"]["chain"]["from"] == made["chain_head"]  # the links since the kit (DR056)
    text = cli.run("receipt", "verify", str(receipt), "--studio-key", str(tmp_path / "studio.pem"), check=True)
    assert "links since your last kit: from event" in text.stdout and "WARNING" not in text.stderr
    receipt.write_text(receipt.read_text().replace('"approve"', '"reject"'))
    forged = cli.run("receipt", "verify", str(receipt), "--studio-key", str(tmp_path / "studio.pem"))
    assert forged.returncode != 0 and "not signed by the studio key" in forged.stderr
    assert cli.json("assets", "show", r["asset_id"])["status"] == "approved"
    assert cli.json("consent", "show", gid)["state"] == "signed"
    assert cli("check").returncode == 0
    events = cli.json("assets", "show", r["asset_id"])
    again = cli("decisions", "import", str(out))
    assert again.returncode == 2 and "already imported" in again.stderr and "Traceback" not in again.stderr
    assert cli.json("assets", "show", r["asset_id"]) == events


def test_when_the_talent_asks_for_help_then_kit_show_and_decide_list_no_vault_option(capsys):
    import pytest

    import studio.cli

    for command in (("kit", "show"), ("kit", "decide"), ("receipt", "verify")):
        with pytest.raises(SystemExit) as ended:
            studio.cli.build_parser().parse_args([*command, "--help"])
        assert ended.value.code == 0
        text = capsys.readouterr().out
        assert not [o for o in ("--vault", "--catalog", "--store", "STUDIO_PASSPHRASE") if o in text], command
        assert "--identity" in text and ("--talent-passphrase-file" in text or command[0] == "receipt")
