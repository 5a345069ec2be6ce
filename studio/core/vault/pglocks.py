"""The PostgreSQL advisory locks a shared vault's stations coordinate with (DR027).

* :data:`CATALOG`, taken at the start of every transaction (``pg_advisory_xact_lock``): the
  catalog's transactions run one at a time, as SQLite's ``BEGIN IMMEDIATE`` makes them in a
  folder vault, so every read-then-write in the core (the audit chain's previous hash, a
  duplicate check, a counter) is as safe on a shared vault as on a folder one.
* :data:`AUDIT`, taken again by every audit append: the chain stays one chain even if a
  transaction ever runs without the first.
* :data:`WRITER`, a session lock held on its own connection while a write commits: the shared
  vault's writer lock (:meth:`SharedVault.writer_lock`).
* A writer's lease, ``(LEASE_CLASS, n)`` in the two-key space (which never meets the one-key
  space of the others): held on its own connection for as long as the writer lives. PostgreSQL
  drops it when the connection ends — a process killed, a machine gone, a network cut, once the
  server notices — which is how a cleaner tells a dead writer's uploads from a live one's.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

CATALOG = 0x5457_494E_0001  # "TWIN" and a number
AUDIT = 0x5457_494E_0002
WRITER = 0x5457_494E_0003
LEASE_CLASS = 0x5457_494E & 0x7FFF_FFFF


def lease_key(owner: str) -> int:
    """The lease's second key: the owner id's first 8 hex digits as a signed 32-bit number."""
    n = int(owner[:8], 16)
    return n - (1 << 32) if n >= 1 << 31 else n


def lock_audit(s: Session) -> None:
    if s.get_bind().dialect.name == "postgresql":
        s.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": AUDIT})


def lease_alive(s: Session, owner: str) -> bool:
    """Whether ``owner``'s writer still holds its lease (tested by taking it for an instant)."""
    free = s.execute(text("SELECT pg_try_advisory_lock(:c, :k)"), {"c": LEASE_CLASS, "k": lease_key(owner)}).scalar()
    if free:
        s.execute(text("SELECT pg_advisory_unlock(:c, :k)"), {"c": LEASE_CLASS, "k": lease_key(owner)})
    return not free
