"""The talent's own key from the command line (issue 13, DR045): ``talent keygen`` on the talent's
device, ``talent add --card`` / ``talent link`` at the studio, ``talent export-kit``, and every
command that would sign for such a talent refusing."""

from __future__ import annotations

import json
import os
import stat

from tests.conftest import TESTDATA

VOICE = str(TESTDATA / "voice" / "vctk_p225_001.wav")


def _phrase(tmp_path, name: str, text: str):
    p = tmp_path / name
    p.write_text(text + "\n")
    return str(p)


def _draft(cli, tid: str, aid: str) -> str:
    return cli("consent", "draft", "--talent", tid, "--licensee", "Maison Lumière", "--assets", aid,
               "--use-description", "Voice for the spring campaign", "--purpose", "advertising", "--media", "web",
               "--territory", "FR", "--start", "2027-01-01", "--end", "2027-03-31", "--max-uses", "3",
               "--fee", "900", "--currency", "EUR", check=True).stdout.split()[-1]


def _refused_on_own_device(proc) -> None:
    assert proc.returncode == 2, proc.stderr
    assert "signs on their own device" in proc.stderr and "Traceback" not in proc.stderr


def test_when_a_talent_makes_keys_and_the_studio_adds_their_card_then_the_studio_cannot_sign(cli, tmp_path):
    own = _phrase(tmp_path, "own.txt", "my laptop, my phrase")
    keys = tmp_path / "my-keys"
    # on the talent's device: no vault anywhere
    made = cli.run("talent", "keygen", "--out", str(keys), "--name", "Ines Duarte", "--talent-passphrase-file", own,
                   check=True)
    fingerprint = made.stdout.strip()
    assert fingerprint.startswith("SHA256:") and "private" not in made.stdout.lower()
    assert stat.S_IMODE(os.stat(keys).st_mode) == 0o700
    card = keys / "talent-card.json"
    assert json.loads(card.read_text())["fingerprint"] == fingerprint
    again = cli.run("talent", "keygen", "--out", str(keys), "--name", "Ines Duarte", "--talent-passphrase-file", own)
    assert again.returncode == 2 and "refusing to overwrite" in again.stderr

    # at the studio
    cli("init", check=True)
    added = cli("talent", "add", "--card", str(card), "--json", check=True)
    tid = json.loads(added.stdout)["id"]
    assert json.loads(added.stdout)["fingerprint"] == fingerprint and fingerprint in added.stderr
    (r,) = cli.json("ingest", "--talent", tid, VOICE)
    gid = _draft(cli, tid, r["asset_id"])
    _refused_on_own_device(cli("review", "approve", r["asset_id"], "--talent-passphrase-file", own))
    _refused_on_own_device(cli("consent", "sign", gid, "--talent-passphrase-file", own))
    _refused_on_own_device(cli("talent", "set-passphrase", tid, "--talent-passphrase-file", own))
    assert cli.json("assets", "show", r["asset_id"])["status"] == "pending_review"
    assert "PUBLIC KEY" in cli("talent", "export-key", tid, check=True).stdout
    assert cli("check").returncode == 0


def test_when_a_tampered_card_is_given_then_nothing_is_added(cli, tmp_path):
    own = _phrase(tmp_path, "own.txt", "my laptop, my phrase")
    cli.run("talent", "keygen", "--out", str(tmp_path / "k"), "--name", "Ines Duarte", "--talent-passphrase-file",
            own, check=True)
    card = tmp_path / "k" / "talent-card.json"
    data = json.loads(card.read_text())
    data["fingerprint"] = "SHA256:" + "ab" * 32
    card.write_text(json.dumps(data))
    cli("init", check=True)
    refused = cli("talent", "add", "--card", str(card))
    assert refused.returncode == 2 and "fingerprint is not its key's" in refused.stderr
    neither = cli("talent", "add")
    assert neither.returncode == 2 and "give --name, or --card FILE" in neither.stderr
    both = cli("talent", "add", "--card", str(card), "--talent-passphrase-file", own)
    assert both.returncode == 2 and "not both" in both.stderr
    assert cli.json("talent", "list") == []


def test_when_a_talent_links_their_card_then_old_signatures_stay_valid_and_the_switch_is_audited(cli, tmp_path):
    studio_held = _phrase(tmp_path, "held.txt", "the phrase typed at the studio")
    own = _phrase(tmp_path, "own.txt", "my laptop, my phrase")
    cli("init", check=True)
    tid = cli("talent", "add", "--name", "Ines Duarte", "--talent-passphrase-file", studio_held,
              check=True).stdout.split()[-1]
    (r,) = cli.json("ingest", "--talent", tid, VOICE)
    cli("review", "approve", r["asset_id"], "--talent-passphrase-file", studio_held, check=True)
    cli.run("talent", "keygen", "--out", str(tmp_path / "k"), "--name", "Ines Duarte", "--talent-passphrase-file",
            own, check=True)
    linked = cli("talent", "link", tid, "--card", str(tmp_path / "k" / "talent-card.json"), "--json", check=True)
    out = json.loads(linked.stdout)
    assert out["studio_key_destroyed"] and len(out["retired"]) == 1 and "destroyed" in linked.stderr
    assert any(e["action"] == "talent.key_linked" and e["subject"] == tid for e in cli.json("audit", "list"))
    assert cli.json("assets", "show", r["asset_id"])["status"] == "approved"
    assert cli("check").returncode == 0  # the review signed with the studio-held key still verifies
    _refused_on_own_device(cli("review", "reject", r["asset_id"], "--talent-passphrase-file", studio_held))


def test_when_the_studio_exports_a_kit_then_the_talent_holds_the_same_key_and_the_studio_none(cli, tmp_path):
    held = _phrase(tmp_path, "held.txt", "the phrase typed at the studio")
    cli("init", check=True)
    tid = cli("talent", "add", "--name", "Ines Duarte", "--talent-passphrase-file", held,
              check=True).stdout.split()[-1]
    pem = cli("talent", "export-key", tid, check=True).stdout
    kit = tmp_path / "for-ines"
    wrong = cli("talent", "export-kit", tid, "--out", str(kit),
                "--talent-passphrase-file", _phrase(tmp_path, "w.txt", "not the phrase at all"))
    assert wrong.returncode == 2 and "wrong passphrase" in wrong.stderr and not kit.exists()
    done = cli("talent", "export-kit", tid, "--out", str(kit), "--talent-passphrase-file", held, check=True)
    assert done.stdout.strip() == json.loads((kit / "talent-card.json").read_text())["fingerprint"]
    assert sorted(p.name for p in kit.iterdir()) == ["identity.txt.age", "signing-key.pem.age", "talent-card.json"]
    assert cli("talent", "export-key", tid, check=True).stdout == pem  # the same key, now on their side
    _refused_on_own_device(cli("talent", "export-kit", tid, "--out", str(tmp_path / "again"),
                               "--talent-passphrase-file", held))
    assert any(e["action"] == "talent.key_handed_over" for e in cli.json("audit", "list"))


def test_when_talents_are_listed_then_each_line_says_who_holds_their_key(cli, tmp_path):
    from studio.core.talent_identity import TalentCard
    from tests.core.helpers import fresh_card_keys

    cli("init", check=True)
    none_yet = cli("talent", "add", "--name", "Walk In", check=True).stdout.split()[-1]
    held = cli("talent", "add", "--name", "Held Here", "--talent-passphrase-file",
               _phrase(tmp_path, "held.txt", "the phrase typed at the studio"), check=True).stdout.split()[-1]
    card = tmp_path / "talent-card.json"  # a real card (real keys), without keygen's two scrypt runs
    card.write_text(json.dumps(TalentCard("Own Device", *fresh_card_keys()).to_json()))
    own = json.loads(cli("talent", "add", "--card", str(card), "--json", check=True).stdout)["id"]
    listed = {t["id"]: t["key_holder"] for t in cli.json("talent", "list")}
    assert listed == {none_yet: None, held: "studio", own: "talent"}
    lines = {line.split()[0]: line for line in cli("talent", "list", check=True).stdout.splitlines()}
    assert lines[none_yet].endswith("key: none yet") and lines[held].endswith("key: studio")
    assert lines[own].endswith("key: own device")
