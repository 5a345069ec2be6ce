"""Thumbnails for an :class:`~studio.ui.asset_model.AssetModel`, fetched off the GUI thread for
what is on screen (DR026): the library's grid and list, and review mode's list, share it.

A voice take's waveform is read and drawn into an image on a read worker, a scan's stored
thumbnail is read (rendered and stored the first time: a write); the GUI thread only wraps the
result in a pixmap. Ids asked for and scrolled away before their turn are skipped."""

from __future__ import annotations

import time

import shiboken6
from PySide6.QtCore import QObject
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QWidget

from studio.core.errors import StudioError
from studio.core.previews import Thumbnail, thumbnail
from studio.core.vault import Vault
from studio.ui.asset_model import ASSET_ROLE, THUMBNAILS_HELD, AssetModel
from studio.ui.tasks import TaskManager
from studio.ui.voice_view import WaveformColors, waveform_image

VOICE_BATCH = 12      # voice-take thumbnails to one background read
YIELD_S = 0.003       # a worker's pause between takes: a loaded machine's GUI thread gets the GIL (DR026)


def wanted_ids(model: AssetModel, shown: range, least: int = THUMBNAILS_HELD) -> list[str]:
    """The ids, among the rows ``shown`` and a screenful either side, whose thumbnail is not held:
    those on screen first. Makes the model hold ``least`` thumbnails, or four screenfuls if more."""
    if not shown:
        return []
    margin = len(shown)
    count = model.rowCount()
    held = model.thumbnails
    held.limit = max(least, 4 * margin)  # a large screen: what is asked for must fit
    order = list(shown) + list(range(shown.stop, min(count, shown.stop + margin))) + \
        list(range(shown.start - 1, max(-1, shown.start - margin - 1), -1))
    ids = []
    for r in order:
        a = model.index(r, 0).data(ASSET_ROLE)
        if a is not None and held.touch(a.id) is None:
            ids.append(a.id)
    model.missing.clear()
    return ids


class ThumbnailFetcher(QObject):
    """Fetches thumbnails into ``model``; ``palette_of``: the widget whose palette colours a
    waveform (read on the GUI thread when asked)."""

    def __init__(self, vault: Vault, tasks: TaskManager, model: AssetModel, palette_of: QWidget,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.vault, self.tasks, self.model, self.palette_of = vault, tasks, model, palette_of
        self._wanted: frozenset[str] = frozenset()  # on screen or near: what the workers still draw
        self._busy: set[str] = set()     # being fetched
        self._failed: set[str] = set()   # no thumbnail to be had: the kind's icon stays

    def forget_failures(self) -> None:
        """Ask again for what failed (another talent's assets are shown)."""
        self._failed.clear()

    def request(self, asset_ids: list[str]) -> None:
        """Fetch the thumbnails of ``asset_ids`` (what is on screen and near it, on screen first)."""
        self._wanted = frozenset(asset_ids)
        voices: list[str] = []
        service = self.tasks.renders.thumbnails
        for aid in asset_ids:
            if aid in self._busy or aid in self._failed:
                continue
            asset = self.model.asset(aid)
            if asset is None:
                continue
            self._busy.add(aid)
            if asset.kind == "voice":
                voices.append(aid)
                continue
            self.tasks.write(lambda _task, aid=aid: thumbnail(self.vault, aid, service) if aid in self._wanted
                             else None,  # a scan's first thumbnail is stored: a write
                             lambda thumb, aid=aid: self._ready(aid, thumb),
                             lambda exc, aid=aid: self._fetch_failed(aid),
                             what=self.tr("Rendering a thumbnail"), owner=self)
        colors = WaveformColors.of(self.palette_of.palette())
        for start in range(0, len(voices), VOICE_BATCH):
            batch = voices[start:start + VOICE_BATCH]
            self.tasks.read(lambda task, batch=batch: self._voices(task, batch, colors, service),
                            lambda _none, batch=batch: self._busy.difference_update(batch),
                            lambda exc, batch=batch: self._busy.difference_update(batch),
                            what=self.tr("Rendering a thumbnail"), owner=self)

    def _voices(self, task, batch: list[str], colors: WaveformColors, service) -> None:
        """On a worker: each take's waveform, drawn; handed to the GUI thread one by one."""
        for aid in batch:
            if task.cancelled or self.tasks.closed:
                return
            if aid not in self._wanted:
                continue  # scrolled away: asked for again if it comes back
            try:
                thumb = thumbnail(self.vault, aid, service)
            except StudioError:
                self.tasks.gui(lambda aid=aid: self._failed.add(aid))
                continue
            image = waveform_image(thumb.waveform, colors)
            time.sleep(YIELD_S)
            if image is None:
                self.tasks.gui(lambda aid=aid: self._failed.add(aid))
            else:
                self.tasks.gui(lambda aid=aid, image=image: self._show(aid, image))

    def _show(self, aid: str, image: QImage) -> None:
        if not self._closed():
            self.model.set_thumbnail(aid, QPixmap.fromImage(image))

    def _closed(self) -> bool:
        return not (shiboken6.isValid(self) and shiboken6.isValid(self.model))

    def _ready(self, aid: str, thumb: Thumbnail | None) -> None:
        self._busy.discard(aid)
        if thumb is None or not thumb.png:
            return
        image = QImage.fromData(thumb.png, "PNG")
        if not image.isNull():
            self.model.set_thumbnail(thumb.asset_id, QPixmap.fromImage(image))

    def _fetch_failed(self, aid: str) -> None:
        self._busy.discard(aid)
        self._failed.add(aid)  # no thumbnail: the kind's icon stays
