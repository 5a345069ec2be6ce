"""The crash-safe order for new blobs, shared by every writer (ingest, derived files).

1. record the intent (a ``pending_writes`` row) and commit it; 2. rename the staged blobs into
place; 3. in the caller's transaction, add their ``blobs`` rows and clear the intent together
with the rows that use them. A crash between 1 and 3 leaves an intent that
:meth:`Vault.recover_interrupted_writes` resolves by removing the unreferenced blobs.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from studio.core.vault.blobs import Staged
from studio.core.errors import ConsentError
from studio.core.vault.catalog import Blob, PendingWrite, TalentBlobKey

Fresh = list[tuple[str, Staged]]


def publish_with_intent(vault, staged: list[tuple[str, Staged]], now: str) -> Fresh:
    """Steps 1 and 2. Returns the staged blobs the catalog does not know yet."""
    with vault.session() as s:
        owners = dict(s.execute(select(Blob.sha256, Blob.owner).where(
            Blob.sha256.in_([st.sha256 for _, st in staged]))).all())
        known = set(owners)
        fresh = [(store, st) for store, st in staged if st.sha256 not in known]
        for store, st in {(store, st.sha256): (store, st) for store, st in fresh}.values():
            s.merge(PendingWrite(sha256=st.sha256, store=store, started_at=now))
    for store, st in staged:  # a file there without a row: an erased talent's leftover, replaced (DR055)
        # a shared vault: this writer uploaded content another committed meanwhile for another talent,
        # and its upload may have replaced that object (see settle_owner)
        raced = st.sha256 in known and owners[st.sha256] != st.owner and vault.store(store).uploaded(st)
        vault.store(store).publish(st, overwrite=st.sha256 not in known)
        if raced:
            settle_owner(vault, store, st.sha256, owners[st.sha256], st.owner)
    return fresh


def settle_owner(vault, store: str, sha256: str, recorded: str | None, ours: str | None) -> None:
    """Two stations uploaded the same new bytes for two talents before either committed: the object
    is whichever upload came last. When it does not open with the key its row names, it is ours:
    the row is made to say so (DR055). Under the writer lock."""
    identity = vault.keyring.identity(recorded) if recorded is not None else vault.keyring.vault_identity
    if identity is not None and vault.store(store).opens_with(sha256, [identity]):
        return
    with vault.session() as s:
        row = s.get(Blob, sha256)
        if row is not None and row.owner == recorded:
            row.owner = ours
    vault.keyring.set_owner(sha256, ours)


def add_blob_rows(s: Session, fresh: Fresh, now: str) -> None:
    for owner in sorted({st.owner for _, st in fresh if st.owner is not None}):
        if s.get(TalentBlobKey, owner) is None:  # erased while this write was staged (DR055)
            raise ConsentError(f"talent {owner} was erased at their request while this was being stored: "
                               "nothing was stored")
    for store, st in fresh:
        if s.get(Blob, st.sha256) is None:
            s.add(Blob(sha256=st.sha256, store=store, size=st.size, created_at=now, owner=st.owner))
    s.flush()


def clear_intent(s: Session, fresh: Fresh) -> None:
    for store, st in fresh:
        pw = s.get(PendingWrite, (st.sha256, store))
        if pw is not None:
            s.delete(pw)


def discard_intent(vault, fresh: Fresh) -> None:
    """A write refused after step 2 (its transaction rolled back): remove the blobs it published
    that no catalog row references, and its intent, so the refusal leaves the vault as it was."""
    if not fresh:
        return
    with vault.session() as s:
        known = set(s.execute(select(Blob.sha256).where(Blob.sha256.in_([st.sha256 for _, st in fresh]))).scalars())
        for store, st in fresh:
            if st.sha256 not in known:
                vault.store(store).remove(st.sha256)
            pw = s.get(PendingWrite, (st.sha256, store))
            if pw is not None:
                s.delete(pw)
