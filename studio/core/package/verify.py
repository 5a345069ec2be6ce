"""The brand's first step, offline: is this package the studio's, unaltered, and still valid?

Checks, in order: the ZIP holds exactly the three entries, stored, with a manifest of sane
size; the signature is the pinned studio key's over the manifest's exact bytes; the manifest's
format version is known and its whole shape right (:func:`manifest.parse`); the payload's age
header is one recipient's; the payload's SHA-256 is the one the manifest names; every byte of
the file is where the studio's writer puts it; the licence has not expired.
"""

from __future__ import annotations

import base64
import binascii
import concurrent.futures as cf
import datetime as dt
import os
import threading
import zoneinfo
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from studio.core import clock
from studio.core.errors import InvalidInput, NotFound, PackageRefused
from studio.core.package import manifest as mf
from studio.core.package.container import (MAX_AGE_HEADER, PackageEntries, check_age_header, check_canonical,
                                           read_entries, read_payload_head)
from studio.core.package.payload_files import altered, hash_entry
from studio.core.package.zip_layout import Entry, Layout, check_file, layout, tail_entries
from studio.core.progress import CancelToken, ProgressFn, check_cancel, report
from studio.core.vault.keys import public_key_fingerprint


@dataclass(frozen=True)
class PackageInfo:
    path: Path
    manifest: dict
    manifest_bytes: bytes
    file_sha256: str
    studio_fingerprint: str

    @property
    def package_id(self) -> str:
        return self.manifest["package_id"]

    def describe(self) -> str:
        m = self.manifest
        doc = m["grant"]["document"]
        lines = [
            f"Twin package {m['package_id']} — verified",
            f"  from studio key {self.studio_fingerprint} (signature valid, no byte altered)",
            f"  made {m['created_at']} for {m['brand']['name']} ({m['brand']['recipient']})",
            f"  talent {m['talent']['id']}" + (f" ({m['talent']['display_name']})" if m['talent'].get('display_name') else ""),
            f"  grant {m['grant']['id']}, valid until {m['expires']} ({m['timezone']})",
            f"  file SHA-256 {self.file_sha256}",
            "  assets:",
        ]
        for a in m["assets"]:
            mark = a.get("watermark", {}).get("method")
            lines.append(f"    {a['path']}  {a['size']} bytes  sha256 {a['sha256'][:16]}…"
                         + (f"  ({a.get('kind')}, mark: {mark})" if mark else ""))
        labels = m["labels"]
        lines += ["  licence:"] + ["    " + ln for ln in m["licence"]["summary"].splitlines()]
        lines += ["  outputs must carry:",
                  f"    IPTC Digital Source Type {labels['iptc_digital_source_type']['ai_generated']} (AI-made)",
                  f"    PLUS Model Release Status {labels['plus_model_release_status']}, "
                  f"Model Release ID {labels['plus_model_release_id']}"]
        if labels.get("ai_label_text"):
            lines.append(f"    the visible label \u201c{labels['ai_label_text']}\u201d")
        if doc.get("training") == "prohibited":
            lines.append("  training AI models on this likeness is not allowed")
        return "\n".join(lines)


def load_studio_key(path: Path) -> Ed25519PublicKey:
    path = Path(path)
    if not path.is_file():
        raise NotFound(f"no studio key at {path}")
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except ValueError as exc:
        raise InvalidInput(f"{path} is not a PEM public key") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise InvalidInput(f"{path} is not an Ed25519 public key")
    return key


def _signature(raw: bytes) -> bytes:
    text = raw.strip()
    if not text:
        raise PackageRefused("the package is not signed (manifest.json.sig is empty)")
    try:
        sig = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise PackageRefused("the signature is not base64") from exc
    if len(sig) != 64:
        raise PackageRefused("the signature is not an Ed25519 signature")
    return sig


def today_in(tz: str) -> dt.date:
    try:
        return clock.now().astimezone(zoneinfo.ZoneInfo(tz)).date()
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError) as exc:  # a folder, a long name
        raise PackageRefused(f"the manifest names an unknown time zone {tz!r}") from exc


@dataclass(frozen=True)
class Checked:
    """A package whose signature, manifest and expiry are good; its bytes are checked next. Version
    2: its framing is checked already, and ``layout`` says where each payload file's bytes are."""
    entries: PackageEntries
    manifest: dict
    fingerprint: str
    layout: Layout | None = None


def check_signed_manifest(path: Path, studio_key: Ed25519PublicKey, on: dt.date | None = None) -> Checked:
    """The cheap checks, before the payload is decrypted: shape, signature, the manifest's whole
    shape, the payload's age header (one recipient's), expiry."""
    path = Path(path)
    if not path.is_file():
        raise NotFound(f"no package at {path}")
    entries = read_entries(path)
    fingerprint = public_key_fingerprint(studio_key)
    try:
        studio_key.verify(_signature(entries.signature), entries.manifest)
    except InvalidSignature as exc:
        raise PackageRefused(f"bad signature: the manifest was not signed by the studio key {fingerprint}, "
                             "or it was altered") from exc
    manifest = mf.parse(entries.manifest)
    if manifest["studio"].get("key_fingerprint") != fingerprint:
        raise PackageRefused("the manifest names another studio key than the one it is signed with")
    if manifest["format_version"] != entries.version:
        raise PackageRefused(f"the package's entries are laid out as version {entries.version}, but its manifest "
                             f"says version {manifest['format_version']}")
    if entries.payload_size != manifest["payload"].get("size"):
        raise PackageRefused("the payload is not the one the manifest was signed for (its size differs)")
    lay = None
    if entries.version == 1:
        check_age_header(read_payload_head(path))  # before anything decrypts it (open) or vouches for it (verify)
    else:
        lay = _check_v2_layout(path, entries, manifest)
    day = on or today_in(manifest.get("timezone") or "UTC")
    if day > dt.date.fromisoformat(manifest["expires"]):
        raise PackageRefused(f"the licence expired on {manifest['expires']}; this package may no longer be opened")
    return Checked(entries, manifest, fingerprint, lay)


def _check_v2_layout(path: Path, entries: PackageEntries, manifest: dict) -> Layout:
    """Version 2: every framing byte where the writer puts it, the signature in its one spelling,
    and each payload file's age header one recipient's — before any file is hashed or decrypted."""
    if entries.signature != base64.b64encode(_signature(entries.signature)) + b"\n":
        raise PackageRefused("the package has been altered (its signature entry is not as the studio wrote it)")
    stored = [a["stored"] for a in manifest["assets"]]
    if entries.payload_sizes != tuple(s["size"] for s in stored):
        raise PackageRefused("the payload is not the one the manifest was signed for (a file's size differs)")
    files = [Entry(s["entry"], s["size"], s["crc32"]) for s in stored]
    lay = layout(tail_entries(files, entries.manifest, entries.signature))
    (m_at, _), (s_at, _) = lay.data[-2:]
    check_file(path, lay, [(m_at, entries.manifest), (s_at, entries.signature)])
    with open(path, "rb") as fh:
        for (at, size), s in zip(lay.data, stored):
            fh.seek(at)
            check_age_header(fh.read(min(size, MAX_AGE_HEADER + 1)))
    return lay


def _hash_v2(path: Path, checked: Checked, progress: ProgressFn | None, cancel: CancelToken | None) -> str:
    """Version 2: each payload file's SHA-256 against the manifest, and the whole file's (returned),
    side by side in threads (hashlib works without the interpreter lock)."""
    assert checked.layout is not None
    total = checked.layout.total
    done = [0]
    lock = threading.Lock()

    def tick(n: int) -> None:
        with lock:
            done[0] += n
            report(progress, done[0], total, "verifying")

    stored = [a["stored"] for a in checked.manifest["assets"]]
    with cf.ThreadPoolExecutor(max(2, min(os.cpu_count() or 1, 8))) as pool:
        whole = pool.submit(hash_entry, str(path), 0, total, cancel, tick)
        parts = [pool.submit(hash_entry, str(path), at, size, cancel)
                 for at, size in checked.layout.data[:len(stored)]]
        for a, s, f in zip(checked.manifest["assets"], stored, parts):
            if f.result() != s["sha256"]:
                raise altered(a["path"])
        return whole.result()


def check_payload_hash(checked: Checked, payload_sha: str) -> None:
    if payload_sha != checked.manifest["payload"]["sha256"]:
        raise PackageRefused("the payload is not the one the manifest was signed for")


def verify_package(path: Path, studio_key: Ed25519PublicKey, on: dt.date | None = None,
                   progress: ProgressFn | None = None, cancel: CancelToken | None = None) -> PackageInfo:
    checked = check_signed_manifest(path, studio_key, on)
    if checked.layout is not None:
        file_sha = _hash_v2(Path(path), checked, progress, cancel)
        return PackageInfo(Path(path), checked.manifest, checked.entries.manifest, file_sha, checked.fingerprint)
    done = [0]
    size = checked.entries.payload_size

    def tick(chunk: bytes) -> None:
        check_cancel(cancel)
        done[0] += len(chunk)
        report(progress, done[0], size, "verifying")

    payload_sha, file_sha = check_canonical(Path(path), checked.entries, tick)
    check_payload_hash(checked, payload_sha)
    return PackageInfo(Path(path), checked.manifest, checked.entries.manifest, file_sha or "", checked.fingerprint)
