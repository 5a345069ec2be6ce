"""The app's two render lanes, shared by every viewport: the *motion* lane draws the frames
shown while a scan turns (and a scan's first frame) with the :class:`Preview`'s motion child, the
*still* lane the full-detail frames with its still child. Each lane draws only each viewport's
newest request — a request that arrives while a frame is drawn replaces that viewport's waiting
one, so stale frames are dropped, never queued — and a full-detail still that takes half a
minute in one window never holds up the first frame of a scan in another (DR031).

A viewport that closes is forgotten: its waiting requests are dropped, the child drawing for it
is stopped at once (not when its frame is done), and when no viewport is left the lane's
children end. Nothing here ever waits on the GUI thread for a child or a frame.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Callable

import numpy as np
from PySide6.QtCore import QCoreApplication

from studio.core.errors import RenderUnavailable, StudioError
from studio.core.render.preview import Preview, PreviewScene, open_scene
from studio.core.render.views import Camera
from studio.core.testpoints import pause_point
from studio.core.vault import Vault


@dataclass(frozen=True)
class FrameRequest:
    serial: int
    asset_id: str
    camera: Camera | None      # None: the scan's home (front) view
    mode: str
    size: tuple[int, int]      # device pixels of the full-detail frame
    moving: bool
    background: tuple[float, float, float] | None = None  # RGB in 0..1; None: the renderer's light default


@dataclass(frozen=True)
class Frame:
    request: FrameRequest
    image: np.ndarray
    home: Camera
    camera: Camera
    is_mesh: bool
    reduced: tuple[int, int] | None = None  # (shown, in the full scan) for a still of a reduced level
    finer_follows: bool = False  # a still of an intermediate level: the finest that fits is drawn next


OnFrame = Callable[[Frame], None]
OnError = Callable[[FrameRequest, str, bool], None]


@dataclass(frozen=True)
class _Wanted:
    client: object
    vault: Vault
    request: FrameRequest
    on_frame: OnFrame
    on_error: OnError


class Scenes:
    """The scenes both lanes draw from, opened once for both; the newest few are kept, so two
    windows showing two scans do not decrypt them again for every frame."""

    KEEP = 2

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: dict[str, PreviewScene] = {}

    def get(self, vault: Vault, asset_id: str) -> PreviewScene:
        with self._lock:
            scene = self._open.pop(asset_id, None)
            if scene is None:
                while len(self._open) >= self.KEEP:  # dropped before the next one is read
                    self._open.pop(next(iter(self._open)))
                # a review kit's previews (``KitScenes``, the talent's window, DR052) stand for a vault
                opener = getattr(vault, "open_scene", None)
                scene = opener(asset_id) if opener is not None else open_scene(vault, asset_id)
            self._open[asset_id] = scene
            return scene

    def clear(self) -> None:
        with self._lock:
            self._open.clear()


class RenderThread(threading.Thread):
    """One lane: the motion frames (``moving``) or the full-detail ones, each with its own child
    of the shared :class:`Preview`."""

    def __init__(self, preview: Preview, scenes: Scenes, moving: bool) -> None:
        super().__init__(name=f"studio-preview-{'motion' if moving else 'still'}", daemon=True)
        self.preview, self.moving = preview, moving
        self.service = preview.motion if moving else preview.still
        self._scenes = scenes
        self._cv = threading.Condition()
        self._wanted: dict[object, _Wanted] = {}   # per viewport, in the order they asked
        self._live: set[object] = set()            # viewports that asked and have not closed
        self._drawing: object | None = None        # the viewport whose frame is being drawn
        self._restart = False
        self._warm = False
        self._idle = False                         # the last viewport closed: end the children
        self._stopping = False

    def request(self, client: object, vault: Vault, req: FrameRequest, on_frame: OnFrame, on_error: OnError) -> None:
        """``client``'s newest frame (replaces the one it still waits for)."""
        with self._cv:
            self._wanted.pop(client, None)
            self._wanted[client] = _Wanted(client, vault, req, on_frame, on_error)
            self._live.add(client)
            self._cv.notify()

    def forget(self, client: object) -> None:
        """``client`` closes: drop the frame it still waits for and stop the child drawing for it
        now (a full-detail still can take half a minute); with no viewport left, the children
        end. Never waits (called on the GUI thread)."""
        with self._cv:
            self._wanted.pop(client, None)
            self._live.discard(client)
            if self._drawing is client:
                self.service.abort()
            if not self._live:
                self._idle = True
                self._cv.notify()

    def warm(self) -> None:
        """Start the render child now (a talent's scans are listed: one will be opened)."""
        with self._cv:
            self._warm = True
            self._cv.notify()

    def restart_renderer(self) -> None:
        with self._cv:
            self._restart = True
            self._cv.notify()

    def stop(self) -> None:
        """End the lane without waiting: its children are terminated at once (a frame being
        drawn is given up) and the lane reaps them on its own thread (join it to wait)."""
        with self._cv:
            self._stopping = True
            self.service.abort(spare=True)
            self._cv.notify()

    def run(self) -> None:
        try:
            while True:
                with self._cv:
                    self._drawing = None
                    while not (self._wanted or self._stopping or self._restart or self._warm or self._idle):
                        self._cv.wait()
                    if self._stopping:
                        return
                    wanted = self._wanted.pop(next(iter(self._wanted))) if self._wanted else None
                    restart, self._restart = self._restart, False
                    warm, self._warm = self._warm, False
                    idle = self._idle and wanted is None and not warm and not self._live
                    self._idle = False
                    if idle:
                        self.service.abort(spare=True)  # no view left: no polite wait for the children
                    else:
                        self.service.resume()
                    self._drawing = wanted.client if wanted is not None else None
                if idle:
                    self.service.close()
                    self._scenes.clear()
                    continue
                try:
                    if restart:
                        self.service.restart()
                    if warm and wanted is None:
                        self.service.start()  # no-op for a child already running
                except RenderUnavailable:
                    pass  # told to the viewport by its next frame
                if wanted is not None:
                    self._draw(wanted)
        finally:
            self.service.close()

    def _again(self, wanted: _Wanted) -> None:
        """Ask for the same still once more (the finer level), unless its viewport has asked for
        another frame meanwhile or closed."""
        with self._cv:
            if wanted.client in self._live and wanted.client not in self._wanted:
                self._wanted[wanted.client] = wanted
                self._cv.notify()

    def _draw(self, wanted: _Wanted) -> None:
        req, vault = wanted.request, wanted.vault
        if not req.moving:
            pause_point("preview.still")  # tests hold a still here, as if it took minutes (DR031)
        try:
            scene = self._scenes.get(vault, req.asset_id)
            camera = req.camera or scene.home
            image = self.preview.frame(vault, scene, camera, req.mode, req.size, req.moving, req.background)
            reduced = scene.reduced if not req.moving else None
            finer = not req.moving and scene.finer_follows
            wanted.on_frame(Frame(req, image, scene.home, camera, scene.is_mesh, reduced, finer))
            if finer:
                self._again(wanted)
        except RenderUnavailable as exc:
            wanted.on_error(req, str(exc), True)
        except StudioError as exc:
            wanted.on_error(req, QCoreApplication.translate("Viewport", "No preview: {error}").format(error=exc), False)
        except Exception as exc:  # noqa: BLE001 — shown in the viewport, the app keeps running
            wanted.on_error(req, QCoreApplication.translate("Viewport", "No preview: {error}").format(
                error=f"{type(exc).__name__}: {exc}"), False)
