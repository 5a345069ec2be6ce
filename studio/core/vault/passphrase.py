"""Changing the vault's passphrase: the vault key stays the same (no blob is re-encrypted); only
its wrapping in the header is replaced, under the writer lock, with an audit event.

Both scrypt runs (the current passphrase checked, the new one wrapped) happen before the lock is
taken, so other writers wait only for the header's write. The header written is the one the
current passphrase opened: if another station changed it meanwhile, nothing is written."""

from __future__ import annotations

from dataclasses import replace

from studio.core.errors import IntegrityError, InvalidInput
from studio.core.vault import audit
from studio.core.vault.header import HEADER_NAME, MAX_HEADER_BYTES, VaultHeader, parse_header
from studio.core.vault.keys import scrypt_work_factor, unwrap_identity, wrap_identity
from studio.core.vault.vault import Vault, check_new_passphrase


def _stored_header(vault: Vault) -> VaultHeader:
    data = vault.files.read(HEADER_NAME, MAX_HEADER_BYTES)
    if data is None:
        raise IntegrityError(f"the vault's header ({vault.files.where(HEADER_NAME)}) is missing")
    return parse_header(data, vault.files.where(HEADER_NAME))


def change_passphrase(vault: Vault, current: str, new: str) -> None:
    """Wrap ``vault``'s key with ``new`` from now on. ``current`` must open the header as it is
    stored (:class:`WrongPassphrase` otherwise); ``new`` follows the rules for a new vault's
    passphrase and must differ from ``current`` (:class:`InvalidInput`). A read-only vault
    refuses (:class:`VaultReadOnly`). Nothing is changed unless the new header is written."""
    check_new_passphrase(new)
    if new == current:
        raise InvalidInput("the new passphrase is the same as the current one")
    header = _stored_header(vault)
    keys = unwrap_identity(header.wrapped_key, current, header.kdf.get("log2_n"))  # the slow part, unlocked
    header.verify(keys)
    if header.recipient != vault.header.recipient:
        raise IntegrityError("the vault's header on disk is not the one this vault was opened with")
    wrapped = wrap_identity(keys, new)
    changed = replace(header, wrapped_key=wrapped, kdf={**header.kdf, "log2_n": scrypt_work_factor(wrapped)},
                      mac="").sealed(keys)
    with vault.writer_lock():
        if _stored_header(vault) != header:
            raise IntegrityError("the vault's passphrase was changed meanwhile (on another station?): "
                                 "nothing was written; lock the vault and unlock it with its passphrase")
        with vault.session() as s:
            audit.append(s, "vault.passphrase-changed", header.vault_id)
            changed.write(vault.files)  # inside the transaction: a failed write records nothing
        vault.header = changed
