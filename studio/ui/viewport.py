"""The 3D preview widget: shows frames from the render thread and turns mouse moves into
camera moves. Left-drag orbits, right- or middle-drag pans, the wheel zooms, a double-click
resets. While the mouse moves, frames come from the preview LOD at half resolution; 200 ms
after it stops, one full-detail frame at full resolution — or, where the full scan does not fit in
the memory free, the finest level that does, with a notice saying so (DR023)."""

from __future__ import annotations

from dataclasses import replace

import shiboken6
from PySide6.QtCore import QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QImage, QPainter, QPalette
from PySide6.QtWidgets import QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from studio.core.render.views import VIEWS, Camera
from studio.core.vault import Vault
from studio.ui.render_thread import Frame, FrameRequest
from studio.ui.tasks import TaskManager
from studio.ui.theme import PALETTE_EVENTS, preview_background

SETTLE_MS = 200
ORBIT_DEG_PER_PX = 0.4


def _millions(n: int) -> str:
    return f"{n / 1e6:.1f} M" if n >= 100_000 else f"{n:,}"


class Viewport(QWidget):
    frameShown = Signal(bool)   # moving
    failed = Signal(str)

    def __init__(self, vault: Vault, tasks: TaskManager, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMinimumSize(240, 180)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Expanding)
        self.setFocusPolicy(Qt.StrongFocus)
        self.setAccessibleName(self.tr("3D preview"))
        self.setToolTip(self.tr("Drag to turn · right- or middle-drag to pan · wheel to zoom · double-click to reset"))
        self.vault, self.tasks = vault, tasks
        self.renders = tasks.renders  # the app's one render pool, shared with every other viewport
        self._closed = False
        self.asset_id: str | None = None
        self.mode = "shaded"
        self.camera: Camera | None = None
        self.home: Camera | None = None
        self.image: QImage | None = None
        self.image_moving = False
        self.frames_shown = 0
        self._serial = 0
        self._shown_serial = 0
        self._drag: tuple[Qt.MouseButton, QPointF] | None = None
        self._settle = QTimer(self)
        self._settle.setSingleShot(True)
        self._settle.setInterval(SETTLE_MS)
        self._settle.timeout.connect(lambda: self._request(moving=False))
        self.message = QLabel(self)
        self.message.setAlignment(Qt.AlignCenter)
        self.message.setWordWrap(True)
        self.restart_button = QPushButton(self.tr("Restart preview"), self)
        self.restart_button.clicked.connect(self.restart)
        self.restart_button.hide()
        self.notice = QLabel(self)  # a reduced level of detail is shown
        self.notice.setWordWrap(True)
        self.notice.setAlignment(Qt.AlignCenter)
        self.notice.setAutoFillBackground(True)
        self.notice.hide()
        box = QVBoxLayout(self)
        box.addStretch(1)
        box.addWidget(self.message)
        box.addWidget(self.restart_button, 0, Qt.AlignHCenter)
        box.addStretch(1)
        box.addWidget(self.notice)
        self.error: str | None = None
        self._background = preview_background(self.palette())

    # -- what to show --------------------------------------------------------------------------
    def show_asset(self, asset_id: str | None) -> None:
        self.asset_id = asset_id
        self.camera = self.home = None
        self.image = None
        self.error = None
        self.restart_button.hide()
        self.notice.hide()
        self._settle.stop()
        self.message.setText(self.tr("Loading the 3D preview…") if asset_id else "")
        self.message.setVisible(asset_id is not None)
        if asset_id is not None:
            self._request(moving=True)
        self.update()

    def set_mode(self, mode: str) -> None:
        self.mode = mode
        self._request(moving=False)

    def set_view(self, view: str) -> None:
        if self.home is not None:
            self.camera = replace(self.home, azimuth=(self.home.azimuth + VIEWS[view]) % 360)
            self._request(moving=False)

    def reset(self) -> None:
        if self.home is not None:
            self.camera = self.home
            self._request(moving=False)

    def restart(self) -> None:
        self.error = None
        self.restart_button.hide()
        self.message.setText(self.tr("Restarting the preview…"))
        self.renders.restart()
        self._request(moving=True)

    def shutdown(self) -> None:
        self._settle.stop()
        self._closed = True
        self.renders.forget(self)

    # -- requests and frames ---------------------------------------------------------------------
    def _device_size(self) -> tuple[int, int]:
        ratio = self.devicePixelRatioF()
        return max(32, int(self.width() * ratio)), max(32, int(self.height() * ratio))

    def _request(self, moving: bool) -> None:
        if self.asset_id is None or self.error is not None:
            return
        self._serial += 1
        self._background = preview_background(self.palette())
        self.renders.request(self, self.vault, FrameRequest(self._serial, self.asset_id, self.camera, self.mode,
                                                            self._device_size(), moving, self._background),
                             self._frame_from_thread, self._error_from_thread)

    def _frame_from_thread(self, frame: Frame) -> None:
        self.tasks.gui(lambda: self._show_frame(frame) if self._live() else None)

    def _error_from_thread(self, req: FrameRequest, text: str, restartable: bool) -> None:
        self.tasks.gui(lambda: self._show_error(req, text, restartable) if self._live() else None)

    def _live(self) -> bool:
        """Still on screen: a frame for a closed window (review mode) is dropped."""
        return not self._closed and shiboken6.isValid(self)

    def _show_frame(self, frame: Frame) -> None:
        req = frame.request
        if req.asset_id != self.asset_id or req.serial < self._shown_serial:
            return  # a frame for a scan no longer shown, or older than the one on screen
        self._shown_serial = req.serial
        if self.home is None:
            self.home = frame.home
            self.camera = self.camera or frame.camera
        h, w, _ = frame.image.shape
        image = QImage(frame.image.data, w, h, 3 * w, QImage.Format_RGB888).copy()
        image.setDevicePixelRatio(self.devicePixelRatioF() * (0.5 if req.moving else 1.0))
        self.image, self.image_moving = image, req.moving
        self.frames_shown += 1
        self.message.hide()
        if not req.moving:
            self._show_notice(frame.reduced, frame.is_mesh, frame.finer_follows)
        self.update()
        self.frameShown.emit(req.moving)
        if req.moving and self._drag is None and not self._settle.isActive():
            self._request(moving=False)  # first frame of a scan, or the last of a move

    def _show_notice(self, reduced: tuple[int, int] | None, is_mesh: bool, finer_follows: bool = False) -> None:
        if reduced is None:
            self.notice.hide()
            return
        shown, total = (_millions(n) for n in reduced)
        text = (self.tr("Showing {shown} of {total} triangles — full detail follows") if finer_follows else
                self.tr("Showing {shown} of {total} triangles — full detail needs more memory than this machine has free")
                if is_mesh else
                self.tr("Showing {shown} of {total} points — full detail needs more memory than this machine has free"))
        self.notice.setText(text.format(shown=shown, total=total))
        self.notice.show()

    def _show_error(self, req: FrameRequest, text: str, restartable: bool) -> None:
        if req.asset_id != self.asset_id:
            return
        self.error = text
        self.image = None
        self.message.setText(self.tr("Preview unavailable — the renderer stopped. Restart it to go on.")
                             if restartable else text)
        self.message.show()
        self.restart_button.setVisible(restartable)
        self.update()
        self.failed.emit(text)

    # -- painting --------------------------------------------------------------------------------
    def paintEvent(self, _event) -> None:  # noqa: N802 (Qt API)
        p = QPainter(self)
        p.fillRect(self.rect(), self.palette().color(QPalette.Base))
        if self.image is not None:
            p.setRenderHint(QPainter.SmoothPixmapTransform, self.image_moving)
            size = self.image.deviceIndependentSize()
            scale = min(self.width() / size.width(), self.height() / size.height())
            w, h = size.width() * scale, size.height() * scale
            p.drawImage(QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h), self.image)
        p.end()

    def changeEvent(self, event) -> None:  # noqa: N802
        """A new palette (the system's dark theme turned on or off): the next frame is drawn on
        the background that goes with it."""
        super().changeEvent(event)
        if (event.type() in PALETTE_EVENTS and self.home is not None
                and preview_background(self.palette()) != self._background):
            self._request(moving=False)

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        if self.asset_id is not None and self.home is not None:
            self._settle.start()

    # -- mouse -----------------------------------------------------------------------------------
    def mousePressEvent(self, event) -> None:  # noqa: N802
        if self.camera is not None:
            self._drag = (event.button(), event.position())
            self._settle.stop()

    def mouseMoveEvent(self, event) -> None:  # noqa: N802
        if self._drag is None or self.camera is None:
            return
        button, last = self._drag
        d = event.position() - last
        self._drag = (button, event.position())
        if button == Qt.LeftButton:
            self.camera = self.camera.orbit(-d.x() * ORBIT_DEG_PER_PX, d.y() * ORBIT_DEG_PER_PX)
        else:
            scale = 2.0 / max(1, min(self.width(), self.height())) / self.camera.zoom
            self.camera = self.camera.panned(-d.x() * scale, d.y() * scale)
        self._request(moving=True)

    def mouseReleaseEvent(self, _event) -> None:  # noqa: N802
        if self._drag is not None:
            self._drag = None
            self._settle.start()

    def wheelEvent(self, event) -> None:  # noqa: N802
        if self.camera is None:
            return
        steps = event.angleDelta().y() / 120.0
        self.camera = self.camera.zoomed(1.15 ** steps)
        self._request(moving=True)
        self._settle.start()

    def mouseDoubleClickEvent(self, _event) -> None:  # noqa: N802
        self.reset()
