"""The studio's content-credentials authority (DR044): a self-signed root certificate and a
signing certificate it issued, both ECDSA P-256 (C2PA's ES256), made on first use and kept in the
vault encrypted to the vault key, beside the studio's package signing key.

Brands and publishers trust the **root** (``twin-studio credentials root``); files are signed by
the **signing certificate**, whose chain (signing certificate, then root) travels in each file's
manifest. The root's key only issues signing certificates: a new one is issued when the current
one has less than :data:`RENEW_BEFORE` left, without changing the root anyone trusts.

Certificates are built with ``cryptography``; nothing here is home-made.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

from studio.core import clock
from studio.core.errors import IntegrityError, InvalidInput
from studio.core.vault import Vault, audit
from studio.core.vault.atomic import write_bytes_atomic
from studio.core.vault.vault import CONTENT_CREDENTIALS_FILE

AUTHORITY_FILE = CONTENT_CREDENTIALS_FILE
FORMAT = 1
ROOT_YEARS = 25
SIGNING_YEARS = 10      # no time-stamp authority offline: a file's credentials last as long as this (DR044)
RENEW_BEFORE = dt.timedelta(days=365)
# id-kp-documentSigning (RFC 9336), the extended key usage C2PA asks of a signing certificate
DOCUMENT_SIGNING = ObjectIdentifier("1.3.6.1.5.5.7.3.36")


@dataclass(frozen=True)
class Authority:
    """The root and the current signing certificate, with their private keys (held in memory only)."""

    root: x509.Certificate
    root_key: ec.EllipticCurvePrivateKey = field(repr=False)
    signing: x509.Certificate
    signing_key: ec.EllipticCurvePrivateKey = field(repr=False)

    @property
    def root_pem(self) -> bytes:
        return self.root.public_bytes(serialization.Encoding.PEM)

    @property
    def chain_pem(self) -> bytes:
        """The signing certificate, then the root: what a manifest carries."""
        return self.signing.public_bytes(serialization.Encoding.PEM) + self.root_pem

    @property
    def root_fingerprint(self) -> str:
        return certificate_fingerprint(self.root)


def certificate_fingerprint(cert: x509.Certificate) -> str:
    return "SHA256:" + cert.fingerprint(hashes.SHA256()).hex()


def _name(vault: Vault, role: str) -> x509.Name:
    # the vault id names the studio without naming a person; the organisation is the product
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"Twin Studio {role} {vault.header.vault_id}"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Twin Studio")])


def _key_usage(*, sign: bool, certs: bool) -> x509.KeyUsage:
    return x509.KeyUsage(digital_signature=sign, content_commitment=False, key_encipherment=False,
                         data_encipherment=False, key_agreement=False, key_cert_sign=certs, crl_sign=certs,
                         encipher_only=False, decipher_only=False)


def _new_root(vault: Vault, now: dt.datetime) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name(vault, "content credentials root")
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=365 * ROOT_YEARS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(_key_usage(sign=False, certs=True), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    return cert, key


def _new_signing(vault: Vault, root: x509.Certificate, root_key, now: dt.datetime):
    key = ec.generate_private_key(ec.SECP256R1())
    end = min(now + dt.timedelta(days=365 * SIGNING_YEARS), root.not_valid_after_utc)
    cert = (x509.CertificateBuilder().subject_name(_name(vault, "content credentials"))
            .issuer_name(root.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(end)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_key_usage(sign=True, certs=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([DOCUMENT_SIGNING, ExtendedKeyUsageOID.EMAIL_PROTECTION]),
                           critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False)
            .sign(root_key, hashes.SHA256()))
    return cert, key


def _key_pem(key) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def _cert_pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def _plaintext(a: Authority) -> bytes:
    doc = {"format": FORMAT, "root": _cert_pem(a.root), "root_key": _key_pem(a.root_key),
           "signing": _cert_pem(a.signing), "signing_key": _key_pem(a.signing_key)}
    return json.dumps(doc).encode()


def _parse(vault: Vault, plaintext: bytes) -> Authority:
    where = vault.files.where(AUTHORITY_FILE)
    try:
        doc = json.loads(plaintext)
    except ValueError as exc:
        raise IntegrityError(f"the content-credentials keys ({where}) are damaged") from exc
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise IntegrityError(f"the content-credentials keys ({where}) are in an unknown format")
    try:
        a = Authority(root=x509.load_pem_x509_certificate(doc["root"].encode()),
                      root_key=serialization.load_pem_private_key(doc["root_key"].encode(), None),
                      signing=x509.load_pem_x509_certificate(doc["signing"].encode()),
                      signing_key=serialization.load_pem_private_key(doc["signing_key"].encode(), None))
    except (KeyError, ValueError, TypeError, AttributeError) as exc:
        raise IntegrityError(f"the content-credentials keys ({where}) are damaged") from exc
    if (a.root.public_key() != a.root_key.public_key() or a.signing.public_key() != a.signing_key.public_key()
            or a.signing.issuer != a.root.subject):
        raise IntegrityError(f"the content-credentials keys ({where}) do not belong together")
    return a


def _read(vault: Vault) -> Authority | None:
    plaintext = vault.read_key_file(AUTHORITY_FILE)
    return None if plaintext is None else _parse(vault, plaintext)


def content_authority(vault: Vault) -> Authority:
    """The vault's authority, made (and recorded in the audit chain) the first time it is asked
    for, and given a new signing certificate when the current one nears its end."""
    now = clock.now().astimezone(dt.timezone.utc)
    found = _read(vault)
    if found is not None and found.signing.not_valid_after_utc - now > RENEW_BEFORE:
        return found
    with vault.writer_lock():  # one maker, even when two stations ask at once
        found = _read(vault)
        if found is not None and found.signing.not_valid_after_utc - now > RENEW_BEFORE:
            return found
        if found is None:
            root, root_key = _new_root(vault, now)
            action = "credentials.authority_created"
        else:
            root, root_key = found.root, found.root_key
            action = "credentials.signing_renewed"
        signing, signing_key = _new_signing(vault, root, root_key, now)
        made = Authority(root, root_key, signing, signing_key)
        with vault.session() as s:
            audit.append(s, action, vault.header.vault_id,
                         {"root": certificate_fingerprint(root), "signing": certificate_fingerprint(signing)})
            vault.write_key_file(AUTHORITY_FILE, _plaintext(made), overwrite=found is not None)
        return made


def root_certificate_pem(vault: Vault) -> bytes:
    return content_authority(vault).root_pem


def write_root_certificate(vault: Vault, out: Path, overwrite: bool = False) -> str:
    """Write the root certificate (PEM) for brands and publishers to trust; returns its
    fingerprint, for the operator to read out to them."""
    out = Path(out)
    if out.exists() and not overwrite:
        raise InvalidInput(f"{out} already exists (use --force to overwrite)")
    authority = content_authority(vault)
    write_bytes_atomic(out, authority.root_pem, overwrite=overwrite, public=True)
    return authority.root_fingerprint


def load_trust_root(data: bytes, what: str = "the trust root") -> list[x509.Certificate]:
    """The certificates of a PEM file a verifier trusts; a clear error when it holds none."""
    try:
        certs = x509.load_pem_x509_certificates(data)
    except ValueError as exc:
        raise InvalidInput(f"{what} is not a PEM certificate file") from exc
    return certs
