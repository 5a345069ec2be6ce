"""A package's files done side by side in worker processes (DR058).

pyrage holds the interpreter lock while it encrypts or decrypts, so threads would run one after
the other: a big package is sealed and opened in ``spawn``ed worker processes instead, one file
per job (:mod:`studio.core.package.payload_files`), while this process puts the finished files in
order. Results come back in the jobs' order; at most two jobs per worker are handed out ahead of
the one this process waits for, so the files waiting on disk stay few.

A job carries the key it needs through the worker's pipe, never its arguments or environment,
and the workers start while the environment holds no secret (DR010). Cancelling, or a failure
anywhere, stops every worker at its next chunk. A small package, a machine with one core, or a
caller that asks for none, does its jobs in this process, with the same functions.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing as mp
import os
from concurrent.futures.process import BrokenProcessPool
from typing import Callable, Iterator, Sequence, TypeVar

from studio.core.environ import secrets_withheld
from studio.core.errors import StudioError
from studio.core.progress import CancelToken, check_cancel

POOL_MIN_BYTES = 64 << 20  # below this a worker's start (~0.5 s) costs more than it saves
MAX_WORKERS = 8
_WAIT_S = 0.1
_TICK_BYTES = 4 << 20

J = TypeVar("J")
R = TypeVar("R")
Job = Callable[[J, CancelToken | None, Callable[[int], None] | None], R]


class _SharedCancel(CancelToken):
    """The parent's cancel as every worker sees it: one event across processes."""

    def __init__(self, event) -> None:  # noqa: super().__init__ would make a thread-only event
        self._event = event


_cancel: CancelToken | None = None
_counter = None
_pending = 0


def _init(event, counter) -> None:
    global _cancel, _counter
    _cancel, _counter = _SharedCancel(event), counter


def _tick(n: int) -> None:
    global _pending
    _pending += n
    if _pending >= _TICK_BYTES:
        _flush_ticks()


def _flush_ticks() -> None:
    global _pending
    with _counter.get_lock():
        _counter.value += _pending
    _pending = 0


def _in_worker(fn: Job, job):
    try:
        return fn(job, _cancel, _tick)
    finally:
        _flush_ticks()


def worker_count(total_bytes: int, jobs: int, wanted: int | None = None) -> int:
    """How many workers for ``jobs`` files of ``total_bytes`` in all: 0 (do them here) for a small
    package, a single file or one core; ``wanted`` (``STUDIO_PACKAGE_WORKERS``) overrides."""
    if wanted is None:
        raw = os.environ.get("STUDIO_PACKAGE_WORKERS", "")
        wanted = int(raw) if raw.isdigit() else None
    if wanted is not None:
        return min(wanted, jobs, MAX_WORKERS) if wanted > 1 else 0
    if total_bytes < POOL_MIN_BYTES or jobs < 2:
        return 0
    n = min(os.cpu_count() or 1, jobs, MAX_WORKERS)
    return n if n > 1 else 0


def run_in_order(fn: Job, jobs: Sequence[J], workers: int, cancel: CancelToken | None = None,
                 on_bytes: Callable[[int], None] | None = None) -> Iterator[R]:
    """``fn(job, cancel, on_bytes)`` for each job, its results yielded in the jobs' order; in
    ``workers`` processes (0: here). ``on_bytes`` hears the bytes done, from any worker."""
    if workers < 2:
        for job in jobs:
            check_cancel(cancel)
            yield fn(job, cancel, on_bytes)
        return
    ctx = mp.get_context("spawn")
    event, counter = ctx.Event(), ctx.Value("q", 0)
    pool = cf.ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init, initargs=(event, counter))
    futures: list[cf.Future] = []
    reported = 0

    def submit_up_to(n: int) -> None:
        while len(futures) < min(n, len(jobs)):
            with secrets_withheld():  # a worker may start here, copying the environment (DR010)
                futures.append(pool.submit(_in_worker, fn, jobs[len(futures)]))

    def report_done() -> None:
        nonlocal reported
        done = counter.value
        if on_bytes is not None and done > reported:
            on_bytes(done - reported)
        reported = done

    try:
        for i in range(len(jobs)):
            submit_up_to(i + 1 + 2 * workers)
            while True:
                check_cancel(cancel)
                try:
                    result = futures[i].result(timeout=_WAIT_S)
                    break
                except cf.TimeoutError:
                    report_done()
            report_done()
            yield result
    except BrokenProcessPool as exc:
        event.set()
        raise StudioError("a worker process of the package ended before it finished (out of memory, or "
                          "stopped from outside); nothing was written") from exc
    except BaseException:
        event.set()  # every worker stops at its next chunk
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
