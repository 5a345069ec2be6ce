"""Passphrase key derivation in a child process (DR043): the same answers as in this process —
the clear bytes, a wrong passphrase, a damaged key — with the passphrase carried through a pipe
only, and a child that dies reported as "could not derive now", never as a wrong passphrase."""

from __future__ import annotations

import base64
import json
import multiprocessing as mp
import shutil
import signal
import threading
import time

import psutil
import pyrage
import pytest

from studio.core import kdf
from studio.core.errors import IntegrityError, VaultLocked, WrongPassphrase
from studio.core.vault import Vault
from studio.core.vault.header import HEADER_NAME
from studio.core.vault.keys import passphrase_decrypt
from tests.conftest import PASSPHRASE

WAIT_S = 120.0


@pytest.fixture
def in_child():
    before = kdf.set_in_child(True)
    yield
    kdf.set_in_child(before)


@pytest.fixture
def vault_dir(tmp_path, _vault_template):
    root = tmp_path / "vault"
    shutil.copytree(_vault_template[0], root)
    return root


def _kdf_children() -> list:
    return [p for p in mp.active_children() if p.name == kdf.CHILD_NAME]


def _wait_for(condition, what: str):
    deadline = time.monotonic() + WAIT_S
    while not (found := condition()):
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.01)
    return found


class _Background:
    """``fn()`` on a thread; its result or error kept for the test."""

    def __init__(self, fn) -> None:
        self.result = self.error = None
        self.thread = threading.Thread(target=self._run, args=(fn,), name="test-kdf")
        self.thread.start()

    def _run(self, fn) -> None:
        try:
            self.result = fn()
        except BaseException as exc:  # noqa: BLE001 — handed to the test
            self.error = exc

    def join(self) -> None:
        self.thread.join(WAIT_S)
        assert not self.thread.is_alive(), "the derivation never returned"


def test_when_a_key_is_wrapped_and_opened_in_a_child_then_it_is_a_standard_age_file_and_comes_back(in_child):
    wrapped = kdf.encrypt(b"the vault identity", "a long passphrase here")
    assert wrapped.startswith(b"age-encryption.org/v1\n-> scrypt ")
    assert pyrage.passphrase.decrypt(wrapped, "a long passphrase here") == b"the vault identity"  # in this process
    assert kdf.decrypt(wrapped, "a long passphrase here") == b"the vault identity"  # in a child
    assert _kdf_children() == [] and kdf.running() == 0


def test_when_the_passphrase_is_wrong_in_a_child_then_age_refuses_it_as_in_this_process(in_child):
    wrapped = pyrage.passphrase.encrypt(b"secret", "right one")
    with pytest.raises(pyrage.DecryptError, match="^Decryption failed$"):
        kdf.decrypt(wrapped, "wrong one")
    with pytest.raises(WrongPassphrase, match="wrong passphrase for the test key"):
        passphrase_decrypt(wrapped, "wrong one", what="the test key", wrong="wrong passphrase for the test key")


def test_when_a_vault_is_unlocked_in_a_child_then_right_wrong_and_damaged_are_told_apart(in_child, vault_dir):
    with pytest.raises(WrongPassphrase):
        Vault.open(vault_dir, "not the passphrase at all")
    with Vault.open(vault_dir, PASSPHRASE) as vault:
        assert vault.root == vault_dir
    header = vault_dir / HEADER_NAME
    raw = json.loads(header.read_text())
    wrapped = bytearray(base64.b64decode(raw["wrapped_key"]))
    wrapped[-3] ^= 0x01  # in the encrypted identity, after age's header MAC
    raw["wrapped_key"] = base64.b64encode(bytes(wrapped)).decode()
    header.write_text(json.dumps(raw, indent=2))
    with pytest.raises(IntegrityError, match="damaged") as caught:
        Vault.open(vault_dir, PASSPHRASE)
    assert not isinstance(caught.value, WrongPassphrase)
    assert _kdf_children() == []


def test_when_the_child_is_killed_mid_derivation_then_it_is_could_not_derive_not_a_wrong_passphrase(in_child):
    wrapped = pyrage.passphrase.encrypt(b"secret", "right one")
    work = _Background(lambda: passphrase_decrypt(wrapped, "right one"))
    (child,) = _wait_for(_kdf_children, "the derivation's child")
    # killed as the kernel's OOM killer would
    _wait_for(lambda: child.pid is not None, "the child's pid")
    psutil.Process(child.pid).send_signal(signal.SIGKILL)
    work.join()
    assert isinstance(work.error, VaultLocked) and not isinstance(work.error, WrongPassphrase), work.error
    assert "could not be derived now" in str(work.error) and "signal 9" in str(work.error)
    assert _kdf_children() == [] and kdf.running() == 0


def test_when_deriving_in_a_child_then_the_passphrase_is_in_neither_its_arguments_nor_its_environment(
        in_child, monkeypatch):
    passphrase = "correct horse battery staple 7731"
    monkeypatch.setenv("STUDIO_PASSPHRASE", passphrase)
    monkeypatch.setenv("SOME_API_TOKEN", "tok-12345")
    wrapped = pyrage.passphrase.encrypt(b"secret", passphrase)
    work = _Background(lambda: kdf.decrypt(wrapped, passphrase))
    (child,) = _wait_for(_kdf_children, "the derivation's child")
    proc = psutil.Process(_wait_for(lambda: child.pid, "the child's pid"))
    # read once it runs as itself (past exec: before, /proc shows its parent's), while it
    # waits for the pipe or derives for a second or more
    _wait_for(lambda: "spawn_main" in " ".join(proc.cmdline()), "the child's own command line")
    seen_args = " ".join(proc.cmdline())
    seen_env = proc.environ()
    work.join()
    assert work.result == b"secret", work.error
    assert passphrase not in seen_args
    assert all(passphrase not in value for value in seen_env.values())
    assert not {"STUDIO_PASSPHRASE", "SOME_API_TOKEN"} & set(seen_env)
