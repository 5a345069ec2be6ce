"""The right column: the selected asset's header, then its scan or voice detail."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QStackedWidget, QVBoxLayout, QWidget

from studio.core.assets import AssetRecord
from studio.core.previews import VoiceTake, voice_take
from studio.core.vault import Vault
from studio.ui.elided import ElidedLabel
from studio.ui.formatting import kind_label, size_text, status_label
from studio.ui.tasks import TaskManager
from studio.ui.scan_view import ScanDetail
from studio.ui.voice_view import VoiceDetail


class DetailPane(QWidget):
    def __init__(self, vault: Vault, tasks: TaskManager, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vault, self.tasks = vault, tasks
        self.name = ElidedLabel("", self)  # a long file name is elided, never widens the window (DR035)
        font = self.name.font()
        font.setPointSizeF(13)
        font.setBold(True)
        self.name.setFont(font)
        self.header = QLabel(self)  # kind, format, size, status; id and date
        self.header.setWordWrap(True)
        self.header.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.placeholder = QLabel(self.tr("Select a scan or a voice take to see it here."), self)
        self.placeholder.setAlignment(Qt.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.placeholder.setEnabled(False)
        self.scan = ScanDetail(vault, tasks, self)
        self.voice = VoiceDetail(self)
        self.stack = QStackedWidget(self)
        for w in (self.placeholder, self.scan, self.voice):
            self.stack.addWidget(w)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.name)
        lay.addWidget(self.header)
        lay.addWidget(self.stack, 1)
        self.asset: AssetRecord | None = None
        self._play_when_ready = False  # Space came while the take was still being opened
        self.show_asset(None)

    def show_asset(self, asset: AssetRecord | None) -> None:
        same = asset is not None and self.asset is not None and asset.id == self.asset.id
        self.asset = asset
        if asset is None:
            self.name.setText("")
            self.name.hide()
            self.header.setText("")
            self.scan.clear()
            self.voice.clear()
            self.stack.setCurrentWidget(self.placeholder)
            return
        self.name.setText(asset.original_name)
        self.name.show()
        self.header.setText(
            f"{kind_label(asset.kind)} · {asset.format.upper()} · {size_text(asset.size)} · "
            f"<i>{status_label(asset.status)}</i><br>"
            "<span style='color:gray'>" + self.tr("{id} · added {when}").format(
                id=asset.id, when=asset.created_at[:16].replace("T", " ")) + "</span>")
        if same:
            return
        self._play_when_ready = False
        if asset.kind == "voice":
            self.scan.clear()
            self.voice.clear()
            self.stack.setCurrentWidget(self.voice)
            self.tasks.read(lambda _task: voice_take(self.vault, asset.id), lambda take: self._voice_ready(asset, take),
                            what=self.tr("Opening the voice take"))
        else:
            self.voice.clear()
            self.stack.setCurrentWidget(self.scan)
            self.scan.show_scan(asset)

    def _voice_ready(self, asset: AssetRecord, take: VoiceTake) -> None:
        if self.asset is None or self.asset.id != asset.id:
            return  # another asset was selected meanwhile
        self.voice.show_take(asset.original_name, take.audio, asset.media_type, take.waveform, asset.metrics,
                             asset.warnings)
        if self._play_when_ready:
            self._play_when_ready = False
            self.voice.toggle_playback()

    def toggle_take(self, asset: AssetRecord) -> None:
        """Play or pause ``asset`` if it is the voice take shown (Space in the library); one still
        being opened plays once it is ready (a second Space before then takes that back)."""
        if self.asset is None or asset.id != self.asset.id or asset.kind != "voice":
            return
        if self.voice.loaded:
            self.voice.toggle_playback()
        else:
            self._play_when_ready = not self._play_when_ready

    def shutdown(self) -> None:
        self.scan.shutdown()
        self.voice.shutdown()

