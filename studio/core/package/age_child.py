"""Encrypting a package's payload in a child process.

pyrage holds the interpreter lock while it encrypts or decrypts, so within one process the
vault's decryption and the package's encryption take turns on one core. Run as
``python -m studio.core.package.age_child RECIPIENT``, this encrypts stdin to stdout with
pyrage (the same library, the same age format) on the other core. Only the age *recipient* —
a public key — is given to the child; the plaintext reaches it through a pipe, never a file.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import threading
from typing import BinaryIO, Callable, Iterator

CHUNK = 1 << 20


@contextlib.contextmanager
def encrypting(recipient: str, sink: Callable[[bytes], object]) -> Iterator[BinaryIO]:
    """A writable stream: what is written to it is age-encrypted to ``recipient`` and the
    ciphertext handed to ``sink`` (in this process, on a reader thread). Leaving the block closes
    the input, waits for the last ciphertext, and raises if the child failed."""
    child = subprocess.Popen([sys.executable, "-m", __name__, recipient], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=CHUNK)
    failure: list[BaseException] = []

    def pump() -> None:
        try:
            while chunk := child.stdout.read(CHUNK):
                sink(chunk)
        except BaseException as exc:  # the sink's error (e.g. cancel) goes to the caller
            failure.append(exc)
            child.kill()

    reader = threading.Thread(target=pump, name="package-ciphertext", daemon=True)
    reader.start()
    try:
        yield child.stdin
        child.stdin.close()
    except BaseException:
        child.kill()
        reader.join()
        if failure:  # the sink's own error (cancel) is why the child's pipe broke
            raise failure[0] from None
        raise
    finally:
        with contextlib.suppress(OSError):
            child.stdin.close()
        reader.join()
        child.wait()
        err = child.stderr.read().decode(errors="replace").strip()
        child.stdout.close()
        child.stderr.close()
    if failure:
        raise failure[0]
    if child.returncode != 0:
        raise OSError(f"the payload encryptor failed ({child.returncode}): {err or 'no message'}")


def main(argv: list[str]) -> int:
    import pyrage

    recipient = pyrage.x25519.Recipient.from_str(argv[0])
    pyrage.encrypt_io(sys.stdin.buffer, sys.stdout.buffer, [recipient])
    sys.stdout.buffer.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
