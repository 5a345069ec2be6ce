"""Signed statements: Ed25519 over the RFC 8785 canonical JSON of a statement."""

from __future__ import annotations

import base64

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey


def canonical(statement: dict) -> bytes:
    return rfc8785.dumps(statement)


def sign(key: Ed25519PrivateKey, statement: dict) -> str:
    return base64.b64encode(key.sign(canonical(statement))).decode()


def verify(public_key_b64: str, statement: dict, signature_b64: str) -> bool:
    try:
        key = Ed25519PublicKey.from_public_bytes(base64.b64decode(public_key_b64, validate=True))
        key.verify(base64.b64decode(signature_b64, validate=True), canonical(statement))
        return True
    except (InvalidSignature, ValueError):
        return False
