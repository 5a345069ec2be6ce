"""Re-encrypting files stored before per-talent keys (DR055) to their talent's likeness key, so
that an erasure shreds them too (``talent rekey``).

A file of one talent, encrypted to the vault key (``blobs.owner`` NULL), is moved in three steps,
each leaving a file that reads:

1. re-encrypted to the talent's key *and* the vault key, put in place atomically (the owner is
   still NULL: read with the vault key);
2. its owner set to the talent, committed (read with the talent's key);
3. re-encrypted to the talent's key alone, put in place atomically.

A crash between 2 and 3 leaves a talent's file the vault key still opens; the next run finds those
(a talent's file that opens with the vault key: tried for real, failing at once when it does not)
and does step 3. The plaintext never reaches the disk: it streams through a pipe from the
decryption into the encryption. Files that more than one talent refer to (the same bytes) stay
under the vault key. Each file is put in place under the writer lock, which is held only for that.
"""

from __future__ import annotations

import io
import os
import threading
from dataclasses import dataclass

import pyrage
from sqlalchemy import select

from studio.core.erasure import _references
from studio.core.errors import IntegrityError
from studio.core.ids import parse_id
from studio.core.progress import CancelToken, ProgressFn, check_cancel, report
from studio.core.testpoints import kill_point
from studio.core.vault import Vault, audit
from studio.core.vault.blobs import Staged
from studio.core.vault.catalog import Blob, Talent


@dataclass(frozen=True)
class RekeyResult:
    rekeyed: int        # moved from the vault key to a talent's key
    finished: int       # step 3 done for a file an interrupted run had left at step 2
    shared: int         # left under the vault key: more than one talent refers to it

    def to_json(self) -> dict:
        return {"rekeyed": self.rekeyed, "finished": self.finished, "shared": self.shared}


def _restage(vault: Vault, store: str, sha: str, owner: str, also: list, folder) -> Staged:
    """Decrypt the stored file into a pipe, encrypting from the pipe into a staged temp file."""
    r, w = os.pipe()
    failure: list[BaseException] = []

    def produce() -> None:
        try:
            with open(w, "wb", closefd=True) as sink:
                vault.store(store).decrypt_to(sha, sink)
        except BaseException as exc:  # the consumer sees a short stream; raised below
            failure.append(exc)

    producer = threading.Thread(target=produce, daemon=True)
    producer.start()
    try:
        with open(r, "rb", buffering=0, closefd=True) as src:
            staged = vault.store(store).stage(src, folder=folder, owner=owner, also=also)
    finally:
        producer.join()
    if failure:
        vault.store(store).discard(staged)
        raise failure[0]
    if staged.sha256 != sha:
        vault.store(store).discard(staged)
        raise IntegrityError(f"{store} {sha[:16]}… did not re-encrypt to the same content")
    return staged


def _opens_with_vault_key(vault: Vault, store: str, sha: str) -> bool:
    """Whether the vault identity alone opens the stored file (failing at once on its header when not)."""
    with vault.store(store).open_raw(sha) as src:
        if src is None:
            return False
        try:
            pyrage.decrypt_io(src, _Null(), [vault._keys.identity])
        except (pyrage.DecryptError, OSError, ValueError):
            return False
    return True


class _Null(io.RawIOBase):
    def writable(self) -> bool:
        return True

    def write(self, data) -> int:  # type: ignore[override]
        return len(data)


def rekey_talent_files(vault: Vault, talent_id: str | None = None, progress: ProgressFn | None = None,
                       cancel: CancelToken | None = None) -> RekeyResult:
    """Move the files of ``talent_id`` (None: of every talent) from the vault key to their key."""
    only = parse_id("talent", talent_id) if talent_id is not None else None
    with vault.session() as s:
        refs = _references(s)
        live = set(s.execute(select(Talent.id).where(Talent.erased_at.is_(None))).scalars())
        rows = {b.sha256: (b.store, b.owner) for b in s.execute(select(Blob.__table__))}
    todo, shared, unfinished = [], 0, []
    for sha, (store, owner) in sorted(rows.items()):
        who = refs.get(sha, set())
        if owner is None and len(who) == 1 and (only is None or who == {only}) and who <= live:
            todo.append((store, sha, next(iter(who))))
        elif owner is None and len(who) > 1 and (only is None or only in who):
            shared += 1
        elif owner is not None and owner in live and (only is None or owner == only):
            unfinished.append((store, sha, owner))
    finished = rekeyed = 0
    earlier = len(unfinished)  # the first ones: owned before this run (an interrupted run's, or done)
    steps = len(todo) + len(unfinished)
    with vault.staging() as area:
        for i, (store, sha, owner) in enumerate(todo):
            report(progress, i, steps, "re-encrypting files to their talent's key")
            check_cancel(cancel)
            both = _restage(vault, store, sha, owner, [vault._keys.recipient], area.folder)
            with vault.writer_lock():
                with vault.session() as s:
                    blob = s.get(Blob, sha)
                    if blob is None or blob.owner is not None:  # erased or moved meanwhile
                        vault.store(store).discard(both)
                        continue
                vault.store(store).replace(both)  # 1.
                kill_point("rekey.both")
                with vault.session() as s:  # 2.
                    s.get(Blob, sha).owner = owner
                vault.keyring.set_owner(sha, owner)
            kill_point("rekey.owned")  # tests crash here: the talent's, still open to the vault key
            rekeyed += 1
            unfinished.append((store, sha, owner))
        for i, (store, sha, owner) in enumerate(list(unfinished), start=len(todo)):
            report(progress, i, steps, "re-encrypting files to their talent's key")
            check_cancel(cancel)
            if not _opens_with_vault_key(vault, store, sha):
                continue
            alone = _restage(vault, store, sha, owner, [], area.folder)
            with vault.writer_lock():
                with vault.session() as s:
                    blob = s.get(Blob, sha)
                    if blob is None or blob.owner != owner:
                        vault.store(store).discard(alone)
                        continue
                vault.store(store).replace(alone)  # 3.
            if i - len(todo) < earlier:
                finished += 1
    report(progress, steps, steps, "re-encrypting files to their talent's key")
    if rekeyed or finished:
        with vault.session() as s:
            audit.append(s, "vault.files_rekeyed", vault.header.vault_id,
                         {"talent": only, "rekeyed": rekeyed, "finished": finished})
    return RekeyResult(rekeyed, finished, shared)
