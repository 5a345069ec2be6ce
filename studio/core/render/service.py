"""The caller's side of the render child process.

``RenderService`` starts the child lazily, sends geometry and render requests, and turns a dead
or silent child into :class:`RenderUnavailable`; ``restart()`` brings up a fresh one. Calls are
serialised by a lock, so several threads may share one service.
"""

from __future__ import annotations

import multiprocessing as mp
import threading

import numpy as np

from studio.core.environ import secrets_withheld
from studio.core.errors import RenderUnavailable
from studio.core.render.geometry import Geometry
from studio.core.render.views import FOV_DEG, Camera

MODES = ("shaded", "wireframe", "points")


class RenderService:
    def __init__(self, timeout: float = 180.0, spare: bool = False) -> None:
        """``spare``: keep one more child started and waiting (Open3D already imported), so
        that the next scan does not wait for a process to start — for interactive use."""
        self.timeout = timeout
        self.keep_spare = spare
        self._lock = threading.RLock()
        self._proc = None
        self._conn = None
        self._spare = None
        self._want_spare = False
        self._reapers: list[threading.Thread] = []
        self._current: tuple[str, int, int] | None = None
        self._halted = False  # set by abort(): nothing starts or is asked until resume()
        self.held: tuple[int, int] | None = None  # (vertices, triangles) the child took in its last load

    # -- process -----------------------------------------------------------------------------
    def start(self) -> None:
        if self._halted:
            raise RenderUnavailable("preview stopped: the view it was drawn for closed")
        with self._lock:
            if self.alive:
                return
            if self._spare is not None and self._spare[0].is_alive():
                (self._proc, self._conn), self._spare = self._spare, None
            else:
                self._discard_spare()
                self._proc, self._conn = self._spawn()
            self._current = None
            self._want_spare = self.keep_spare

    @staticmethod
    def _spawn():
        from studio.core.render import worker

        ctx = mp.get_context("spawn")
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=worker.main, args=(child,), name="twin-studio-render", daemon=True)
        with secrets_withheld():  # the child copies os.environ as it starts (DR010)
            proc.start()
        child.close()
        return proc, parent

    def _discard_spare(self) -> None:
        if self._spare is not None:
            proc, conn = self._spare
            self._spare = None
            _stop(proc, conn)

    def _top_up_spare(self) -> None:
        """Start the spare once the current child has drawn (not while it starts: on two
        cores the spare's start-up would slow the first frame down)."""
        if self._want_spare and not self._halted and (self._spare is None or not self._spare[0].is_alive()):
            self._discard_spare()
            self._spare = self._spawn()
        self._want_spare = False

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.is_alive()

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def restart(self) -> None:
        """A fresh child (the warm spare when there is one). The old child is stopped on a
        background thread: waiting for it to exit cost 0.1–0.2 s of the next scan's first frame."""
        with self._lock:
            if self._proc is not None:
                proc, conn = self._proc, self._conn
                self._proc = self._conn = None
                self._current = None
                reaper = threading.Thread(target=_stop, args=(proc, conn), name="studio-render-reaper", daemon=True)
                reaper.start()
                self._reapers = [r for r in self._reapers if r.is_alive()] + [reaper]
            self.start()

    def abort(self, spare: bool = False) -> None:
        """Stop the child now, from any thread, without waiting for the call in progress (it
        holds the lock): the child is terminated, so a caller waiting for its frame gets
        :class:`RenderUnavailable` at once, and no child is started or asked for anything until
        :meth:`resume`. ``spare``: the warm spare too. Returns without waiting for an exit;
        :meth:`close` or the next :meth:`restart` reaps the child."""
        self._halted = True
        spare_pair = self._spare if spare else None
        for proc in (self._proc, spare_pair[0] if spare_pair is not None else None):
            try:
                if proc is not None and proc.is_alive():
                    proc.terminate()
            except (OSError, ValueError):  # already reaped
                pass

    def resume(self) -> None:
        """Undo :meth:`abort`'s halt: the next call starts a fresh child."""
        self._halted = False

    def close(self, keep_spare: bool = False) -> None:
        with self._lock:
            if not keep_spare:
                self._discard_spare()
            for reaper in self._reapers:
                reaper.join(10)
            self._reapers = []
            if self._proc is None:
                return
            _stop(self._proc, self._conn)
            self._proc = self._conn = None
            self._current = None

    def __enter__(self) -> "RenderService":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- requests ----------------------------------------------------------------------------
    def _call(self, *request):
        if self._halted:
            raise RenderUnavailable("preview stopped: the view it was drawn for closed")
        with self._lock:
            if not self.alive:
                if self._proc is not None:
                    raise self._unavailable()
                self.start()
            try:
                if request != (None,):
                    self._conn.send(request)
                if not self._conn.poll(self.timeout):
                    self._proc.kill()
                    raise RenderUnavailable("preview unavailable: the renderer did not answer in time — restart")
                status, value = self._conn.recv()
            except (EOFError, OSError, BrokenPipeError) as exc:
                raise self._unavailable() from exc
        if status != "ok":
            raise RenderUnavailable(f"preview unavailable: {value}")
        return value

    def _unavailable(self) -> RenderUnavailable:
        if self._proc is not None:
            self._proc.join(1)
        code = self._proc.exitcode if self._proc is not None else None
        return RenderUnavailable(f"preview unavailable — the renderer stopped (exit code {code}); restart it")

    def ping(self) -> int:
        return self._call("ping")

    def load(self, key: str, geometry: Geometry, width: int, height: int, wire: Geometry | None = None,
             looks: tuple[str, ...] = MODES, consume: bool = False) -> None:
        """Make the child hold ``geometry`` at this image size (a no-op when it already does).

        A child holds one scan at one size: on a software rasteriser (Mesa llvmpipe), Filament
        took over a minute for the first frame after geometry was added to a scene that had
        already rendered, and a second renderer in one process aborts. So a different scan or
        size starts a fresh child (about a second); orbiting the same scan stays in one.

        ``looks``: the looks the child adds (a one-shot still needs one). ``consume``: the
        caller is done with ``geometry``; its arrays are dropped here as soon as they are sent,
        so that this process does not hold the scan while the child builds its own (DR023).
        """
        with self._lock:
            wanted = (key, int(width), int(height))
            if self._current == wanted and self.alive:
                return
            if self._current is not None or (self._proc is not None and not self.alive):
                self.restart()  # a child holds one scan at one size; a fresh (or warm spare) one
            arrays = _arrays(geometry, wire)
            if consume:
                geometry.release()
            self.held = self._call_with_arrays(("load", int(width), int(height), key,
                                    [(name, a.dtype.str, a.shape) for name, a in arrays], tuple(looks)), arrays)
            self._current = wanted

    def _call_with_arrays(self, request: tuple, arrays: list) -> object:
        """``request`` then each array's bytes, dropping each array once it is written."""
        with self._lock:
            if not self.alive:
                if self._proc is not None:
                    raise self._unavailable()
                self.start()
            try:
                self._conn.send(request)
                while arrays:
                    _, arr = arrays.pop(0)
                    if arr.nbytes:
                        self._conn.send_bytes(memoryview(arr).cast("B"))
                    del arr
            except (EOFError, OSError, BrokenPipeError) as exc:
                raise self._unavailable() from exc
            return self._call(None)

    def holds(self, key: str, width: int, height: int) -> bool:
        return self._current == (key, int(width), int(height)) and self.alive

    def render(self, key: str, width: int, height: int, camera: Camera, mode: str = "shaded",
               geometry: Geometry | None = None, wire: Geometry | None = None,
               looks: tuple[str, ...] = MODES, consume: bool = False,
               background: tuple[float, float, float] | None = None) -> np.ndarray:
        """An RGB image (height × width × 3, uint8). ``geometry`` is needed when the child does
        not hold this scan at this size yet; ``looks`` and ``consume`` as for :meth:`load`.
        ``background``: RGB floats in 0..1; None is the light default (stills, thumbnails)."""
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode!r} (one of {', '.join(MODES)})")
        with self._lock:
            if not self.holds(key, width, height):
                if geometry is None:
                    raise RenderUnavailable("preview unavailable — the renderer was restarted; load the scan again")
                self.load(key, geometry, width, height, wire, looks, consume)
            center, eye, up = camera.eye_and_up()
            bg = tuple(float(c) for c in background) if background is not None else None
            image = self._call("render", key, int(width), int(height), center, eye, up, FOV_DEG, mode, bg)
            self._top_up_spare()
            return image


def _arrays(geometry: Geometry, wire: Geometry | None) -> list[tuple[str, np.ndarray]]:
    """The arrays the child receives, contiguous and in the types it expects (a copy only where
    the type or layout differs)."""
    named = [("positions", geometry.positions, np.float32), ("triangles", geometry.triangles, np.int32),
             ("colors", geometry.colors, np.float32), ("uvs", geometry.uvs, np.float32),
             ("texture", geometry.texture, np.uint8)]
    if wire is not None and wire.triangles is not None:
        named += [("wire_positions", wire.positions, np.float32), ("wire_triangles", wire.triangles, np.int32)]
    return [(name, np.ascontiguousarray(a, dtype)) for name, a, dtype in named if a is not None]


def _stop(proc, conn) -> None:
    try:
        if proc.is_alive():
            conn.send(("quit",))
            conn.poll(5)
    except (OSError, EOFError, BrokenPipeError):
        pass
    proc.join(5)
    if proc.is_alive():
        proc.kill()
        proc.join(5)
    conn.close()
