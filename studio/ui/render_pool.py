"""The app's one render pool, shared by every window (main window, review mode, dialogs).

It owns the one render thread and its preview children (every viewport draws through them), the
render child that draws thumbnails, and the Open3D viewer windows the app opened: closing the
pool ends all of them, so quitting never waits for a viewer window someone left open.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from studio.core.render.service import RenderService
from studio.core.vault import Vault
from studio.ui.render_thread import FrameRequest, OnError, OnFrame, RenderThread

if TYPE_CHECKING:
    from studio.ui.tasks import TaskManager

VIEWER_GRACE_S = 5.0


class RenderPool:
    def __init__(self, tasks: "TaskManager") -> None:
        self._tasks = tasks
        self._lock = threading.Lock()
        self._thread: RenderThread | None = None
        self.thumbnails = RenderService()  # its child starts on the first thumbnail to render
        self._viewers: list = []
        self._closed = False
        self._motion_scale: float | None = None  # None: the preview's own default

    def set_motion_scale(self, scale: float) -> None:
        """The preview's resolution while it turns, from the next moving frame on."""
        self._motion_scale = scale
        if self._thread is not None:
            self._thread.preview.motion_scale = scale

    # -- previews --------------------------------------------------------------------------------
    @property
    def thread(self) -> RenderThread | None:
        return self._thread

    def _started(self) -> RenderThread | None:
        with self._lock:
            if self._closed:
                return None
            if self._thread is None:
                self._thread = RenderThread()
                if self._motion_scale is not None:
                    self._thread.preview.motion_scale = self._motion_scale
                self._thread.start()
            return self._thread

    def request(self, client: object, vault: Vault, req: FrameRequest, on_frame: OnFrame, on_error: OnError) -> None:
        if (thread := self._started()) is not None:
            thread.request(client, vault, req, on_frame, on_error)

    def forget(self, client: object) -> None:
        if self._thread is not None:
            self._thread.forget(client)

    def warm(self) -> None:
        """Start the preview children now (a scan is about to be opened)."""
        if (thread := self._started()) is not None:
            thread.warm()

    def restart(self) -> None:
        if (thread := self._started()) is not None:
            thread.restart_renderer()

    # -- Open3D's own viewer windows ----------------------------------------------------------------
    def track_viewer(self, proc) -> None:
        """Keep the viewer process ``proc`` (a ``multiprocessing.Process``) to end it on close."""
        with self._lock:
            self._viewers = [p for p in self._viewers if p.is_alive()]
            if self._closed:
                _end(proc)
            else:
                self._viewers.append(proc)

    @property
    def viewers(self) -> list:
        with self._lock:
            return [p for p in self._viewers if p.is_alive()]

    # -- closing ---------------------------------------------------------------------------------
    def close(self) -> None:
        with self._lock:
            self._closed = True
            thread, self._thread = self._thread, None
            viewers, self._viewers = self._viewers, []
        for proc in viewers:
            _end(proc)
        if thread is not None:
            thread.stop()
        self.thumbnails.close()


def _end(proc) -> None:
    """Ends a viewer process: asked politely first (its window closes), then killed."""
    if proc.is_alive():
        proc.terminate()
        proc.join(VIEWER_GRACE_S)
    if proc.is_alive():
        proc.kill()
        proc.join(VIEWER_GRACE_S)
