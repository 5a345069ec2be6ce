"""The talent's access copy (issue 13, GDPR Arts. 15 and 20; DR050): everything the vault holds
about one talent, in open formats, as a tar encrypted to the talent's own age recipient.

The tar is streamed into age (a pipe between a producer thread and pyrage), and age's output
into an owner-only temp file beside the target, renamed into place when complete: no clear byte
of the copy is ever written to disk. Inside (paths relative to the tar's root)::

    README.txt                      what each file is, in plain words
    talent.json                     the talent's record: name, contact, who holds their key
    assets/<asset id>/asset.json    the asset's record (metrics, QA warnings, state, hashes)
    assets/<asset id>/original/<name>        the original file, byte for byte
    assets/<asset id>/<role>/<name>          each derived file (previews, thumbnail, waveform, companions)
    reviews.json                    every review decision: the signed statement and its signature
    grants/<grant id>.json          each grant: its document, the signatures, revocation or decline
    grants/<grant id>.odrl.jsonld   the same as an ODRL 2.2 policy
    pauses.json                     the talent's pauses and resumes, signed
    ledger.json                     the ledger's entries about them (exports, uses, fees)
    packages.json                   each package made of their likeness: brand, the signed manifest
    audit-events.json               every audit event that concerns them (with its chain hashes)
    SHA256SUMS                      the SHA-256 of every other file, ``sha256sum -c`` format

The recipient: the age recipient on the card of a talent who holds their own key (a different
one given is refused: the copy is for the talent alone); for a talent whose key the studio holds
(who has no age identity the studio knows) the one they give (``--recipient``), which is then
required.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import pyrage
from sqlalchemy import select

from studio.core.assets import AssetRecord, list_assets
from studio.core.changes import Changes
from studio.core.clock import now_iso
from studio.core.consent.exports import to_odrl
from studio.core.consent.grants import list_grants
from studio.core.consent.pause import list_pauses
from studio.core.consent.talent_keys import talent_card_row, talent_public_key
from studio.core.errors import InvalidInput
from studio.core.ids import parse_id
from studio.core.ledger.entries import list_entries
from studio.core.package import manifest as mf
from studio.core.package.brand_keys import check_recipient
from studio.core.package.export import _TarWriter, _encrypt
from studio.core.package.packages import list_packages
from studio.core.package.publish import publish_new
from studio.core.package.streams import produced
from studio.core.progress import CancelToken, ProgressFn, check_cancel, report
from studio.core.talents import get_talent
from studio.core.types import FileRole
from studio.core.vault import Vault, audit
from studio.core.vault.atomic import finish_temp, temp_file
from studio.core.vault.blobs import HashingSink
from studio.core.vault.catalog import AuditEvent, Review

FORMAT = "twin-studio/access-copy"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class AccessCopy:
    """What :func:`export_access_copy` wrote: where, to whom, and the SHA-256 of each file inside."""

    talent_id: str
    path: Path
    recipient: str
    files: dict[str, str]      # path in the tar → SHA-256
    file_sha256: str           # of the encrypted file
    events: int                # audit events included

    @property
    def changes(self) -> Changes:
        return Changes(audit=True)


@dataclass
class _Member:
    path: str
    size: int
    data: bytes | None = None            # a JSON or text file, made here
    sha256: str | None = None            # a stored file: its content hash (the blob name)
    store: str | None = None             # "blobs" | "derived"


def _json(data) -> bytes:
    return (json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n").encode()


def _concerning(ids: set[str], tid: str, ev: AuditEvent, details: dict) -> bool:
    """Whether an event is about the talent: its subject or actor is them or one of their things,
    or its details name one (a grant's drafting names the talent, a ledger entry its grant)."""
    if ev.subject in ids or ev.actor == tid:
        return True
    stack = [details]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            if v in ids:
                return True
        elif isinstance(v, dict):
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
    return False


def _events(vault: Vault, ids: set[str], tid: str) -> list[dict]:
    out = []
    with vault.session() as s:
        for ev in s.execute(select(AuditEvent).order_by(AuditEvent.seq)).scalars():
            details = json.loads(ev.details)
            if _concerning(ids, tid, ev, details):
                out.append({"seq": ev.seq, "at": ev.at, "actor": ev.actor, "action": ev.action, "subject": ev.subject,
                            "details": details, "prev_hash": ev.prev_hash, "hash": ev.hash})
    return out


def _reviews(vault: Vault, asset_ids: list[str]) -> list[dict]:
    out = []
    with vault.session() as s:
        for row in s.execute(select(Review).where(Review.asset_id.in_(asset_ids)).order_by(Review.at)).scalars():
            statement = json.loads(vault.fields.open(row.statement_sealed, f"reviews.statement:{row.id}"))
            out.append({"id": row.id, "asset": row.asset_id, "decision": row.decision, "at": row.at,
                        "statement": statement, "signature": row.signature})
    return out


def _asset_members(a: AssetRecord) -> tuple[list[_Member], dict]:
    folder = f"assets/{a.id}/"
    members = [_Member(f"{folder}original/{mf.safe_name(a.original_name)}", a.size, sha256=a.sha256, store="blobs")]
    files, taken = [], {members[0].path}
    for f in a.files:
        path = f"{folder}{f.role}/{mf.safe_name(f.name)}"
        while path in taken:
            path += "_1"
        taken.add(path)
        store = "blobs" if f.role == FileRole.COMPANION else "derived"
        members.append(_Member(path, f.size, sha256=f.sha256, store=store))
        files.append({"role": f.role, "name": f.name, "media_type": f.media_type, "sha256": f.sha256, "size": f.size,
                      "path": path})
    record = {**a.to_json(), "files": files, "original_path": members[0].path}
    return members, record


def _readme(talent_id: str, created: str, counts: dict) -> str:
    return f"""Your access copy — everything this studio's Twin Studio vault holds about you
=============================================================================

Talent id: {talent_id}
Made: {created} (UTC)

This copy answers your right of access and to data portability (GDPR Articles 15 and 20). It is
a tar archive encrypted to your own age key: only you can open it
(`age -d -i YOUR_IDENTITY -o copy.tar FILE`, then `tar -xf copy.tar`). Every file is in an open
format: the files you were recorded in exactly as they were received, and JSON for the rest.

What is inside
--------------
talent.json            Your record: name, contact details, and who holds your signing key.
assets/<id>/           One folder per scan or voice recording ({counts['assets']} in all):
  original/            the file exactly as it came into the vault (its SHA-256 is in asset.json);
  lod/, lod_fine/, thumbnail/, waveform/, companion/
                       the files the studio made from it for previews, and files that came with it;
  asset.json           its measurements, quality warnings and whether you approved it.
reviews.json           Each approval or rejection you signed ({counts['reviews']}), with your signature.
grants/                Each grant ({counts['grants']}): the document, your signature, the studio's
                       countersignature, any revocation or decline; and the same as ODRL 2.2.
pauses.json            Each time you paused or resumed exports ({counts['pauses']}), signed by you.
ledger.json            Every export and reported use of your likeness, and the fees ({counts['ledger']}).
packages.json          Each package made for a brand ({counts['packages']}): which brand, when, and
                       the manifest the studio signed (what it held, under which licence).
audit-events.json      Every event in the vault's audit log that concerns you ({counts['events']}),
                       with the hashes that chain it to the rest of the log.
SHA256SUMS             The SHA-256 of every file above (`sha256sum -c SHA256SUMS`).

Nothing about other people is included.
"""


def _recipient(vault: Vault, tid: str, given: str | None) -> str:
    card = talent_card_row(vault, tid)
    if card is not None:
        if given is not None and check_recipient(given) != card["recipient"]:
            raise InvalidInput(f"talent {tid} holds their own key: their access copy is encrypted to the age "
                               "recipient on their card, not another")
        return card["recipient"]
    if given is None:
        raise InvalidInput(f"the studio holds talent {tid}'s key and knows no age identity of theirs: give the "
                           "recipient they want the copy encrypted to (--recipient age1…, from `age-keygen` or "
                           "`twin-studio talent keygen`)")
    return check_recipient(given)


def export_access_copy(vault: Vault, talent_id: str, out: Path, recipient: str | None = None,
                       progress: ProgressFn | None = None, cancel: CancelToken | None = None) -> AccessCopy:
    """Write the talent's access copy to ``out`` (a new file), encrypted to their recipient (see
    the module's notes); an audit event records that it was made (hashes only). A cancel or an
    error leaves nothing behind."""
    tid = parse_id("talent", talent_id)
    out = Path(out).expanduser().absolute()
    if out.exists():
        raise InvalidInput(f"{out} already exists; choose another file name")
    if not out.parent.is_dir():
        raise InvalidInput(f"folder {out.parent} does not exist")
    talent = get_talent(vault, tid)
    to = _recipient(vault, tid, recipient)
    created = now_iso()

    assets = list_assets(vault, tid)
    members: list[_Member] = []
    asset_json = []
    for a in assets:
        ms, record = _asset_members(a)
        members.extend(ms)
        asset_json.append((f"assets/{a.id}/asset.json", record))
    grants = list_grants(vault, tid)
    packages = list_packages(vault, tid)
    entries = list_entries(vault, tid)
    pauses = list_pauses(vault, tid)
    reviews = _reviews(vault, [a.id for a in assets])
    ids = {tid, *(a.id for a in assets), *(g.id for g in grants), *(p.id for p in packages),
           *(e.id for e in entries), *(r["id"] for r in reviews)}
    events = _events(vault, ids, tid)
    card = talent_card_row(vault, tid)
    counts = {"assets": len(assets), "reviews": len(reviews), "grants": len(grants), "pauses": len(pauses),
              "ledger": len(entries), "packages": len(packages), "events": len(events)}

    made = [("README.txt", _readme(tid, created, counts).encode()),
            ("talent.json", _json({"format": FORMAT, "format_version": FORMAT_VERSION, "created_at": created,
                                   **talent.to_json(), "card": card,
                                   "public_key": talent_public_key(vault, tid), "recipient": to}))]
    made += [(path, _json(record)) for path, record in asset_json]
    made.append(("reviews.json", _json(reviews)))
    for g in grants:
        made.append((f"grants/{g.id}.json", _json(g.to_json())))
        made.append((f"grants/{g.id}.odrl.jsonld", _json(to_odrl(g))))
    made += [("pauses.json", _json([p.to_json() for p in pauses])),
             ("ledger.json", _json([e.to_json() for e in entries])),
             ("packages.json", _json([{**p.to_json(), "manifest": p.manifest} for p in packages])),
             ("audit-events.json", _json(events))]
    members = [_Member(path, len(data), data=data) for path, data in made] + members

    total = sum(m.size for m in members) or 1
    done = [0]
    sums: dict[str, str] = {}

    def tick(n: int) -> None:
        done[0] += n
        report(progress, done[0], total, "access copy")

    def write_tar(stream: BinaryIO) -> None:
        tar = _TarWriter(stream)
        for m in members:
            check_cancel(cancel)
            tar.member(m.path, m.size)
            sink = HashingSink(stream.write, cancel, tick)
            if m.data is not None:
                sink.write(m.data)
            else:
                vault.store(m.store).decrypt_to(m.sha256, sink)
            if sink.size != m.size or (m.sha256 is not None and sink.hexdigest != m.sha256):
                raise InvalidInput(f"{m.path} did not read back as stored; nothing was written")
            tar.pad(m.size)
            sums[m.path] = sink.hexdigest
        listing = "".join(f"{sha}  {path}\n" for path, sha in sums.items()).encode()
        tar.member("SHA256SUMS", len(listing))
        stream.write(listing)
        tar.pad(len(listing))
        tar.end()

    age_recipient = pyrage.x25519.Recipient.from_str(to)
    with temp_file(out.parent, suffix="-" + out.name) as (tmp, fh):
        file_sink = HashingSink(fh.write, cancel)
        with produced(write_tar) as tar_stream:
            _encrypt(tar_stream, file_sink, age_recipient)
        finish_temp(fh)
        check_cancel(cancel)
        try:
            placed = publish_new(tmp, out, mode=0o600)
        except FileExistsError as exc:
            raise InvalidInput(f"{out} appeared meanwhile; nothing was written there") from exc
    if os.name != "nt":
        os.chmod(placed, 0o600)
    with vault.session() as s:
        audit.append(s, "talent.access_copy", tid, {"file_sha256": file_sink.hexdigest, "recipient": to,
                                                    "files": len(sums), "events": len(events)})
    return AccessCopy(tid, placed, to, dict(sums), file_sink.hexdigest, len(events))
