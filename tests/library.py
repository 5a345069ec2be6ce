"""A large library, made in seconds: one talent with many voice takes in a vault of many talents,
with many consent grants and ledger entries (issue 10, DR026). The UI tests and the library
benchmark share it.

What is real and what is short-cut:

* A few base takes (tiny WAVs) go through the real ingest: their assets, blobs and waveforms are
  what ``ingest_paths`` makes. Every further take is a base take with its number in a ``LIST``
  chunk (so its bytes, hence its SHA-256, are its own; its audio and metrics are the base take's),
  stored as a real age-encrypted blob and recorded with the same rows and audit event
  ``ingest_file`` commits — but many to a transaction and without an fsync per file, and its
  waveform is the base take's derived file (one blob, shared). That is what makes 10,000 takes
  a matter of seconds rather than the minutes 10,000 ingests take.
* The talent's key, one approval, one active grant, one brand and one package export go through
  the real core. The other grants are drafts written as ``draft_grant`` writes them, many to a
  transaction; the other ledger entries are uses reported in reports the brand really signed,
  written as ``import_report`` writes them (its entry, its counted use, its audit event) without
  re-verifying the whole audit chain for each of them.

The vault it makes is one ``twin-studio check`` accepts (the benchmark's smallest size is checked
in ``tests/core/test_library_generator.py``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import struct
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyrage

BIG_TALENT = "Zoë Weatherby"
TALENT_PASS = "the talent's own long phrase"
BASE_TAKES = 6
WORDS = ("hello", "line", "retake", "breath", "laugh", "whisper", "shout", "count")
RATE = 8_000
TAKE_S = 0.2
CHUNK = 1_000  # rows to a transaction


@dataclass(frozen=True)
class Library:
    root: Path
    talent_id: str
    talent_name: str
    assets: int
    grants: int
    entries: int
    talents: int


def _wav(seed: int) -> bytes:
    rng = np.random.default_rng(seed)
    n = int(RATE * TAKE_S)
    t = np.arange(n) / RATE
    x = 0.3 * np.sin(2 * np.pi * (180 + 40 * seed) * t) * np.clip(np.sin(2 * np.pi * (3 + seed) * t) + 0.4, 0, None)
    x += 0.05 * rng.normal(0, 1, n)
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes((np.clip(x, -1, 1) * 32767).astype("<i2").tobytes())
    return buf.getvalue()


def _numbered(wav: bytes, number: int) -> bytes:
    """The base take with a ``LIST/INFO/ICMT`` chunk naming its number: a valid WAV of its own."""
    text = f"take {number}".encode() + b"\0"
    text += b"\0" * (len(text) % 2)
    info = b"INFO" + b"ICMT" + struct.pack("<I", len(text)) + text
    chunk = b"LIST" + struct.pack("<I", len(info)) + info
    body = wav[8:] + chunk
    return b"RIFF" + struct.pack("<I", len(body)) + body


def _store_blob(vault, data: bytes) -> str:
    """A real age-encrypted blob, written owner-only under its SHA-256 (no fsync: a fixture)."""
    from studio.core.vault.permissions import DIR_MODE

    sha = hashlib.sha256(data).hexdigest()
    path = vault.blobs.path_for(sha)
    path.parent.mkdir(mode=DIR_MODE, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(pyrage.encrypt(data, [vault._keys.recipient]))
    return sha


class _Chain:
    """Audit events appended many at a time, hashed and linked as ``audit.append`` does; the
    session anchors the last one as the chain's head when it commits."""

    def __init__(self, s) -> None:
        from studio.core.vault.audit import default_actor, last_head

        self.s, self.head, self.actor, self.rows = s, last_head(s), default_actor(), []

    def append(self, action: str, subject: str, details: dict) -> None:
        import rfc8785

        from studio.core.clock import now_iso
        from studio.core.vault.audit import event_hash
        from studio.core.vault.head import Head

        seq, at, text = self.head.seq + 1, now_iso(), rfc8785.dumps(details).decode()
        h = event_hash(seq, at, self.actor, action, subject, text, self.head.hash)
        self.rows.append({"seq": seq, "at": at, "actor": self.actor, "action": action, "subject": subject,
                          "details": text, "prev_hash": self.head.hash, "hash": h})
        self.head = Head(seq, h)

    def flush(self) -> None:
        from sqlalchemy import insert

        from studio.core.vault.audit import PENDING_HEAD
        from studio.core.vault.catalog import AuditEvent

        if self.rows:
            self.s.execute(insert(AuditEvent), self.rows)
            self.s.info[PENDING_HEAD] = self.head
            self.rows = []


def _talents(vault, count: int) -> list[str]:
    """``count`` more talents, rows as ``add_talent`` writes them; their ids."""
    from sqlalchemy import insert

    from studio.core.clock import now_iso
    from studio.core.ids import new_id
    from studio.core.vault.catalog import Talent

    f, rows = vault.fields, []
    with vault.session() as s:
        chain = _Chain(s)
        for n in range(1, count + 1):
            tid = new_id("talent")
            rows.append({"id": tid, "name_sealed": f.seal(f"Talent {n:03d}", f"talents.name:{tid}"), "email_sealed": None,
                         "agency_sealed": f.seal(f"Agency {n % 7}", f"talents.agency:{tid}"), "created_at": now_iso()})
            chain.append("talent.added", tid, {})
        s.execute(insert(Talent), rows)
        chain.flush()
    return [r["id"] for r in rows]


def _bulk_takes(vault, owners: list[str], bases: list[tuple[bytes, dict]], first: int) -> None:
    """A voice take for each talent id in ``owners``, rows as ``intake._commit`` writes them."""
    from sqlalchemy import insert

    from studio.core.clock import now_iso
    from studio.core.ids import new_id
    from studio.core.types import AssetStatus, FileRole
    from studio.core.vault.catalog import Asset, AssetFile, Blob

    f = vault.fields
    count, done = len(owners), 0
    while done < count:
        blobs, assets, files = [], [], []
        with vault.session() as s:
            chain = _Chain(s)
            for n in range(first + done, first + min(count, done + CHUNK)):
                talent_id = owners[n - first]
                wav, base = bases[n % len(bases)]
                data = _numbered(wav, n)
                sha = _store_blob(vault, data)
                now = now_iso()
                aid = new_id("asset")
                name = f"{WORDS[n % len(WORDS)]}-{n:05d}.wav"
                blobs.append({"sha256": sha, "store": "blobs", "size": len(data), "created_at": now})
                assets.append({"id": aid, "talent_id": talent_id, "kind": "voice", "format": "wav",
                               "media_type": base["media_type"], "sha256": sha, "size": len(data),
                               "original_name_sealed": f.seal(name, f"assets.original_name:{aid}"),
                               "metrics_sealed": f.seal(json.dumps(base["metrics"]), f"assets.metrics:{aid}"),
                               "warnings_sealed": f.seal(json.dumps(base["warnings"]), f"assets.warnings:{aid}"),
                               "status": AssetStatus.PENDING_REVIEW, "created_at": now})
                w = base["waveform"]
                files.append({"asset_id": aid, "role": FileRole.WAVEFORM,
                              "name_sealed": f.seal("waveform", f"asset_files.name:{aid}:waveform"),
                              "media_type": w.media_type, "sha256": w.sha256, "size": w.size})
                chain.append("asset.ingested", aid, {"talent": talent_id, "sha256": sha, "kind": "voice",
                                                     "format": "wav", "size": len(data)})
            s.execute(insert(Blob), blobs)
            s.execute(insert(Asset), assets)
            s.execute(insert(AssetFile), files)
            chain.flush()
        done = min(count, done + CHUNK)


def _draft_grants(vault, talent_id: str, public_key: str, asset, count: int) -> None:
    """``count`` draft grants naming ``asset``, rows as ``draft_grant`` writes them."""
    from sqlalchemy import insert

    from studio.core.clock import now_iso
    from studio.core.consent.document import build_document
    from studio.core.consent.signing import canonical
    from studio.core.ids import new_id
    from studio.core.types import GrantState
    from studio.core.vault.catalog import Grant
    from tests.core.helpers import grant_fields

    done = 0
    while done < count:
        rows = []
        with vault.session() as s:
            chain = _Chain(s)
            for n in range(done, min(count, done + CHUNK)):
                gid, now = new_id("grant"), now_iso()
                fields = grant_fields([asset.id], use_description=f"Campaign {n:04d}, web shop")
                doc = canonical(build_document(gid, talent_id, public_key, [asset], fields, now))
                rows.append({"id": gid, "talent_id": talent_id, "state": GrantState.DRAFT, "uses": 0,
                             "created_at": now, "updated_at": now,
                             "document_sealed": vault.fields.seal(doc.decode(), f"grants.document:{gid}")})
                chain.append("grant.drafted", gid, {"talent": talent_id, "sha256": hashlib.sha256(doc).hexdigest()})
            s.execute(insert(Grant), rows)
            chain.flush()
        done = min(count, done + CHUNK)


def _reported_uses(vault, package: Path, identity, count: int) -> None:
    """``count`` uses of the exported package, each in a report the brand signs, entered as
    ``import_report`` enters a use: the entry, its use counted on the grant (``grant.used``),
    its audit event."""
    from decimal import Decimal

    from sqlalchemy import insert

    from studio.core.clock import now_iso
    from studio.core.consent.grants import load_grant, write_guarded
    from studio.core.consent.signing import sign
    from studio.core.ids import new_id
    from studio.core.ledger.entries import FACTS
    from studio.core.package.reports import create_report
    from studio.core.types import LedgerKind
    from studio.core.vault.catalog import LedgerEntry, Package

    today = dt.date.today().isoformat()
    template, _ = create_report(package, identity, "Homepage hero", "advertising", "web", "FR", today, 1)
    done = 0
    while done < count:
        rows = []
        with vault.session() as s:
            pkg = s.get(Package, template["package"])
            grant, rec = load_grant(s, vault, pkg.grant_id)
            assert count - done <= rec.uses_left
            uses = rec.uses
            chain = _Chain(s)
            for n in range(done, min(count, done + CHUNK)):
                report = {k: v for k, v in template.items() if k != "signature"}
                report["report_id"] = new_id("report")
                report["use"] = use = {**template["use"], "description": f"Banner {n:04d}, spring"}
                report["signature"] = sign(identity.signing_key, report)
                uses += use["count"]
                chain.append("grant.used", grant.id, {"use": uses, "what": report["report_id"]})
                eid = new_id("entry")
                fee = Decimal(rec.document["fee"]["amount"]) * use["count"]
                row = {"id": eid, "kind": LedgerKind.USE, "on": use["date"], "talent_id": pkg.talent_id,
                       "grant_id": pkg.grant_id, "brand_id": pkg.brand_id, "package_id": pkg.id,
                       "purpose": use["purpose"], "media": use["media"], "territory": use["territory"],
                       "count": use["count"], "fee": f"{fee:.2f}", "currency": rec.document["fee"]["currency"],
                       "report_id": report["report_id"], "created_at": now_iso(),
                       "details_sealed": vault.fields.seal(json.dumps({"description": use["description"],
                                                                       "reasons": []}), f"ledger.details:{eid}")}
                rows.append(row)
                chain.append(f"ledger.{LedgerKind.USE}", eid, {**{k: row[k] for k in FACTS},
                                                              "report": report["report_id"],
                                                              "signature": report["signature"]})
            write_guarded(s, grant, "used", uses=uses)
            s.execute(insert(LedgerEntry), rows)
            chain.flush()
        done = min(count, done + CHUNK)


def make_library(vault, work: Path, assets: int = 10_000, talents: int = 100, grants: int = 1_000,
                 entries: int = 1_000, others_each: int = 2) -> Library:
    """Fill the (fresh) ``vault``: ``talents`` talents, one of them (:data:`BIG_TALENT`) with
    ``assets`` voice takes, ``grants`` grants and ``entries`` ledger entries (one export, the
    rest reported uses); every other talent has ``others_each`` takes. ``work``: a folder for the
    base takes, the brand's keys and the package."""
    from studio.core.assets import get_asset
    from studio.core.consent.review import review_asset
    from studio.core.consent.talent_keys import set_talent_passphrase, talent_public_key, unlock_talent_key
    from studio.core.intake import ingest_paths
    from studio.core.package.export import export_package
    from studio.core.talents import add_talent
    from tests.core.helpers import BRAND, active_grant, brand

    work = Path(work)
    work.mkdir(parents=True, exist_ok=True)
    big = add_talent(vault, BIG_TALENT, "zoe@example.com", "North Models")
    others = _talents(vault, talents - 1)

    # the base takes: the real ingest
    paths = []
    for n in range(BASE_TAKES):
        p = work / f"{WORDS[n % len(WORDS)]}-base{n}.wav"
        p.write_bytes(_wav(n))
        paths.append(p)
    results = ingest_paths(vault, big.id, paths)
    bases = []
    for p, r in zip(paths, results):
        assert r.status == "ingested", (r.path, r.reason)
        rec = get_asset(vault, r.asset_id)
        bases.append((p.read_bytes(), {"media_type": rec.media_type, "metrics": rec.metrics,
                                       "warnings": rec.warnings, "waveform": rec.file("waveform")}))
    owners = [big.id] * max(0, assets - BASE_TAKES) + [tid for tid in others for _ in range(others_each)]
    _bulk_takes(vault, owners, bases, BASE_TAKES)

    # the talent's key, one approval, one active grant, a brand, one export
    set_talent_passphrase(vault, big.id, TALENT_PASS)
    key = unlock_talent_key(vault, big.id, TALENT_PASS)
    approved = results[0].asset_id
    review_asset(vault, approved, "approve", key)
    g = active_grant(vault, big, key, [approved], max_uses=entries + 10)
    keys = brand(vault)
    package = work / "library.twinpkg"
    if entries:
        export_package(vault, g.id, BRAND, package, assets=[approved])
        _reported_uses(vault, package, keys, entries - 1)
    if grants > 1:
        _draft_grants(vault, big.id, talent_public_key(vault, big.id), get_asset(vault, approved), grants - 1)
    return Library(vault.root, big.id, BIG_TALENT, assets, grants, entries, talents)


def build_library_vault(root: Path, keys, template: Path, work: Path, **kw) -> Library:
    """Copy the ``template`` vault (made by ``Vault.create``) to ``root`` and fill it."""
    import shutil

    from studio.core.vault import Vault
    from studio.core.vault.header import read_header

    shutil.copytree(template, root)
    with Vault(root, read_header(root), keys) as vault:
        return make_library(vault, work, **kw)
