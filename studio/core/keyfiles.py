"""Private key files on the key holder's own machine (a brand's, a talent's): written once, 0600."""

from __future__ import annotations

import os
from pathlib import Path

from studio.core import kdf
from studio.core.errors import InvalidInput
from studio.core.package.publish import publish_new
from studio.core.vault.atomic import temp_path_for
from studio.core.vault.keys import passphrase_decrypt


def write_private_new(final: Path, data: bytes, whose: str) -> None:
    """A private key file, readable by its owner only from its first byte on (mode 0600 given to
    ``os.open``, not a process-wide umask that other threads would see), never overwritten.
    ``whose`` names the keys in the refusal ("a brand's keys")."""
    tmp = temp_path_for(final)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        publish_new(tmp, final, mode=0o600)
    except FileExistsError as exc:
        raise InvalidInput(f"{final} already exists; refusing to overwrite {whose}") from exc
    finally:
        tmp.unlink(missing_ok=True)


def write_locked_new(final: Path, data: bytes, passphrase: str, whose: str) -> None:
    """``data`` encrypted to ``passphrase`` with age's scrypt recipient (a standard age file: ``age -d``
    opens it, and an age identity written this way is one ``age -d -i`` accepts), then written
    as :func:`write_private_new` writes."""
    write_private_new(final, kdf.encrypt(data, passphrase), whose)


def read_locked(path: Path, passphrase: str, what: str, wrong: str) -> bytes:
    """The clear bytes of a file :func:`write_locked_new` wrote. A wrong passphrase
    (:class:`WrongPassphrase`, message ``wrong``), a damaged file (:class:`IntegrityError`) and a
    machine too busy to derive the key are told apart as for the vault's own key."""
    return passphrase_decrypt(Path(path).read_bytes(), passphrase, what=what, wrong=wrong)
