"""The studio's signed receipt for a talent's imported decisions (issue 13, DR049 amendment).

``decisions import`` applies a decisions file in one transaction; the receipt says so to the
talent, signed with the studio key (the one that signs packages and kits): which file (its
SHA-256), which kit, which kinds of decision were applied, when, and the head of the audit chain
that the import's own event became. The talent's side verifies it with the studio key (``receipt
verify FILE --studio-key PEM``) and, given the talent's folder, remembers that head beside the
kits' heads: a later kit whose history does not extend it is warned about, as for kits.

A receipt is made from the ``decisions.imported`` event, so it can be written again later, and
it holds ids, hashes and instants only (no likeness, no secret).

The **erasure receipt** (DR055) is the same kind of signed file for an erasure: made from the
``talent.erased`` tombstone event, it lists by hash what was destroyed, the files stored before
per-talent keys whose backed-up copies stay decryptable until the backups expire (with the
retention the studio set), the packages already delivered (brand, hashes) and the head of the
chain that the tombstone became. ``receipt verify`` verifies either kind.

Both kinds carry, inside the signed body, the chain's links from the head of the talent's last
kit up to the receipt's head (``chain: {from, events}``, made as a kit's by
:func:`kit_chain.chain_excerpt`, DR056): the talent's side checks them as it checks a kit's
(:func:`kit_chain.excerpt_warnings`). Audit events hold ids, hashes, signatures and instants, so
the events about the talent carried in full add no likeness and no name. A receipt without
links (made before them) verifies as before, with no warning.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select

from studio.core.clock import now_iso
from studio.core.consent.signing import canonical, sign
from studio.core.errors import IntegrityError, InvalidInput, NotFound
from studio.core.ids import parse_id
from studio.core.kits.decisions import IMPORTED
from studio.core.kits.kit_chain import CHAIN_KEY, chain_excerpt, excerpt_warnings
from studio.core.kits.kit_file import MAX_KIT_JSON
from studio.core.kits.talent_side import KEEP_HEADS, SEEN_FILE, chain_warnings, read_seen
from studio.core.vault import Vault
from studio.core.vault.atomic import write_bytes_atomic
from studio.core.vault.catalog import AuditEvent
from studio.core.vault.keys import public_key_b64, public_key_fingerprint
from studio.core.vault.likeness_keys import ERASED

RECEIPT_TYPE = "twin-studio/decisions-receipt"
VERSION = 1
MAX_RECEIPT_BYTES = MAX_KIT_JSON  # the links are bounded as a kit's (MAX_CHAIN_EVENTS, ~3.4 MB of links)
FIELDS = {"type", "version", "decisions_id", "decisions_sha256", "kit", "talent", "applied", "imported_at",
          "chain_head", "studio", "signature"}
ERASURE_TYPE = "twin-studio/erasure-receipt"
ERASURE_FIELDS = {"type", "version", "talent", "erased_at", "request_seq", "likeness_key", "assets", "destroyed",
                  "legacy_in_backups", "shared_kept", "backup_retention_days", "backups", "packages", "chain_head",
                  "studio", "signature"}
KINDS = {RECEIPT_TYPE: FIELDS, ERASURE_TYPE: ERASURE_FIELDS}  # and CHAIN_KEY, but in receipts made before DR056's links
BACKUPS_NOTE = ("Copies of the catalog in the studio's backups still hold this talent's likeness key, wrapped by the "
                "vault key, until those backups expire ({days} days after {at}); files listed under "
                "legacy_in_backups were stored before per-talent keys and their backed-up copies stay decryptable "
                "with the vault key for as long. Every other copy of the destroyed files is undecryptable now.")


@dataclass(frozen=True)
class VerifiedReceipt:
    receipt: dict
    warnings: list[str]

    def to_json(self) -> dict:
        return {"valid": True, "receipt": {k: v for k, v in self.receipt.items() if k != "signature"},
                "warnings": self.warnings}


def decisions_receipt(vault: Vault, decisions_id: str) -> dict:
    """The signed receipt of the imported decisions ``decisions_id`` (from its audit event)."""
    did = parse_id("decisions", decisions_id)
    ev = _first_event(vault, IMPORTED, did, f"no decisions {did} were imported into this vault")
    details = ev.details
    body = {"type": RECEIPT_TYPE, "version": VERSION, "decisions_id": str(did),
            "decisions_sha256": details.get("sha256"), "kit": details.get("kit"), "talent": details.get("talent"),
            "applied": list(details.get("decisions") or []), "imported_at": ev.at}
    return _studio_signed(vault, body, ev)


def erasure_receipt(vault: Vault, talent_id: str) -> dict:
    """The signed receipt of the erasure of ``talent_id`` (from its tombstone event)."""
    tid = parse_id("talent", talent_id)
    ev = _first_event(vault, ERASED, tid, f"talent {tid} was not erased in this vault", str(tid))
    d, at = ev.details, ev.at
    days = d.get("backup_retention_days")
    body = {"type": ERASURE_TYPE, "version": VERSION, "talent": str(tid), "erased_at": at,
            "request_seq": d.get("request_seq"), "likeness_key": d.get("key"), "assets": d.get("assets") or [],
            "destroyed": d.get("destroyed") or {}, "legacy_in_backups": d.get("legacy") or {},
            "shared_kept": d.get("shared") or [], "backup_retention_days": days,
            "backups": BACKUPS_NOTE.format(days=days, at=at), "packages": d.get("packages") or []}
    return _studio_signed(vault, body, ev)


@dataclass(frozen=True)
class _Event:
    """The event a receipt is made from, and the chain's links up to it (DR056)."""

    details: dict
    seq: int
    hash: str
    at: str
    chain: dict


def _first_event(vault: Vault, action: str, subject: str, missing: str, talent: str | None = None) -> _Event:
    """The first ``action`` event about ``subject`` (NotFound: ``missing``), with the links from
    the head of ``talent``'s last kit up to it (the talent the event's details name when None),
    read in one session."""
    with vault.session() as s:
        ev = s.execute(select(AuditEvent).where(AuditEvent.action == action, AuditEvent.subject == subject)
                       .order_by(AuditEvent.seq).limit(1)).scalar_one_or_none()
        if ev is None:
            raise NotFound(missing)
        details = json.loads(ev.details)
        tid = talent or details.get("talent")
        if not isinstance(tid, str):
            raise IntegrityError(f"audit event {ev.seq} ({action}) names no talent")
        return _Event(details, ev.seq, ev.hash, ev.at, chain_excerpt(s, tid, ev.seq))


def _studio_signed(vault: Vault, body: dict, ev: _Event) -> dict:
    """``body`` with the head of the chain the event ``ev`` became, the links up to it, and the
    studio's key named in it, signed by that key."""
    key = vault.studio_signing_key()
    body = dict(body, chain_head={"seq": ev.seq, "hash": ev.hash}, **{CHAIN_KEY: ev.chain},
                studio={"verify_key": public_key_b64(key.public_key()), "fingerprint": vault.studio_key_fingerprint})
    return dict(body, signature=sign(key, body))


def write_erasure_receipt(vault: Vault, talent_id: str, out: Path) -> dict:
    """Write the erasure receipt to ``out`` (never overwritten); returns it."""
    return _write(out, lambda: erasure_receipt(vault, talent_id))


def write_decisions_receipt(vault: Vault, decisions_id: str, out: Path) -> dict:
    """Write the receipt to ``out`` (never overwritten); returns it."""
    return _write(out, lambda: decisions_receipt(vault, decisions_id))


def check_out(out: Path) -> Path:
    out = Path(out)
    if out.exists():
        raise InvalidInput(f"{out} already exists; refusing to overwrite it")
    if not out.parent.is_dir():
        raise InvalidInput(f"folder {out.parent} does not exist")
    return out


def _write(out: Path, make) -> dict:
    out = check_out(out)
    receipt = make()
    write_bytes_atomic(out, (json.dumps(receipt, indent=1, ensure_ascii=False) + "\n").encode(), public=True)
    return receipt


def _read(path: Path) -> dict:
    if not path.is_file():
        raise NotFound(f"no receipt at {path}")
    raw = path.read_bytes()
    if len(raw) > MAX_RECEIPT_BYTES:
        raise InvalidInput(f"{path} is {len(raw)} bytes: too large for a receipt")
    try:
        data = json.loads(raw.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise IntegrityError(f"{path} is not a readable receipt (damaged or truncated)") from exc
    if not isinstance(data, dict) or data.get("type") not in KINDS or set(data) - {CHAIN_KEY} != KINDS[data["type"]]:
        raise IntegrityError(f"{path} is not a Twin Studio receipt (of decisions or of an erasure)")
    if data.get("version") != VERSION:
        raise InvalidInput(f"{path} is a receipt of version {data.get('version')!r}; this Twin Studio reads {VERSION}")
    head = data.get("chain_head")
    if not isinstance(head, dict) or not isinstance(head.get("seq"), int) or not isinstance(head.get("hash"), str):
        raise IntegrityError(f"{path} carries no head of the studio's history")
    return data


def verify_receipt(path: Path, studio_key: Ed25519PublicKey, talent_folder: Path | None = None) -> VerifiedReceipt:
    """Verify the receipt at ``path`` with ``studio_key``: :class:`IntegrityError` when it is not
    the studio's (altered, or signed by another key). With ``talent_folder`` (``talent keygen``'s),
    its head joins the heads seen there, and the warnings say when it does not extend them. The
    receipt's links since the talent's last kit are checked as a kit's (a gap, an event not the
    one its hash says, links not ending at the head; with ``talent_folder``, a head seen before
    that they contradict); a receipt without links gives no warning about them."""
    path = Path(path)
    data = _read(path)
    body = {k: v for k, v in data.items() if k != "signature"}
    try:
        studio_key.verify(base64.b64decode(data["signature"], validate=True), canonical(body))
    except (InvalidSignature, ValueError, TypeError) as exc:
        raise IntegrityError(f"{path} is not signed by the studio key {public_key_fingerprint(studio_key)}: "
                             "altered, or made by someone else") from exc
    if data["studio"].get("verify_key") != public_key_b64(studio_key):
        raise IntegrityError(f"{path} names another studio key than the one given")
    if talent_folder is None:
        return VerifiedReceipt(data, excerpt_warnings(data, [], "receipt"))
    folder = Path(talent_folder)
    if not folder.is_dir():
        raise NotFound(f"no folder {folder}")
    seen = read_seen(folder)
    pinned = seen.get("studio_verify_key")
    if pinned is not None and pinned != public_key_b64(studio_key):
        raise IntegrityError(f"{path} is signed by another studio key than the kits you opened before")
    head = data["chain_head"]
    # an older receipt opened after a newer kit is not history going back; a head that differs at
    # its own event is a rewrite (a later kit behind this head is warned about by ``kit show``)
    warnings = chain_warnings([h for h in seen["heads"] if h.get("seq", -1) <= head["seq"]],
                              head["seq"], head["hash"]) + excerpt_warnings(data, seen["heads"], "receipt")
    erasure = data["type"] == ERASURE_TYPE
    label = f"erasure {data['talent']}" if erasure else f"receipt {data['decisions_id']}"
    if not any(h.get("kit") == label for h in seen["heads"]):
        made = data["erased_at"] if erasure else data["imported_at"]
        seen["heads"] = (seen["heads"] + [{"kit": label, "seq": head["seq"], "hash": head["hash"],
                                           "made_at": made, "seen_at": now_iso()}])[-KEEP_HEADS:]
    seen["studio_verify_key"] = public_key_b64(studio_key)
    write_bytes_atomic(folder / SEEN_FILE, (json.dumps(seen, indent=1) + "\n").encode(), overwrite=True)
    return VerifiedReceipt(data, warnings)
