"""Each talent's likeness key (DR055): an age X25519 identity that every blob and derived file of
the talent is encrypted to, stored in the catalog (``talent_blob_keys``) age-encrypted to the
vault's recipient. Erasing the talent deletes that row: every copy of their files — the store's,
a backup's — can no longer be decrypted by anyone (crypto-shredding).

The standard ``age`` tool still recovers everything in two steps: unwrap the vault identity with
the passphrase, decrypt the talent's row with it, then decrypt their files with that.

The stores read through a :class:`Keyring`: it knows the owner of each blob (``blobs.owner``,
looked up once and cached) and the unwrapped identities of the talents (loaded at unlock, and
again on a miss: another station of a shared vault may have added a talent since), so a read
tries exactly one identity.
"""

from __future__ import annotations

import json
import threading
from typing import Callable

import pyrage
from sqlalchemy import select
from sqlalchemy.orm import Session

from studio.core.clock import now_iso
from studio.core.errors import ConsentError, IntegrityError, NotFound, StudioError
from studio.core.vault.catalog import AuditEvent, Blob, TalentBlobKey
from studio.core.vault.keys import VaultKeys


ERASED = "talent.erased"  # the tombstone event of an erasure (studio.core.erasure)


def erased_hashes(s: Session) -> dict[str, set[str]]:
    """Every hash an erasure destroyed, by store (for ``check`` to recognise restored copies)."""
    out: dict[str, set[str]] = {"blobs": set(), "derived": set()}
    for details in s.execute(select(AuditEvent.details).where(AuditEvent.action == ERASED)).scalars():
        d = json.loads(details)
        for part in ("destroyed", "legacy"):
            for store, hashes in (d.get(part) or {}).items():
                out.setdefault(store, set()).update(hashes)
    return out


def decrypts_with_any(ciphertext: bytes, identities: list) -> bool:
    """Whether any of ``identities`` opens the age file (tried for real: a header parse is not enough)."""
    try:
        pyrage.decrypt(ciphertext, identities)
    except (pyrage.DecryptError, ValueError, OSError):
        return False
    return True


def key_fingerprint(recipient: str) -> str:
    """A likeness key's public name in receipts: its age recipient (public, names no person)."""
    return recipient


def make_key(s: Session, keys: VaultKeys, talent_id: str) -> TalentBlobKey:
    """Add a new likeness key for ``talent_id`` in the caller's transaction."""
    identity = pyrage.x25519.Identity.generate()
    row = TalentBlobKey(talent_id=talent_id, recipient=str(identity.to_public()),
                        wrapped_identity=pyrage.encrypt(str(identity).encode(), [keys.recipient]),
                        created_at=now_iso())
    s.add(row)
    return row


def unwrap(keys: VaultKeys, row: TalentBlobKey) -> pyrage.x25519.Identity:
    try:
        return pyrage.x25519.Identity.from_str(pyrage.decrypt(row.wrapped_identity, [keys.identity]).decode())
    except (pyrage.DecryptError, ValueError, UnicodeDecodeError) as exc:
        raise IntegrityError(f"the likeness key of talent {row.talent_id} cannot be unwrapped with the vault key "
                             "(damaged, or not this vault's)") from exc


class Keyring:
    """The identities a store decrypts with, by the owner of each blob (see the module's notes)."""

    def __init__(self, keys: VaultKeys, sessions: Callable, lookups: Callable | None = None) -> None:
        self._keys = keys
        self._sessions = sessions  # a sessionmaker: the writes (a talent's first key)
        # the reads: a sessionmaker whose transactions take no write lock (database.lookup_engine), as
        # a store reads a blob while its caller may hold that lock on the same thread
        self._lookups = lookups or sessions
        self._lock = threading.Lock()
        self._identities: dict[str, pyrage.x25519.Identity] = {}
        self._recipients: dict[str, str] = {}
        self._owners: dict[str, str | None] | None = None

    # -- keys ----------------------------------------------------------------------------------
    @property
    def vault_identity(self):
        return self._keys.identity

    def reload(self) -> None:
        with self._lookups() as s:
            rows = s.execute(select(TalentBlobKey)).scalars().all()
            found = {r.talent_id: (unwrap(self._keys, r), r.recipient) for r in rows}
        with self._lock:
            self._identities = {t: i for t, (i, _) in found.items()}
            self._recipients = {t: r for t, (_, r) in found.items()}

    def identity(self, talent_id: str) -> pyrage.x25519.Identity | None:
        found = self._identities.get(talent_id)
        if found is None:
            self.reload()
            found = self._identities.get(talent_id)
        return found

    def all_identities(self) -> list:
        """The vault's identity and every talent's: whatever this vault can decrypt with."""
        self.reload()
        return [self._keys.identity, *self._identities.values()]

    def recipient_for(self, owner: str | None):
        """What a new blob of ``owner`` (None: the vault) is encrypted to; the talent's key is made
        on their first write when they have none yet (a talent added before DR055)."""
        if owner is None:
            return self._keys.recipient
        if self.identity(owner) is None:
            self._make(owner)
        found = self.identity(owner)
        if found is None:
            raise IntegrityError(f"talent {owner} has no likeness key (erased?)")
        return found.to_public()

    def _make(self, owner: str) -> None:
        from studio.core.vault.catalog import Talent

        try:
            with self._sessions.begin() as s:
                talent = s.get(Talent, owner)
                if talent is None:
                    raise NotFound(f"no talent {owner} in this vault")
                if talent.erased_at is not None:
                    raise ConsentError(f"talent {owner} was erased at their request: nothing of theirs can be "
                                       "stored or exported")
                if s.get(TalentBlobKey, owner) is None:
                    make_key(s, self._keys, owner)
        except StudioError:
            raise
        except Exception:  # another writer made it meanwhile (the primary key): read theirs
            self.reload()
            if owner not in self._identities:
                raise

    def forget(self, talent_id: str) -> None:
        with self._lock:
            self._identities.pop(talent_id, None)
            self._recipients.pop(talent_id, None)

    # -- owners --------------------------------------------------------------------------------
    def _lookup(self, sha256: str) -> tuple[bool, str | None]:
        """(whether a committed row exists, its owner)."""
        with self._lookups() as s:
            row = s.execute(select(Blob.owner).where(Blob.sha256 == sha256)).first()
        return (row is not None, row[0] if row is not None else None)

    def has_row(self, sha256: str) -> bool:
        """Whether the catalog has a committed row for this content now."""
        return self._lookup(sha256)[0]

    def owner_of(self, sha256: str, fresh: bool = False) -> str | None:
        if self._owners is None:
            with self._lookups() as s:
                owners = dict(s.execute(select(Blob.sha256, Blob.owner)).all())
            with self._lock:
                self._owners = owners
        if not fresh and sha256 in self._owners:
            return self._owners[sha256]
        found, owner = self._lookup(sha256)
        if found:  # a row not committed yet is not remembered as the vault's: asked again next time
            with self._lock:
                self._owners[sha256] = owner
        return owner

    def set_owner(self, sha256: str, owner: str | None) -> None:
        with self._lock:
            if self._owners is not None:
                self._owners[sha256] = owner

    def identities_for(self, sha256: str) -> list:
        """The one identity the blob ``sha256`` is encrypted to (IntegrityError: its owner was erased)."""
        owner = self.owner_of(sha256)
        if owner is None:
            return [self._keys.identity]
        found = self.identity(owner)
        if found is None:
            again = self.owner_of(sha256, fresh=True)  # a shared file handed to another talent by an erasure
            if again != owner:
                return self.identities_for(sha256)
            raise IntegrityError(f"blob {sha256[:16]}… cannot be decrypted: its talent was erased and their key "
                                 "destroyed")
        return [found]
