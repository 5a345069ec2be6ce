"""Hand-made packages signed with a real studio key, so that tests reach the brand side's own
defences (past the signature). They are version 1 packages (the layout before DR058, which every
Twin Studio still opens): a tar of chosen members, encrypted with age to the brand, a
manifest with every field an export writes, and the studio's Ed25519 signature over its bytes."""

from __future__ import annotations

import base64
import hashlib
import io
import tarfile
from pathlib import Path

import pyrage

from studio.core.package import manifest as mf
from studio.core.package.container import PackageWriter
from studio.core.vault.keys import public_key_fingerprint

ASSET = "ast_0123456789abcdef"
PATH = f"assets/{ASSET}/a.ply"
GRANT = "grt_0123456789abcdef"


def tar_of(members) -> bytes:
    """A pax tar of (name, data, kind) members; kind "link" makes a symlink to /etc/passwd."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, data, kind in members:
            info = tarfile.TarInfo(name)
            if kind == "link":
                info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
                tar.addfile(info)
            else:
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def encrypt(plain: bytes, recipient: str, *others: str) -> bytes:
    return pyrage.encrypt(plain, [pyrage.x25519.Recipient.from_str(r) for r in (recipient, *others)])


def asset_entry(path: str = PATH, data: bytes = b"hello") -> dict:
    sha = hashlib.sha256(data).hexdigest()
    return {"asset": path.split("/")[1], "role": "original", "path": path, "original_name": path.rsplit("/", 1)[1],
            "media_type": "application/octet-stream", "size": len(data), "sha256": sha,
            "original_size": len(data), "original_sha256": sha, "kind": "scan", "format": "ply",
            "watermark": {"method": "none", "reason": "a test file"}}


def manifest(signing_key, recipient: str, payload: bytes, assets: list[dict] | None = None,
             brand_name: str = "Maison Lumière") -> dict:
    """Every field ``export`` writes (docs/package-format.md), for ``payload``."""
    public = signing_key.public_key()
    return {
        "format": mf.FORMAT, "format_version": 1, "package_id": "pkg_0123456789abcdef",
        "created_at": "2026-01-01T00:00:00Z",
        "studio": {"vault": "vlt_0123456789abcdef", "key_fingerprint": public_key_fingerprint(public),
                   "public_key": "dGVzdA=="},
        "talent": {"id": "tal_0123456789abcdef", "display_name": None},
        "brand": {"id": "brd_0123456789abcdef", "name": brand_name, "recipient": recipient},
        "use": {"purpose": "e-commerce", "media": "web", "territory": "FR"},
        "assets": assets if assets is not None else [asset_entry()],
        "payload": {"file": "payload.age", "sha256": hashlib.sha256(payload).hexdigest(), "size": len(payload),
                    "encryption": "age v1, X25519 recipient", "content": "POSIX tar (pax), paths as in assets"},
        "grant": {"id": GRANT, "sha256": "0" * 64, "talent_signature": "c2ln", "studio_signature": "c2ln",
                  "talent_public_key": "a2V5",
                  "document": {"start": "2026-01-01", "end": "2099-12-31", "purposes": ["e-commerce"],
                               "media": ["web"], "territories": ["FR"], "training": "prohibited"}},
        "licence": {"odrl": {"@type": "Agreement"}, "summary": "You may show the twin on the web shop.\n"},
        "expires": "2099-12-31", "timezone": "UTC",
        "labels": mf.labels(GRANT, "required"),
    }


def write(path: Path, signing_key, manifest_bytes: bytes, payload: bytes) -> Path:
    """The package file, in the studio's canonical layout, its manifest signed by ``signing_key``."""
    with open(path, "wb") as fh:
        w = PackageWriter(fh.write)
        with w.open_payload() as dst:
            dst.write(payload)
        w.finish(manifest_bytes, base64.b64encode(signing_key.sign(manifest_bytes)) + b"\n")
    return path


def package(path: Path, signing_key, recipient: str, members=None, payload: bytes | None = None,
            edit=None) -> Path:
    """A signed package of ``members`` (default: one 5-byte asset) or of a ready ``payload``;
    ``edit(manifest)`` may change the manifest before it is signed."""
    if payload is None:
        payload = encrypt(tar_of(members or [(PATH, b"hello", "file")]), recipient)
    m = manifest(signing_key, recipient, payload)
    if edit is not None:
        edit(m)
    return write(path, signing_key, mf.to_bytes(m), payload)
