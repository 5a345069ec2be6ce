"""The audit chain's anchored head: the sequence number and hash of the chain's last event, in a
small file beside the catalog, under an HMAC keyed from the vault key (HKDF, its own label).

The chain's hashes alone show an event removed or edited in the middle, but not a tail cut off
together with what it recorded, nor a chain rewritten from some event on: its hashes are not
keyed, so whoever can edit ``catalog.sqlite`` can recompute them. The head file cannot be
written without the vault key. Every transaction that appends events writes it twice
(:meth:`studio.core.vault.Vault.session`): before the commit, the new head as ``pending``; after
the commit, as the head. A crash in between leaves the chain ending at the pending head — the
one state besides the head itself that ``check`` accepts. A chain shorter than its head, one
whose event at the head's sequence has another hash, or one with events beyond both (added or
rewritten outside Twin Studio) fails.

What the head cannot show is the whole history put back to an older copy, head file included:
see ``docs/threat-model.md``. A vault with events but no head file (deleted) fails too; a new
head is only ever started with the chain's first event.
"""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass
from pathlib import Path

import rfc8785

from studio.core.errors import IntegrityError
from studio.core.testpoints import pause_point
from studio.core.vault.files import FolderFiles
from studio.core.vault.keys import VaultKeys

HEAD_NAME = "audit-head.json"
HEAD_FORMAT = "twin-studio-audit-head"
MAX_HEAD_BYTES = 4096
GENESIS = "0" * 64


@dataclass(frozen=True)
class Head:
    seq: int
    hash: str


@dataclass(frozen=True)
class Anchor:
    """What the head file holds: the committed head, and the head of a commit in progress."""
    head: Head
    pending: Head | None = None


EMPTY = Anchor(Head(0, GENESIS))


def _plain(h: Head | None) -> dict | None:
    return None if h is None else {"seq": h.seq, "hash": h.hash}


def _mac_input(vault_id: str, anchor: Anchor) -> bytes:
    return rfc8785.dumps({"format": HEAD_FORMAT, "version": 1, "vault_id": vault_id,
                          "head": _plain(anchor.head), "pending": _plain(anchor.pending)})


def _head(raw) -> Head:
    if not isinstance(raw, dict) or set(raw) != {"seq", "hash"} or type(raw["seq"]) is not int \
            or not isinstance(raw["hash"], str) or raw["seq"] < 0:
        raise ValueError("a head is {seq, hash}")
    return Head(raw["seq"], raw["hash"])


def _files(where):
    """A vault's small files (:mod:`files`), or a vault folder's."""
    return FolderFiles(where) if isinstance(where, Path) else where


def read_anchor(root, keys: VaultKeys, vault_id: str) -> Anchor | None:
    """The anchored head, or None when there is no head file. A file that is malformed, too
    large, for another vault, or whose MAC does not verify raises :class:`IntegrityError`.
    ``root``: the vault's small files (:mod:`files`) or its folder."""
    data = _files(root).read(HEAD_NAME, MAX_HEAD_BYTES)
    if data is None:
        return None
    try:
        if len(data) > MAX_HEAD_BYTES:
            raise ValueError("too large")
        raw = json.loads(data)
        if not isinstance(raw, dict) or set(raw) != {"format", "version", "vault_id", "head", "pending", "mac"} \
                or raw["format"] != HEAD_FORMAT or raw["version"] != 1 or not isinstance(raw["mac"], str):
            raise ValueError("unknown fields or format")
        anchor = Anchor(_head(raw["head"]), None if raw["pending"] is None else _head(raw["pending"]))
    except (ValueError, TypeError, UnicodeDecodeError) as exc:
        raise IntegrityError(f"the audit chain's head file {HEAD_NAME} is damaged ({exc})") from exc
    expected = keys.audit_head_mac(_mac_input(vault_id, anchor)).encode()
    if raw["vault_id"] != vault_id or not hmac.compare_digest(expected, raw["mac"].encode("utf-8", "surrogatepass")):
        raise IntegrityError(f"the audit chain's head file {HEAD_NAME} was altered or belongs to another vault "
                             "(its MAC does not match)")
    return anchor


def _write(root, keys: VaultKeys, vault_id: str, anchor: Anchor) -> None:
    body = {"format": HEAD_FORMAT, "version": 1, "vault_id": vault_id, "head": _plain(anchor.head),
            "pending": _plain(anchor.pending), "mac": keys.audit_head_mac(_mac_input(vault_id, anchor))}
    _files(root).write(HEAD_NAME, (json.dumps(body, indent=2) + "\n").encode())


def _current(root, keys: VaultKeys, vault_id: str, new: Head) -> Anchor | None:
    """The file's anchor to build on; None when it must be left alone for ``check`` to report
    (altered, or missing while the chain already had events)."""
    try:
        anchor = read_anchor(root, keys, vault_id)
    except IntegrityError:
        return None
    if anchor is None:
        return EMPTY if new.seq == 1 else None
    return anchor


def prepare_head(root, keys: VaultKeys, vault_id: str, new: Head, committed: Head | None = None) -> None:
    """Before a commit that appends events ending at ``new``: record it as pending.

    ``committed``: the chain's last event before them, read under the catalog's write lock. When
    it is the file's pending head (a write that committed, then crashed before anchoring its
    head), it becomes the head here: replaced only as pending, it would be lost should this
    write crash before its commit too, leaving the chain ending at an event that is neither the
    head nor pending — a false report of events added outside Twin Studio (DR016)."""
    anchor = _current(root, keys, vault_id, new)
    if anchor is None or new.seq <= anchor.head.seq:
        return
    head = anchor.head
    if committed is not None and anchor.pending == committed and committed.seq > head.seq:
        head = committed
    _write(root, keys, vault_id, Anchor(head, new))


def advance_head(root, keys: VaultKeys, vault_id: str, new: Head) -> None:
    """After that commit: ``new`` is the head (unless another process already wrote a later
    one); a later pending head of another process is kept."""
    anchor = _current(root, keys, vault_id, new)
    pause_point("audit.head-read")  # tests show another writer cannot slip in here
    if anchor is None or anchor.head.seq >= new.seq:
        return
    pending = anchor.pending if anchor.pending is not None and anchor.pending.seq > new.seq else None
    _write(root, keys, vault_id, Anchor(new, pending))


def anchor_existing_chain(root, keys: VaultKeys, vault_id: str, last: Head) -> None:
    """Anchor a vault made before heads were kept (header without ``audit_anchored``) at the
    chain it has now — once, when it is first opened writable, and only when no head file is
    there (the caller verified the chain's hashes first)."""
    if not _files(root).exists(HEAD_NAME):
        _write(root, keys, vault_id, Anchor(last))
