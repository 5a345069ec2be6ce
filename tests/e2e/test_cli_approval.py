"""``twin-studio approval request|import|list|decide|respond|apply`` as the brand, the studio and
the talent run them (issue 14, DR047): outputs made here (a PNG and a WAV) go to the studio
encrypted, the talent approves one of each and rejects another with a note, the brand gets the
credentialed copies, which a publisher verifies with the studio root; a rejected output gets
nothing and the reason; a talent with their own key cannot be decided for."""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo

import numpy as np
import pyrage
import soundfile as sf
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from PIL import Image

from tests.conftest import PASSPHRASE, TESTDATA

BRAND = "Maison Lumière"
TALENT_PASS = "the talent's own phrase"


def _studio(tmp_path):
    """A vault with a talent (key held by the studio), an approved voice take and an active grant
    to the brand, made in-process (the commands under test are the approval ones)."""
    from studio.core.consent.review import review_asset
    from studio.core.consent.talent_keys import set_talent_passphrase, unlock_talent_key
    from studio.core.intake import ingest_paths
    from studio.core.talents import add_talent
    from studio.core.vault import Vault
    from tests.core.helpers import active_grant

    with Vault.create(tmp_path / "vault", PASSPHRASE) as v:
        t = add_talent(v, "Ines Duarte")
        set_talent_passphrase(v, t.id, TALENT_PASS)
        key = unlock_talent_key(v, t.id, TALENT_PASS)
        (r,) = ingest_paths(v, t.id, [TESTDATA / "voice" / "vctk_p225_001.wav"])
        review_asset(v, r.asset_id, "approve", key)
        grant = active_grant(v, t, key, [r.asset_id])
        return t.id, grant.id


def _outputs(tmp_path):
    png, other, wav = tmp_path / "look-4.png", tmp_path / "look-5.png", tmp_path / "line-3.wav"
    Image.fromarray(np.random.default_rng(4).integers(0, 256, (48, 64, 3), dtype=np.uint8)).save(png)
    Image.fromarray(np.random.default_rng(5).integers(0, 256, (48, 64, 3), dtype=np.uint8)).save(other)
    t = np.arange(24000) / 48000
    sf.write(wav, (np.sin(2 * np.pi * 220 * t) * 9000).astype(np.int16), 48000, subtype="PCM_16")
    return png, wav, other


def test_when_a_brand_asks_approval_on_the_command_line_then_approved_outputs_come_back_credentialed(cli, tmp_path):
    tid, gid = _studio(tmp_path)
    (tmp_path / "talent.txt").write_text(TALENT_PASS + "\n")
    brand_pass = tmp_path / "brand-pass.txt"
    brand_pass.write_text("the brand's own passphrase\n")
    brand_dir = tmp_path / "brand-keys"
    cli.run("brand", "keygen", "--out", str(brand_dir), "--name", BRAND, "--passphrase-file", str(brand_pass),
            check=True)
    cli("brand", "add", "--card", str(brand_dir / "brand-card.json"), check=True)
    pkg = tmp_path / "twin.twinpkg"
    cli("export", "--grant", gid, "--to", BRAND, "--out", str(pkg), check=True)
    png, wav, other = _outputs(tmp_path)
    brand = ("--identity", str(brand_dir), "--passphrase-file", str(brand_pass))

    asked = json.loads(cli.run("approval", "request", "--package", str(pkg), *brand, "--output", str(png),
                               "--output", str(wav), "--output", str(other), "--use-description", "Spring lookbook",
                               "--purpose", "advertising", "--media", "web", "--territory", "FR", "--json",
                               "--out", str(tmp_path / "ask.twinrequest"), check=True).stdout)
    rid = cli.json("approval", "import", str(tmp_path / "ask.twinrequest"))["id"]
    assert rid == asked["id"]
    again = cli("approval", "import", str(tmp_path / "ask.twinrequest"))
    assert again.returncode == 2 and "already imported" in again.stderr
    (listed,) = cli.json("approval", "list")
    assert [o["decision"] for o in listed["outputs"]] == [None, None, None]
    png_sha, wav_sha, other_sha = asked["outputs"]

    talent = ("--talent-passphrase-file", str(tmp_path / "talent.txt"))
    cli("approval", "decide", rid, *talent, "--approve", png_sha, "--approve", wav_sha, check=True)
    cli("approval", "decide", rid, *talent, "--reject", other_sha, "--note", "not this smile", check=True)
    answer = tmp_path / "answer.twinapproval"
    responded = cli.json("approval", "respond", rid, "--out", str(answer))
    assert (responded["approved"], responded["rejected"]) == ([png_sha, wav_sha], [other_sha])

    root = tmp_path / "studio-root.pem"
    cli("credentials", "root", "--out", str(root), check=True)
    for source, out in ((png, tmp_path / "look-4.c2pa.png"), (wav, tmp_path / "line-3.c2pa.wav")):
        applied = cli.run("approval", "apply", str(answer), *brand, "--output", str(source), "--out", str(out))
        assert applied.returncode == 0, applied.stderr
        assert "approved by the talent" in applied.stdout
        verify = cli.run("credentials", "verify", str(out), "--studio-root", str(root), "--json")
        check = json.loads(verify.stdout)
        assert verify.returncode == 0 and (check["trusted"], check["facts"]["approval"]) == (True, rid)
        assert check["facts"]["grant"] == gid and check["facts"]["talent"] == tid
    rejected = cli.run("approval", "apply", str(answer), *brand, "--output", str(other),
                       "--out", str(tmp_path / "look-5.c2pa.png"))
    assert rejected.returncode == 1 and "REJECTED by the talent — not this smile" in rejected.stdout
    assert not (tmp_path / "look-5.c2pa.png").exists()
    shown = cli.json("ledger", "statement", "--talent", tid)["approved_outputs"]  # the talent's statement
    assert [(o["sha256"], o["request_id"]) for o in shown] == [(png_sha, rid), (wav_sha, rid)]

    # a usage report naming the outputs it used (DR057): the rejected one makes the use a violation
    # (the approved one alone would not: tests/core/test_output_violations.py); the report carries
    # their hashes, not the files
    today = dt.datetime.now(zoneinfo.ZoneInfo("Europe/Paris")).date().isoformat()  # the grant's (FR) day
    cli.run("report", "create", str(pkg), *brand, "--use-description", "Spring lookbook", "--purpose", "advertising",
            "--media", "web", "--territory", "FR", "--date", today, "--output", str(png), "--output", str(other),
            "--out", str(tmp_path / "report.json"), check=True)
    assert json.loads((tmp_path / "report.json").read_text())["outputs"] == [
        {"sha256": png_sha, "media_type": "image/png"}, {"sha256": other_sha, "media_type": "image/png"}]
    bad = cli("ledger", "import", str(tmp_path / "report.json"))
    assert bad.returncode == 1 and "VIOLATION recorded" in bad.stdout
    assert f"output {other_sha[:12]}… was rejected by the talent on {today} (request {rid})" in bad.stdout
    assert png_sha[:12] not in bad.stdout  # approved for this package: no reason
    text = cli("ledger", "statement", "--talent", tid, check=True).stdout
    assert f"output {other_sha}  image/png  rejected" in text and "violations: 1" in text

    # the talent now holds their own key: the studio cannot decide for them
    cli.run("approval", "request", "--package", str(pkg), *brand, "--output", str(other),
            "--use-description", "Spring lookbook, again", "--purpose", "advertising", "--media", "web",
            "--territory", "FR", "--out", str(tmp_path / "again.twinrequest"), check=True)
    rid2 = cli.json("approval", "import", str(tmp_path / "again.twinrequest"))["id"]
    _link_own_key(cli.vault, tid)
    own = cli("approval", "decide", rid2, *talent, "--approve", other_sha)
    assert own.returncode == 1 and "decisions file" in own.stderr and "Traceback" not in own.stderr


def _link_own_key(root, tid):
    from studio.core.consent.talent_keys import link_own_key
    from studio.core.vault import Vault
    from studio.core.vault.keys import public_key_b64, public_key_fingerprint

    own = Ed25519PrivateKey.generate()
    with Vault.open(root, PASSPHRASE) as v:
        link_own_key(v, tid, public_key_b64(own.public_key()), str(pyrage.x25519.Identity.generate().to_public()),
                     public_key_fingerprint(own.public_key()))
