"""A read-only vault and a full disk (issue 17, edges): one line, never a traceback; reading
works on a read-only vault; nothing changes.

Real places, not emulations: the vault is bind-mounted read-only, or copied onto a small tmpfs
filled to the brim, in a private mount namespace of the CLI process (``unshare -m``, as root).
Where that is not possible (not root, no ``unshare``) the tests skip and say so.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from tests.conftest import REPO, TESTDATA

PASSPHRASE = "correct horse battery staple"


def _namespaces_work() -> str | None:
    if os.name != "posix" or shutil.which("unshare") is None:
        return "needs unshare (Linux) to mount a read-only or full file system"
    probe = subprocess.run(["unshare", "-m", "sh", "-c", "mount -t tmpfs -o size=64k tmpfs /mnt 2>/dev/null || "
                            "mount -t tmpfs -o size=64k tmpfs /tmp"], capture_output=True)
    if probe.returncode != 0:
        return "cannot mount in a private namespace here (needs root): " + probe.stderr.decode(errors="replace")[-200:]
    return None


pytestmark = pytest.mark.skipif(_namespaces_work() is not None, reason=str(_namespaces_work()))


def _cli_in(setup: str, vault, passphrase_file, *args: str) -> subprocess.CompletedProcess:
    """``twin-studio ARGS --vault VAULT`` in a private mount namespace prepared by ``setup``
    (a shell snippet; ``$V`` is the vault folder)."""
    script = f'set -e; V="$1"; shift; {setup}; exec "$@"'
    cmd = ["unshare", "-m", "sh", "-c", script, "sh", str(vault), sys.executable, "-m", "studio.cli", *args,
           "--vault", str(vault), "--passphrase-file", str(passphrase_file)]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(REPO)})


READ_ONLY = 'mount --bind "$V" "$V"; mount -o remount,ro,bind "$V"'
# a tmpfs just big enough for the vault plus ``room`` bytes, then filled (see _full)


def _full(room: int) -> str:
    return ('S=$(du -sb "$V" | cut -f1); D=$(dirname "$V"); cp -a "$V" "$D/.copy"; '
            f'mount -t tmpfs -o size=$((S + 2000000)) tmpfs "$V"; cp -a "$D/.copy/." "$V/"; '
            f'A=$(df --output=avail -B1 "$V" | tail -1); head -c $((A - {room})) /dev/zero > "$V/.fill" || true')


def _one_line(proc: subprocess.CompletedProcess, expected: str) -> None:
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and expected in lines[0], proc.stderr


@pytest.fixture
def vault_with_asset(tmp_path, _vault_template, passphrase_file, cli):
    shutil.copytree(_vault_template[0], cli.vault)
    tid = cli("talent", "add", "--name", "Ada Lovelace", check=True).stdout.split()[-1]
    cli("ingest", "--talent", tid, str(TESTDATA / "voice" / "cmu_arctic_us_aew_a0001.wav"), check=True)
    return cli.vault, tid


def _files(folder):
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_when_the_vault_folder_is_read_only_then_reading_works_and_a_change_is_one_line(vault_with_asset, passphrase_file):
    vault, tid = vault_with_asset
    before = _files(vault)
    listed = _cli_in(READ_ONLY, vault, passphrase_file, "assets", "list")
    assert listed.returncode == 0, listed.stderr
    assert "cmu_arctic_us_aew_a0001.wav" in listed.stdout
    checked = _cli_in(READ_ONLY, vault, passphrase_file, "check")
    assert checked.returncode == 0, checked.stderr
    assert "vault consistent" in checked.stdout
    _one_line(_cli_in(READ_ONLY, vault, passphrase_file, "talent", "add", "--name", "Grace Hopper"),
              "the vault folder is read-only")
    _one_line(_cli_in(READ_ONLY, vault, passphrase_file, "ingest", "--talent", tid,
                      str(TESTDATA / "voice" / "ljspeech_LJ050-0131.wav")), "the vault folder is read-only")
    assert _files(vault) == before


def test_when_the_disk_is_full_then_talent_add_and_ingest_say_so_in_one_line_and_check_still_works(
        vault_with_asset, passphrase_file, cli):
    vault, tid = vault_with_asset
    _one_line(_cli_in(_full(0), vault, passphrase_file, "talent", "add", "--name", "Grace Hopper"),
              "no space left on the vault's disk")
    checked = _cli_in(_full(0), vault, passphrase_file, "check")
    assert checked.returncode == 0 and "vault consistent" in checked.stdout, checked.stderr
    # room for the catalog, not for the scan: the blob write meets the full disk
    _one_line(_cli_in(_full(300_000), vault, passphrase_file, "ingest", "--talent", tid,
                      str(TESTDATA / "scans" / "igea.ply")),
              "no space left on the vault's disk while storing igea.ply: nothing of it was stored")
    # each run had its own copy on its own tmpfs: the vault itself is as it was
    assert [a["kind"] for a in cli.json("assets", "list")] == ["voice"]
