"""Both kinds of vault for the tests (issue 12): a folder vault, and a shared vault (catalog in the
session's PostgreSQL, objects in the session's SeaweedFS), made cheaply for each test.

A module about the vault's behaviour runs on both with ``pytestmark = BOTH_VAULTS``: every test
in it that uses ``new_vault`` (or a fixture built on it: ``talent``, ``world``, …) runs as
``[folder]`` and ``[shared]``. A test in such a module that is about the folder itself (its
files, permissions, SQLite) says so with ``@folder_only("why")``. Modules without the mark
run on a folder vault only, as before, with unchanged test ids.

A shared vault per test costs no scrypt and no migration: a session template is made once by
the real ``SharedVault.create`` (and, for the consent tests, filled once), and each test gets
``CREATE DATABASE … TEMPLATE`` of its catalog and a server-side copy of its few objects under a
prefix of its own, opened by the real ``SharedVault`` constructor (which checks that the catalog
belongs to the header, and the schema revision). The next copies of each template's catalog are
made by a background thread while tests run (a CREATE DATABASE waits ~0.25 s in the server), and
a test's database is dropped there too: a shared vault costs a test ~0.1 s of setup.

Which modules run on both kinds, and what is left on the folder alone, is chosen for the suite's
budget (issue 12): the modules about ingest, consent, export, the ledger and ``check``; the
dated ledger tests at one instant on a shared vault (tests/core/conftest.py).
"""

from __future__ import annotations

import contextlib
import secrets
import threading
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

KINDS = ("folder", "shared")
# the session's background worker that copies template catalogs (SharedVaults): lives for the session
WORKER_THREAD_PREFIX = "shared-vault-templates"
COPIES_AHEAD = 2
BOTH_VAULTS = pytest.mark.vaults(*KINDS)


def folder_only(reason: str):
    """Mark a test of a BOTH_VAULTS module that runs on a folder vault alone: one about the folder
    itself (its files, SQLite, its header file), or one whose cost is all in code that is the same
    on both kinds (a KDF, analysis) while the suite's time is short; ``reason`` says which."""
    return pytest.mark.vaults("folder", reason=reason)


def kinds_for(definition) -> tuple[str, ...] | None:
    """The vault kinds a test runs on (None: no mark, the folder alone, ids unchanged)."""
    marker = definition.get_closest_marker("vaults")
    if marker is None:
        return None
    kinds = tuple(marker.args)
    if not kinds or any(k not in KINDS for k in kinds):
        raise pytest.UsageError(f"{definition.nodeid}: @pytest.mark.vaults takes kinds among {KINDS}, not {kinds}")
    if kinds != KINDS and not marker.kwargs.get("reason"):
        raise pytest.UsageError(f"{definition.nodeid}: a test limited to {kinds} says why (reason=…)")
    return kinds


@dataclass(frozen=True)
class Template:
    """A shared vault's catalog database (kept closed, to be copied) and objects prefix."""
    database: str
    prefix: str
    header: object
    keys: object


class SharedVaults:
    """The session's factory of shared vaults: one bucket, a prefix and a database per vault."""

    def __init__(self, postgres, seaweed) -> None:
        self.postgres, self.seaweed = postgres, seaweed
        self.bucket = seaweed.new_bucket()
        self._client = seaweed.client()
        self._objects = None  # one boto3 client for every vault of the session (made once: ~0.1 s)
        # CREATE DATABASE takes ~0.25 s of waiting in the server (even from template0, fsync off):
        # the next copy of each template is made in the background while a test runs
        self._maker = ThreadPoolExecutor(max_workers=1, thread_name_prefix=WORKER_THREAD_PREFIX)
        self._next: dict[str, deque[Future]] = {}
        self._local = threading.local()

    def close(self) -> None:
        self._maker.shutdown(wait=True, cancel_futures=True)

    def env(self) -> dict[str, str]:
        return {**self.postgres.env(), **self.seaweed.env()}

    def set_env(self, monkeypatch) -> None:
        """The standard environment that reaches both servers, and nothing from the shell."""
        for name in ("PGPASSWORD", "PGSERVICE", "PGSERVICEFILE", "PGUSER", "PGHOST", "PGPORT", "PGDATABASE",
                     "AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_REGION", "AWS_CONFIG_FILE",
                     "AWS_SHARED_CREDENTIALS_FILE"):
            monkeypatch.delenv(name, raising=False)
        for name, value in self.env().items():
            monkeypatch.setenv(name, value)

    def location(self, database: str, prefix: str):
        from studio.core.vault.location import SharedLocation

        return SharedLocation(self.postgres.url(database), self.bucket, prefix, self.seaweed.endpoint)

    def _new_prefix(self) -> str:
        return f"v-{secrets.token_hex(6)}"

    def _store(self, prefix: str):
        from studio.core.vault.objects import ObjectStore

        if self._objects is None:
            self._objects = ObjectStore(self.bucket, prefix, self.seaweed.endpoint)
        objects = object.__new__(ObjectStore)
        objects.__dict__.update(self._objects.__dict__)
        objects.prefix = prefix
        return objects

    # -- templates ---------------------------------------------------------------------------
    def create_template(self, passphrase: str, fill=None) -> tuple[Template, object]:
        """A shared vault made by the real ``SharedVault.create`` (one scrypt), ``fill(vault)``
        run on it, then closed: a template to :meth:`clone`."""
        from studio.core.vault.shared import SharedVault

        db = self.postgres.new_database()
        location = self.location(db.name, self._new_prefix())
        with pytest.MonkeyPatch.context() as mp:
            self.set_env(mp)
            vault = SharedVault.create(location, passphrase)
            try:
                extra = fill(vault) if fill is not None else None
            finally:
                vault.close()
        return Template(db.name, location.prefix, vault.header, vault._keys), extra

    def template_from(self, template: Template, fill) -> tuple[Template, object]:
        """A new template: a clone of ``template`` with ``fill(vault)`` run on it (its result returned)."""
        with pytest.MonkeyPatch.context() as mp:
            self.set_env(mp)
            vault, database, prefix = self._clone(template)
            try:
                extra = fill(vault)
            finally:
                vault.close()
        return Template(database, prefix, template.header, template.keys), extra

    def _admin(self):
        """This thread's superuser connection (over the cluster's unix socket)."""
        import psycopg

        conn = getattr(self._local, "admin", None)
        if conn is None or conn.closed:
            pg = self.postgres
            conn = self._local.admin = psycopg.connect(host=str(pg.socket_dir), port=pg.port, user=pg.SUPERUSER,
                                                       dbname="postgres", autocommit=True)
        return conn

    def _copy_database(self, template: str) -> str:
        database = f"studio_c_{secrets.token_hex(5)}"
        self._admin().execute(f"CREATE DATABASE {database} TEMPLATE {template} OWNER {self.postgres.USER}")
        return database

    def _take_database(self, template: str) -> str:
        """A fresh copy of ``template`` (made ahead when it could be), and the next ones started:
        two kept ahead, for tests that take less time than a copy."""
        ahead = self._next.setdefault(template, deque())
        database = ahead.popleft().result() if ahead else self._copy_database(template)
        while len(ahead) < COPIES_AHEAD:
            ahead.append(self._maker.submit(self._copy_database, template))
        return database

    def _clone(self, template: Template):
        from studio.core.vault.shared import SharedVault

        database = self._take_database(template.database)
        prefix = self._new_prefix()
        self.copy_objects(template.prefix, prefix)
        location = self.location(database, prefix)
        vault = SharedVault(location, template.header, template.keys, self._store(prefix))
        return vault, database, prefix

    @contextlib.contextmanager
    def clone(self, template: Template):
        """A fresh shared vault with the template's catalog and objects (the environment must
        reach the servers: :meth:`set_env`); its database is dropped afterwards."""
        vault, database, prefix = self._clone(template)
        try:
            yield vault
        finally:
            vault.close()
            # in the background too, while the next test runs
            self._maker.submit(self._remove, database, prefix)

    def _remove(self, database: str, prefix: str) -> None:
        self._admin().execute(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        self.remove_objects(prefix)

    # -- objects -----------------------------------------------------------------------------
    def object_keys(self, prefix: str) -> list[str]:
        keys = []
        for page in self._client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix + "/"):
            keys.extend(item["Key"] for item in page.get("Contents", ()))
        return keys

    def copy_objects(self, source: str, target: str) -> None:
        for key in self.object_keys(source):
            self._client.copy_object(Bucket=self.bucket, Key=target + key[len(source):],
                                     CopySource={"Bucket": self.bucket, "Key": key})

    def remove_objects(self, prefix: str) -> None:
        keys = self.object_keys(prefix)
        for i in range(0, len(keys), 1000):
            self._client.delete_objects(Bucket=self.bucket,
                                        Delete={"Objects": [{"Key": k} for k in keys[i:i + 1000]], "Quiet": True})



def stored(vault) -> dict[str, bytes]:
    """Everything a vault keeps outside its catalog, with its bytes: a folder vault's files (the
    catalog aside, see ``tests.conftest.snapshot``), a shared vault's objects in the store and
    this station's files (its staging and export records)."""
    from tests.conftest import snapshot

    if not vault.shared:
        return snapshot(vault.root)
    objects = vault.objects
    keys = []
    for page in objects._client.get_paginator("list_objects_v2").paginate(Bucket=objects.bucket,
                                                                         Prefix=objects.prefix + "/"):
        keys.extend(item["Key"] for item in page.get("Contents", ()))
    out = {f"s3:{k[len(objects.prefix) + 1:]}": objects._client.get_object(Bucket=objects.bucket, Key=k)["Body"].read()
           for k in sorted(keys)}
    if Path(vault.root).is_dir():
        out.update({f"station:{k}": v for k, v in snapshot(vault.root).items()})
    return out


def blob_names(vault, store: str = "blobs") -> set[str]:
    """The names the vault's blob store lists (hashes in a folder, keyed names in a store)."""
    return set(vault.store(store).stored_names())



# ---- reaching past the app, as damage or an attacker would, on either kind ----------------------

class _QmarkConnection:
    """A psycopg connection taking sqlite3's ``?`` placeholders."""

    def __init__(self, conn) -> None:
        self._conn = conn

    def execute(self, sql: str, params=()):
        return self._conn.execute(sql.replace("?", "%s"), params)


@contextlib.contextmanager
def catalog_db(vault):
    """The vault's catalog opened directly, behind the app's back: sqlite3 on a folder vault's
    catalog.sqlite, psycopg on a shared vault's database (``?`` placeholders on both); committed
    when the block ends."""
    if not vault.shared:
        import sqlite3

        db = sqlite3.connect(vault.root / "catalog.sqlite")
        try:
            with db:
                yield db
        finally:
            db.close()
        return
    import psycopg

    with psycopg.connect(vault.location.catalog) as conn:  # the password: PGPASSFILE
        yield _QmarkConnection(conn)


def blob_data(vault, sha256: str, store: str = "blobs") -> bytes:
    """A stored blob's encrypted bytes (its file, or its object)."""
    st = vault.store(store)
    if not vault.shared:
        return st.path_for(sha256).read_bytes()
    data = st.objects.get(st._key(sha256))
    assert data is not None, f"no object for {sha256[:16]}"
    return data


def put_blob_data(vault, sha256: str, data: bytes, store: str = "blobs") -> None:
    """Overwrite a stored blob's encrypted bytes."""
    st = vault.store(store)
    if not vault.shared:
        st.path_for(sha256).write_bytes(data)
    else:
        st.objects.put_bytes(st._key(sha256), data)


def remove_blob_data(vault, sha256: str, store: str = "blobs") -> None:
    """Remove a stored blob's file or object (the catalog row stays)."""
    st = vault.store(store)
    if not vault.shared:
        st.path_for(sha256).unlink()
    else:
        st.objects.delete(st._key(sha256))


def where(vault):
    """What ``open_vault`` takes to open this vault again: its folder, or its shared location."""
    return vault.location if vault.shared else vault.root


class SmallFile:
    """One of the vault's small files (the header, the audit head): a file in a folder vault,
    an object in a shared vault's store; read, replaced or removed behind the app's back."""

    def __init__(self, vault, name: str) -> None:
        self.vault, self.name = vault, name

    def read_bytes(self) -> bytes:
        data = self.vault.files.read(self.name)
        if data is None:
            raise FileNotFoundError(self.vault.files.where(self.name))
        return data

    def write_bytes(self, data: bytes) -> None:
        if self.vault.shared:
            self.vault.objects.put_bytes(self.name, data)
        else:
            (self.vault.root / self.name).write_bytes(data)

    def exists(self) -> bool:
        return self.vault.files.exists(self.name)

    def unlink(self) -> None:
        if self.vault.shared:
            self.vault.objects.delete(self.name)
        else:
            (self.vault.root / self.name).unlink()


def reopen(vault):
    """The vault opened again by its constructor with its already-unwrapped keys (no KDF; the
    header MAC, the catalog's schema revision and, on a shared vault, that the catalog is the
    header's are checked as on any open)."""
    from studio.core.vault import Vault
    from studio.core.vault.header import read_header

    if vault.shared:
        from studio.core.vault.shared import SharedVault, read_shared_header

        header, objects = read_shared_header(vault.location)
        header.verify(vault._keys)
        return SharedVault(vault.location, header, vault._keys, objects)
    header = read_header(vault.root)
    header.verify(vault._keys)
    return Vault(vault.root, header, vault._keys)
