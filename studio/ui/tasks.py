"""Background work for every window, after Anki's ``CollectionOp`` / ``QueryOp``.

Two operation types, not a flag: a :class:`WriteOp` always runs on the vault's one writer thread
(SQLite has one writer, and the vault's writer lock is per process); a :class:`ReadOp` always runs
on the read pool. Both call ``fn(task)`` on their worker, where ``task.report(Progress)`` reaches
the op's progress callback on the GUI thread and ``task.token`` is the :class:`CancelToken` that
``task.cancel()`` sets; the result or error comes back on the GUI thread. After a write succeeds,
the :class:`TaskManager` emits ``changed`` once with the :class:`Changes` the result carries, and
every panel refreshes only its slice (Anki's ``operation_did_execute``).

There is ONE manager per running app (created before the vault is opened, handed to every
window and dialog); it also owns the app's one :class:`RenderPool`. After :meth:`shutdown` no
callback runs (Picard's rule: a result that arrives for a closed window is dropped).
"""

from __future__ import annotations

import logging
import sys
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable, ClassVar

import shiboken6
from PySide6.QtCore import QObject, Signal, Slot

from studio.core import kdf
from studio.core.changes import Changes, changes_of
from studio.core.errors import StudioError
from studio.core.progress import CancelToken, Progress
from studio.ui.render_pool import RenderPool

log = logging.getLogger(__name__)

SWITCH_INTERVAL_S = 0.001
WRITER_THREAD = "studio-writer"
READ_THREADS = "studio-read"


class _Relay(QObject):
    """Carries a callable from a worker thread to the GUI thread (a queued signal)."""

    call = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.call.connect(self._run)

    @Slot(object)
    def _run(self, fn: Callable[[], None]) -> None:
        fn()


class Task:
    """One submitted operation, as its worker and its window see it."""

    def __init__(self, manager: "TaskManager", on_progress: Callable[[Progress], None] | None) -> None:
        self._manager = manager
        self._on_progress = on_progress
        self.token = CancelToken()
        self.future: Future | None = None

    def report(self, progress: Progress) -> None:
        """Called by the worker: delivers ``progress`` to the op's progress callback (GUI thread)."""
        if self._on_progress is not None:
            on_progress = self._on_progress
            self._manager.gui(lambda: on_progress(progress))

    def cancel(self) -> None:
        """Ask the worker to stop (it checks ``token`` between steps and ends with ``Cancelled``,
        which its ``failed`` callback receives — also when it had not started yet)."""
        self.token.cancel()

    @property
    def cancelled(self) -> bool:
        return self.token.cancelled


class _Op:
    """What runs, and what happens with its result. Subclasses say where it runs."""

    on_writer: ClassVar[bool]

    def __init__(self, fn: Callable[[Task], Any], done: Callable[[Any], None] | None = None,
                 failed: Callable[[BaseException], None] | None = None, *, what: str = "",
                 owner: QObject | None = None, progress: Callable[[Progress], None] | None = None) -> None:
        self.fn, self.what = fn, what
        self.done, self.failed, self.progress = done, failed, progress
        if owner is not None:  # a dialog that may close first: nothing is delivered once it is deleted
            self.done, self.failed, self.progress = (_guarded(owner, c) for c in (done, failed, progress))


class ReadOp(_Op):
    """Reads, hashing, decoding, rendering: never on the vault's writer."""

    on_writer = False


class WriteOp(_Op):
    """Anything that changes the vault: always on its one writer; announces what it changed."""

    on_writer = True


class TaskManager(QObject):
    changed = Signal(object)  # Changes, after every successful write

    def __init__(self, on_error: Callable[[str, BaseException], None] | None = None) -> None:
        super().__init__()
        # Workers doing Python work (opening 40,000 sealed fields, drawing waveforms) hand the
        # GIL back every millisecond, not every 5: each call Qt makes into Python on the GUI
        # thread (a model's data() while painting) waits for it, and 5 ms apiece across a
        # screenful of cells stalled the event loop for hundreds of ms (DR026).
        sys.setswitchinterval(min(sys.getswitchinterval(), SWITCH_INTERVAL_S))
        # A passphrase's scrypt holds the GIL for its seconds (pyrage): a worker deriving a key
        # stopped the event loop for the whole unlock. Derived in a child process instead (DR043).
        kdf.set_in_child(True)
        self._relay = _Relay()
        self._writer = ThreadPoolExecutor(1, thread_name_prefix=WRITER_THREAD)
        self._pool = ThreadPoolExecutor(2, thread_name_prefix=READ_THREADS)
        self._closed = False
        self._lock = threading.Lock()
        self._pending: set[Future] = set()
        self.on_error = on_error
        self._renders = None

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def renders(self) -> RenderPool:
        """The app's one render pool (made on first use)."""
        if self._renders is None:
            self._renders = RenderPool(self)
        return self._renders

    def gui(self, fn: Callable[[], None]) -> None:
        """Run ``fn`` on the GUI thread soon (safe to call from any thread)."""
        if not self._closed:
            self._relay.call.emit(lambda: None if self._closed else fn())

    # -- submitting ----------------------------------------------------------------------------
    def read(self, fn: Callable[[Task], Any], done=None, failed=None, **kw) -> Task | None:
        return self.submit(ReadOp(fn, done, failed, **kw))

    def write(self, fn: Callable[[Task], Any], done=None, failed=None, **kw) -> Task | None:
        return self.submit(WriteOp(fn, done, failed, **kw))

    def submit(self, op: _Op) -> Task | None:
        if self._closed:
            return None
        if not isinstance(op, (ReadOp, WriteOp)):
            raise TypeError(f"{type(op).__name__} is neither a ReadOp nor a WriteOp")
        executor = self._writer if isinstance(op, WriteOp) else self._pool
        task = Task(self, op.progress)

        def work() -> None:
            try:
                result = op.fn(task)
            except BaseException as exc:  # delivered to the GUI thread, never swallowed
                self.gui(lambda error=exc: self._fail(error, op))
                return
            self.gui(lambda: self._succeed(result, op))

        task.future = executor.submit(work)
        with self._lock:
            self._pending.add(task.future)
        task.future.add_done_callback(self._forget)
        return task

    def _succeed(self, result: Any, op: _Op) -> None:
        try:
            if op.done is not None:
                op.done(result)  # first: a dialog closes, a hint for the refresh is set
        finally:
            if isinstance(op, WriteOp):
                self.announce(changes_of(result))

    def announce(self, changes: Changes) -> None:
        """Tell every panel what changed (also for a write whose result arrives in parts)."""
        if changes and not self._closed:
            self.changed.emit(changes)

    def _forget(self, future: Future) -> None:
        with self._lock:
            self._pending.discard(future)

    def _fail(self, exc: BaseException, op: _Op) -> None:
        if op.failed is not None:
            op.failed(exc)
            return
        if not isinstance(exc, StudioError):
            log.error("%s failed", op.what or "background work", exc_info=exc)
        if self.on_error is not None:
            self.on_error(op.what, exc)

    @property
    def busy(self) -> int:
        with self._lock:
            return len(self._pending)

    def shutdown(self) -> None:
        """Close the render pool (its children and any Open3D viewer windows, terminated), drop
        queued work, wait for running work to end, and deliver nothing more."""
        self._closed = True
        if self._renders is not None:
            # first, and for good: a worker waiting on a render child (a thumbnail) is released
            # at once instead of being waited for, and nothing starts one again (DR031)
            self._renders.close()
        self._writer.shutdown(wait=True, cancel_futures=True)
        self._pool.shutdown(wait=True, cancel_futures=True)


def _guarded(owner: QObject, fn: Callable | None) -> Callable | None:
    if fn is None:
        return None

    def call(value) -> None:
        if shiboken6.isValid(owner):
            fn(value)

    return call
