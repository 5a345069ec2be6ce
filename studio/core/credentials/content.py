"""C2PA content credentials on approved outputs (DR044): a copy of a PNG, JPEG, WAV, FLAC or MP3
that carries a signed manifest saying it was made by a trained model (IPTC digital source type
``trainedAlgorithmicMedia``), whose likeness it shows and under which grant, package, brand and
approval; and the check of such a file, by anyone, without a vault.

c2pa-python (the C2PA reference implementation, c2pa-rs) builds, signs, embeds and validates the
manifest; the signature is made here by ``cryptography`` with the studio's signing certificate
(:mod:`studio.core.credentials.authority`), so the key never leaves this process's memory.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import asdict, dataclass, field
from pathlib import Path

import c2pa
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from studio.core.changes import Changes
from studio.core.clock import now_iso
from studio.core.consent.grants import get_grant
from studio.core.credentials.authority import Authority, content_authority, load_trust_root
from studio.core.errors import ConsentError, IntegrityError, InvalidFile, InvalidInput, NotFound, UnsupportedFormat
from studio.core.ids import parse_id
from studio.core.talents import get_talent
from studio.core.text import check_name
from studio.core.types import GrantState
from studio.core.vault import Vault, audit
from studio.core.vault.atomic import write_bytes_atomic
from studio.core.vault.catalog import Package

LIKENESS_LABEL = "io.twinstudio.likeness"  # reverse domain of the app id (DR038)
IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"
TRAINED = IPTC + "trainedAlgorithmicMedia"
COMPOSITE = IPTC + "compositeWithTrainedAlgorithmicMedia"
NOTE_LIMIT = 500
# the largest file credentials are added to: read whole into memory (images and voice lines)
MAX_SOURCE_BYTES = 2 * 1024 ** 3


@dataclass(frozen=True)
class MediaType:
    mime: str
    name: str
    suffixes: tuple[str, ...]


PNG = MediaType("image/png", "PNG", (".png",))
JPEG = MediaType("image/jpeg", "JPEG", (".jpg", ".jpeg"))
WAV = MediaType("audio/wav", "WAV", (".wav",))
FLAC = MediaType("audio/flac", "FLAC", (".flac",))
MP3 = MediaType("audio/mpeg", "MP3", (".mp3",))
SUPPORTED = (PNG, JPEG, WAV, FLAC, MP3)
SUPPORTED_NAMES = "PNG, JPEG, WAV, FLAC or MP3"


def media_type(path: Path) -> MediaType:
    """What the file is, by its first bytes (never by its name); :class:`UnsupportedFormat`
    for anything content credentials are not added to here."""
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            head = fh.read(16)
    except IsADirectoryError as exc:
        raise InvalidInput(f"{path} is a folder, not a file") from exc
    return media_of_bytes(head, path.name)


def media_of_bytes(head: bytes, name: str) -> MediaType:
    """:func:`media_type` of bytes held in memory (``name`` for the message)."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return WAV
    if head.startswith(b"fLaC"):
        return FLAC
    if head.startswith(b"ID3") or (len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return MP3
    raise UnsupportedFormat(f"{name}: not a {SUPPORTED_NAMES} file; content credentials are added to "
                            f"those only")


@dataclass(frozen=True)
class CredentialFacts:
    """What a file's credentials state beside "made by a trained model". ``talent`` is required;
    the approval flow fills ``approval`` (its reference), ``approved_by`` (the talent key's
    fingerprint) and ``approved_at``. ``composite``: the output mixes generated and captured
    media (``compositeWithTrainedAlgorithmicMedia``)."""

    talent: str
    grant: str | None = None
    package: str | None = None
    brand: str | None = None
    approval: str | None = None
    approved_by: str | None = None
    approved_at: str | None = None
    note: str | None = None
    composite: bool = False

    def to_json(self) -> dict:
        return {k: v for k, v in asdict(self).items() if v is not None and v is not False}

    @classmethod
    def from_json(cls, data: object) -> "CredentialFacts | None":
        if not isinstance(data, dict) or not isinstance(data.get("talent"), str):
            return None
        known = {f: data[f] for f in cls.__dataclass_fields__ if f in data}
        known["composite"] = known.get("composite") is True
        for k, v in known.items():
            if k != "composite" and v is not None and not isinstance(v, str):
                known[k] = str(v)
        return cls(**known)


@dataclass(frozen=True)
class CredentialsAdded:
    path: Path
    media_type: str
    sha256: str
    facts: CredentialFacts
    root_fingerprint: str

    @property
    def changes(self) -> Changes:
        return Changes(audit=True)

    def to_json(self) -> dict:
        return {"path": str(self.path), "media_type": self.media_type, "sha256": self.sha256,
                "facts": self.facts.to_json(), "root_fingerprint": self.root_fingerprint}


@dataclass(frozen=True)
class CredentialCheck:
    """What a file's content credentials say and whether they hold. ``valid``: a manifest is
    there and its signature and every hash match the file; ``trusted``: valid, and signed by a
    certificate that chains to the trust root given."""

    path: Path
    media_type: str
    present: bool
    valid: bool
    trusted: bool
    state: str                      # c2pa's: Invalid, Valid or Trusted ("absent": no manifest)
    facts: CredentialFacts | None = None
    digital_source_type: str | None = None
    signer: str | None = None
    signed_by: str | None = None    # the certificate's issuer, as the manifest names it
    problems: tuple[str, ...] = field(default_factory=tuple)

    def to_json(self) -> dict:
        return {"path": str(self.path), "media_type": self.media_type, "present": self.present,
                "valid": self.valid, "trusted": self.trusted, "state": self.state,
                "facts": self.facts.to_json() if self.facts else None,
                "digital_source_type": self.digital_source_type, "signer": self.signer,
                "signed_by": self.signed_by, "problems": list(self.problems)}


# -- adding -------------------------------------------------------------------------------------

def _checked_facts(vault: Vault, facts: CredentialFacts) -> CredentialFacts:
    """The facts as the vault knows them: the talent exists; a package is one this vault exported
    of this talent's twin (and names its grant); a grant is this talent's, active today, and
    names the brand (its licensee); free text is one line."""
    talent = get_talent(vault, facts.talent).id
    brand = check_name(facts.brand, "the brand", 200, required=False)
    grant, package = facts.grant, None
    if facts.package is not None:
        package = str(parse_id("package", facts.package))
        with vault.session() as s:
            row = s.get(Package, package)
            if row is None:
                raise NotFound(f"no package {package} in this vault")
            if row.talent_id != talent:
                raise ConsentError(f"package {package} holds another talent's twin, not {talent}'s")
            if grant is not None and parse_id("grant", grant) != row.grant_id:
                raise InvalidInput(f"package {package} was exported under grant {row.grant_id}, not {grant}")
            grant = row.grant_id
    if grant is not None:
        g = get_grant(vault, grant)
        grant = g.id
        if g.talent_id != talent:
            raise ConsentError(f"grant {g.id} is not {talent}'s: credentials name one talent's likeness "
                               f"and their grant")
        if g.status() != GrantState.ACTIVE:
            raise ConsentError(f"grant {g.id} is {g.status()}, not active: credentials are added under an active grant")
        licensee = g.document["licensee"]
        if brand is not None and brand != licensee:
            raise InvalidInput(f"the brand given ({brand}) is not grant {g.id}'s licensee ({licensee})")
        brand = licensee
    return CredentialFacts(
        talent=talent, grant=grant, package=package, brand=brand,
        approval=check_name(facts.approval, "the approval reference", 200, required=False),
        approved_by=check_name(facts.approved_by, "the approving key's fingerprint", 200, required=False),
        approved_at=check_name(facts.approved_at, "the approval's date", 64, required=False),
        note=check_name(facts.note, "the note", NOTE_LIMIT, required=False),
        composite=bool(facts.composite))


def _version() -> str:
    from importlib import metadata

    try:
        return metadata.version("twin-studio")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def manifest_definition(facts: CredentialFacts, title: str, media: MediaType,
                        extra: list[dict] | None = None) -> dict:
    """The manifest c2pa signs; ``extra``: further assertions (the approval flow's, DR047)."""
    agent = {"name": "Twin Studio", "version": _version()}
    action = {"action": "c2pa.created", "digitalSourceType": COMPOSITE if facts.composite else TRAINED,
              "softwareAgent": agent, "when": now_iso()}
    if facts.note:
        action["description"] = facts.note
    return {
        "claim_generator_info": [agent],
        "title": title,
        "format": media.mime,
        "assertions": [
            {"label": "c2pa.actions.v2", "data": {"actions": [action]}},
            {"label": LIKENESS_LABEL, "data": {"version": 1, **facts.to_json()}},
            *(extra or []),
        ],
    }


def _signer(authority: Authority) -> c2pa.Signer:
    key = authority.signing_key

    def sign(data: bytes) -> bytes:
        # COSE ES256 wants r || s, 32 bytes each; cryptography gives DER
        r, s = decode_dss_signature(key.sign(bytes(data), ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")

    return c2pa.Signer.from_callback(sign, c2pa.C2paSigningAlg.ES256, authority.chain_pem.decode(), None)


def _sign_context() -> c2pa.Context:
    # no thumbnail in the manifest (the file is the picture; DR044), and no check against
    # c2pa's own trust list after signing: the result is checked below against our root
    return c2pa.Context.from_dict({"builder": {"thumbnail": {"enabled": False}},
                                   "verify": {"verify_after_sign": False}})


def sign_bytes(authority: Authority, data: bytes, media: MediaType, manifest: dict) -> bytes:
    out = io.BytesIO()
    try:
        with _sign_context() as ctx, c2pa.Builder(manifest, context=ctx) as builder:
            builder.sign(_signer(authority), media.mime, io.BytesIO(data), out)
    except c2pa.C2paError as exc:
        raise InvalidFile(f"c2pa could not add credentials to this {media.name} file: {exc}") from exc
    return out.getvalue()


def _check_out(source: Path, out: Path, media: MediaType, overwrite: bool) -> None:
    if out.exists() and out.resolve() == source.resolve():
        raise InvalidInput(f"{out} is the source itself: write the credentialed copy to another file")
    if out.is_dir():
        raise InvalidInput(f"{out} is a folder: name the file to write")
    if out.exists() and not overwrite:
        raise InvalidInput(f"{out} already exists (use --force to overwrite)")
    suffix = out.suffix.lower()
    for other in SUPPORTED:
        if suffix in other.suffixes and other is not media:
            raise InvalidInput(f"{out.name} ends in {suffix} but the file is a {media.name}: name it "
                               f"{out.stem}{media.suffixes[0]}")


def add_credentials(vault: Vault, source_path: Path, out_path: Path, facts: CredentialFacts, *,
                    overwrite: bool = False) -> CredentialsAdded:
    """Write ``out_path``: a copy of ``source_path`` carrying content credentials that state
    ``facts``, signed with the vault's content-credentials certificate, checked against the
    vault's root before it is written (owner-only, atomically), and recorded in the audit
    chain. Refuses an unsupported file, an existing ``out_path`` unless ``overwrite``, and facts
    the vault does not bear out, changing nothing."""
    source, out = Path(source_path), Path(out_path)
    if not source.is_file():
        raise InvalidInput(f"{source} is not a file" if source.exists() else f"{source} does not exist")
    media = media_type(source)
    _check_out(source, out, media, overwrite)
    if source.stat().st_size > MAX_SOURCE_BYTES:
        raise InvalidInput(f"{source.name} is larger than {MAX_SOURCE_BYTES // 1024 ** 3} GiB; credentials are "
                           f"added to images and voice lines")
    checked = _checked_facts(vault, facts)
    authority = content_authority(vault)
    data = source.read_bytes()
    signed = sign_bytes(authority, data, media, manifest_definition(checked, out.name, media))
    check = _check_bytes(signed, media, out, [authority.root_pem])
    if not check.trusted:  # c2pa made something its own reader refuses: never hand it out
        raise IntegrityError(f"the credentials written to {out.name} did not verify ({'; '.join(check.problems)})")
    sha = hashlib.sha256(signed).hexdigest()
    with vault.session() as s:
        audit.append(s, "credentials.added", checked.talent,
                     {"sha256": sha, "source_sha256": hashlib.sha256(data).hexdigest(), "media_type": media.mime,
                      "grant": checked.grant, "package": checked.package, "approval": checked.approval,
                      "root": authority.root_fingerprint})
        write_bytes_atomic(out, signed, overwrite=overwrite)  # inside: a failed write records nothing
    return CredentialsAdded(out, media.mime, sha, checked, authority.root_fingerprint)


checked_facts = _checked_facts  # the approval flow checks its facts before it signs several files


# -- checking -----------------------------------------------------------------------------------

def _reader_context(trust_pems: list[bytes] | None) -> c2pa.Context:
    settings: dict = {"verify": {"verify_trust": True}}
    if trust_pems:
        settings["trust"] = {"trust_anchors": b"".join(trust_pems).decode()}
    return c2pa.Context.from_dict(settings)


def _source_type(manifest: dict) -> str | None:
    for a in manifest.get("assertions", []):
        if str(a.get("label", "")).startswith("c2pa.actions"):
            for action in (a.get("data") or {}).get("actions", []):
                if action.get("action") == "c2pa.created" and action.get("digitalSourceType"):
                    return action["digitalSourceType"]
    return None


def _facts(manifest: dict) -> CredentialFacts | None:
    for a in manifest.get("assertions", []):
        if a.get("label") == LIKENESS_LABEL:
            return CredentialFacts.from_json(a.get("data"))
    return None


def _check_bytes(data: bytes, media: MediaType, path: Path, trust_pems: list[bytes] | None) -> CredentialCheck:
    try:
        with _reader_context(trust_pems) as ctx, c2pa.Reader(media.mime, io.BytesIO(data), context=ctx) as reader:
            state = reader.get_validation_state() or "Invalid"
            results = reader.get_validation_results() or {}
            manifest = reader.get_active_manifest() or {}
    except c2pa.C2paError.ManifestNotFound:
        return CredentialCheck(path, media.mime, False, False, False, "absent",
                               problems=("the file carries no content credentials",))
    except c2pa.C2paError as exc:  # a manifest there but broken
        return CredentialCheck(path, media.mime, True, False, False, "Invalid",
                               problems=(f"the credentials cannot be read: {exc}",))
    failures = (results.get("activeManifest") or {}).get("failure") or []
    untrusted_only = all(f.get("code") == "signingCredential.untrusted" for f in failures)
    valid = state in ("Valid", "Trusted") and untrusted_only
    info = manifest.get("signature_info") or {}
    return CredentialCheck(
        path, media.mime, True, valid, valid and state == "Trusted", state, _facts(manifest), _source_type(manifest),
        info.get("common_name"), info.get("issuer"),
        tuple(f"{f.get('code')}: {f.get('explanation')}" for f in failures))


check_signed_bytes = _check_bytes  # the approval flow checks what it signed before sending it


def verify_credentials(path: Path, trust_root_pem: bytes | None = None) -> CredentialCheck:
    """Check a file's content credentials, with no vault: ``trusted`` only with
    ``trust_root_pem`` (the studio root a brand or publisher was given) and a signature that
    chains to it. A file without credentials is reported, not raised; an unsupported file is
    :class:`UnsupportedFormat`."""
    path = Path(path)
    if not path.is_file():
        raise InvalidInput(f"{path} is not a file" if path.exists() else f"{path} does not exist")
    media = media_type(path)
    pems = None
    if trust_root_pem is not None:
        load_trust_root(trust_root_pem)
        pems = [trust_root_pem]
    if path.stat().st_size > MAX_SOURCE_BYTES:
        raise InvalidInput(f"{path.name} is larger than {MAX_SOURCE_BYTES // 1024 ** 3} GiB")
    return _check_bytes(path.read_bytes(), media, path, pems)
