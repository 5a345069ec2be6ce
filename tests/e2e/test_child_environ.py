"""No secret reaches a child process: the render service's children, the Open3D viewer, and the
children the real ``twin-studio`` starts carry no ``STUDIO_PASSPHRASE`` (or any other secret) in
``/proc/PID/environ`` (DR010). Linux only: elsewhere there is no /proc to read."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from studio.core.intake import ingest_paths
from studio.core.render.service import RenderService
from tests.conftest import PASSPHRASE, REPO, TESTDATA
from tests.e2e.test_open3d_viewer import x_display  # noqa: F401  (a virtual X display)

pytestmark = pytest.mark.skipif(not Path("/proc/self/environ").is_file(), reason="needs Linux's /proc")

SECRETS = {"STUDIO_PASSPHRASE": PASSPHRASE, "STUDIO_TALENT_PASSPHRASE": "talent's own secret",
           "AWS_SECRET_ACCESS_KEY": "cloud secret"}
MARKER = ("STUDIO_TEST_MARKER", "plain setting, passed on")


def environ_of(pid: int) -> dict[str, str]:
    """The environment a process was started with, once it runs Python (before its exec,
    a forked child would still show its parent's)."""
    deadline = time.monotonic() + 120
    while b"multiprocessing" not in Path(f"/proc/{pid}/cmdline").read_bytes():
        if time.monotonic() > deadline:
            raise AssertionError(f"process {pid} did not start Python's multiprocessing child")
        time.sleep(0.05)
    raw = Path(f"/proc/{pid}/environ").read_bytes()
    return dict(item.split("=", 1) for item in raw.decode("utf-8", "replace").split("\0") if "=" in item)


def assert_clean(env: dict[str, str]) -> None:
    assert env.get(MARKER[0]) == MARKER[1], "the child got the environment (and the test reads it)"
    leaked = {k for k in env if k in SECRETS or "PASSPHRASE" in k}
    assert not leaked, f"secrets in the child's environment: {sorted(leaked)}"


@pytest.fixture
def secrets_set(monkeypatch):
    for name, value in (*SECRETS.items(), MARKER):
        monkeypatch.setenv(name, value)


def test_when_the_render_service_starts_a_child_then_the_child_holds_no_secret(secrets_set):
    with RenderService(spare=True) as service:
        assert service.ping() == service.pid
        assert_clean(environ_of(service.pid))
    assert os.environ.get("AWS_SECRET_ACCESS_KEY") == "cloud secret", "someone else's secret is left to them"


def test_when_the_cli_renders_with_STUDIO_PASSPHRASE_then_no_child_it_starts_holds_it(tmp_path, passphrase_file, cli):
    cli("init", check=True)
    talent = cli("talent", "add", "--name", "Ada", check=True).stdout.split()[-1]
    cli("ingest", "--talent", talent, str(TESTDATA / "scans" / "stanford-bunny.obj"), check=True)
    (asset,) = cli.json("assets", "list")
    # the real CLI in a real process, with the passphrase only in its environment; a recorder
    # around the standard library's pipe (no part of ours) notes the environ of every process
    # below the CLI (render child, multiprocessing's resource tracker) whenever the render child
    # has answered: it runs Python then, so its environ is its own, not that of a fork
    seen = tmp_path / "children.json"
    recorder = (
        "import json, sys, psutil, multiprocessing.connection as mc\n"
        "seen, recv, me = {}, mc.Connection.recv, psutil.Process()\n"
        "def recorded(self):\n"
        "    value = recv(self)\n"
        "    for p in me.children(recursive=True):\n"
        "        try:\n"
        "            cmdline = open(f'/proc/{p.pid}/cmdline', 'rb').read().decode('utf-8', 'replace')\n"
        "            raw = open(f'/proc/{p.pid}/environ', 'rb').read().decode('utf-8', 'replace')\n"
        "        except OSError:\n"
        "            continue  # it has just exited\n"
        "        if raw and cmdline.rstrip('\\0').split('\\0') != me.cmdline():  # running, and no longer a fork of us\n"
        "            seen.setdefault(p.pid, (cmdline, raw))\n"
        "    return value\n"
        "mc.Connection.recv = recorded\n"
        "from studio.cli import main\n"
        "code = main(sys.argv[2:])\n"
        "open(sys.argv[1], 'w').write(json.dumps(seen))\n"
        "sys.exit(code)\n")
    env = {**dict(SECRETS), MARKER[0]: MARKER[1]}
    run = subprocess.run([sys.executable, "-c", recorder, str(seen), "render", asset["id"], "--vault", str(cli.vault),
                          "--out", str(tmp_path / "front.png")], env={**os.environ, **env}, cwd=REPO,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "front.png").read_bytes().startswith(b"\x89PNG")
    children = json.loads(seen.read_text()).values()
    assert any("spawn_main" in cmdline for cmdline, _ in children), "the render child was seen"
    for _, raw in children:
        assert_clean(dict(item.split("=", 1) for item in raw.split("\0") if "=" in item))


def test_when_the_cli_reads_STUDIO_PASSPHRASE_then_it_leaves_the_environment(cli, monkeypatch):
    from studio.cli import main

    cli("init", check=True)
    monkeypatch.setenv("STUDIO_PASSPHRASE", PASSPHRASE)
    assert main(["talent", "list", "--vault", str(cli.vault)]) == 0  # the passphrase opened the vault
    assert "STUDIO_PASSPHRASE" not in os.environ


def test_when_the_open3d_viewer_starts_then_its_process_holds_no_secret(new_vault, talent, x_display, secrets_set):
    from studio.core.render.viewer import open_viewer

    (r,) = ingest_paths(new_vault, talent.id, [TESTDATA / "scans" / "stanford-bunny.obj"])
    proc = open_viewer(new_vault, r.asset_id)
    try:
        assert_clean(environ_of(proc.pid))
    finally:
        proc.kill()
        proc.join(10)
