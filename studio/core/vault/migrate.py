"""Copying a vault, whole and unchanged, to another place: a folder vault to a shared one and
back (issue 12, DR028). The copy *is* the same vault: the same header (vault id, wrapped key,
MAC), the same studio signing key file, the same audit head file, the same age files (copied as
ciphertext, never re-encrypted) and the same catalog rows.

The steps, in the order that makes an interruption safe and the copy resumable:

1. :func:`prepare` looks at the target and refuses, before writing anything, a target that holds
   a vault (a header), another vault's files or catalog, or unrelated data. A target that holds
   this vault's own signing key file (byte for byte: age output is random, so no other vault's
   file is equal) is an interrupted migration of this vault, which is resumed.
2. :meth:`Target.copy_signing_key` and :meth:`Target.copy_key_files`, then
   :meth:`Target.copy_blobs`: every blob the catalog lists,
   streamed (a file or an object stream, never a whole blob in memory), checked on arrival by
   its size; one already there with the right size is skipped (that is the resume).
3. :meth:`Target.copy_catalog`: the schema and every table's rows, in chunks, in *one*
   transaction, so the catalog is there whole or not at all; a catalog already holding this
   vault's rows (same counts) is kept. Uploads and pending writes (writes in progress) are not
   copied.
4. The audit head file, read in the same source transaction as the rows.
5. The header, last (:meth:`Target.write_header`): a target without a header is not a vault,
   so a half-made copy is never opened. :mod:`studio.core.migrate` checks the copy before.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Iterator

from sqlalchemy import Connection, Engine, func, insert, inspect, select, text

from studio.core.errors import IntegrityError, InvalidInput, VaultExists
from studio.core.progress import CancelToken, ProgressFn, check_cancel, report
from studio.core.vault.atomic import TEMP_PREFIX, finish_temp, publish, temp_file
from studio.core.vault.blobs import SUFFIX
from studio.core.vault.catalog import Base, Blob
from studio.core.vault.database import CATALOG_NAME, create_schema, make_engine, make_pg_engine
from studio.core.vault.files import FolderFiles, ObjectFiles
from studio.core.vault.head import HEAD_NAME, MAX_HEAD_BYTES
from studio.core.vault.header import HEADER_NAME, MAX_HEADER_BYTES
from studio.core.vault.location import SharedLocation
from studio.core.vault.objects import ObjectStore
from studio.core.vault.permissions import make_private_dir
from studio.core.vault.vault import LATER_KEY_FILES, SIGNING_KEY_FILE, Vault

STORES = ("blobs", "derived")
# a write in progress (its intents, a station's uploads) is bookkeeping of that write, not the
# vault's content: never copied (the source's writer lock is held throughout, see studio.core.migrate)
NOT_COPIED = frozenset({"uploads", "pending_writes"})
CHUNK_ROWS = 500
CHUNK_BYTES = 1 << 20
_PAGE = 1000  # blobs listed per catalog round trip


def copied_tables():
    """The catalog's tables in foreign-key order, without the bookkeeping of writes in progress."""
    return [t for t in Base.metadata.sorted_tables if t.name not in NOT_COPIED]


@dataclass
class CopyReport:
    blobs_copied: int = 0
    blobs_skipped: int = 0
    bytes_copied: int = 0
    rows: dict[str, int] = field(default_factory=dict)
    catalog: str = ""  # "copied" or "already there" (a resumed migration)
    resumed: bool = False

    def to_json(self) -> dict:
        return dict(self.__dict__)


# -- the source ---------------------------------------------------------------------------------

def _blob_key(vault: Vault, store: str, sha256: str) -> str:
    return f"{store}/{vault.store(store).name_for(sha256)}{SUFFIX}"


def source_blobs(source: Vault) -> Iterator[tuple[str, str]]:
    """(store, sha256) of every blob the source's catalog lists, a page at a time (short
    transactions, bounded memory)."""
    last = ""
    while True:
        with source.session() as s:
            page = s.execute(select(Blob.sha256, Blob.store).where(Blob.sha256 > last)
                             .order_by(Blob.sha256).limit(_PAGE)).all()
        if not page:
            return
        for sha, store in page:
            yield store, sha
        last = page[-1][0]


def _source_size(source: Vault, store: str, sha256: str) -> int:
    """The size of the source's age file for a blob; a missing one is an IntegrityError."""
    if source.shared:
        size = source.objects.size(_blob_key(source, store, sha256))
    else:
        try:
            size = source.store(store).path_for(sha256).stat().st_size
        except FileNotFoundError:
            size = None
    if size is None:
        raise IntegrityError(f"the source's {store} file for {sha256[:16]}… is missing: run `twin-studio check` "
                             "on the source")
    return size


@contextlib.contextmanager
def _source_stream(source: Vault, store: str, sha256: str) -> Iterator[BinaryIO]:
    if source.shared:
        with source.objects.reading(_blob_key(source, store, sha256)) as body:
            if body is None:
                raise IntegrityError(f"the source's {store} file for {sha256[:16]}… is missing")
            yield body
    else:
        with open(source.store(store).path_for(sha256), "rb") as fh:
            yield fh


def _copy_stream(src: BinaryIO, dst: BinaryIO, cancel: CancelToken | None) -> int:
    n = 0
    while True:
        check_cancel(cancel)
        chunk = src.read(CHUNK_BYTES)
        if not chunk:
            return n
        dst.write(chunk)
        n += len(chunk)


# -- the target ---------------------------------------------------------------------------------

class Target:
    """Where the copy goes; :func:`prepare` makes one after looking (and refusing)."""

    files: FolderFiles | ObjectFiles
    catalog_state: str = "empty"  # "empty" (no tables) or "ours" (this vault's rows)
    resumed: bool = False

    def __init__(self, source: Vault) -> None:
        self.source = source

    # what each kind of target does (FolderTarget, SharedTarget)
    def describe(self) -> str:
        raise NotImplementedError

    def blob_size(self, store: str, sha256: str) -> int | None:
        """The size of the target's age file for a blob (None: not there)."""
        raise NotImplementedError

    def put_blob(self, store: str, sha256: str, cancel: CancelToken | None) -> None:
        raise NotImplementedError

    def engine(self) -> Engine:
        raise NotImplementedError

    def open(self) -> Vault:
        """The copy as a vault (for ``check``), with the source's keys: no passphrase again."""
        raise NotImplementedError

    def _make(self) -> None:
        raise NotImplementedError

    # -- the steps ---------------------------------------------------------------------------
    def copy_signing_key(self) -> None:
        """The first thing written: with it, the target is recognisably this vault's migration."""
        data = self.source.files.read(SIGNING_KEY_FILE)
        if data is None:
            raise IntegrityError(f"the source's signing key ({self.source.files.where(SIGNING_KEY_FILE)}) is missing")
        if self.resumed:
            return
        self._make()
        self.files.write(SIGNING_KEY_FILE, data, overwrite=False)

    def copy_key_files(self) -> None:
        """The key files a vault gets after it is made (the content-credentials authority, DR044),
        those the source has, as ciphertext; again on a resumed migration when they differ."""
        for name in LATER_KEY_FILES:
            data = self.source.files.read(name)
            if data is not None and self.files.read(name) != data:
                self.files.write(name, data, overwrite=True)

    def copy_blobs(self, rep: CopyReport, progress: ProgressFn | None = None,
                   cancel: CancelToken | None = None) -> None:
        with self.source.session() as s:
            total = s.execute(select(func.count()).select_from(Blob)).scalar_one()
        done = 0
        report(progress, 0, total, "copying blobs")
        for store, sha in source_blobs(self.source):
            check_cancel(cancel)
            size = _source_size(self.source, store, sha)
            if self.blob_size(store, sha) == size:
                rep.blobs_skipped += 1
            else:
                self.put_blob(store, sha, cancel)
                arrived = self.blob_size(store, sha)
                if arrived != size:
                    raise IntegrityError(f"the copy of {store} {sha[:16]}… holds {arrived} bytes, the source "
                                         f"{size}: the target's disk or store did not keep it (run the migration "
                                         "again to retry)")
                rep.blobs_copied += 1
                rep.bytes_copied += size
            done += 1
            report(progress, done, total, "copying blobs")

    def copy_catalog(self, rep: CopyReport, progress: ProgressFn | None = None,
                     cancel: CancelToken | None = None) -> bytes | None:
        """The rows, in one target transaction, from one source snapshot; returns the source's
        audit head file as it was in that snapshot (None: it has none)."""
        tables = copied_tables()
        engine = self.engine()
        try:
            with self.source.session() as s:
                src = s.connection()
                head = self.source.files.read(HEAD_NAME, MAX_HEAD_BYTES)
                unknown = set(inspect(src).get_table_names()) - {t.name for t in Base.metadata.sorted_tables} \
                    - {"alembic_version"}
                if unknown:
                    raise IntegrityError(f"the source catalog has tables this Twin Studio does not know "
                                         f"({', '.join(sorted(unknown))}): refusing to migrate what it cannot copy")
                counts = {t.name: src.execute(select(func.count()).select_from(t)).scalar_one() for t in tables}
                rep.rows = counts
                if self.catalog_state == "ours":
                    rep.catalog = "already there"
                    return head
                total, done = sum(counts.values()), 0
                with engine.begin() as dst:
                    create_schema(dst)
                    for t in tables:
                        result = src.execution_options(stream_results=True, yield_per=CHUNK_ROWS).execute(select(t))
                        for rows in result.partitions(CHUNK_ROWS):
                            check_cancel(cancel)
                            dst.execute(insert(t), [dict(r._mapping) for r in rows])
                            done += len(rows)
                            report(progress, done, total, "copying the catalog")
                    _reset_sequences(dst, tables)
                    check_cancel(cancel)  # the last moment a cancel leaves no catalog behind
                rep.catalog = "copied"
                return head
        finally:
            engine.dispose()

    def copy_head(self, head: bytes | None) -> None:
        if head is not None:
            self.files.write(HEAD_NAME, head)

    def write_header(self) -> None:
        """Last: from now on the target is a vault."""
        data = self.source.files.read(HEADER_NAME, MAX_HEADER_BYTES)
        if data is None:  # a folder vault's header is read from its folder; a shared one's from its store
            raise IntegrityError("the source's header is gone")
        self.files.write(HEADER_NAME, data)


def _reset_sequences(conn: Connection, tables) -> None:
    """PostgreSQL: rows came with their ids, so each serial column's sequence is moved past the
    largest (SQLite takes the next rowid from the rows themselves)."""
    if conn.dialect.name != "postgresql":
        return
    quote = conn.dialect.identifier_preparer.quote
    for t in tables:
        for col in t.primary_key.columns:
            seq = conn.execute(text("SELECT pg_get_serial_sequence(:t, :c)"), {"t": t.name, "c": col.name}).scalar()
            if seq:
                conn.execute(text(f"SELECT setval(:s, (SELECT COALESCE(MAX({quote(col.name)}), 0) + 1 "
                                  f"FROM {quote(t.name)}), false)"), {"s": seq})


def _catalog_state(engine: Engine, source: Vault, where: str, resumed: bool) -> str:
    """"empty" or "ours"; anything else (another vault's catalog, other tables, this vault's
    catalog with other rows than the source's) is refused."""
    with engine.connect() as conn:
        names = set(inspect(conn).get_table_names())
        if not names:
            return "empty"
        first = None
        if "audit_events" in names:
            first = conn.execute(text("SELECT subject FROM audit_events ORDER BY seq LIMIT 1")).scalar()
        if first is None or first != source.header.vault_id:
            whose = f"another vault ({first})" if first else f"other data ({len(names)} tables)"
            raise VaultExists(f"the target catalog {where} holds {whose}: a vault is migrated into an empty "
                              "database; nothing was written")
        if not resumed:
            raise VaultExists(f"the target catalog {where} already holds this vault's catalog, but its store holds "
                              "no migration of it: refusing to mix them; nothing was written")
        theirs = {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one() for t in copied_tables()}
    with source.session() as s:
        ours = {t.name: s.execute(select(func.count()).select_from(t)).scalar_one() for t in copied_tables()}
    if theirs != ours:
        changed = sorted(n for n in ours if ours[n] != theirs.get(n))
        raise VaultExists(f"the target catalog {where} holds this vault's catalog from an interrupted migration, "
                          f"but the source has changed since ({', '.join(changed)}): migrate to a new, empty "
                          "target instead; nothing was written")
    return "ours"


class FolderTarget(Target):
    def __init__(self, source: Vault, root: Path) -> None:
        super().__init__(source)
        self.root = root
        self.files = FolderFiles(root)

    def describe(self) -> str:
        return str(self.root)

    def _path(self, store: str, sha256: str) -> Path:
        return self.root / store / sha256[:2] / f"{sha256}{SUFFIX}"

    def _make(self) -> None:
        make_private_dir(self.root)
        for sub in (*STORES, "keys"):
            make_private_dir(self.root / sub)

    def blob_size(self, store: str, sha256: str) -> int | None:
        try:
            return self._path(store, sha256).stat().st_size
        except FileNotFoundError:
            return None

    def put_blob(self, store: str, sha256: str, cancel: CancelToken | None) -> None:
        final = self._path(store, sha256)
        with _source_stream(self.source, store, sha256) as src, \
                temp_file(final.parent, suffix=SUFFIX) as (tmp, fh):
            _copy_stream(src, fh, cancel)
            finish_temp(fh)
            publish(tmp, final, overwrite=True)  # one there has the wrong size (a damaged earlier copy)

    def engine(self) -> Engine:
        return make_engine(self.root)

    def open(self) -> Vault:
        return Vault(self.root, self.source.header, self.source._keys)


class SharedTarget(Target):
    def __init__(self, source: Vault, location: SharedLocation) -> None:
        super().__init__(source)
        self.location = location
        self.objects = ObjectStore(location.bucket, location.prefix, location.endpoint)
        self.files = ObjectFiles(self.objects)

    def describe(self) -> str:
        return self.location.describe()

    def _key(self, store: str, sha256: str) -> str:
        return f"{store}/{self.source._keys.object_name(sha256)}{SUFFIX}"

    def _make(self) -> None:
        pass

    def blob_size(self, store: str, sha256: str) -> int | None:
        return self.objects.size(self._key(store, sha256))

    def put_blob(self, store: str, sha256: str, cancel: CancelToken | None) -> None:
        key = self._key(store, sha256)
        if not self.source.shared:
            self.objects.put_file(key, self.source.store(store).path_for(sha256))
            return
        # from one store to another: through a private local temp file (bounded memory)
        with tempfile.TemporaryDirectory(prefix=TEMP_PREFIX) as folder:
            tmp = Path(folder) / f"blob{SUFFIX}"
            with _source_stream(self.source, store, sha256) as src, open(tmp, "wb") as fh:
                _copy_stream(src, fh, cancel)
            self.objects.put_file(key, tmp)

    def engine(self) -> Engine:
        return make_pg_engine(self.location.catalog, self.location.describe().split(" + ")[0])

    def open(self) -> Vault:
        from studio.core.vault.shared import SharedVault

        return SharedVault(self.location, self.source.header, self.source._keys, self.objects)


# -- looking at the target before anything is written --------------------------------------------

def _inside(a: Path, b: Path) -> bool:
    try:
        a.resolve().relative_to(b.resolve())
        return True
    except ValueError:
        return False


def prepare(source: Vault, where: Path | SharedLocation) -> Target:
    """The target, after looking at it: a refusal (:class:`VaultExists`, :class:`InvalidInput`)
    leaves it untouched. Sets ``resumed`` when it holds an interrupted migration of this vault."""
    key = source.files.read(SIGNING_KEY_FILE)
    if key is None:
        raise IntegrityError(f"the source's signing key ({source.files.where(SIGNING_KEY_FILE)}) is missing: "
                             "run `twin-studio check` on the source")
    if isinstance(where, SharedLocation):
        return _prepare_shared(source, where, key)
    return _prepare_folder(source, Path(where).expanduser().absolute(), key)


def _already(source: Vault, files, where: str) -> None:
    header = files.read(HEADER_NAME, MAX_HEADER_BYTES)
    if header is None:
        return
    if header == source.files.read(HEADER_NAME, MAX_HEADER_BYTES):
        raise VaultExists(f"this vault was already migrated to {where} (its header is there, written only after "
                          "the copy checked clean): open it there, or run `twin-studio check` on it")
    raise VaultExists(f"a vault already exists at {where}; nothing was written")


def _prepare_folder(source: Vault, root: Path, key: bytes) -> FolderTarget:
    target = FolderTarget(source, root)
    if not source.shared and (_inside(root, source.root) or _inside(source.root, root)):
        raise InvalidInput(f"the target folder {root} must lie outside the source vault's folder {source.root} "
                           "(and not contain it)")
    if root.exists() and not root.is_dir():
        raise VaultExists(f"{root} is a file, not a folder; nothing was written")
    _already(source, target.files, str(root))
    if root.is_dir() and any(root.iterdir()):
        if target.files.read(SIGNING_KEY_FILE) != key:
            raise VaultExists(f"{root} is not an empty folder (nor an interrupted migration of this vault): a vault "
                              "is migrated into a new or empty folder; nothing was written")
        target.resumed = True
        if (root / CATALOG_NAME).is_file():
            engine = make_engine(root)
            try:
                target.catalog_state = _catalog_state(engine, source, str(root / CATALOG_NAME), True)
            finally:
                engine.dispose()
    return target


def _prepare_shared(source: Vault, location: SharedLocation, key: bytes) -> SharedTarget:
    if source.shared and source.location.catalog == location.catalog:
        raise InvalidInput("the target catalog is the source's own database: a shared vault is migrated into "
                           "another, empty database")
    target = SharedTarget(source, location)
    target.objects.check_bucket()
    _already(source, target.files, location.store)
    if target.objects.holds_anything():
        if target.files.read(SIGNING_KEY_FILE) != key:
            raise VaultExists(f"the store {location.store} already holds objects (and no interrupted migration of "
                              "this vault): a vault is migrated under an empty prefix; nothing was written")
        target.resumed = True
    engine = target.engine()
    try:
        target.catalog_state = _catalog_state(engine, source, location.describe().split(" + ")[0], target.resumed)
    finally:
        engine.dispose()
    return target


def remove_leftover_temps(target: Target) -> None:
    """What an interrupted copy left half-written in a resumed target: a folder's temp files, a
    store's unfinished multipart uploads (nobody else writes there: it is not a vault yet)."""
    if not target.resumed:
        return
    if isinstance(target, SharedTarget):
        for store in STORES:
            target.objects.abort_uploads(store, keep=set())
    if isinstance(target, FolderTarget):
        for store in STORES:
            folder = target.root / store
            if folder.is_dir():
                for p in folder.rglob(f"{TEMP_PREFIX}*"):
                    with contextlib.suppress(OSError):
                        os.unlink(p)


__all__ = ["CopyReport", "FolderTarget", "SharedTarget", "Target", "copied_tables", "prepare",
           "remove_leftover_temps"]
