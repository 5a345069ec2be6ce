"""The viewport's render thread: owns the :class:`Preview` (its two render children) and draws
only the newest request — a request that arrives while a frame is drawn replaces the waiting
one, so stale frames are dropped, never queued."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Callable

import numpy as np

from studio.core.errors import RenderUnavailable, StudioError
from studio.core.render.preview import Preview, PreviewScene, open_scene
from studio.core.render.views import Camera
from studio.core.vault import Vault


@dataclass(frozen=True)
class FrameRequest:
    serial: int
    asset_id: str
    camera: Camera | None      # None: the scan's home (front) view
    mode: str
    size: tuple[int, int]      # device pixels of the full-detail frame
    moving: bool


@dataclass(frozen=True)
class Frame:
    request: FrameRequest
    image: np.ndarray
    home: Camera
    camera: Camera
    is_mesh: bool


class RenderThread(threading.Thread):
    def __init__(self, vault: Vault, on_frame: Callable[[Frame], None],
                 on_error: Callable[[FrameRequest, str, bool], None]) -> None:
        super().__init__(name="studio-preview", daemon=True)
        self.vault = vault
        self.on_frame, self.on_error = on_frame, on_error
        self.preview = Preview(spare=True)
        self._cv = threading.Condition()
        self._wanted: FrameRequest | None = None
        self._restart = False
        self._warm = False
        self._stopping = False
        self._scene: PreviewScene | None = None

    def request(self, req: FrameRequest) -> None:
        with self._cv:
            self._wanted = req
            self._cv.notify()

    def warm(self) -> None:
        """Start the render children now (a talent's scans are listed: one will be opened)."""
        with self._cv:
            self._warm = True
            self._cv.notify()

    def restart_renderer(self) -> None:
        with self._cv:
            self._restart = True
            self._cv.notify()

    def stop(self) -> None:
        with self._cv:
            self._stopping = True
            self._cv.notify()
        self.join(30)

    def run(self) -> None:
        try:
            while True:
                with self._cv:
                    while self._wanted is None and not self._stopping and not self._restart and not self._warm:
                        self._cv.wait()
                    if self._stopping:
                        return
                    req, self._wanted = self._wanted, None
                    restart, self._restart = self._restart, False
                    warm, self._warm = self._warm, False
                if restart:
                    self.preview.restart()
                if warm and req is None:
                    self.preview.warm()  # no-op for a child already running
                if req is not None:
                    self._draw(req)
        finally:
            self.preview.close()

    def _draw(self, req: FrameRequest) -> None:
        try:
            if self._scene is None or self._scene.asset.id != req.asset_id:
                self._scene = None
                self._scene = open_scene(self.vault, req.asset_id)
            scene = self._scene
            camera = req.camera or scene.home
            image = self.preview.frame(self.vault, scene, camera, req.mode, req.size, req.moving)
            self.on_frame(Frame(req, image, scene.home, camera, scene.is_mesh))
        except RenderUnavailable as exc:
            self.on_error(req, str(exc), True)
        except StudioError as exc:
            self.on_error(req, f"No preview: {exc}", False)
        except Exception as exc:  # noqa: BLE001 — shown in the viewport, the app keeps running
            self.on_error(req, f"No preview: {type(exc).__name__}: {exc}", False)
