"""The vault header: a small JSON file naming the format version, the vault id, the KDF and
the wrapped vault key.

An unknown format or version is refused before anything else is read. After unlocking, the
header's MAC (keyed from the vault key) is checked, so a header edited on disk — say, a
recipient swapped so that new blobs would be encrypted to someone else — is detected.
"""

from __future__ import annotations

import base64
import hmac
import json
from dataclasses import dataclass, fields
from pathlib import Path

import rfc8785

from studio.core.errors import IntegrityError, UnsupportedVaultVersion, VaultNotFound
from studio.core.vault.files import FolderFiles
from studio.core.vault.keys import VaultKeys

HEADER_NAME = "twin-vault.json"
FORMAT_NAME = "twin-studio-vault"
FORMAT_VERSION = 1
# A header is about a kilobyte; anything much larger is not one (a pad meant to slow or confuse).
MAX_HEADER_BYTES = 64 * 1024


@dataclass(frozen=True)
class VaultHeader:
    vault_id: str
    created_at: str
    kdf: dict
    wrapped_key: bytes
    recipient: str
    studio_public_key: str
    mac: str = ""
    # the audit chain's head is anchored (audit-head.json, DR016): every vault made since, and an
    # older one from the first time it is opened writable. Covered by the MAC once set, so a
    # vault that is anchored cannot be made to look like one that never was.
    audit_anchored: bool = False

    def _signed_part(self) -> dict:
        return {
            "format": FORMAT_NAME,
            "version": FORMAT_VERSION,
            "vault_id": self.vault_id,
            "created_at": self.created_at,
            "kdf": self.kdf,
            "wrapped_key": base64.b64encode(self.wrapped_key).decode(),
            "recipient": self.recipient,
            "studio_public_key": self.studio_public_key,
            **({"audit_anchored": True} if self.audit_anchored else {}),
        }

    def mac_input(self) -> bytes:
        return rfc8785.dumps(self._signed_part())

    def sealed(self, keys: VaultKeys) -> "VaultHeader":
        return VaultHeader(**{**self.__dict__, "mac": keys.header_mac(self.mac_input())})

    def verify(self, keys: VaultKeys) -> None:
        if str(keys.recipient) != self.recipient:
            raise IntegrityError("vault header: the recipient does not belong to the vault key")
        expected = keys.header_mac(self.mac_input()).encode()
        # constant time, on bytes: compare_digest refuses str with non-ASCII characters
        if not self.mac or not hmac.compare_digest(expected, self.mac.encode("utf-8", "surrogatepass")):
            raise IntegrityError("vault header was altered (its MAC does not match)")

    def to_bytes(self) -> bytes:
        return (json.dumps({**self._signed_part(), "mac": self.mac}, indent=2) + "\n").encode()

    def write(self, where) -> None:
        """To a vault folder, or a vault's small files (:mod:`files`)."""
        (FolderFiles(where) if isinstance(where, Path) else where).write(HEADER_NAME, self.to_bytes())


_KNOWN_FIELDS = frozenset({"format", "version"} | {f.name for f in fields(VaultHeader)})


def read_header(folder: Path) -> VaultHeader:
    path = folder / HEADER_NAME
    if not path.is_file():
        raise VaultNotFound(f"no vault at {folder} (missing {HEADER_NAME}); create one with `twin-studio init`")
    with open(path, "rb") as fh:
        return parse_header(fh.read(MAX_HEADER_BYTES + 1), path)


def parse_header(data: bytes, path) -> VaultHeader:
    """The header from (at most ``MAX_HEADER_BYTES`` + 1 of) its bytes; ``path`` names where
    they were read, in messages."""
    if len(data) > MAX_HEADER_BYTES:
        raise IntegrityError(f"vault header {path} is larger than {MAX_HEADER_BYTES // 1024} KiB: "
                             "not a Twin Studio header (refusing to read it)")
    try:
        raw = json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise IntegrityError(f"vault header {path} is not valid JSON") from exc
    if not isinstance(raw, dict) or raw.get("format") != FORMAT_NAME:
        raise UnsupportedVaultVersion(f"{path} is not a Twin Studio vault header")
    version = raw.get("version")
    if version != FORMAT_VERSION:
        raise UnsupportedVaultVersion(
            f"vault format version {version!r} is not supported by this Twin Studio "
            f"(it reads version {FORMAT_VERSION}); refusing to guess"
        )
    # every field but the MAC is covered by the MAC: a field outside it (unknown to this
    # version) could carry anything unchecked, so it is refused, not ignored
    unknown = sorted(set(raw) - _KNOWN_FIELDS)
    if unknown:
        shown = ", ".join(repr(k[:40]) for k in unknown[:5]) + (" …" if len(unknown) > 5 else "")
        raise IntegrityError(f"vault header {path} has fields this version does not know ({shown}): "
                             "it was altered or written by another program; refusing it")
    try:
        return VaultHeader(
            vault_id=str(raw["vault_id"]),
            created_at=str(raw["created_at"]),
            kdf=dict(raw["kdf"]),
            wrapped_key=base64.b64decode(raw["wrapped_key"], validate=True),
            recipient=str(raw["recipient"]),
            studio_public_key=str(raw["studio_public_key"]),
            mac=str(raw.get("mac", "")),
            audit_anchored=raw.get("audit_anchored", False) is True,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise IntegrityError(f"vault header {path} is missing or has a bad field: {exc}") from exc
