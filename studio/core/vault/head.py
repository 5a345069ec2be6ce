"""The audit chain's anchored head: the sequence number and hash of the last event, in a small
file beside the catalog, under an HMAC keyed from the vault key (HKDF, its own label).

The chain's hashes alone show an event removed or edited in the middle, but not a tail cut off
together with what it recorded: whoever can edit ``catalog.sqlite`` can delete the last events
and the rest still chains. The head file is advanced after every transaction that appends
events (:meth:`studio.core.vault.Vault.session`), and only forward. Whoever lacks the
passphrase cannot write a head that verifies, so a chain shorter than its head, or one whose
event at the head's sequence has another hash, was cut or rewritten.

A crash between a commit and the head's write leaves the head behind the chain: events after
the head are not anchored yet (a note, anchored by the next write), never a false alarm. What
the head cannot show is a whole vault put back to an older copy, head file and all (see
``docs/threat-model.md``).
"""

from __future__ import annotations

import hmac
import json
from dataclasses import dataclass
from pathlib import Path

import rfc8785

from studio.core.errors import IntegrityError
from studio.core.vault.atomic import write_bytes_atomic
from studio.core.vault.keys import VaultKeys

HEAD_NAME = "audit-head.json"
HEAD_FORMAT = "twin-studio-audit-head"
MAX_HEAD_BYTES = 4096


@dataclass(frozen=True)
class Head:
    seq: int
    hash: str


def _mac_input(vault_id: str, head: Head) -> bytes:
    return rfc8785.dumps({"format": HEAD_FORMAT, "version": 1, "vault_id": vault_id,
                          "seq": head.seq, "hash": head.hash})


def read_head(root: Path, keys: VaultKeys, vault_id: str) -> Head | None:
    """The anchored head, or None when there is no head file. A file that is malformed, too
    large, for another vault, or whose MAC does not verify raises :class:`IntegrityError`."""
    path = root / HEAD_NAME
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_HEAD_BYTES + 1)
    except FileNotFoundError:
        return None
    try:
        if len(data) > MAX_HEAD_BYTES:
            raise ValueError("too large")
        raw = json.loads(data)
        if set(raw) != {"format", "version", "vault_id", "seq", "hash", "mac"} or raw["format"] != HEAD_FORMAT \
                or raw["version"] != 1:
            raise ValueError("unknown fields or format")
        head = Head(raw["seq"], raw["hash"])
        if type(head.seq) is not int or not isinstance(head.hash, str) or not isinstance(raw["mac"], str):
            raise ValueError("bad field types")
    except (ValueError, TypeError, UnicodeDecodeError) as exc:
        raise IntegrityError(f"the audit chain's head file {HEAD_NAME} is damaged ({exc})") from exc
    expected = keys.audit_head_mac(_mac_input(vault_id, head)).encode()
    if raw["vault_id"] != vault_id or not hmac.compare_digest(expected, raw["mac"].encode("utf-8", "surrogatepass")):
        raise IntegrityError(f"the audit chain's head file {HEAD_NAME} was altered or belongs to another vault "
                             "(its MAC does not match)")
    return head


def advance_head(root: Path, keys: VaultKeys, vault_id: str, head: Head) -> None:
    """Write ``head`` unless the file already holds a later one (another process went first).
    A head file that does not verify is left as it is, for ``check`` to report."""
    try:
        current = read_head(root, keys, vault_id)
    except IntegrityError:
        return
    if current is not None and current.seq >= head.seq:
        return
    body = {"format": HEAD_FORMAT, "version": 1, "vault_id": vault_id, "seq": head.seq, "hash": head.hash,
            "mac": keys.audit_head_mac(_mac_input(vault_id, head))}
    write_bytes_atomic(root / HEAD_NAME, (json.dumps(body, indent=2) + "\n").encode(), overwrite=True)
