"""Plumbing for streaming a package: a producer thread writing into a pipe that a consumer
reads. Memory stays at a few pipe and chunk buffers however large the assets are."""

from __future__ import annotations

import contextlib
import os
import threading
from typing import BinaryIO, Callable, Iterator

try:
    import fcntl
except ImportError:  # Windows: no fcntl, and pipes keep their default size
    fcntl = None  # type: ignore[assignment]

_PIPE_SIZE = 1 << 20


@contextlib.contextmanager
def produced(produce: Callable[[BinaryIO], None]) -> Iterator[BinaryIO]:
    """A readable stream of what ``produce(writer)`` writes, run in a thread. Leaving the block
    early closes the pipe, which stops the producer; the producer's own error is re-raised."""
    r, w = os.pipe()
    if fcntl is not None:
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


def read_head(src: BinaryIO, n: int) -> bytes:
    parts, got = [], 0
    while got < n:
        chunk = src.read(n - got)
        if not chunk:
            break
        parts.append(chunk)
        got += len(chunk)
    return b"".join(parts)
