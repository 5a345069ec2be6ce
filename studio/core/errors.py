"""Typed errors raised by the core. Messages are written for a studio operator.

The edges (CLI, UI) catch :class:`StudioError` and show ``str(error)``; anything else
is a bug and may show a traceback.
"""

from __future__ import annotations


class StudioError(Exception):
    """Base of every error the core raises on purpose."""


class VaultNotFound(StudioError):
    pass


class VaultExists(StudioError):
    pass


class UnsupportedVaultVersion(StudioError):
    pass


class VaultLocked(StudioError):
    pass


class WrongPassphrase(VaultLocked):
    pass


class UnprotectedKeys(StudioError):
    """Private keys found in clear where they must be locked by a passphrase (a brand's folder
    from before DR046): ``twin-studio brand protect DIR`` locks them."""


class IntegrityError(StudioError):
    """Stored data failed a hash, MAC or signature check."""


class NotFound(StudioError):
    pass


class InvalidInput(StudioError):
    """An argument given by the user is not acceptable (bad id, bad option value...)."""


class UnsupportedFormat(StudioError):
    """The file is not a scan or voice format Twin Studio reads."""


class InvalidFile(StudioError):
    """The file claims a supported format but its content is broken or implausible."""


class Cancelled(StudioError):
    def __init__(self, message: str = "cancelled") -> None:
        super().__init__(message)


class RenderUnavailable(StudioError):
    """The preview renderer (a child process) is not running or crashed; restart it."""


class ConsentError(StudioError):
    """An action the grant's state or signatures do not allow."""


class TalentSignsOnOwnDevice(ConsentError):
    """The talent holds their own key (``talent keygen`` on their device, DR045): the studio holds
    no private key of theirs, so nothing here signs for them."""


class ExportsPaused(ConsentError):
    """The talent paused new exports of their likeness (all of them, or under one grant) with
    their signature (DR050): nothing is exported until they sign a resume. Carries who paused,
    which grant (``None``: every export) and since when."""

    def __init__(self, message: str, *, talent_id: str, grant_id: str | None, since: str) -> None:
        super().__init__(message)
        self.talent_id, self.grant_id, self.since = talent_id, grant_id, since


class PackageRefused(StudioError):
    """A package that must not be trusted or opened: tampered, unsigned, expired, malformed,
    or not addressed to the one opening it."""


class VaultBusy(StudioError):
    """Another operation (in this or another process) holds the vault's writer lock; waiting
    a moment and trying again is the remedy."""


class VaultReadOnly(StudioError):
    """The vault's folder (or its catalog) cannot be written: a read-only mount, a backup, an
    immutable file. Reading works; a change is refused before anything is touched."""


class NoSpace(StudioError):
    """The vault's disk is full: what was being stored was not stored (the vault is intact)."""


class CatalogUnavailable(StudioError):
    """A shared vault's catalog database cannot be reached or refused us (down, network cut,
    credentials); whatever was in progress was rolled back."""


class StoreUnavailable(StudioError):
    """A shared vault's object store cannot be reached or refused us (down, network cut,
    credentials, missing bucket); nothing half-written is visible."""
