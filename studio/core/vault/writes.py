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
        known = set(s.execute(select(Blob.sha256).where(Blob.sha256.in_([st.sha256 for _, st in staged]))).scalars())
        fresh = [(store, st) for store, st in staged if st.sha256 not in known]
        for store, st in {(store, st.sha256): (store, st) for store, st in fresh}.values():
            s.merge(PendingWrite(sha256=st.sha256, store=store, started_at=now))
    for store, st in staged:  # a file there without a row: an erased talent's leftover, replaced (DR055)
        vault.store(store).publish(st, overwrite=st.sha256 not in known)
    return fresh


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
