"""The brand's own key files (DR046): written locked by the brand's passphrase (age's scrypt
recipient), never in clear; a wrong passphrase, a damaged file and a folder from before DR046 are
told apart; ``protect`` locks such a folder in place, crash-safe.

Each unlock derives a key with scrypt (about a second on a quiet machine, more on a busy one):
the folder is made once for the module and each test unlocks it as few times as it can."""

from __future__ import annotations

import os
import shutil
import stat

import pyrage
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from studio.core.errors import IntegrityError, InvalidInput, NotFound, UnprotectedKeys, WrongPassphrase
from studio.core.keyfiles import write_private_new
from studio.core.package.brand_keys import (
    CARD_FILE, IDENTITY_FILE, OLD_SIGNING_FILE, SIGNING_FILE, keygen, load_identity, protect, read_card,
)

PASS = "the brand's own passphrase"
posix_only = pytest.mark.skipif(os.name == "nt", reason="POSIX file modes")


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """One folder from ``keygen`` for the module (about three seconds of scrypt); tests copy it."""
    folder = tmp_path_factory.mktemp("brand") / "keys"
    card = keygen(folder, "Maison Lumière", PASS)
    return folder, card


@pytest.fixture
def keys(made, tmp_path):
    folder, card = made
    shutil.copytree(folder, tmp_path / "keys")
    return tmp_path / "keys", card


def clear_folder(folder, name="Maison Lumière"):
    """A brand folder as ``brand keygen`` wrote it before DR046: the identity and the signing key
    in clear (0600), the card beside them. Returns (recipient, the signing key's PEM)."""
    folder.mkdir(parents=True)
    identity = pyrage.x25519.Identity.generate()
    signing = Ed25519PrivateKey.generate()
    pem = signing.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    recipient = str(identity.to_public())
    write_private_new(folder / IDENTITY_FILE, f"# created: 2026-01-01T00:00:00Z\n# public key: {recipient}\n"
                      f"{identity}\n".encode(), "a test's keys")
    write_private_new(folder / OLD_SIGNING_FILE, pem, "a test's keys")
    return recipient, pem, str(identity)


@posix_only
def test_when_a_brand_makes_its_keys_then_no_private_key_is_in_clear_and_the_passphrase_unlocks_them(keys):
    folder, card = keys
    assert sorted(p.name for p in folder.iterdir()) == [CARD_FILE, IDENTITY_FILE, SIGNING_FILE]
    identity_file, signing_file = (folder / IDENTITY_FILE).read_bytes(), (folder / SIGNING_FILE).read_bytes()
    for raw in (identity_file, signing_file):
        assert raw.startswith(b"age-encryption.org/v1\n")
        assert b"AGE-SECRET-KEY" not in raw and b"PRIVATE KEY" not in raw
    assert b"-> scrypt " in identity_file and b"-> scrypt " not in signing_file  # the one passphrase
    for name in (IDENTITY_FILE, SIGNING_FILE):
        assert stat.S_IMODE((folder / name).stat().st_mode) == 0o600
    assert stat.S_IMODE((folder / CARD_FILE).stat().st_mode) == 0o644

    # age itself (here through pyrage) opens the identity with the passphrase: an encrypted
    # identity file as `age -d -i identity.txt` reads them…
    clear = pyrage.passphrase.decrypt(identity_file, PASS).decode()
    (line,) = [ln for ln in clear.splitlines() if ln and not ln.startswith("#")]
    age_identity = pyrage.x25519.Identity.from_str(line)
    assert str(age_identity.to_public()) == card.recipient and f"# public key: {card.recipient}" in clear
    # …and that identity opens the signing key, a PKCS#8 PEM
    pem = pyrage.decrypt(signing_file, [age_identity])
    assert pem.startswith(b"-----BEGIN PRIVATE KEY-----")

    unlocked = load_identity(folder, PASS)
    assert (unlocked.recipient, unlocked.verify_key) == (card.recipient, card.verify_key)
    assert read_card(folder / CARD_FILE) == card
    assert "AGE-SECRET-KEY" not in repr(unlocked)


def test_when_the_passphrase_is_wrong_or_a_file_is_damaged_then_each_is_named_and_nothing_changes(keys):
    folder, _ = keys
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    with pytest.raises(WrongPassphrase, match="wrong passphrase for the brand's keys in"):
        load_identity(folder, "not the brand's passphrase")

    ident = folder / IDENTITY_FILE
    good = ident.read_bytes()
    body = good.index(b"\n---") + 60  # a byte of the encrypted key itself
    ident.write_bytes(good[:body] + bytes([good[body] ^ 1]) + good[body + 1:])
    with pytest.raises(IntegrityError, match="damaged"):
        load_identity(folder, PASS, signing=False)
    ident.write_bytes(b"\x00\x01 not a key at all")  # neither locked nor a clear identity: no key derived
    with pytest.raises(IntegrityError, match="neither an age identity nor one locked"):
        load_identity(folder, PASS)
    ident.write_bytes(good)

    signing = folder / SIGNING_FILE
    signing.write_bytes(signing.read_bytes()[:-1])
    with pytest.raises(IntegrityError, match=f"{SIGNING_FILE} cannot be decrypted"):
        load_identity(folder, PASS)
    signing.write_bytes(before[SIGNING_FILE])
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_when_keys_are_asked_for_where_there_are_none_or_the_passphrase_is_short_then_it_is_refused(tmp_path):
    with pytest.raises(NotFound, match="no brand identity"):
        load_identity(tmp_path, PASS)
    with pytest.raises(InvalidInput, match="at least 8 characters"):
        keygen(tmp_path / "keys", "Maison Lumière", "short")
    assert not (tmp_path / "keys").exists()


def test_when_keygen_is_pointed_at_a_folder_with_keys_then_it_refuses_and_keeps_them(keys):
    folder, _ = keys
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    with pytest.raises(InvalidInput, match="refusing to overwrite a brand's keys"):
        keygen(folder, "Maison Lumière", PASS)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_when_the_identity_file_alone_is_given_then_it_unlocks_without_a_signing_key(keys):
    folder, card = keys
    alone = load_identity(folder / IDENTITY_FILE, PASS)
    assert alone.recipient == card.recipient and alone.signing_key is None
    with pytest.raises(InvalidInput, match="without their signing key"):
        alone.verify_key


def test_when_a_folder_is_from_before_keys_were_locked_then_it_is_named_and_protect_locks_it_in_place(tmp_path):
    folder = tmp_path / "old"
    recipient, pem, secret = clear_folder(folder)
    with pytest.raises(UnprotectedKeys, match=f"twin-studio brand protect {folder}"):
        load_identity(folder, PASS)
    with pytest.raises(UnprotectedKeys, match="age -p"):  # a clear identity file alone: age's own tool locks it
        load_identity(folder / IDENTITY_FILE, PASS)
    with pytest.raises(InvalidInput, match="at least 8 characters"):
        protect(folder, "short")
    assert (folder / OLD_SIGNING_FILE).read_bytes() == pem

    protect(folder, PASS)

    assert sorted(p.name for p in folder.iterdir()) == [IDENTITY_FILE, SIGNING_FILE]  # no temp file left
    for name in (IDENTITY_FILE, SIGNING_FILE):
        raw = (folder / name).read_bytes()
        assert raw.startswith(b"age-encryption.org/v1\n") and secret.encode() not in raw and b"PRIVATE KEY" not in raw
        if os.name != "nt":
            assert stat.S_IMODE((folder / name).stat().st_mode) == 0o600
    unlocked = load_identity(folder, PASS)
    assert str(unlocked.identity) == secret and unlocked.recipient == recipient
    assert unlocked.signing_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                              serialization.NoEncryption()) == pem
    with pytest.raises(InvalidInput, match="locked already"):
        protect(folder, PASS)


@pytest.mark.parametrize("stopped", ["after the signing key's locked copy", "after the clear signing key went"])
def test_when_protect_stopped_midway_then_the_keys_are_all_there_and_running_it_again_finishes(tmp_path, stopped):
    """The states a crash can leave, made by hand: the clear signing key and its locked copy side by
    side; or the clear identity with only the locked signing key. Either way no key is lost and
    ``protect`` finishes the job."""
    folder = tmp_path / "old"
    recipient, pem, secret = clear_folder(folder)
    identity = pyrage.x25519.Identity.from_str(secret)
    write_private_new(folder / SIGNING_FILE, pyrage.encrypt(pem, [identity.to_public()]), "a test's keys")
    if stopped == "after the clear signing key went":
        (folder / OLD_SIGNING_FILE).unlink()
    with pytest.raises(UnprotectedKeys):
        load_identity(folder, PASS)

    protect(folder, PASS)

    assert sorted(p.name for p in folder.iterdir()) == [IDENTITY_FILE, SIGNING_FILE]
    unlocked = load_identity(folder, PASS)
    assert unlocked.recipient == recipient and unlocked.signing_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()) == pem


def test_when_the_clear_and_locked_signing_keys_differ_then_protect_refuses_and_deletes_neither(tmp_path):
    folder = tmp_path / "old"
    recipient, pem, secret = clear_folder(folder)
    other = Ed25519PrivateKey.generate().private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                        serialization.NoEncryption())
    write_private_new(folder / SIGNING_FILE, pyrage.encrypt(other, [pyrage.x25519.Identity.from_str(secret).to_public()]),
                      "a test's keys")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    with pytest.raises(IntegrityError, match="hold different keys"):
        protect(folder, PASS)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before
