"""Shared fixtures: the real test data, real vaults on disk, the CLI in-process and as a process."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TESTDATA = REPO.parent / "shared" / "testdata"
PASSPHRASE = "correct horse battery staple"


def pytest_sessionstart(session) -> None:
    if not TESTDATA.is_dir():
        raise pytest.UsageError(f"test data not found at {TESTDATA} (the shared/ folder beside the repo)")


@pytest.fixture(autouse=True)
def _isolated_paths(tmp_path, monkeypatch):
    """No test touches the real user folders or inherits a vault/passphrase from the shell."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    # studio.core.paths: every folder of ours in tmp_path on every platform (napari's _fresh_settings)
    monkeypatch.setenv("STUDIO_DATA_DIR", str(tmp_path / "xdg-data" / "TwinStudio"))
    monkeypatch.setenv("STUDIO_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("STUDIO_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("STUDIO_VAULT", raising=False)
    monkeypatch.delenv("STUDIO_PASSPHRASE", raising=False)


@pytest.fixture
def testdata() -> Path:
    return TESTDATA


@pytest.fixture
def passphrase_file(tmp_path) -> Path:
    p = tmp_path / "passphrase.txt"
    p.write_text(PASSPHRASE + "\n")
    return p


@pytest.fixture(scope="session")
def _vault_template(tmp_path_factory):
    """One vault made by the real ``Vault.create`` (the scrypt KDF takes about a second)."""
    from studio.core.vault import Vault

    root = tmp_path_factory.mktemp("template") / "vault"
    vault = Vault.create(root, PASSPHRASE)
    keys = vault._keys
    vault.close()
    return root, keys


@pytest.fixture
def new_vault(tmp_path, _vault_template):
    """A fresh vault for each test: a copy of the template, opened with its already-unwrapped
    key (the header MAC is still checked) so each test does not pay the KDF again."""
    from studio.core.vault import Vault
    from studio.core.vault.header import read_header

    template, keys = _vault_template
    root = tmp_path / "vault"
    shutil.copytree(template, root)
    header = read_header(root)
    header.verify(keys)
    vault = Vault(root, header, keys)
    yield vault
    vault.close()


@pytest.fixture
def talent(new_vault):
    from studio.core.talents import add_talent

    return add_talent(new_vault, "Ada Lovelace", "ada@example.com", "North Models")


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under a folder with its bytes (WAL checkpoints aside: compare the catalog by rows)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.name.startswith("catalog.sqlite") and not p.name.endswith(".lock")}


class CLI:
    """Runs ``twin-studio`` as a user would: a separate process, real environment."""

    def __init__(self, vault: Path, passphrase_file: Path) -> None:
        self.vault = vault
        self.passphrase_file = passphrase_file

    def run(self, *args: str, check: bool = False, stdin: str | None = None, env: dict | None = None,
            timeout: float = 600) -> subprocess.CompletedProcess:
        full_env = {**os.environ, **(env or {})}
        cmd = [sys.executable, "-m", "studio.cli", *args]
        proc = subprocess.run(cmd, capture_output=True, text=True, input=stdin, env=full_env,
                              timeout=timeout, cwd=REPO)
        if check and proc.returncode != 0:
            raise AssertionError(f"{args} failed ({proc.returncode}): {proc.stderr}")
        return proc

    def __call__(self, *args: str, **kw) -> subprocess.CompletedProcess:
        return self.run(*args, "--vault", str(self.vault), "--passphrase-file", str(self.passphrase_file), **kw)

    def json(self, *args: str) -> object:
        proc = self(*args, "--json", check=True)
        return json.loads(proc.stdout)


@pytest.fixture
def cli(tmp_path, passphrase_file) -> CLI:
    return CLI(tmp_path / "vault", passphrase_file)


@pytest.fixture(scope="session")
def big_scan_10m_file(tmp_path_factory) -> Path:
    """A 10 M-triangle binary PLY body scan (9,998,336 triangles, 4,999,170 vertices, ~190 MB),
    written once per test session by ``tests.generators.big_body_ply`` (about a second) and
    shared by every test that needs a big scan. Read it; never change it."""
    from tests.generators import big_body_ply

    path = tmp_path_factory.mktemp("big-scan") / "body-10m.ply"
    big_body_ply(path, 190_000_000, seed=10)
    path.chmod(0o444)
    return path
