"""Key files on the key holder's machine (studio.core.keyfiles): 0600, written once, locked by a passphrase."""

from __future__ import annotations

import stat

import pytest

from studio.core.errors import InvalidInput, WrongPassphrase
from studio.core.keyfiles import read_locked, write_locked_new, write_private_new

SECRET = b"AGE-SECRET-KEY-1EXAMPLEONLYNOTAKEY\n"


def test_when_a_key_is_locked_the_file_holds_no_clear_byte_of_it_and_only_its_owner_reads_it(tmp_path):
    path = tmp_path / "identity.age"
    write_locked_new(path, SECRET, "a long enough passphrase", "a test's keys")
    raw = path.read_bytes()
    assert raw.startswith(b"age-encryption.org/v1\n") and SECRET.strip() not in raw
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert read_locked(path, "a long enough passphrase", "the test key", "wrong passphrase") == SECRET
    with pytest.raises(WrongPassphrase, match="wrong passphrase for the test key"):
        read_locked(path, "another passphrase", "the test key", "wrong passphrase for the test key")


def test_when_a_key_file_exists_it_is_never_overwritten(tmp_path):
    path = tmp_path / "signing-key.pem"
    write_private_new(path, b"first", "a test's keys")
    with pytest.raises(InvalidInput, match="refusing to overwrite a test's keys"):
        write_private_new(path, b"second", "a test's keys")
    assert path.read_bytes() == b"first"
    assert [p.name for p in tmp_path.iterdir()] == ["signing-key.pem"]
