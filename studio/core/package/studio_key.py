"""The studio's public signing key as brands pin it: PEM (SubjectPublicKeyInfo)."""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives import serialization

from studio.core.errors import InvalidInput
from studio.core.vault import Vault
from studio.core.vault.atomic import write_bytes_atomic


def studio_key_pem(vault: Vault) -> bytes:
    key = vault.studio_signing_key().public_key()
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def write_studio_key(vault: Vault, out: Path, overwrite: bool = False) -> str:
    """Write the PEM to ``out``; returns the key's fingerprint for the operator to read out."""
    out = Path(out)
    if out.exists() and not overwrite:
        raise InvalidInput(f"{out} already exists (use --force to overwrite)")
    write_bytes_atomic(out, studio_key_pem(vault), overwrite=overwrite, public=True)
    return vault.studio_key_fingerprint
