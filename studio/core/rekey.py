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
under the vault key. Files are staged in batches (64 files, at most 1 GiB) without the writer
lock, which is then held for their swaps and one commit.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass

from sqlalchemy import select

from studio.core.erasure import _references
from studio.core.errors import IntegrityError
from studio.core.ids import parse_id
from studio.core.progress import CancelToken, ProgressFn, check_cancel, report
from studio.core.testpoints import kill_point
from studio.core.vault import Vault, audit
from studio.core.vault.blobs import Staged
from studio.core.vault.catalog import Blob, Talent


BATCH = 64  # files staged, then swapped and committed under one hold of the writer lock ...
BATCH_BYTES = 1 << 30  # ... and at most this much of them staged at once (a batch of scans)


def _batches(items: list, size_of) -> list[list]:
    out: list[list] = []
    total = 0
    for item in items:
        if not out or len(out[-1]) >= BATCH or total + size_of(item) > BATCH_BYTES:
            out.append([])
            total = 0
        out[-1].append(item)
        total += size_of(item)
    return out


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
    return vault.store(store).opens_with(sha, [vault._keys.identity])


def rekey_talent_files(vault: Vault, talent_id: str | None = None, progress: ProgressFn | None = None,
                       cancel: CancelToken | None = None) -> RekeyResult:
    """Move the files of ``talent_id`` (None: of every talent) from the vault key to their key."""
    only = parse_id("talent", talent_id) if talent_id is not None else None
    with vault.session() as s:
        refs = _references(s)
        live = set(s.execute(select(Talent.id).where(Talent.erased_at.is_(None))).scalars())
        rows = {b.sha256: (b.store, b.owner) for b in s.execute(select(Blob.__table__))}
        sizes = dict(s.execute(select(Blob.sha256, Blob.size)).all())
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
    fresh: list[tuple[str, str, str]] = []
    steps = 2 * len(todo) + len(unfinished)
    done_steps = 0

    def tick() -> None:
        report(progress, done_steps, steps, "re-encrypting files to their talent's key")
        check_cancel(cancel)

    with vault.staging() as area:
        for batch in _batches(todo, lambda x: sizes.get(x[1], 0)):
            staged = []
            for store, sha, owner in batch:
                tick()
                staged.append((store, sha, owner, _restage(vault, store, sha, owner, [vault._keys.recipient],
                                                           area.folder)))
                done_steps += 1
            with vault.writer_lock():
                with vault.session() as s:
                    still = set(s.execute(select(Blob.sha256).where(Blob.sha256.in_([x[1] for x in batch]),
                                                                    Blob.owner.is_(None))).scalars())
                moved = []
                for store, sha, owner, both in staged:
                    if sha not in still:  # erased or moved meanwhile
                        vault.store(store).discard(both)
                        continue
                    vault.store(store).replace(both)  # 1.
                    moved.append((store, sha, owner))
                kill_point("rekey.both")
                with vault.session() as s:  # 2.
                    for store, sha, owner in moved:
                        s.get(Blob, sha).owner = owner
                for store, sha, owner in moved:
                    vault.keyring.set_owner(sha, owner)
            kill_point("rekey.owned")  # tests crash here: the talent's, still open to the vault key
            rekeyed += len(moved)
            fresh.extend(moved)
        # 3. the files just moved, and those an interrupted run left still open to the vault key
        check = [(x, False) for x in unfinished] + [(x, True) for x in fresh]
        for batch in _batches(check, lambda x: sizes.get(x[0][1], 0)):
            staged = []
            for (store, sha, owner), new in batch:
                tick()
                done_steps += 1
                if not new and not _opens_with_vault_key(vault, store, sha):
                    continue
                staged.append((store, sha, owner, new, _restage(vault, store, sha, owner, [], area.folder)))
            if not staged:
                continue
            with vault.writer_lock():
                with vault.session() as s:
                    owners = dict(s.execute(select(Blob.sha256, Blob.owner).where(
                        Blob.sha256.in_([x[1] for x in staged]))).all())
                for store, sha, owner, new, alone in staged:
                    if owners.get(sha) != owner:
                        vault.store(store).discard(alone)
                        continue
                    vault.store(store).replace(alone)  # 3.
                    finished += 0 if new else 1
    report(progress, steps, steps, "re-encrypting files to their talent's key")
    if rekeyed or finished:
        with vault.session() as s:
            audit.append(s, "vault.files_rekeyed", vault.header.vault_id,
                         {"talent": only, "rekeyed": rekeyed, "finished": finished})
    return RekeyResult(rekeyed, finished, shared)
