"""``twin-studio demo --vault DIR`` (issue 15, "Try it first"; DR041): the sample vault from the
command line, then the same commands a user would try on it."""

from __future__ import annotations

from studio.core.demo import DEMO_PASSPHRASE, DEMO_TALENT_PASSPHRASE
from tests.conftest import CLI


def test_when_demo_is_run_then_the_sample_vault_passes_check_and_every_record_is_there(tmp_path):
    phrase = tmp_path / "sample.txt"
    phrase.write_text(DEMO_PASSPHRASE + "\n")
    cli = CLI(tmp_path / "Sample vault", phrase)
    made = cli.run("demo", "--vault", str(cli.vault), check=True)
    talent = made.stdout.strip().splitlines()[-1]
    assert talent.startswith("tal_")
    # the passphrases are told: it is a demo
    assert f"vault passphrase:   {DEMO_PASSPHRASE}" in made.stderr and DEMO_TALENT_PASSPHRASE in made.stderr
    assert cli("check").returncode == 0
    assets = cli.json("assets", "list", "--talent", talent)
    assert len(assets) == 3 and {a["status"] for a in assets} == {"approved"}
    (grant,) = cli.json("consent", "list", "--talent", talent)
    assert grant["state"] == "active" and grant["talent_signature"] and grant["studio_signature"]
    assert [b["name"] for b in cli.json("brand", "list")] == ["Demo Brand"]
    assert len(cli.json("packages", "list")) == 1
    st = cli.json("ledger", "statement", "--talent", talent)
    assert [e["kind"] for e in st["entries"]] == ["export", "use"]

    again = cli.run("demo", "--vault", str(cli.vault))
    assert again.returncode == 2 and "already exists" in again.stderr and "Traceback" not in again.stderr


def test_demo_json_names_what_it_made_and_a_busy_folder_is_refused(tmp_path):
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "keep.txt").write_text("mine")
    cli = CLI(busy, tmp_path / "unused.txt")
    refused = cli.run("demo", "--vault", str(busy))
    assert refused.returncode == 2 and "not an empty folder" in refused.stderr
    assert [p.name for p in busy.iterdir()] == ["keep.txt"]
    shared = cli.run("demo", "--catalog", "postgresql://u@h/db", "--store", "s3://b/p")
    assert shared.returncode == 2 and "--vault DIR" in shared.stderr
