"""``twin-studio gui --smoke-test`` (DR042): opens the vault with the passphrase given, shows the
main window and exits 0 once it is on screen — the check an installed bundle runs. Here from the
source tree (tests/e2e/test_bundle.py runs it in the frozen app, on Xvfb)."""

from __future__ import annotations


def test_when_the_smoke_test_opens_a_vault_then_the_window_shows_and_the_app_exits_0(cli):
    cli("init", check=True)
    proc = cli("gui", "--smoke-test", timeout=300)
    assert proc.returncode == 0, proc.stderr


def test_when_the_smoke_test_has_no_passphrase_then_it_says_so_and_opens_nothing(cli):
    cli("init", check=True)
    proc = cli.run("gui", "--smoke-test", "--vault", str(cli.vault), timeout=300)
    assert proc.returncode == 2
    assert proc.stderr.strip() == "twin-studio: error: no passphrase given: use --passphrase-file FILE or set STUDIO_PASSPHRASE"


def test_when_the_smoke_test_is_given_a_wrong_passphrase_then_it_fails_before_any_window(cli, tmp_path):
    cli("init", check=True)
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("not the passphrase\n")
    proc = cli.run("gui", "--smoke-test", "--vault", str(cli.vault), "--passphrase-file", str(wrong), timeout=300)
    assert proc.returncode != 0 and "passphrase" in proc.stderr and "Traceback" not in proc.stderr


def test_when_the_smoke_test_opens_the_brands_window_then_it_shows_with_the_brands_passphrase_file(cli, tmp_path):
    brand_pass = tmp_path / "brand-pass.txt"
    brand_pass.write_text("the brand's own passphrase\n")
    keys = tmp_path / "brand"
    cli.run("brand", "keygen", "--out", str(keys), "--name", "Maison Lumière", "--passphrase-file", str(brand_pass),
            check=True)
    proc = cli.run("gui", "--brand", str(keys), "--passphrase-file", str(brand_pass), "--smoke-test", timeout=300)
    assert proc.returncode == 0, proc.stderr
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("not the passphrase\n")
    proc = cli.run("gui", "--brand", str(keys), "--passphrase-file", str(wrong), "--smoke-test", timeout=300)
    assert proc.returncode != 0 and "wrong passphrase for the brand's keys" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_when_the_brands_window_is_given_vault_options_then_it_refuses_them(cli, tmp_path):
    proc = cli.run("gui", "--brand", str(tmp_path / "brand"), "--vault", str(cli.vault), timeout=120)
    assert proc.returncode == 2
    assert "the brand's window opens no vault: drop --vault" in proc.stderr
