"""The whole trip on the command line, as its three users run it: the studio exports, the
brand verifies and opens offline — with Twin Studio and with the documented `openssl` / `age`
commands alone — and reports a use; the studio imports it; the talent's statement shows it;
a leaked, re-saved file is traced to its package."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
import zoneinfo

import pytest

from tests.conftest import REPO, TESTDATA
from tests.generators import random_ply

BRAND = "Maison Lumière"
BRAND_PASSPHRASE = "the brand's own passphrase"


def _brand_pass(tmp_path):
    path = tmp_path / "brand-pass.txt"
    path.write_text(BRAND_PASSPHRASE + "\n")
    return str(path)


def _run_at_a_terminal(script: str, cwd, *answers: str, timeout: float = 120) -> tuple[int, str]:
    """``bash -c script`` at a terminal of its own (a pseudo-terminal), typing the next of
    ``answers`` each time a program asks there for a passphrase (or to repeat it), as age does for
    an encrypted identity file: (exit code, what the terminal showed)."""
    import os
    import pty
    import select
    import time

    pid, fd = pty.fork()
    if pid == 0:  # the child: the pseudo-terminal is its terminal
        os.chdir(cwd)
        os.execvp("bash", ["bash", "-euo", "pipefail", "-c", script])
    shown, answered, deadline = b"", 0, time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 1.0)
            if not ready:
                continue
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the child closed the terminal: it has ended
                break
            if not chunk:
                break
            shown += chunk
            asked = shown.lower().count(b"passphrase") + shown.lower().count(b"repeat it")
            if answered < min(asked, len(answers)):
                os.write(fd, answers[answered].encode() + b"\n")
                answered += 1
    finally:
        os.close(fd)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), shown.decode(errors="replace")


def _documented_commands() -> str:
    text = (REPO / "docs" / "package-format.md").read_text()
    section = text.split("## Verify and decrypt with standard tools", 1)[1]
    return re.search(r"```sh\n(.*?)```", section, re.S).group(1)


@pytest.fixture(scope="module")
def _studio_template(tmp_path_factory):
    """The studio's vault, made once for this module through the command line (a dozen commands,
    each deriving a key: about 25 s); each test gets a copy (:func:`studio`)."""
    from tests.conftest import CLI, PASSPHRASE

    tmp_path = tmp_path_factory.mktemp("package-studio")
    (tmp_path / "passphrase.txt").write_text(PASSPHRASE + "\n")
    cli = CLI(tmp_path / "vault", tmp_path / "passphrase.txt")
    talent_pass = tmp_path / "talent.txt"
    talent_pass.write_text("the talent's own phrase\n")
    cli("init", check=True)
    tid = cli("talent", "add", "--name", "Ines Duarte", "--talent-passphrase-file", str(talent_pass),
              check=True).stdout.split()[-1]
    results = cli.json("ingest", "--talent", tid, str(TESTDATA / "scans" / "stanford-bunny_zipper_res2.ply"),
                       str(TESTDATA / "voice" / "cmu_arctic_us_aew_a0001.wav"))
    ids = [r["asset_id"] for r in results]
    for a in ids:
        cli("review", "approve", a, "--talent-passphrase-file", str(talent_pass), check=True)
    today = dt.date.today()
    spec = tmp_path / "grant.json"
    spec.write_text(json.dumps({"licensee": BRAND, "assets": ids, "use_description": "Spring campaign",
                                "purposes": ["advertising"], "media": ["web", "social"], "territories": ["FR"],
                                "start": (today - dt.timedelta(days=7)).isoformat(),
                                "end": (today + dt.timedelta(days=90)).isoformat(), "max_uses": 3, "fee": "800",
                                "currency": "EUR", "notice_days": 0}))
    gid = cli("consent", "draft", "--talent", tid, "--from-file", str(spec), check=True).stdout.split()[-1]
    cli("consent", "sign", gid, "--talent-passphrase-file", str(talent_pass), check=True)
    cli("consent", "activate", gid, check=True)
    return tmp_path / "vault", (tid, gid, ids)


@pytest.fixture
def studio(cli, _studio_template):
    """A vault with an active grant to the brand over an approved scan and voice take (a copy of
    the module's, at the test's own ``cli`` vault)."""
    template, made = _studio_template
    shutil.copytree(template, cli.vault)
    return made


def test_when_a_twin_goes_to_a_brand_and_back_then_every_party_sees_the_same_use(cli, studio, tmp_path):
    tid, gid, (scan, voice) = studio
    brand_dir, brand_pass = tmp_path / "brand-keys", _brand_pass(tmp_path)
    cli.run("brand", "keygen", "--out", str(brand_dir), "--name", BRAND, "--passphrase-file", brand_pass, check=True)
    for name in ("identity.txt", "signing-key.pem.age"):  # locked by the brand's passphrase, owner-only
        assert oct((brand_dir / name).stat().st_mode & 0o777) == "0o600"
        assert (brand_dir / name).read_bytes().startswith(b"age-encryption.org/v1\n")
    cli("brand", "add", "--card", str(brand_dir / "brand-card.json"), check=True)
    dup = cli("brand", "add", "--card", str(brand_dir / "brand-card.json"))
    assert dup.returncode == 2 and "already registered" in dup.stderr
    cli("studio-key", "export", "--out", str(tmp_path / "studio.pem"), check=True)

    refused = cli("export", "--grant", gid, "--to", BRAND, "--territory", "DE", "--media", "print",
                  "--out", str(tmp_path / "no.twinpkg"))
    assert refused.returncode == 1
    assert "territory DE not granted" in refused.stderr and "medium print not granted" in refused.stderr
    assert not (tmp_path / "no.twinpkg").exists()

    pkg = tmp_path / "twin.twinpkg"
    made = cli.json("export", "--grant", gid, "--to", BRAND, "--out", str(pkg))
    assert made["id"].startswith("pkg_")
    (listed,) = cli.json("packages", "list", "--talent", tid)
    assert (listed["id"], listed["brand"], listed["file_sha256"]) == (made["id"], BRAND, made["file_sha256"])

    # the brand, offline, with Twin Studio: no vault
    shown = cli.run("verify", str(pkg), "--studio-key", str(tmp_path / "studio.pem"), check=True).stdout
    assert "verified" in shown and gid in shown and "MR-LMR" in shown
    wrong = tmp_path / "wrong-pass.txt"
    wrong.write_text("not the brand's passphrase\n")
    res = cli.run("open", str(pkg), "--identity", str(brand_dir), "--passphrase-file", str(wrong), "--studio-key",
                  str(tmp_path / "studio.pem"), "--out", str(tmp_path / "opened"))
    assert res.returncode == 2 and "wrong passphrase for the brand's keys" in res.stderr
    assert not (tmp_path / "opened").exists()
    cli.run("open", str(pkg), "--identity", str(brand_dir), "--passphrase-file", brand_pass, "--studio-key",
            str(tmp_path / "studio.pem"), "--out", str(tmp_path / "opened"), check=True)
    manifest = json.loads(cli.run("verify", str(pkg), "--studio-key", str(tmp_path / "studio.pem"), "--json",
                                  check=True).stdout)["manifest"]
    assert (tmp_path / "opened" / "LICENSE.txt").is_file() and (tmp_path / "opened" / "license.odrl.jsonld").is_file()
    for text in (shown, (tmp_path / "opened" / "LICENSE.txt").read_text()):  # the brand is spoken to as the brand
        assert f"You ({BRAND}) may use the talent's" in text and "The talent can withdraw this consent" in text
        assert "your face" not in text and "your voice" not in text and "You can withdraw" not in text

    # …and with the documented standard commands alone
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copy(pkg, alone / "package.twinpkg")
    shutil.copy(tmp_path / "studio.pem", alone / "studio.pem")
    shutil.copy(brand_dir / "identity.txt", alone / "identity.txt")
    code, shown_there = _run_at_a_terminal(_documented_commands(), alone, BRAND_PASSPHRASE)  # age asks for it there
    assert code == 0, shown_there
    assert "Signature Verified Successfully" in shown_there
    for i, a in enumerate(manifest["assets"]):
        assert f"{a['stored']['sha256']}  {a['stored']['entry']}" in shown_there
        assert f"{a['sha256']}  {i:06d}" in shown_there

    # a report, imported; a repeat refused; the statement shows both the export and the use
    paris_today = dt.datetime.now(zoneinfo.ZoneInfo("Europe/Paris")).date().isoformat()  # the grant's day (FR)
    rep = tmp_path / "report.json"
    cli.run("report", "create", str(pkg), "--identity", str(brand_dir), "--passphrase-file", brand_pass,
            "--use-description", "Homepage hero",
            "--purpose", "advertising", "--media", "web", "--territory", "FR", "--date", paris_today,
            "--count", "2", "--out", str(rep), check=True)
    imported = cli("ledger", "import", str(rep), check=True).stdout
    assert "use recorded" in imported and "1600.00 EUR" in imported
    again = cli("ledger", "import", str(rep))
    assert again.returncode == 2 and "already imported" in again.stderr
    st = cli("ledger", "statement", "--talent", tid, "--csv", str(tmp_path / "st.csv"), check=True).stdout
    assert "export" in st and "total 2400.00 EUR" in st and "uses: 3" in st
    assert f"grant {gid}: 800.00 EUR per use" in st  # each grant's fee basis, in words (DR033)
    assert f"{paris_today} (Europe/Paris)  use" in st and " UTC" in st  # each date says its zone
    assert (tmp_path / "st.csv").read_text().count("\n") == 4  # header, export, use, total

    # every use is spent: a further export is refused with the reason
    spent = cli("export", "--grant", gid, "--to", BRAND, "--out", str(tmp_path / "more.twinpkg"))
    assert spent.returncode == 1 and "no uses left" in spent.stderr

    # a leaked scan, re-saved as OBJ by another tool, names its package and brand
    import trimesh

    leaked = trimesh.load(tmp_path / "opened" / next(a["path"] for a in manifest["assets"] if a["asset"] == scan),
                          process=False)
    leaked.export(tmp_path / "leaked.obj")
    traced = cli("trace", str(tmp_path / "leaked.obj"), check=True).stdout
    assert made["id"] in traced and BRAND in traced
    untouched = cli("trace", str(TESTDATA / "scans" / "stanford-bunny_zipper_res2.ply"))
    assert untouched.returncode == 1 and "no package mark found" in untouched.stdout


def test_when_a_package_is_opened_with_the_wrong_identity_then_nothing_is_written(cli, studio, tmp_path):
    tid, gid, ids = studio
    brand_pass = _brand_pass(tmp_path)
    cli.run("brand", "keygen", "--out", str(tmp_path / "a"), "--name", BRAND, "--passphrase-file", brand_pass,
            check=True)
    cli.run("brand", "keygen", "--out", str(tmp_path / "b"), "--name", "Other Brand", "--passphrase-file",
            brand_pass, check=True)
    cli("brand", "add", "--card", str(tmp_path / "a" / "brand-card.json"), check=True)
    cli("studio-key", "export", "--out", str(tmp_path / "studio.pem"), check=True)
    cli("export", "--grant", gid, "--to", BRAND, "--out", str(tmp_path / "p.twinpkg"), check=True)
    res = cli.run("open", str(tmp_path / "p.twinpkg"), "--identity", str(tmp_path / "b"), "--passphrase-file",
                  brand_pass, "--studio-key",
                  str(tmp_path / "studio.pem"), "--out", str(tmp_path / "out"))
    assert res.returncode == 1 and "not addressed to you" in res.stderr and "Traceback" not in res.stderr
    assert not (tmp_path / "out").exists()



def test_when_an_export_is_killed_then_no_package_and_no_use_remain_and_the_next_export_clears_its_temp(
        tmp_path, passphrase_file):
    import os
    import signal
    import sys
    import time

    from studio.core.consent.grants import get_grant
    from studio.core.consent.review import review_asset
    from studio.core.consent.talent_keys import set_talent_passphrase, unlock_talent_key
    from studio.core.intake import ingest_paths
    from studio.core.talents import add_talent
    from studio.core.vault import Vault
    from studio.core.check import check_vault
    from tests.conftest import PASSPHRASE
    from tests.core.helpers import active_grant, brand

    random_ply(tmp_path / "body.ply", 1_500_000, 3_000_000, scale=1.8)  # ~60 MB: long enough to be killed mid-way
    root = tmp_path / "vault"
    with Vault.create(root, PASSPHRASE) as v:
        t = add_talent(v, "Kill Test")
        set_talent_passphrase(v, t.id, "the talent's phrase")
        key = unlock_talent_key(v, t.id, "the talent's phrase")
        (r,) = ingest_paths(v, t.id, [tmp_path / "body.ply"])
        review_asset(v, r.asset_id, "approve", key)
        gid = active_grant(v, t, key, [r.asset_id]).id
        brand(v)
    out = tmp_path / "out"
    out.mkdir()
    cmd = [sys.executable, "-m", "studio.cli", "--vault", str(root), "--passphrase-file", str(passphrase_file),
           "export", "--grant", gid, "--to", BRAND]
    killed = False
    for attempt in range(3):
        proc = subprocess.Popen([*cmd, "--out", str(out / f"p{attempt}.twinpkg")], cwd=REPO,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while proc.poll() is None and time.monotonic() < deadline:
            temps = list(out.glob(".tmp-*"))  # the package's temp file and its sealed files' (DR058)
            if any(t.stat().st_size > (4 << 20) for t in temps if t.exists()):  # mid-way through the payload
                proc.send_signal(signal.SIGKILL)
                killed = True
                break
            time.sleep(0.005)
        proc.wait()
        if killed:
            break
        (out / f"p{attempt}.twinpkg").unlink()  # it finished first: try again
    assert killed, "the kill must land while the export runs"
    temps = list(out.glob(".tmp-*"))
    assert temps and all(t.name.endswith(".twinpkg") for t in temps)  # what the next export's clean-up looks for
    assert [p.name for p in out.iterdir() if not p.name.startswith(".tmp-")] == []
    with Vault.open(root, PASSPHRASE) as v:
        uses = get_grant(v, gid).uses
        assert check_vault(v).ok
    assert uses == attempt  # each finished attempt counted one use; the killed one none
    assert not any(b"manifest.json" in t.read_bytes() for t in temps)  # no manifest: not a package anyone can use
    old = time.time() - 3600
    for t in temps:
        os.utime(t, (old, old))
    subprocess.run([*cmd, "--out", str(out / "q.twinpkg")], cwd=REPO, check=True, capture_output=True)
    assert sorted(p.name for p in out.iterdir()) == ["q.twinpkg"]


def test_when_a_brand_folder_holds_keys_in_clear_then_commands_say_so_and_brand_protect_locks_it(cli, tmp_path):
    """A folder from before DR046: refused with the command that fixes it, which locks it in place."""
    from tests.core.test_brand_keys import clear_folder

    folder = tmp_path / "old-keys"
    clear_folder(folder)
    brand_pass = _brand_pass(tmp_path)
    refused = cli.run("report", "create", str(tmp_path / "p.twinpkg"), "--identity", str(folder), "--passphrase-file",
                      brand_pass, "--use-description", "Homepage hero", "--purpose", "advertising", "--media", "web",
                      "--territory", "FR", "--date", dt.date.today().isoformat(), "--out", str(tmp_path / "r.json"))
    assert refused.returncode == 2 and f"run `twin-studio brand protect {folder}`" in refused.stderr
    assert not (tmp_path / "r.json").exists()
    no_terminal = cli.run("brand", "protect", str(folder))  # no passphrase file, no terminal to ask at
    assert no_terminal.returncode == 2 and "no passphrase for the brand's keys" in no_terminal.stderr

    cli.run("brand", "protect", str(folder), "--passphrase-file", brand_pass, check=True)

    assert sorted(p.name for p in folder.iterdir()) == ["identity.txt", "signing-key.pem.age"]
    assert all(p.read_bytes().startswith(b"age-encryption.org/v1\n") for p in folder.iterdir())
    again = cli.run("brand", "protect", str(folder), "--passphrase-file", brand_pass)
    assert again.returncode == 2 and "locked already" in again.stderr


def test_when_a_brand_makes_its_keys_at_a_terminal_then_the_passphrase_is_asked_twice(tmp_path):
    """Typed twice, not echoed; two that differ are refused before any file is written."""
    import shlex
    import sys

    keygen = f"{shlex.quote(sys.executable)} -m studio.cli brand keygen --name 'Maison Lumière' --out "
    code, shown = _run_at_a_terminal(keygen + shlex.quote(str(tmp_path / "a")), REPO, BRAND_PASSPHRASE,
                                     "not the same passphrase")
    assert code == 2 and "the two passphrases differ" in shown, shown
    assert not (tmp_path / "a").exists()

    code, shown = _run_at_a_terminal(keygen + shlex.quote(str(tmp_path / "b")), REPO, BRAND_PASSPHRASE,
                                     BRAND_PASSPHRASE)
    assert code == 0, shown
    assert "Passphrase of the brand's keys" in shown and "Repeat it" in shown
    assert BRAND_PASSPHRASE not in shown  # not echoed
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == ["brand-card.json", "identity.txt",
                                                                  "signing-key.pem.age"]
