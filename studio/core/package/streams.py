"""Plumbing for streaming a package: a producer thread writing into a pipe that a consumer
reads, and a sink that hashes, counts and honours cancel. Memory stays at a few pipe and
chunk buffers however large the assets are."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import threading
from typing import BinaryIO, Callable, Iterator

from studio.core.progress import CancelToken, check_cancel

_PIPE_SIZE = 1 << 20


class Sink:
    """Counts and hashes what passes through on its way to ``forward`` (or nowhere)."""

    def __init__(self, forward: Callable[[bytes], object] | None = None, cancel: CancelToken | None = None,
                 on_bytes: Callable[[int], None] | None = None) -> None:
        self._forward, self._cancel, self._on_bytes = forward, cancel, on_bytes
        self.sha = hashlib.sha256()
        self.size = 0

    def write(self, data) -> int:
        check_cancel(self._cancel)
        self.sha.update(data)
        self.size += len(data)
        if self._forward is not None:
            self._forward(data)
        if self._on_bytes is not None:
            self._on_bytes(len(data))
        return len(data)

    def flush(self) -> None:
        pass

    @property
    def hexdigest(self) -> str:
        return self.sha.hexdigest()


@contextlib.contextmanager
def produced(produce: Callable[[BinaryIO], None]) -> Iterator[BinaryIO]:
    """A readable stream of what ``produce(writer)`` writes, run in a thread. Leaving the block
    early closes the pipe, which stops the producer; the producer's own error is re-raised."""
    r, w = os.pipe()
    with contextlib.suppress(OSError):  # Linux: a bigger pipe means fewer thread switches
        fcntl.fcntl(w, 1031, _PIPE_SIZE)  # F_SETPIPE_SZ
    reader, writer = os.fdopen(r, "rb", buffering=1 << 16), os.fdopen(w, "wb", buffering=1 << 16)
    failure: list[BaseException] = []

    def run() -> None:
        try:
            with writer:
                produce(writer)
        except BrokenPipeError:
            pass  # the consumer stopped reading; its own error says why
        except BaseException as exc:  # handed to the consumer's thread
            failure.append(exc)

    thread = threading.Thread(target=run, name="package-producer", daemon=True)
    thread.start()
    try:
        yield reader
    except BaseException:
        reader.close()
        thread.join()
        if failure:  # the producer's error is the cause (e.g. a decrypt error behind an early EOF)
            raise failure[0]
        raise
    reader.close()
    thread.join()
    if failure:
        raise failure[0]


class Chained:
    """A readable stream: ``head`` first, then the rest of ``tail``."""

    def __init__(self, head: bytes, tail: BinaryIO) -> None:
        self._head, self._tail = memoryview(head), tail

    def read(self, n: int = -1) -> bytes:
        if self._head:
            if n is None or n < 0:
                out = bytes(self._head) + self._tail.read()
                self._head = memoryview(b"")
                return out
            out = bytes(self._head[:n])
            self._head = self._head[n:]
            return out
        return self._tail.read(n)

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def readable(self) -> bool:
        return True


def read_head(src: BinaryIO, n: int) -> bytes:
    parts, got = [], 0
    while got < n:
        chunk = src.read(n - got)
        if not chunk:
            break
        parts.append(chunk)
        got += len(chunk)
    return b"".join(parts)
