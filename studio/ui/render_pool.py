"""The app's one render pool, shared by every window (main window, review mode, dialogs).

It owns the two render lanes and their preview children (every viewport draws through them), the
render child that draws thumbnails, and the Open3D viewer windows the app opened: closing the
pool ends all of them — terminated, not waited for — so closing a window or quitting never waits
for a frame being drawn or a viewer window someone left open (DR031).
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

from studio.core.render.preview import Preview
from studio.core.render.service import RenderService
from studio.core.vault import Vault
from studio.ui.render_thread import FrameRequest, OnError, OnFrame, RenderThread, Scenes

if TYPE_CHECKING:
    from studio.ui.tasks import TaskManager

VIEWER_GRACE_S = 5.0
STOP_WAIT_S = 1.0  # closing the pool waits at most this long for the lanes (their children are terminated first)


class RenderPool:
    def __init__(self, tasks: "TaskManager") -> None:
        self._tasks = tasks
        self._lock = threading.Lock()
        self._lanes: tuple[RenderThread, RenderThread] | None = None  # (motion, still)
        self.thumbnails = RenderService()  # its child starts on the first thumbnail to render
        self._viewers: list = []
        self._closed = False
        self._motion_scale: float | None = None  # None: the preview's own default

    def set_motion_scale(self, scale: float) -> None:
        """The preview's resolution while it turns, from the next moving frame on."""
        self._motion_scale = scale
        if self._lanes is not None:
            self._lanes[0].preview.motion_scale = scale  # the lanes share one preview

    # -- previews --------------------------------------------------------------------------------
    @property
    def thread(self) -> RenderThread | None:
        """The still lane (its ``preview`` is the one both lanes share), once started."""
        return self._lanes[1] if self._lanes is not None else None

    @property
    def lanes(self) -> tuple[RenderThread, ...]:
        return self._lanes or ()

    def _started(self) -> tuple[RenderThread, RenderThread] | None:
        with self._lock:
            if self._closed:
                return None
            if self._lanes is None:
                preview, scenes = Preview(spare=True), Scenes()
                if self._motion_scale is not None:
                    preview.motion_scale = self._motion_scale
                self._lanes = (RenderThread(preview, scenes, moving=True), RenderThread(preview, scenes, moving=False))
                for lane in self._lanes:
                    lane.start()
            return self._lanes

    def request(self, client: object, vault: Vault, req: FrameRequest, on_frame: OnFrame, on_error: OnError) -> None:
        if (lanes := self._started()) is not None:
            lanes[0 if req.moving else 1].request(client, vault, req, on_frame, on_error)

    def forget(self, client: object) -> None:
        """``client`` (a viewport) closes: nothing more is drawn for it, the child drawing for it
        stops now, and with no viewport left the preview's children end. Never waits."""
        for lane in self.lanes:
            lane.forget(client)

    def warm(self) -> None:
        """Start the preview children now (a scan is about to be opened)."""
        for lane in self._started() or ():
            lane.warm()

    def restart(self) -> None:
        for lane in self._started() or ():
            lane.restart_renderer()

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
        """End every child the pool started. The render children are terminated, not asked and
        waited for: a frame being drawn is given up (the lanes reap their children on their own
        threads, waited for at most STOP_WAIT_S); a worker drawing a thumbnail gets
        RenderUnavailable at once, and nothing starts again."""
        with self._lock:
            self._closed = True
            lanes, self._lanes = self._lanes or (), None
            viewers, self._viewers = self._viewers, []
        self.thumbnails.abort(spare=True)
        for lane in lanes:
            lane.stop()
        for proc in viewers:  # all asked at once, then each waited for
            if proc.is_alive():
                proc.terminate()
        for proc in viewers:
            _end(proc)
        deadline = time.monotonic() + STOP_WAIT_S
        for lane in lanes:
            lane.join(max(0.0, deadline - time.monotonic()))
        self.thumbnails.close()


def _end(proc) -> None:
    """Ends a viewer process: asked politely first (its window closes), then killed."""
    if proc.is_alive():
        proc.terminate()
        proc.join(VIEWER_GRACE_S)
    if proc.is_alive():
        proc.kill()
        proc.join(VIEWER_GRACE_S)
