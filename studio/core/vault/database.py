"""The catalog database: a SQLite file in WAL mode, schema managed by Alembic.

Only this module knows the database URL; the rest of the core asks for a session. Opening
an older catalog upgrades it; a catalog newer than this program knows is refused.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import sessionmaker

from studio.core.errors import UnsupportedVaultVersion
from studio.core.vault.permissions import ensure_private_file

CATALOG_NAME = "catalog.sqlite"
_MIGRATIONS = Path(__file__).with_name("migrations")


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


def _on_begin(conn) -> None:
    # Take the write lock at the start of every transaction: SQLite has one writer, and a
    # read-then-write (the audit chain's "previous hash", a usage count) must not race.
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(folder: Path) -> Engine:
    ensure_private_file(folder / CATALOG_NAME)  # owner-only before SQLite creates it (and its -wal, -shm)
    engine = create_engine(f"sqlite:///{folder / CATALOG_NAME}")
    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "begin", _on_begin)
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
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def session_factory(engine: Engine) -> sessionmaker:
    return sessionmaker(engine, expire_on_commit=False)
