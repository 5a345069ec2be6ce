"""The closed sets of values the catalog stores, as string enums.

Each member *is* its stored string (``AssetStatus.APPROVED == "approved"``), so rows written
before these enums existed, JSON exports and the CLI's output are unchanged. A leaf module:
it imports nothing from ``studio`` so every layer can use it.
"""

from __future__ import annotations

from enum import StrEnum


class AssetStatus(StrEnum):
    """Where an asset stands in the talent's review (``assets.status``)."""

    PENDING_REVIEW = "pending_review"
    APPROVED = "approved"
    REJECTED = "rejected"


class ReviewDecision(StrEnum):
    """A talent's signed decision on one asset (``reviews.decision``): the status it gives."""

    APPROVED = "approved"
    REJECTED = "rejected"


class AssetKind(StrEnum):
    """What an asset holds (``assets.kind``)."""

    MESH = "mesh"
    POINT_CLOUD = "point_cloud"
    VOICE = "voice"


class GrantState(StrEnum):
    """A grant's state. Stored (``grants.state``): draft, signed, active, declined. Read as of a
    day (``GrantRecord.status``) it may also be revoked or expired."""

    DRAFT = "draft"
    SIGNED = "signed"
    ACTIVE = "active"
    DECLINED = "declined"
    REVOKED = "revoked"
    EXPIRED = "expired"


STORED_GRANT_STATES = (GrantState.DRAFT, GrantState.SIGNED, GrantState.ACTIVE, GrantState.DECLINED)


class LedgerKind(StrEnum):
    """What a ledger entry records (``ledger_entries.kind``)."""

    EXPORT = "export"
    USE = "use"
    VIOLATION = "violation"


class FileRole(StrEnum):
    """What a file beside an asset's original is (``asset_files.role``); ORIGINAL names the
    original itself in a package's asset list and is never stored as an asset file."""

    ORIGINAL = "original"
    COMPANION = "companion"
    LOD = "lod"
    LOD_FINE = "lod_fine"  # a finer preview level of a big scan, ~1 M faces (DR024)
    WAVEFORM = "waveform"
    THUMBNAIL = "thumbnail"


DERIVED_ROLES = (FileRole.LOD, FileRole.LOD_FINE, FileRole.WAVEFORM, FileRole.THUMBNAIL)
