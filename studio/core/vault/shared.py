"""A shared vault (DR027): the catalog in PostgreSQL, the blobs and the vault's small files
(header, audit head, signing key) in an S3-compatible object store, used by many stations at
once. Each station unlocks it with the vault's passphrase; only ciphertext and MAC'd files
leave the station.

What is local to a station lives in its own folder (``<data>/stations/<vault id>/``): the
staging folders where blobs are hashed and encrypted, and its interrupted-export records.

Writes follow the folder vault's order (DR025), with one step more: a writer records its
uploads (``uploads`` rows under its lease, see :mod:`pglocks`) and uploads its blobs before it
takes the writer lock; under the lock it commits. A writer that dies leaves rows whose lease is
gone; whoever next takes the writer lock removes their objects — unless a catalog row or another
writer's upload refers to the same blob.
"""

from __future__ import annotations

import contextlib
import secrets
import time
from pathlib import Path
from typing import Iterator

import pyrage
from sqlalchemy import delete, inspect, select, text

from studio.core import paths
from studio.core.clock import now_iso
from studio.core.errors import CatalogUnavailable, IntegrityError, StoreUnavailable, VaultExists, VaultNotFound
from studio.core.ids import new_id
from studio.core.testpoints import kill_point, pause_point
from studio.core.vault import audit, pglocks, staging
from studio.core.vault.catalog import Blob, PendingWrite, Upload
from studio.core.vault.database import lookup_engine, make_pg_engine, migrate, session_factory
from studio.core.vault.files import ObjectFiles
from studio.core.vault.header import HEADER_NAME, MAX_HEADER_BYTES, VaultHeader, parse_header
from studio.core.vault.keys import (
    VaultKeys, generate_keys, new_signing_key, public_key_b64, public_key_fingerprint, scrypt_work_factor,
    signing_key_to_bytes, unwrap_identity, wrap_identity,
)
from studio.core.vault.likeness_keys import Keyring
from studio.core.vault.location import SharedLocation
from studio.core.vault.lock import busy, lock_timeout
from studio.core.vault.objects import ObjectStore
from studio.core.vault.permissions import make_private_dir
from studio.core.vault.s3blobs import ObjectBlobStore
from studio.core.vault.vault import SIGNING_KEY_FILE, Vault, check_new_passphrase

# Waiting for another station's commit: longer than on one machine, where a write's commit is
# a few renames; here it is catalog round trips (STUDIO_LOCK_TIMEOUT overrides it)
SHARED_LOCK_TIMEOUT = 30.0


def station_folder(vault_id: str) -> Path:
    """This station's own folder for a shared vault (staging, interrupted-export records)."""
    return paths.data_dir() / "stations" / vault_id


def _objects(location: SharedLocation) -> ObjectStore:
    return ObjectStore(location.bucket, location.prefix, location.endpoint)


def read_shared_header(location: SharedLocation) -> tuple[VaultHeader, ObjectStore]:
    """The vault's header from its store (before any passphrase is asked for)."""
    objects = _objects(location)
    data = ObjectFiles(objects).read(HEADER_NAME, MAX_HEADER_BYTES)
    if data is None:
        objects.check_bucket()  # a missing bucket says so
        raise VaultNotFound(f"no vault in {location.store} (it holds no {HEADER_NAME}); create one with "
                            "`twin-studio init --catalog URL --store URL`")
    return parse_header(data, f"{location.store}/{HEADER_NAME}"), objects


class SharedVault(Vault):
    shared = True

    def __init__(self, location: SharedLocation, header: VaultHeader, keys: VaultKeys, objects: ObjectStore,
                 *, creating: bool = False) -> None:
        self.location = location
        self.objects = objects
        self.files = ObjectFiles(objects)
        self.header = header
        self._keys = keys
        self.read_only = False
        self.root = station_folder(header.vault_id)
        make_private_dir(self.root)
        self._engine = make_pg_engine(location.catalog, location.describe().split(" + ")[0])
        try:
            if not creating:
                self._check_catalog_belongs()
            migrate(self._engine)
        except BaseException:
            self._engine.dispose()
            raise
        self._sessions = session_factory(self._engine)
        self._lookup_engine = lookup_engine(self._engine)
        self.fields = keys.field_cipher()
        self.keyring = Keyring(keys, self._sessions, session_factory(self._lookup_engine))
        self.blobs = ObjectBlobStore(objects, "blobs", keys, self.root, self.keyring)
        self.derived = ObjectBlobStore(objects, "derived", keys, self.root, self.keyring)

    # -- lifecycle -------------------------------------------------------------------------
    @classmethod
    def create(cls, location: SharedLocation, passphrase: str) -> "SharedVault":  # type: ignore[override]
        check_new_passphrase(passphrase)
        objects = _objects(location)
        objects.check_bucket()
        files = ObjectFiles(objects)
        if files.exists(HEADER_NAME):
            raise VaultExists(f"a vault already exists in {location.store}")
        engine = make_pg_engine(location.catalog, location.describe().split(" + ")[0])
        try:
            with engine.connect() as conn:
                tables = inspect(conn).get_table_names()
        finally:
            engine.dispose()
        if tables:
            raise VaultExists(f"the catalog database {location.describe().split(' + ')[0]} is not empty "
                              f"({len(tables)} tables): a shared vault is created in an empty database")
        keys = generate_keys()
        signing = new_signing_key()
        files.write(SIGNING_KEY_FILE, pyrage.encrypt(signing_key_to_bytes(signing), [keys.recipient]))
        wrapped = wrap_identity(keys, passphrase)
        header = VaultHeader(
            vault_id=new_id("vault"), created_at=now_iso(),
            kdf={"scheme": "age-scrypt", "log2_n": scrypt_work_factor(wrapped), "r": 8, "p": 1},
            wrapped_key=wrapped, recipient=str(keys.recipient),
            studio_public_key=public_key_b64(signing.public_key()), audit_anchored=True,
        ).sealed(keys)
        vault = cls(location, header, keys, objects, creating=True)
        with vault.session() as s:
            audit.append(s, "vault.created", header.vault_id,
                         {"studio_key": public_key_fingerprint(signing.public_key())})
        header.write(files)  # last: a store without a header holds no vault (yet)
        return vault

    @classmethod
    def open(cls, location: SharedLocation, passphrase: str) -> "SharedVault":  # type: ignore[override]
        header, objects = read_shared_header(location)
        keys = unwrap_identity(header.wrapped_key, passphrase, header.kdf.get("log2_n"))
        header.verify(keys)
        return cls(location, header, keys, objects)

    def _check_catalog_belongs(self) -> None:
        """The catalog must be this vault's: its chain starts with this vault's creation. A wrong
        or empty database is refused before anything is written to it."""
        where = self.location.describe().split(" + ")[0]
        with self._engine.connect() as conn:
            if "audit_events" not in inspect(conn).get_table_names():
                raise VaultNotFound(f"the catalog database {where} holds no vault: it is not the catalog of the "
                                    f"vault in {self.location.store}")
            first = conn.execute(text("SELECT subject FROM audit_events ORDER BY seq LIMIT 1")).scalar()
        if first != self.header.vault_id:
            raise IntegrityError(f"the catalog database {where} belongs to another vault ({first}), not to the "
                                 f"vault in {self.location.store} ({self.header.vault_id})")

    def describe(self) -> str:
        return self.location.describe()

    # -- writing ---------------------------------------------------------------------------
    def commit_lock(self, timeout: float | None = None):
        return self._advisory_lock(timeout)

    @contextlib.contextmanager
    def _advisory_lock(self, timeout: float | None) -> Iterator[None]:
        """The writer lock: a PostgreSQL session lock on a connection of its own, so that it
        is dropped with the connection if this process dies."""
        wait = lock_timeout(timeout, SHARED_LOCK_TIMEOUT)
        deadline = time.monotonic() + wait
        with self._engine.connect() as conn:
            while True:
                got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": pglocks.WRITER}).scalar()
                conn.commit()
                if got:
                    break
                if time.monotonic() >= deadline:
                    raise busy("another station or window is committing a write to it")
                time.sleep(min(0.05, max(0.0, deadline - time.monotonic())))
            try:
                yield
            finally:
                try:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": pglocks.WRITER})
                    conn.commit()
                except CatalogUnavailable:
                    conn.invalidate()  # the connection is gone, and the lock with it

    @contextlib.contextmanager
    def staging(self) -> Iterator[staging.StagingArea]:
        """A local staging folder, and a lease in the catalog that protects this writer's uploads."""
        with staging.staging_area(self.root) as area, self._lease() as owner:
            area.lease = owner
            try:
                yield area
            finally:
                self._release_uploads(owner)

    @contextlib.contextmanager
    def _lease(self) -> Iterator[str]:
        with self._engine.connect() as conn:
            while True:
                owner = secrets.token_hex(8)
                key = {"c": pglocks.LEASE_CLASS, "k": pglocks.lease_key(owner)}
                got = conn.execute(text("SELECT pg_try_advisory_lock(:c, :k)"), key).scalar()
                conn.commit()
                if got:
                    break
            try:
                yield owner
            finally:
                try:
                    conn.execute(text("SELECT pg_advisory_unlock(:c, :k)"), key)
                    conn.commit()
                except CatalogUnavailable:
                    conn.invalidate()

    def upload_staged(self, area: staging.StagingArea, staged: list) -> None:
        """Record the uploads under this writer's lease, then upload: a blob is never in the
        store without a row saying whose it is."""
        owner = area.lease
        now = now_iso()
        with self.session() as s:
            for store, st in {(store, st.sha256): (store, st) for store, st in staged}.values():
                s.merge(Upload(sha256=st.sha256, store=store, owner=owner, started_at=now))
        kill_point("shared.uploading")  # tests kill a station here (rows recorded, nothing uploaded yet)
        for i, (store, st) in enumerate(staged):
            self.store(store).upload(st)
            if i == 0:
                pause_point("shared.uploaded-first")
                kill_point("shared.uploaded-first")

    def _release_uploads(self, owner: str) -> None:
        """The writer is done (committed, a duplicate, failed): its rows go, and with them any
        object nothing else refers to."""
        with contextlib.suppress(CatalogUnavailable, StoreUnavailable), self.session() as s:
            self._drop_uploads(s, [owner])

    def _drop_uploads(self, s, owners: list[str]) -> int:
        rows = s.execute(select(Upload).where(Upload.owner.in_(owners))).scalars().all()
        removed = 0
        for row in rows:
            if not self._referenced(s, row.sha256, owners):
                self.store(row.store).remove(row.sha256)
                removed += 1
        s.execute(delete(Upload).where(Upload.owner.in_(owners)))
        return removed

    @staticmethod
    def _referenced(s, sha256: str, owners: list[str]) -> bool:
        """A catalog row, an interrupted commit's intent or another writer's upload needs it."""
        if s.get(Blob, sha256) is not None:
            return True
        return s.execute(select(Upload.owner).where(Upload.sha256 == sha256, Upload.owner.not_in(owners))
                         .limit(1)).first() is not None

    def recover_interrupted_writes(self) -> int:
        """Under the writer lock: an interrupted commit's intents (as in a folder vault), then the
        uploads of writers whose lease is gone; then this station's dead staging folders."""
        removed = 0
        with self.session() as s:
            for p in s.execute(select(PendingWrite)).scalars().all():
                if not self._referenced(s, p.sha256, []):
                    self.store(p.store).remove(p.sha256)
                    removed += 1
            s.execute(delete(PendingWrite))
            owners = sorted(set(s.execute(select(Upload.owner)).scalars()))
            dead = [o for o in owners if not pglocks.lease_alive(s, o)]
            if dead:
                removed += self._drop_uploads(s, dead)
        staging.remove_abandoned(self.root)
        return removed

    def dead_uploads(self, s=None) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
        """(store, sha256) of uploads in progress and of uploads whose writer is gone (``check``),
        read in the session ``s`` if given (check's snapshot: a writer that commits and drops its
        rows after it is then still seen as uploading, not as the owner of unknown objects)."""
        if s is None:
            with self.session() as own:
                return self.dead_uploads(own)
        live, dead = set(), set()
        for row in s.execute(select(Upload)).scalars():
            (live if pglocks.lease_alive(s, row.owner) else dead).add((row.store, row.sha256))
        return live, dead
