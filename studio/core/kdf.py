"""Passphrase-wrapped age files — age's scrypt, through pyrage — opened and made in a child process (DR043).

pyrage holds the interpreter lock for the whole scrypt (about 2.6 s on the 2-core reference
machine), so a derivation on a worker thread still stops every other thread of the process: the
app's event loop stalled for the whole unlock. With :func:`set_in_child` on (the app's task
manager turns it on), :func:`decrypt` and :func:`encrypt` run the derivation in a ``spawn``ed child instead:

* the wrapped file and the passphrase go to the child through a pipe, never its argv or its
  environment, and the child starts while the environment holds no secret (DR010); the clear
  bytes come back through the same pipe, never through a file;
* the calling thread waits on the pipe without the interpreter lock, so the GUI thread runs on;
* age's answer is the same as in this process: a refusal comes back as the same
  ``pyrage.DecryptError`` with the same message, so the caller (``vault.keys.passphrase_decrypt``)
  still tells a wrong passphrase from a damaged file from a busy machine (DR021);
* a child that cannot be started, or ends without an answer (killed, out of memory), is
  :class:`VaultLocked` "the key could not be derived now", never a wrong passphrase.

The command line derives in its own process: it has nothing else to run meanwhile, and a child
costs its start-up (DR043 has the figures). This module is the lowest layer's: it imports no
more than pyrage, so the child starts without loading the vault, SQLAlchemy or Qt.
"""

from __future__ import annotations

import multiprocessing as mp
import threading

import pyrage

from studio.core.environ import secrets_withheld
from studio.core.errors import VaultLocked

CHILD_NAME = "twin-studio-kdf"
_POLL_S = 0.2  # how often the waiting thread looks whether the child is still alive
_JOIN_S = 10.0

_lock = threading.Lock()
_in_child = False
_running = 0
_started = 0


def set_in_child(on: bool) -> bool:
    """Derive keys in a child process from now on (``on``) or in this one; returns the previous
    setting. Process-wide, like the interpreter's switch interval the task manager also sets."""
    global _in_child
    with _lock:
        before, _in_child = _in_child, bool(on)
    return before


def in_child() -> bool:
    return _in_child


def running() -> int:
    """How many derivations (in this process or a child) are under way now."""
    return _running


def started() -> int:
    """How many derivations this process has started (in itself or a child), all told."""
    return _started


def _count(step: int) -> None:
    global _running, _started
    with _lock:
        _running += step
        _started += max(step, 0)


def decrypt(wrapped: bytes, passphrase: str) -> bytes:
    """``pyrage.passphrase.decrypt(wrapped, passphrase)``, in a child process when
    :func:`set_in_child` asked for it; raises ``pyrage.DecryptError`` as pyrage does."""
    return _run("decrypt", wrapped, passphrase)


def encrypt(data: bytes, passphrase: str) -> bytes:
    """``pyrage.passphrase.encrypt(data, passphrase)`` (wrapping a key for a new vault, a new
    passphrase, a talent's key: the same scrypt), in a child process when :func:`set_in_child`
    asked for it; raises ``pyrage.EncryptError`` as pyrage does."""
    return _run("encrypt", data, passphrase)


_OPS = {"decrypt": (pyrage.passphrase.decrypt, pyrage.DecryptError),
        "encrypt": (pyrage.passphrase.encrypt, pyrage.EncryptError)}


def _run(op: str, data: bytes, passphrase: str) -> bytes:
    _count(+1)
    try:
        if not _in_child:
            return _OPS[op][0](data, passphrase)
        return _in_a_child(op, bytes(data), str(passphrase))
    finally:
        _count(-1)


def _in_a_child(op: str, data: bytes, passphrase: str) -> bytes:
    ctx = mp.get_context("spawn")
    ours, theirs = ctx.Pipe()
    proc = ctx.Process(target=_child_main, args=(theirs,), name=CHILD_NAME, daemon=True)
    try:
        with secrets_withheld():  # the child copies os.environ as it starts (DR010)
            proc.start()
    except OSError as exc:
        ours.close()
        theirs.close()
        raise VaultLocked(f"the key could not be derived now: no process could be started for it "
                          f"({exc.strerror or exc}); try again in a moment") from exc
    theirs.close()
    try:
        ours.send((op, data, passphrase))
        while not ours.poll(_POLL_S):  # waits without the interpreter lock
            if not proc.is_alive() and not ours.poll(0):
                raise EOFError
        kind, value = ours.recv()
    except (EOFError, OSError) as exc:
        proc.join(_JOIN_S)  # its end is seen on the pipe before the process is reaped: its status, for the message
        raise VaultLocked(f"the key could not be derived now: its process ended before it answered "
                          f"({_ended(proc.exitcode)}); try again in a moment") from exc
    finally:
        ours.close()
        _reap(proc)
    if kind == "ok":
        return value
    if kind == "refused":
        raise _OPS[op][1](value)
    raise VaultLocked(f"the key could not be derived now: {value}")


def _ended(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        return f"stopped by signal {-exitcode}, out of memory perhaps"
    return f"exit status {exitcode}"


def _reap(proc) -> None:
    proc.join(_JOIN_S)
    if proc.is_alive():
        proc.kill()
        proc.join(_JOIN_S)
    if proc.exitcode is not None:
        proc.close()


def _child_main(conn) -> None:
    """The child: one request, one answer, then it ends."""
    try:
        op, data, passphrase = conn.recv()
        call, refusal = _OPS[op]
        try:
            answer = ("ok", call(data, passphrase))
        except refusal as exc:
            answer = ("refused", str(exc))
        except Exception as exc:  # noqa: BLE001 — sent back, raised in the parent
            answer = ("failed", f"{type(exc).__name__}: {exc}")
        del passphrase
        conn.send(answer)
    except (EOFError, OSError):  # the parent went away: nothing to answer
        pass
    finally:
        conn.close()
