"""Consent from the command line: the studio drafts, the talent signs, the studio activates,
`consent check` answers with reasons and exit codes, the talent revokes."""

from __future__ import annotations

import json

from tests.conftest import TESTDATA


def test_when_a_grant_goes_through_the_command_line_then_check_answers_with_reasons(cli, tmp_path):
    talent_pass = tmp_path / "talent.txt"
    talent_pass.write_text("the talent's own phrase\n")
    cli("init", check=True)
    tid = cli("talent", "add", "--name", "Ines Duarte", "--talent-passphrase-file", str(talent_pass),
              check=True).stdout.split()[-1]
    (r,) = cli.json("ingest", "--talent", tid, str(TESTDATA / "voice" / "vctk_p225_001.wav"))
    cli("review", "approve", r["asset_id"], "--talent-passphrase-file", str(talent_pass), check=True)

    bad = cli("consent", "draft", "--talent", tid, "--licensee", "Maison Lumière", "--assets", r["asset_id"],
              "--use-description", "Voice for the spring campaign", "--purpose", "advertising,astrology",
              "--media", "web", "--territory", "FR", "--start", "2027-01-01", "--end", "2027-03-31",
              "--max-uses", "3", "--fee", "900", "--currency", "EUR")
    assert bad.returncode == 2 and "unknown purpose 'astrology'" in bad.stderr

    spec = tmp_path / "grant.json"
    spec.write_text(json.dumps({"licensee": "Maison Lumière", "assets": [r["asset_id"]],
                                "use_description": "Voice for the spring campaign", "purposes": ["advertising"],
                                "media": ["web", "audio"], "territories": ["FR", "BE"], "start": "2027-01-01",
                                "end": "2027-03-31", "max_uses": 3, "fee": "900", "currency": "EUR",
                                "exclude": ["political"]}))
    gid = cli("consent", "draft", "--talent", tid, "--from-file", str(spec), check=True).stdout.split()[-1]
    assert gid.startswith("grt_")
    refused = cli("consent", "check", gid, "--purpose", "advertising", "--media", "web", "--territory", "FR",
                  "--date", "2027-02-01")
    assert refused.returncode == 1 and "not active: still a draft" in refused.stdout

    edited = cli("consent", "edit", gid, "--max-uses", "5", "--json", check=True)
    assert json.loads(edited.stdout)["document"]["max_uses"] == 5
    cli("consent", "sign", gid, "--talent-passphrase-file", str(talent_pass), check=True)
    frozen = cli("consent", "edit", gid, "--max-uses", "50")
    assert frozen.returncode == 2 and "cannot change" in frozen.stderr
    cli("consent", "activate", gid, check=True)
    ok = cli("consent", "check", gid, "--purpose", "advertising", "--media", "web", "--territory", "FR",
             "--date", "2027-02-01")
    assert ok.returncode == 0 and ok.stdout.startswith("permitted")
    no = cli("consent", "check", gid, "--purpose", "editorial", "--media", "print", "--territory", "DE",
             "--date", "2027-04-01", "--json")
    assert no.returncode == 1
    reasons = json.loads(no.stdout)["reasons"]
    assert len(reasons) == 4 and any("territory DE not granted" in x for x in reasons)

    shown = cli("consent", "show", gid, check=True).stdout
    assert "Maison Lumière may use your voice" in shown and "Never for: political" in shown
    listed = cli.json("consent", "list", "--talent", tid)
    assert [g["id"] for g in listed] == [gid] and listed[0]["stored_state"] == "active"

    revoked = cli("consent", "revoke", gid, "--talent-passphrase-file", str(talent_pass), "--reason", "new agency",
                  check=True)
    assert "no use from" in revoked.stdout
    assert cli("check").returncode == 0
    assert any(e["action"] == "grant.revoked" and e["actor"] == tid for e in cli.json("audit", "list"))


def test_when_a_draft_names_its_fee_basis_then_show_states_it_and_a_wrong_basis_is_refused(cli, tmp_path):
    talent_pass = tmp_path / "talent.txt"
    talent_pass.write_text("the talent's own phrase\n")
    cli("init", check=True)
    tid = cli("talent", "add", "--name", "Ines Duarte", "--talent-passphrase-file", str(talent_pass),
              check=True).stdout.split()[-1]
    (r,) = cli.json("ingest", "--talent", tid, str(TESTDATA / "voice" / "vctk_p225_001.wav"))
    common = ["--talent", tid, "--licensee", "Maison Lumière", "--assets", r["asset_id"], "--use-description",
              "Voice for the spring campaign", "--purpose", "advertising", "--media", "web", "--territory", "FR",
              "--start", "2027-01-01", "--end", "2027-03-31", "--max-uses", "10", "--fee", "4800", "--currency", "EUR"]

    wrong = cli("consent", "draft", *common, "--fee-basis", "monthly")
    assert wrong.returncode == 2 and "fee basis 'monthly' is not one of per-use, flat, per-use-capped" in wrong.stderr
    no_cap = cli("consent", "draft", *common, "--fee-basis", "per-use-capped")
    assert no_cap.returncode == 2 and "needs the cap" in no_cap.stderr
    assert cli.json("consent", "list", "--talent", tid) == []  # refused: nothing drafted

    gid = cli("consent", "draft", *common, "--fee-basis", "per-use-capped", "--fee-cap", "20000",
              check=True).stdout.split()[-1]
    shown = cli("consent", "show", gid, check=True).stdout
    assert "4800.00 EUR per use, at most 20000.00 EUR in total" in shown.splitlines()[0]
    assert "\nPay: 4800.00 EUR per use, at most 20000.00 EUR in total.\n" in shown
    flat = cli.json("consent", "edit", gid, "--fee-basis", "flat")
    assert flat["document"]["fee"] == {"amount": "4800.00", "currency": "EUR", "basis": "flat"}
    assert "\nPay: 4800.00 EUR flat fee for up to 10 uses.\n" in cli("consent", "show", gid, check=True).stdout
