"""The app's one render thread: owns the :class:`Preview` (its two render children) shared by
every viewport, and draws only each viewport's newest request — a request that arrives while a
frame is drawn replaces that viewport's waiting one, so stale frames are dropped, never queued."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Callable

import numpy as np
from PySide6.QtCore import QCoreApplication

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


class RenderThread(threading.Thread):
    def __init__(self) -> None:
        super().__init__(name="studio-preview", daemon=True)
        self.preview = Preview(spare=True)
        self._cv = threading.Condition()
        self._wanted: dict[object, _Wanted] = {}   # per viewport, in the order they asked
        self._live: set[object] = set()            # viewports that asked and have not closed
        self._restart = False
        self._warm = False
        self._stopping = False
        self._scene: PreviewScene | None = None

    def request(self, client: object, vault: Vault, req: FrameRequest, on_frame: OnFrame, on_error: OnError) -> None:
        """``client``'s newest frame (replaces the one it still waits for)."""
        with self._cv:
            self._wanted.pop(client, None)
            self._wanted[client] = _Wanted(client, vault, req, on_frame, on_error)
            self._live.add(client)
            self._cv.notify()

    def forget(self, client: object) -> None:
        """``client`` closes: drop the frame it still waits for."""
        with self._cv:
            self._wanted.pop(client, None)
            self._live.discard(client)

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
                    while not self._wanted and not self._stopping and not self._restart and not self._warm:
                        self._cv.wait()
                    if self._stopping:
                        return
                    req = self._wanted.pop(next(iter(self._wanted))) if self._wanted else None
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

    def _again(self, wanted: _Wanted) -> None:
        """Ask for the same still once more (the finer level), unless its viewport has asked for
        another frame meanwhile or closed."""
        with self._cv:
            if wanted.client in self._live and wanted.client not in self._wanted:
                self._wanted[wanted.client] = wanted
                self._cv.notify()

    def _draw(self, wanted: _Wanted) -> None:
        req, vault = wanted.request, wanted.vault
        try:
            if self._scene is None or self._scene.asset.id != req.asset_id:
                self._scene = None
                self._scene = open_scene(vault, req.asset_id)
            scene = self._scene
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
