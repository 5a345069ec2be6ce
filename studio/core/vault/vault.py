"""An open, unlocked vault: its folder, keys, catalog sessions and the two blob stores.

Layout::

    twin-vault.json        header (format version, vault id, KDF, wrapped key, MAC)
    catalog.sqlite         catalog (WAL), schema by Alembic
    blobs/ab/<sha>.age     originals and their companions, age-encrypted, by plaintext SHA-256
    derived/ab/<sha>.age   previews, waveforms, thumbnails, the same way
    keys/                  the studio signing key, age-encrypted to the vault
    staging/<id>/          a writer's blobs staged before its commit, owned by <id>.owner (:mod:`staging`)
    .writer.lock           held while a write commits (see :mod:`lock`)

Every folder is 0700 and every file 0600 on POSIX systems (see :mod:`permissions`).
"""

from __future__ import annotations

import contextlib
from dataclasses import replace
from pathlib import Path
from typing import Iterator

import pyrage
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from studio.core import paths
from studio.core.clock import now_iso
from studio.core.errors import (
    CatalogUnavailable, IntegrityError, InvalidInput, NoSpace, StoreUnavailable, VaultExists, VaultLocked, VaultReadOnly,
)
from studio.core.ids import new_id
from studio.core.testpoints import kill_point
from studio.core.vault import audit
from studio.core.vault.atomic import write_bytes_atomic
from studio.core.vault.blobs import BlobStore
from studio.core.vault.catalog import Blob, PendingWrite
from studio.core.vault.files import FolderFiles
from studio.core.vault.likeness_keys import Keyring
from studio.core.vault.database import lookup_engine, make_engine, migrate, refusal, session_factory, writable
from studio.core.vault.head import Anchor, advance_head, anchor_existing_chain, prepare_head, read_anchor
from studio.core.vault.header import HEADER_NAME, VaultHeader, read_header
from studio.core.vault import staging
from studio.core.vault.lock import writer_lock
from studio.core.vault.permissions import make_private_dir, tighten
from studio.core.vault.keys import (
    VaultKeys, generate_keys, new_signing_key, public_key_b64, public_key_fingerprint,
    scrypt_work_factor, signing_key_from_bytes, signing_key_to_bytes, unwrap_identity, wrap_identity,
)

MIN_PASSPHRASE = 8
SIGNING_KEY_FILE = "keys/studio-signing-key.pem.age"
# the studio's content-credentials authority (DR044), made on first use
CONTENT_CREDENTIALS_FILE = "keys/content-credentials.json.age"
# key files a vault gets after it is made: a migration copies each one the source has
LATER_KEY_FILES = (CONTENT_CREDENTIALS_FILE,)


def check_new_passphrase(passphrase: str) -> None:
    if len(passphrase) < MIN_PASSPHRASE:
        raise InvalidInput(f"the passphrase must be at least {MIN_PASSPHRASE} characters long")


def check_can_create(folder: Path) -> None:
    """A vault is only made in a new or empty folder, never over another vault or other files."""
    if (folder / HEADER_NAME).exists():
        raise VaultExists(f"a vault already exists at {folder}")
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise VaultExists(f"{folder} is not an empty folder; refusing to create a vault in a non-empty folder")


class Vault:
    """A folder vault; :class:`studio.core.vault.shared.SharedVault` is the shared one (DR027)."""

    shared = False

    def __init__(self, root: Path, header: VaultHeader, keys: VaultKeys) -> None:
        self.root = root
        self.files = FolderFiles(root)  # the header, the audit head, the signing key
        self.header = header
        self._keys = keys
        # a read-only folder (a read-only mount, a backup): reading works, nothing is tightened,
        # cleaned or locked, and any change is refused as VaultReadOnly (DR021)
        self.read_only = not writable(root)
        if not self.read_only:
            tighten(root)  # before SQLite opens the catalog: new -wal/-shm files copy its mode
        self._engine = make_engine(root, read_only=self.read_only)
        try:
            migrate(self._engine)
        except NoSpace:
            if self.read_only:
                raise
            # a full disk: SQLite cannot even make the catalog's -shm. Reading still works
            # (check, list, extract elsewhere); a change is refused as NoSpace.
            self._engine.dispose()
            self.read_only = True
            self._engine = make_engine(root, read_only=True, full=True)
            migrate(self._engine)
        self._sessions = session_factory(self._engine)
        self._lookup_engine = lookup_engine(self._engine)
        self.fields = keys.field_cipher()
        self.keyring = Keyring(keys, self._sessions, session_factory(self._lookup_engine))  # DR055
        self.blobs = BlobStore(root / "blobs", keys, self.keyring)
        self.derived = BlobStore(root / "derived", keys, self.keyring)

    # -- lifecycle -------------------------------------------------------------------------
    @classmethod
    def create(cls, folder: Path, passphrase: str) -> "Vault":
        folder = Path(folder).expanduser().absolute()
        check_can_create(folder)
        check_new_passphrase(passphrase)
        make_private_dir(folder)
        for sub in ("blobs", "derived", "keys"):
            make_private_dir(folder / sub)
        keys = generate_keys()
        signing = new_signing_key()
        write_bytes_atomic(folder / SIGNING_KEY_FILE, pyrage.encrypt(signing_key_to_bytes(signing), [keys.recipient]))
        wrapped = wrap_identity(keys, passphrase)
        header = VaultHeader(
            vault_id=new_id("vault"),
            created_at=now_iso(),
            kdf={"scheme": "age-scrypt", "log2_n": scrypt_work_factor(wrapped), "r": 8, "p": 1},
            wrapped_key=wrapped,
            recipient=str(keys.recipient),
            studio_public_key=public_key_b64(signing.public_key()),
            audit_anchored=True,
        ).sealed(keys)
        vault = cls(folder, header, keys)
        with vault.session() as s:
            audit.append(s, "vault.created", header.vault_id,
                         {"studio_key": public_key_fingerprint(signing.public_key())})
        header.write(folder)  # last: a folder without a header is not (yet) a vault
        return vault

    @classmethod
    def open(cls, folder: Path, passphrase: str) -> "Vault":
        folder = Path(folder).expanduser().absolute()
        header = read_header(folder)
        keys = unwrap_identity(header.wrapped_key, passphrase, header.kdf.get("log2_n"))
        header.verify(keys)
        vault = cls(folder, header, keys)
        if not header.audit_anchored and not vault.read_only:
            vault._anchor_older_chain()
        return vault

    def _anchor_older_chain(self) -> None:
        """A vault made before the audit chain's head was anchored (DR016): anchor the chain it
        has now, if its hashes hold, and mark the header (under its MAC) so that from now on a
        missing head file is a problem, never a reason to start a new one. A chain that does not
        verify is left for ``check`` to report."""
        with self.session() as s:
            if audit.verify_chain(s):
                return
            last = audit.last_head(s)
        anchor_existing_chain(self.files, self._keys, self.header.vault_id, last)
        self.header = replace(self.header, audit_anchored=True).sealed(self._keys)
        self.header.write(self.files)

    def close(self) -> None:
        self._engine.dispose()
        if getattr(self, "_lookup_engine", self._engine) is not self._engine:
            self._lookup_engine.dispose()

    def flush_journal(self) -> bool:
        """A folder vault: copy SQLite's write-ahead log into the catalog file and empty it, so that
        a row deleted securely is overwritten in the file too, not left in an old page (DR045).
        True when done; False when a reader kept part of the log (or a shared or read-only vault)."""
        if self._engine.dialect.name != "sqlite" or self.read_only:
            return False
        raw = self._engine.raw_connection()
        try:
            cur = raw.cursor()
            busy = cur.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
            cur.close()
        finally:
            raw.close()
        return busy == 0

    def lock(self) -> None:
        """Close the vault and drop every reference it holds to its keys (the vault key, the
        field cipher, the stores' keys), as far as Python allows: the key objects are freed once
        nothing else refers to them. The vault is unusable after this; unlock it anew."""
        self.close()
        self._keys = self.fields = None  # type: ignore[assignment]
        self.blobs = self.derived = self.keyring = None  # type: ignore[assignment]
        self._sessions = _Locked()  # type: ignore[assignment]

    def describe(self) -> str:
        """Where the vault is, for titles and messages: its folder (a shared vault: its catalog and store)."""
        return str(self.root)

    def __enter__(self) -> "Vault":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- catalog ---------------------------------------------------------------------------
    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back on any error."""
        with self._sessions.begin() as s:
            yield s
            head = s.info.pop(audit.PENDING_HEAD, None)
            committed = s.info.pop(audit.COMMITTED_HEAD, None)
            if head is not None:  # the chain's new head, pending until the commit (DR016)
                prepare_head(self.files, self._keys, self.header.vault_id, head, committed)
                kill_point("audit.prepared")  # tests crash a write here: pending, not committed
        if head is not None:
            kill_point("audit.committed")  # tests crash a write here: committed, not anchored
            self._advance_head(head)

    def _advance_head(self, head) -> None:
        """After a commit: anchor its head (see :mod:`head`). The head file is read and rewritten
        inside a transaction of its own — under SQLite's write lock (a shared vault's catalog
        lock) like the pending head before the commit — so a writer that read it just before
        another's commit cannot write its older head over the newer one, which ``check`` would
        then report as events added outside Twin Studio."""
        try:
            with self._sessions.begin() as s:
                s.connection()  # BEGIN (IMMEDIATE): the catalog's write lock
                advance_head(self.files, self._keys, self.header.vault_id, head)
        except (OSError, CatalogUnavailable, StoreUnavailable, NoSpace, VaultReadOnly):
            pass  # committed, and anchored as pending: the state a crash here leaves, accepted

    @contextlib.contextmanager
    def writer_lock(self, timeout: float | None = None) -> Iterator[None]:
        """Held while a write commits (its intent, the renames, the catalog rows), so that
        interrupted writes can be cleaned up safely; heavy work (analysis, hashing, encryption,
        rendering) is done before, in a :meth:`staging` folder (DR025). Waits ``timeout``
        seconds (default: ``STUDIO_LOCK_TIMEOUT``, else one second), then raises
        :class:`VaultBusy`. A read-only vault refuses at once (:class:`VaultReadOnly`)."""
        if self.read_only:
            raise refusal(self._engine)
        with self.commit_lock(timeout):
            self.recover_interrupted_writes()
            yield

    def commit_lock(self, timeout: float | None = None):
        """The writer lock alone, without the clean-up :meth:`writer_lock` does first (``check``
        holds it to look at a moment when no write is committing)."""
        return writer_lock(self.root, timeout)

    @contextlib.contextmanager
    def staging(self) -> Iterator[staging.StagingArea]:
        """A staging folder of this writer's own, for blobs hashed and encrypted before the
        writer lock is taken; a cleaner leaves it alone while this writer lives (DR025)."""
        if self.read_only:
            raise refusal(self._engine)
        with staging.staging_area(self.root) as area:
            yield area

    def upload_staged(self, area: staging.StagingArea, staged: list) -> None:
        """Make staged blobs ``[(store, Staged)]`` reachable before the writer lock is taken: nothing to
        do in a folder (the rename under the lock is instant); a shared vault uploads them."""

    def recover_interrupted_writes(self) -> int:
        """Remove what interrupted writes left: blobs whose catalog rows never committed (their
        intents, recorded only under the writer lock), and the staged files of writers that are
        gone. A live writer's staging folder is never touched. Call with the writer lock held."""
        removed = 0
        with self.session() as s:
            pending = s.execute(select(PendingWrite)).scalars().all()
            if pending:
                known = set(s.execute(select(Blob.sha256).where(
                    Blob.sha256.in_([p.sha256 for p in pending]))).scalars())
                for p in pending:
                    if p.sha256 not in known:
                        self.store(p.store).remove(p.sha256)
                        removed += 1
                s.execute(delete(PendingWrite))
        for store in (self.blobs, self.derived):  # staged by an older Twin Studio, under the lock
            for leftover in store.temp_leftovers():
                leftover.unlink(missing_ok=True)
        staging.remove_abandoned(self.root)
        return removed

    def audit_anchor(self) -> Anchor | None:
        """The audit chain's anchored head (None: no head file); raises IntegrityError when the
        head file does not verify."""
        return read_anchor(self.files, self._keys, self.header.vault_id)

    def store(self, name: str) -> BlobStore:
        return {"blobs": self.blobs, "derived": self.derived}[name]

    # -- keys ------------------------------------------------------------------------------
    def studio_signing_key(self):
        stored = self.files.read(SIGNING_KEY_FILE)
        if stored is None:
            raise IntegrityError(f"the studio's signing key ({self.files.where(SIGNING_KEY_FILE)}) is missing")
        data = pyrage.decrypt(stored, [self._keys.identity])
        return signing_key_from_bytes(data)

    def read_key_file(self, name: str) -> bytes | None:
        """The plaintext of one of the vault's small key files (``keys/….age``, age-encrypted to
        the vault key, as the studio signing key is), or None when there is none yet."""
        stored = self.files.read(name)
        if stored is None:
            return None
        try:
            return pyrage.decrypt(stored, [self._keys.identity])
        except pyrage.DecryptError as exc:
            raise IntegrityError(f"{self.files.where(name)} cannot be decrypted: damaged, or not this vault's") from exc

    def write_key_file(self, name: str, plaintext: bytes, *, overwrite: bool = False) -> None:
        """Store a key file encrypted to the vault key; its plaintext never reaches the disk."""
        self.files.write(name, pyrage.encrypt(plaintext, [self._keys.recipient]), overwrite=overwrite)

    def decrypt_addressed(self, ciphertext: bytes, what: str) -> bytes:
        """The plaintext of something a brand age-encrypted to the vault's recipient (outputs sent
        for approval, DR047); :class:`IntegrityError` when it is damaged or addressed to another key."""
        try:
            return pyrage.decrypt(ciphertext, [self._keys.identity])
        except pyrage.DecryptError as exc:
            raise IntegrityError(f"{what} cannot be decrypted with this vault's key: damaged, or addressed to "
                                 "another studio") from exc

    def watermark_key(self, package_id: str) -> bytes:
        return self._keys.watermark_key(package_id)

    @property
    def studio_key_fingerprint(self) -> str:
        return public_key_fingerprint(self.studio_signing_key().public_key())


class _Locked:
    """A locked vault's sessions: every one refused."""

    def begin(self):
        raise VaultLocked("the vault is locked: unlock it with its passphrase to go on")


def vault_exists(folder: Path) -> bool:
    return (Path(folder) / HEADER_NAME).is_file()


def default_vault_dir() -> Path:
    return paths.vault_dir()  # STUDIO_VAULT, else the user data folder
