"""The catalog database: a SQLite file in WAL mode in a folder vault, or a PostgreSQL database
in a shared vault (DR027); the schema managed by Alembic on both.

Only this module knows the database URL; the rest of the core asks for a session. Opening
an older catalog upgrades it; a catalog newer than this program knows is refused.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import sessionmaker

from studio.core.errors import CatalogUnavailable, NoSpace, UnsupportedVaultVersion, VaultReadOnly
from studio.core.vault import pglocks
from studio.core.vault.permissions import ensure_private_file

CATALOG_NAME = "catalog.sqlite"
_MIGRATIONS = Path(__file__).with_name("migrations")

READ_ONLY_MESSAGE = "the vault folder is read-only: nothing can be changed in it (reading works)"
NO_SPACE_MESSAGE = "no space left on the vault's disk: nothing was stored"

# SQLite's primary result codes (the low byte of an extended code)
_SQLITE_READONLY, _SQLITE_IOERR, _SQLITE_FULL, _SQLITE_CANTOPEN = 8, 10, 13, 14


def _alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    return cfg


def _on_connect(dbapi_conn, _record) -> None:
    dbapi_conn.isolation_level = None  # we issue BEGIN ourselves (see _on_begin)
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=FULL")  # a committed row survives power loss
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=15000")
    cur.close()


def _on_connect_read_only(dbapi_conn, _record) -> None:
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def _on_begin_read_only(conn) -> None:
    conn.exec_driver_sql("BEGIN")  # a write is refused by SQLite itself (see _typed_error)


def _typed_error(context):
    """SQLite's "attempt to write a readonly database" and "database or disk is full" (and the
    I/O errors a full disk causes) as the operator errors they are, not a traceback."""
    exc = context.original_exception
    if not isinstance(exc, sqlite3.Error):
        return None
    code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
    text = str(exc).lower()
    if code == _SQLITE_READONLY or "readonly database" in text:
        return refusal(context.engine)
    if code == _SQLITE_FULL or "disk is full" in text:
        return NoSpace(NO_SPACE_MESSAGE)
    if code in (_SQLITE_IOERR, _SQLITE_CANTOPEN):
        return _io_error(context.engine)
    return None


def refusal(engine) -> Exception:
    """Why a read-only engine refuses a change: the folder is read-only, or the disk was full
    when the vault was opened (see :meth:`Vault.__init__`)."""
    if getattr(engine, "_studio_full", False):
        return NoSpace(NO_SPACE_MESSAGE)
    return VaultReadOnly(READ_ONLY_MESSAGE)


def _io_error(engine):
    """An I/O error or a catalog that cannot be opened: say why when the folder shows it."""
    folder = getattr(engine, "_studio_folder", None)
    if folder is None:
        return None
    if not writable(folder):
        return VaultReadOnly(READ_ONLY_MESSAGE)
    if _disk_full(folder):
        return NoSpace(NO_SPACE_MESSAGE)
    return None


def _disk_full(folder: Path) -> bool:
    try:
        st = os.statvfs(folder)  # POSIX only; elsewhere SQLite reports SQLITE_FULL itself
    except (AttributeError, OSError):
        return False
    return st.f_bavail * st.f_frsize < 64 * 1024


def writable(folder: Path) -> bool:
    """Whether the vault folder and its catalog can be written by this process (a read-only
    mount, a folder or file of another owner, an immutable file: not)."""
    folder = Path(folder)
    if not os.access(folder, os.W_OK):
        return False
    catalog = folder / CATALOG_NAME
    return not catalog.exists() or os.access(catalog, os.W_OK)


def _on_begin(conn) -> None:
    # Take the write lock at the start of every transaction: SQLite has one writer, and a
    # read-then-write (the audit chain's "previous hash", a usage count) must not race.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(folder: Path, *, read_only: bool = False, full: bool = False) -> Engine:
    """``read_only``: the folder cannot be written (see :func:`writable`), or (``full``) the disk
    is too full for SQLite to open the catalog for writing. The catalog is then
    opened as an immutable file (SQLite creates no ``-wal``/``-shm`` and takes no locks; nobody
    can change a read-only folder under it), or read-only where a ``-wal`` still holds commits."""
    path = Path(folder) / CATALOG_NAME
    if read_only:
        if not path.is_file():
            raise VaultReadOnly(f"{READ_ONLY_MESSAGE}, and it has no catalog")
        wal = path.with_name(CATALOG_NAME + "-wal")
        mode = "mode=ro" if wal.is_file() and wal.stat().st_size > 0 else "mode=ro&immutable=1"
        uri = f"{path.absolute().as_uri()}?{mode}"
        engine = create_engine("sqlite://", creator=lambda: sqlite3.connect(uri, uri=True, check_same_thread=False))
        event.listen(engine, "connect", _on_connect_read_only)
        event.listen(engine, "begin", _on_begin_read_only)
    else:
        ensure_private_file(path)  # owner-only before SQLite creates it (and its -wal, -shm)
        engine = create_engine(f"sqlite:///{path}")
        event.listen(engine, "connect", _on_connect)
        event.listen(engine, "begin", _on_begin)
    engine._studio_folder = Path(folder)  # for _io_error
    engine._studio_read_only = read_only
    engine._studio_full = full
    event.listen(engine, "handle_error", _typed_error)
    return engine



def lookup_engine(engine: Engine) -> Engine:
    """An engine for short reads that never wait for the catalog's write lock: the likeness
    keyring's lookups (DR055), made while the caller may hold that lock in a transaction on the
    same thread (a read of a blob inside ``vault.session()``). SQLite: another connection to the
    same catalog whose transactions are plain ``BEGIN`` (WAL lets it read beside a writer);
    PostgreSQL: one without the advisory lock. It sees committed rows only."""
    if engine.dialect.name == "sqlite":
        if getattr(engine, "_studio_read_only", False):
            return engine  # already lock-free (an immutable or read-only catalog)
        reader = create_engine(engine.url)
        event.listen(reader, "connect", _on_connect)
        event.listen(reader, "begin", _on_begin_read_only)
        reader._studio_folder = engine._studio_folder
    else:
        reader = create_engine(engine.url, pool_pre_ping=True,
                               connect_args={"connect_timeout": 10, "application_name": "twin-studio"})
        event.listen(reader, "handle_error", _pg_error)
        reader._studio_catalog = getattr(engine, "_studio_catalog", "the catalog")
    reader._studio_read_only = getattr(engine, "_studio_read_only", False)
    reader._studio_full = getattr(engine, "_studio_full", False)
    if engine.dialect.name == "sqlite":
        event.listen(reader, "handle_error", _typed_error)
    return reader


# -- PostgreSQL (a shared vault) ------------------------------------------------------------------

def _on_begin_pg(conn) -> None:
    # every transaction one at a time, as SQLite's BEGIN IMMEDIATE (see pglocks)
    conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({pglocks.CATALOG})")


def _pg_error(context):
    """A lost or refused connection (server down, network cut, wrong credentials) as the
    :class:`CatalogUnavailable` it is; PostgreSQL rolls back whatever was in progress."""
    import psycopg

    exc = context.original_exception
    if getattr(context, "is_pre_ping", False):
        # the pool's ping of a connection the server dropped (it restarted, the network was cut):
        # left to the pool, which opens a new connection — or fails to, which is reported below
        return None
    if isinstance(exc, psycopg.OperationalError) or context.is_disconnect:
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        where = getattr(context.engine, "_studio_catalog", "the catalog") if context.engine is not None else "the catalog"
        return CatalogUnavailable(f"the vault's catalog database ({where}) cannot be reached or refused the "
                                  f"connection: {first}. Nothing of the operation in progress was committed")
    return None


def make_pg_engine(url: str, describe: str) -> Engine:
    """A shared vault's catalog. ``url``: ``postgresql://USER@HOST/DB`` without a password
    (libpq finds it: PGPASSWORD, PGPASSFILE, ~/.pgpass); ``describe``: its host and database, for messages."""
    engine = create_engine("postgresql+psycopg" + url[len("postgresql"):], pool_pre_ping=True,
                           connect_args={"connect_timeout": 10, "application_name": "twin-studio"})
    event.listen(engine, "begin", _on_begin_pg)
    event.listen(engine, "handle_error", _pg_error)
    engine._studio_catalog = describe
    engine._studio_read_only = False
    engine._studio_full = False
    return engine


def migrate(engine: Engine) -> None:
    """Bring the catalog to the newest schema; refuse a schema newer than ours."""
    cfg = _alembic_config()
    script = ScriptDirectory.from_config(cfg)
    head = script.get_current_head()
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    if current == head:
        return
    if current is not None and current not in {rev.revision for rev in script.walk_revisions()}:
        raise UnsupportedVaultVersion(
            f"the vault catalog has schema revision {current}, newer than this Twin Studio knows"
        )
    if getattr(engine, "_studio_read_only", False):
        raise VaultReadOnly(f"{READ_ONLY_MESSAGE}, and its catalog must first be upgraded to this "
                            "Twin Studio's schema: open it once where it can be written")
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def create_schema(conn) -> None:
    """Create the newest schema on ``conn`` inside the caller's transaction (a migration copies
    the rows in the same one, so a catalog is there whole or not at all)."""
    cfg = _alembic_config()
    cfg.attributes["connection"] = conn
    command.upgrade(cfg, "head")


def session_factory(engine: Engine) -> sessionmaker:
    return sessionmaker(engine, expire_on_commit=False)
