"""The catalog's tables (SQLAlchemy 2 declarative models).

Columns ending in ``_sealed`` hold values sealed with the vault's field key (see
:class:`studio.core.vault.keys.FieldCipher`): anything naming or describing a person. The
schema itself is created and changed only by the Alembic migrations in ``migrations/``.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


# a file's size: 64-bit (a scan can pass 2 GiB); SQLite's INTEGER already is (migration 0005)
Size = BigInteger().with_variant(Integer(), "sqlite")


class Blob(Base):
    """One stored file, by the SHA-256 of its plaintext. ``store`` is "blobs" or "derived"."""

    __tablename__ = "blobs"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    store: Mapped[str] = mapped_column(String(16))
    size: Mapped[int] = mapped_column(Size)
    created_at: Mapped[str] = mapped_column(String(32))
    # the talent whose likeness key the file is encrypted to (DR055); None: the vault key
    owner: Mapped[str | None] = mapped_column(String(32), nullable=True)


class PendingWrite(Base):
    """A blob being written: recorded before the file appears, removed when its row commits."""

    __tablename__ = "pending_writes"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    store: Mapped[str] = mapped_column(String(16), primary_key=True)
    started_at: Mapped[str] = mapped_column(String(32))


class Upload(Base):
    """A blob a station of a shared vault is putting in the object store before it commits
    (DR027): recorded before the upload starts, removed when the writer is done. ``owner`` is
    the writer's lease, held in the catalog for as long as it lives; a cleaner removes what a
    writer whose lease is gone uploaded, never another live writer's upload."""

    __tablename__ = "uploads"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    store: Mapped[str] = mapped_column(String(16), primary_key=True)
    owner: Mapped[str] = mapped_column(String(32), primary_key=True)
    started_at: Mapped[str] = mapped_column(String(32))


class Talent(Base):
    __tablename__ = "talents"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    email_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    agency_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    created_at: Mapped[str] = mapped_column(String(32))
    erased_at: Mapped[str | None] = mapped_column(String(32), nullable=True)  # DR055


class TalentBlobKey(Base):
    """A talent's likeness key (DR055): an age X25519 identity that every blob and derived file of
    the talent is encrypted to, stored age-encrypted to the vault's recipient. Erasing the talent
    deletes this row (crypto-shredding): every copy of their files, backups included, is then
    undecryptable."""

    __tablename__ = "talent_blob_keys"
    talent_id: Mapped[str] = mapped_column(ForeignKey("talents.id"), primary_key=True)
    recipient: Mapped[str] = mapped_column(String(128))
    wrapped_identity: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[str] = mapped_column(String(32))


class Asset(Base):
    __tablename__ = "assets"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    talent_id: Mapped[str] = mapped_column(ForeignKey("talents.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    format: Mapped[str] = mapped_column(String(16))
    media_type: Mapped[str] = mapped_column(String(64))
    sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"), unique=True)
    size: Mapped[int] = mapped_column(Size)
    original_name_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    metrics_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    warnings_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(24), index=True)
    created_at: Mapped[str] = mapped_column(String(32))


class AssetFile(Base):
    """A file that belongs to an asset besides its original: a companion (MTL, texture,
    glTF buffer) or a derived file (preview LOD, waveform, thumbnail)."""

    __tablename__ = "asset_files"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    asset_id: Mapped[str] = mapped_column(ForeignKey("assets.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))  # companion | lod | lod_fine | waveform | thumbnail
    name_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    media_type: Mapped[str] = mapped_column(String(64))
    sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"))
    size: Mapped[int] = mapped_column(Size)


class AuditEvent(Base):
    __tablename__ = "audit_events"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(64))
    details: Mapped[str] = mapped_column(Text)  # canonical JSON, never personal data
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class TalentKey(Base):
    """A talent's own Ed25519 key. The private key is age-encrypted under the *talent's*
    passphrase (scrypt), so the studio's passphrase cannot unlock it: only the talent signs."""

    __tablename__ = "talent_keys"
    talent_id: Mapped[str] = mapped_column(ForeignKey("talents.id"), primary_key=True)
    public_key: Mapped[str] = mapped_column(String(64))      # base64 of the raw 32 bytes
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)  # age (scrypt) of the PKCS#8 PEM
    created_at: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[str] = mapped_column(String(32))


class TalentCard(Base):
    """A talent who holds their own key (DR045): the public half of the keys ``talent keygen``
    made on their device, from the card they handed over. The studio holds no private key of
    this talent; a ``talent_keys`` row for them is destroyed when the card is linked."""

    __tablename__ = "talent_cards"
    talent_id: Mapped[str] = mapped_column(ForeignKey("talents.id"), primary_key=True)
    public_key: Mapped[str] = mapped_column(String(64))   # Ed25519, base64 of the raw 32 bytes
    recipient: Mapped[str] = mapped_column(String(128))   # the talent's age X25519 recipient
    fingerprint: Mapped[str] = mapped_column(String(80))  # SHA256:<hex> of the key's SubjectPublicKeyInfo
    linked_at: Mapped[str] = mapped_column(String(32))


class RetiredTalentKey(Base):
    """A talent key no longer in use (the studio-held one a card replaced, or an earlier card):
    its public half only, kept so that what was signed with it before ``retired_at`` still
    verifies."""

    __tablename__ = "retired_talent_keys"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    talent_id: Mapped[str] = mapped_column(ForeignKey("talents.id"), index=True)
    public_key: Mapped[str] = mapped_column(String(64))
    held_by: Mapped[str] = mapped_column(String(16))  # studio | talent
    created_at: Mapped[str] = mapped_column(String(32))
    retired_at: Mapped[str] = mapped_column(String(32))


class ExportPause(Base):
    """The talent's signed pause of new exports of their likeness — all of them (``grant_id``
    NULL) or those under one grant — and, once lifted, their signed resume (DR050). The
    statements are canonical JSON holding ids and instants only (no personal data)."""

    __tablename__ = "export_pauses"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    talent_id: Mapped[str] = mapped_column(ForeignKey("talents.id"), index=True)
    grant_id: Mapped[str | None] = mapped_column(ForeignKey("grants.id"), nullable=True)
    statement_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    statement: Mapped[str] = mapped_column(Text)
    signature: Mapped[str] = mapped_column(String(128))
    paused_at: Mapped[str] = mapped_column(String(32))
    resume_statement: Mapped[str | None] = mapped_column(Text, nullable=True)
    resume_signature: Mapped[str | None] = mapped_column(String(128), nullable=True)
    resumed_at: Mapped[str | None] = mapped_column(String(32), nullable=True)


class Review(Base):
    """A talent's signed decision on one asset. ``statement_sealed`` is the canonical JSON
    (RFC 8785) that ``signature`` covers; it holds the talent's note, so it is sealed."""

    __tablename__ = "reviews"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    asset_id: Mapped[str] = mapped_column(ForeignKey("assets.id"), index=True)
    talent_id: Mapped[str] = mapped_column(ForeignKey("talents.id"))
    decision: Mapped[str] = mapped_column(String(16))
    statement_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    signature: Mapped[str] = mapped_column(String(128))
    at: Mapped[str] = mapped_column(String(32))


class Grant(Base):
    """A consent grant. ``document_sealed`` is the canonical JSON (RFC 8785) the talent signs;
    the studio countersigns on activation; a revocation is a statement the talent signs too."""

    __tablename__ = "grants"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    talent_id: Mapped[str] = mapped_column(ForeignKey("talents.id"), index=True)
    state: Mapped[str] = mapped_column(String(16))  # draft | signed | active (+ a revocation)
    document_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    talent_signature: Mapped[str | None] = mapped_column(String(128), nullable=True)
    studio_signature: Mapped[str | None] = mapped_column(String(128), nullable=True)
    revocation_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    revocation_signature: Mapped[str | None] = mapped_column(String(128), nullable=True)
    uses: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[str] = mapped_column(String(32))


class Brand(Base):
    """A brand a package can be addressed to: its age recipient (for the payload) and the
    Ed25519 key its usage reports are signed with. A company, not a person: stored in clear."""

    __tablename__ = "brands"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    recipient: Mapped[str] = mapped_column(String(128))
    verify_key: Mapped[str] = mapped_column(String(64))  # base64 of the raw 32 bytes
    created_at: Mapped[str] = mapped_column(String(32))


class Package(Base):
    """One exported package. ``manifest_sealed`` is the signed manifest, byte for byte (it names
    the talent and the files), kept so a leak can be traced and a usage report matched."""

    __tablename__ = "packages"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    grant_id: Mapped[str] = mapped_column(ForeignKey("grants.id"), index=True)
    talent_id: Mapped[str] = mapped_column(ForeignKey("talents.id"), index=True)
    brand_id: Mapped[str] = mapped_column(ForeignKey("brands.id"), index=True)
    manifest_sha256: Mapped[str] = mapped_column(String(64))
    file_sha256: Mapped[str] = mapped_column(String(64))
    manifest_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[str] = mapped_column(String(32))


class LedgerEntry(Base):
    """A use the talent is owed a fee for (an export, a reported use) or a reported use the
    grant did not allow (a violation, no fee). ``details_sealed``: the brand's description of
    the use and, for a violation, the reasons."""

    __tablename__ = "ledger_entries"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)  # export | use | violation
    on: Mapped[str] = mapped_column(String(10), index=True)     # the day of the use, YYYY-MM-DD
    talent_id: Mapped[str] = mapped_column(ForeignKey("talents.id"), index=True)
    grant_id: Mapped[str] = mapped_column(ForeignKey("grants.id"))
    brand_id: Mapped[str] = mapped_column(ForeignKey("brands.id"))
    package_id: Mapped[str] = mapped_column(ForeignKey("packages.id"))
    purpose: Mapped[str | None] = mapped_column(String(32), nullable=True)
    media: Mapped[str | None] = mapped_column(String(32), nullable=True)
    territory: Mapped[str | None] = mapped_column(String(8), nullable=True)
    count: Mapped[int] = mapped_column(Integer)
    fee: Mapped[str] = mapped_column(String(32))  # decimal string, this entry's total
    currency: Mapped[str] = mapped_column(String(3))
    report_id: Mapped[str | None] = mapped_column(String(32), unique=True, nullable=True)
    details_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[str] = mapped_column(String(32))


class ApprovalRequest(Base):
    """A brand's request that the talent approve outputs made with a package (DR047).
    ``request_sealed``: the brand's signed request (its use description names the campaign)."""

    __tablename__ = "approval_requests"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    package_id: Mapped[str] = mapped_column(ForeignKey("packages.id"), index=True)
    grant_id: Mapped[str] = mapped_column(ForeignKey("grants.id"))
    talent_id: Mapped[str] = mapped_column(ForeignKey("talents.id"), index=True)
    brand_id: Mapped[str] = mapped_column(ForeignKey("brands.id"))
    request_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    signature: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[str] = mapped_column(String(32))
    responded_at: Mapped[str | None] = mapped_column(String(32), nullable=True)


class ApprovalOutput(Base):
    """One output of a request, kept as a blob by its SHA-256, and the talent's signed decision
    on it (``statement_sealed`` is the canonical JSON ``signature`` covers; it holds the note)."""

    __tablename__ = "approval_outputs"
    request_id: Mapped[str] = mapped_column(ForeignKey("approval_requests.id"), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    media_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    decision: Mapped[str | None] = mapped_column(String(16), nullable=True)
    statement_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    signature: Mapped[str | None] = mapped_column(String(128), nullable=True)
    decided_at: Mapped[str | None] = mapped_column(String(32), nullable=True)
