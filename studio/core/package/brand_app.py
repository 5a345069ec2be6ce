"""What the brand's window (``twin-studio gui --brand DIR``, DR048) shows and does, as core functions
the window runs as tasks: the studio keys the brand pins, a package looked at before it is opened
(verified, and addressed to these keys), its files once opened, and a use checked against the
licence before the report is written. The same checks as ``verify``, ``open`` and ``report
create``: those functions are called here, never copied.

Pinned studio keys live in the brand's folder, ``studio-keys/`` (public PEM files, as ``studio-key
export`` writes them): a package names the key it was signed with, and is verified only against
a key the brand pinned — never against a key the package itself carries.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from studio.core.consent.policy import scope_reasons
from studio.core.errors import InvalidInput, NotFound, PackageRefused
from studio.core.ledger.report_file import check_use_fields
from studio.core.package import manifest as mf
from studio.core.package.brand_keys import BrandIdentity
from studio.core.package.container import read_entries
from studio.core.package.verify import PackageInfo, load_studio_key, verify_package
from studio.core.progress import CancelToken, ProgressFn
from studio.core.vault.atomic import write_bytes_atomic
from studio.core.vault.keys import public_key_fingerprint

STUDIO_KEYS = "studio-keys"
PACKAGE_SUFFIX = ".twinpkg"


# -- the studio keys the brand pins ---------------------------------------------------------------

def named_sender(path: Path) -> str:
    """The studio key fingerprint a package *says* it was signed with (not yet checked: only to
    find the pinned key to check it with)."""
    path = Path(path)
    if not path.is_file():
        raise NotFound(f"no package at {path}")
    m = mf.parse(read_entries(path).manifest)
    return str(m["studio"].get("key_fingerprint") or "")


def pinned_keys(folder: Path) -> dict[str, Ed25519PublicKey]:
    """The studio keys pinned in the brand's ``folder``, by fingerprint (unreadable files skipped)."""
    where = Path(folder) / STUDIO_KEYS
    keys: dict[str, Ed25519PublicKey] = {}
    if where.is_dir():
        for pem in sorted(where.glob("*.pem")):
            try:
                key = load_studio_key(pem)
            except (InvalidInput, NotFound, OSError):
                continue
            keys[public_key_fingerprint(key)] = key
    return keys


def pinned_key(folder: Path, fingerprint: str) -> Ed25519PublicKey | None:
    return pinned_keys(folder).get(fingerprint)


def read_studio_key(pem: Path) -> tuple[Ed25519PublicKey, str]:
    """A studio's public key file (``studio-key export``) and its fingerprint, to compare before pinning."""
    key = load_studio_key(Path(pem))
    return key, public_key_fingerprint(key)


def pin_studio_key(folder: Path, pem: Path) -> str:
    """Keep the studio key in ``pem`` in the brand's ``folder`` (``studio-keys/``); returns its
    fingerprint. Pinning a key pinned already changes nothing."""
    key, fingerprint = read_studio_key(pem)
    if not Path(folder).is_dir():
        raise NotFound(f"no brand folder at {folder}")
    where = Path(folder) / STUDIO_KEYS
    where.mkdir(mode=0o755, exist_ok=True)
    target = where / f"{fingerprint.removeprefix('SHA256:')[:32]}.pem"
    if not target.exists():
        data = key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        write_bytes_atomic(target, data, public=True)
    return fingerprint


# -- a package, before it is opened -----------------------------------------------------------------

@dataclass(frozen=True)
class PackageView:
    """What the window shows of a verified package addressed to these keys."""

    info: PackageInfo

    @property
    def manifest(self) -> dict:
        return self.info.manifest

    @property
    def package_id(self) -> str:
        return self.info.package_id

    @property
    def sender(self) -> str:
        return self.info.studio_fingerprint

    @property
    def talent_id(self) -> str:
        return self.manifest["talent"]["id"]

    @property
    def talent_name(self) -> str | None:
        """The talent's name where the studio gave it (packages name the talent by id otherwise)."""
        return self.manifest["talent"].get("display_name") or None

    @property
    def licence(self) -> str:
        """The licence in plain language: the consent summary in the brand's voice
        (:func:`studio.core.consent.document.brand_summary`), as the studio signed it into the manifest."""
        return self.manifest["licence"]["summary"]

    @property
    def expires(self) -> str:
        return f"{self.manifest['expires']} ({self.manifest['timezone']})"

    @property
    def max_uses(self) -> int | None:
        value = self.manifest["grant"]["document"].get("max_uses")
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    @property
    def assets(self) -> list[dict]:
        """The files the package holds: path, kind ("mesh", "point_cloud", "voice"; "" for a
        companion file), format, media type and size."""
        return [{"path": a["path"], "kind": a.get("kind") or "", "format": a.get("format") or "",
                 "media_type": a.get("media_type") or "", "size": a["size"]} for a in self.manifest["assets"]]


def inspect_package(path: Path, identity: BrandIdentity, studio_key: Ed25519PublicKey,
                    progress: ProgressFn | None = None, cancel: CancelToken | None = None) -> PackageView:
    """``verify`` (every byte), and the package must be addressed to ``identity``: one for
    another brand is refused before anything else is offered."""
    info = verify_package(Path(path), studio_key, progress=progress, cancel=cancel)
    brand = info.manifest["brand"]
    if brand["recipient"] != identity.recipient:
        raise PackageRefused(f"this package is not addressed to you: it is for {brand['name']} "
                             f"({brand['recipient']}), and your identity is {identity.recipient}")
    return PackageView(info)


# -- the report form ----------------------------------------------------------------------------

def use_outside_licence(manifest: dict, description: str, purpose: str, media: str, territory: str,
                        date: str, count: int = 1) -> list[str]:
    """The fields checked as ``report create`` checks them (bad input is ``InvalidInput``), and the
    ways the use falls outside the licence (empty: inside) — before anything is signed or written."""
    use = check_use_fields(description, purpose, media, territory, date, count)
    return scope_reasons(manifest["grant"]["document"], use["purpose"], use["media"], use["territory"],
                         dt.date.fromisoformat(use["date"]))
