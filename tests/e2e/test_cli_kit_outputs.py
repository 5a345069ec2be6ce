"""A brand's outputs decided by the talent with their own key, through their review kit, on the
command line (DR053): ``approval request|import`` → ``review-kit export`` → ``kit show`` and ``kit
decide --approve-output/--reject-output`` on the talent's side → ``decisions import`` →
``approval respond|apply``: the approved PNG comes back credentialed, the rejected WAV with the
talent's note only."""

from __future__ import annotations

import json

from tests.e2e.test_cli_approval import BRAND, _outputs, _studio

OWN_PASS = "my laptop, my phrase"


def test_when_the_talent_decides_outputs_from_their_kit_on_the_command_line_then_the_brand_gets_the_approved_one(
        cli, tmp_path):
    tid, gid = _studio(tmp_path)
    brand_pass = tmp_path / "brand-pass.txt"
    brand_pass.write_text("the brand's own passphrase\n")
    brand_dir = tmp_path / "brand-keys"
    cli.run("brand", "keygen", "--out", str(brand_dir), "--name", BRAND, "--passphrase-file", str(brand_pass),
            check=True)
    cli("brand", "add", "--card", str(brand_dir / "brand-card.json"), check=True)
    pkg = tmp_path / "twin.twinpkg"
    cli("export", "--grant", gid, "--to", BRAND, "--out", str(pkg), check=True)
    png, wav, _ = _outputs(tmp_path)
    brand = ("--identity", str(brand_dir), "--passphrase-file", str(brand_pass))
    asked = json.loads(cli.run("approval", "request", "--package", str(pkg), *brand, "--output", str(png),
                               "--output", str(wav), "--use-description", "Spring lookbook", "--purpose",
                               "advertising", "--media", "web", "--territory", "FR", "--json",
                               "--out", str(tmp_path / "ask.twinrequest"), check=True).stdout)
    rid = cli.json("approval", "import", str(tmp_path / "ask.twinrequest"))["id"]
    png_sha, wav_sha = asked["outputs"]

    own = tmp_path / "own.txt"
    own.write_text(OWN_PASS + "\n")
    keys = tmp_path / "my-keys"
    cli.run("talent", "keygen", "--out", str(keys), "--name", "Ines Duarte", "--talent-passphrase-file", str(own),
            check=True)
    cli("talent", "link", tid, "--card", str(keys / "talent-card.json"), check=True)
    kit = tmp_path / "ines.twinreview"
    made = cli.json("review-kit", "export", "--talent", tid, "--out", str(kit))
    assert made["outputs"] == 2

    side = ("--identity", str(keys), "--talent-passphrase-file", str(own))
    text = cli.run("kit", "show", str(kit), *side, check=True).stdout
    assert f"request {rid} from {BRAND}" in text and "Spring lookbook" in text
    assert f"{png_sha}  image/png" in text and f"{wav_sha}  audio/wav" in text
    out = tmp_path / "mine.twindecisions"
    decided = cli.run("kit", "decide", str(kit), *side, "--approve-output", png_sha, "--reject-output", wav_sha,
                      "--reason", "not my voice", "--out", str(out), "--json", check=True)
    assert json.loads(decided.stdout)["decisions"] == ["approve_output", "reject_output"]

    imported = cli.json("decisions", "import", str(out))
    assert [(a["kind"], a["subject"]) for a in imported["applied"]] == [
        ("approve_output", f"{rid}:{png_sha}"), ("reject_output", f"{rid}:{wav_sha}")]
    answer = tmp_path / "answer.twinapproval"
    responded = cli.json("approval", "respond", rid, "--out", str(answer))
    assert (responded["approved"], responded["rejected"]) == ([png_sha], [wav_sha])
    root = tmp_path / "studio-root.pem"
    cli("credentials", "root", "--out", str(root), check=True)
    applied = cli.run("approval", "apply", str(answer), *brand, "--output", str(png),
                      "--out", str(tmp_path / "look-4.c2pa.png"))
    assert applied.returncode == 0, applied.stderr
    verify = json.loads(cli.run("credentials", "verify", str(tmp_path / "look-4.c2pa.png"), "--studio-root",
                                str(root), "--json").stdout)
    assert (verify["trusted"], verify["facts"]["approval"]) == (True, rid)
    rejected = cli.run("approval", "apply", str(answer), *brand, "--output", str(wav),
                       "--out", str(tmp_path / "line-3.c2pa.wav"))
    assert rejected.returncode == 1 and "not my voice" in rejected.stdout
    assert not (tmp_path / "line-3.c2pa.wav").exists()
    assert cli("check").returncode == 0
