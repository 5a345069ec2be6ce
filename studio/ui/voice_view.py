"""The detail view of a voice take: waveform with playhead, transport, metrics and QA warnings.

Playback is fed from memory (a ``QBuffer`` over the decrypted bytes, handed to ``QMediaPlayer``),
so the plaintext never reaches the disk. When the media backend cannot play a take (a format it
does not decode, no backend), an inline message says so and the waveform and metrics stay.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import (QT_TRANSLATE_NOOP, QBuffer, QByteArray, QCoreApplication, QIODevice, QPointF, QRectF,
                            QSize, Qt, QUrl, Signal)
from PySide6.QtGui import (QColor, QImage, QKeyEvent, QMouseEvent, QPainter, QPaintEvent, QPalette, QPen, QPixmap,
                           QPolygonF)
from PySide6.QtMultimedia import QAudioOutput, QMediaDevices, QMediaPlayer
from PySide6.QtWidgets import (QFormLayout, QHBoxLayout, QLabel, QSizePolicy, QSlider, QStyle, QToolButton,
                               QVBoxLayout, QWidget)

from studio.ui.banner import Banner
from studio.ui.elided import ElidedLabel, FlowLayout

translate = QCoreApplication.translate  # lupdate reads translate("Context", "text") calls

_CONTAINERS = {"audio/wav": "WAV", "audio/flac": "FLAC", "audio/ogg": "Ogg", "audio/opus": "Ogg/Opus",
               "audio/mpeg": "MP3", "audio/x-nist-sphere": "NIST SPHERE"}


def _clock(seconds: float) -> str:
    """``m:ss.t`` (``h:mm:ss.t`` from an hour on)."""
    tenths = max(0, round(seconds * 10))
    minutes, tenths = divmod(tenths, 600)
    hours, minutes = divmod(minutes, 60)
    tail = f"{tenths // 10:02d}.{tenths % 10}"
    return f"{hours}:{minutes:02d}:{tail}" if hours else f"{minutes}:{tail}"


def _tr(text: str) -> str:
    """A text marked with QT_TRANSLATE_NOOP("VoiceDetail", ...), in the user's language."""
    return translate("VoiceDetail", text)


def _sample_format(m: dict) -> str:
    fmt, bits = str(m.get("sample_format") or ""), m.get("bit_depth")
    if fmt == "PCM_U8":
        return translate("VoiceDetail", "{bits}-bit PCM (unsigned)").format(bits=bits)
    if fmt.startswith("PCM"):
        return translate("VoiceDetail", "{bits}-bit PCM").format(bits=bits)
    if fmt in ("FLOAT", "DOUBLE"):
        return translate("VoiceDetail", "{bits}-bit float").format(bits=bits)
    name = {"ULAW": "µ-law", "ALAW": "A-law", "OPUS": "Opus", "VORBIS": "Vorbis"}.get(fmt, fmt.replace("_", " "))
    return translate("VoiceDetail", "{name}, {bits}-bit").format(name=name, bits=bits) if bits else name


def _channels(n: int) -> str:
    if n == 1:
        return translate("VoiceDetail", "mono")
    if n == 2:
        return translate("VoiceDetail", "stereo")
    return translate("VoiceDetail", "{n} channels").format(n=n)


def _metric_rows(m: dict, media_type: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(format rows, level rows) of (label, text), for the metrics the core stored. The labels are
    the source texts (``metric_text`` finds rows by them); the view translates them as it shows them."""
    d, n, ratio, snr = m.get("duration_s"), m.get("channels"), m.get("clipping_ratio"), m.get("snr_db")
    container, samples = _CONTAINERS.get(media_type, media_type), _sample_format(m)
    silent = translate("VoiceDetail", "silent")
    dbfs = lambda key: key in m and (silent if m[key] is None else f"{m[key]:.1f} dBFS")  # noqa: E731
    clipping = ratio is not None and (translate("VoiceDetail", "none") if not ratio else
                                      translate("VoiceDetail", "{percent}% of samples").format(
                                          percent=f"{ratio * 100:.3g}"))
    fmt = [(QT_TRANSLATE_NOOP("VoiceDetail", "Duration"),
            d is not None and (f"{d:.2f} s" if d < 60 else f"{_clock(d)} ({d:,.0f} s)")),
           (QT_TRANSLATE_NOOP("VoiceDetail", "Sample rate"),
            bool(m.get("sample_rate")) and f"{m['sample_rate'] / 1000:g} kHz"),
           (QT_TRANSLATE_NOOP("VoiceDetail", "Channels"), bool(n) and _channels(n)),
           (QT_TRANSLATE_NOOP("VoiceDetail", "Format"),
            container if samples in container else f"{container}, {samples}".strip(", "))]
    levels = [(QT_TRANSLATE_NOOP("VoiceDetail", "Peak"), dbfs("peak_dbfs")),
              (QT_TRANSLATE_NOOP("VoiceDetail", "RMS"), dbfs("rms_dbfs")),
              (QT_TRANSLATE_NOOP("VoiceDetail", "Clipping"), clipping),
              (QT_TRANSLATE_NOOP("VoiceDetail", "SNR (est.)"),
               "snr_db" in m and (translate("VoiceDetail", "n/a") if snr is None else f"{snr:.1f} dB")),
              (QT_TRANSLATE_NOOP("VoiceDetail", "Noise floor"), dbfs("noise_floor_dbfs"))]
    return [(k, v) for k, v in fmt if v], [(k, v) for k, v in levels if v]


def _parse_waveform(wave: object) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, float]:
    """(min, max, rms or None, duration) from the core's waveform JSON; empty when malformed."""
    empty = (np.zeros(0), np.zeros(0), None, 0.0)
    if not isinstance(wave, dict) or wave.get("version") != 1:
        return empty
    try:
        lo, hi = np.asarray(wave["min"], dtype=float), np.asarray(wave["max"], dtype=float)
        rms = None if wave.get("rms") is None else np.asarray(wave["rms"], dtype=float)
        duration = float(wave["duration_s"])
    except (KeyError, TypeError, ValueError):
        return empty
    if lo.ndim != 1 or lo.shape != hi.shape or not len(lo) or not 0 < duration < float("inf"):
        return empty
    clean = lambda a, low: np.nan_to_num(np.clip(a, low, 1.0))  # noqa: E731
    return clean(lo, -1.0), clean(hi, -1.0), None if rms is None or rms.shape != lo.shape else clean(rms, 0.0), duration


class WaveformWidget(QWidget):
    """The stored waveform summary as a filled envelope (RMS band inside min/max) with a playhead.

    Click or drag to seek: ``seekRequested(seconds)``.
    """

    seekRequested = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._lo, self._hi, self._rms, self._duration = _parse_waveform(None)
        self._position = 0.0
        self.show_playhead = True
        self._cache: tuple[QSize, float, QPolygonF, QPolygonF | None] | None = None
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName(self.tr("Waveform"))
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)  # so Space after a click reaches the detail view

    def set_waveform(self, waveform: dict | None) -> None:
        """Show a stored waveform (the parsed JSON); ``None`` or a malformed one shows none."""
        self._lo, self._hi, self._rms, self._duration = _parse_waveform(waveform)
        self._position, self._cache = 0.0, None
        self.setCursor(Qt.CursorShape.PointingHandCursor if self._duration else Qt.CursorShape.ArrowCursor)
        self.update()

    def duration(self) -> float:
        return self._duration

    def position(self) -> float:
        return self._position

    def set_position(self, seconds: float) -> None:
        """Move the playhead, repainting only the strip it crossed."""
        old = self._playhead_x()
        self._position = min(max(seconds, 0.0), self._duration)
        new = self._playhead_x()
        if old != new:
            self.update(QRectF(min(old, new) - 3, 0, abs(new - old) + 6, self.height()).toAlignedRect())

    def sizeHint(self) -> QSize:
        return QSize(480, 120)

    def minimumSizeHint(self) -> QSize:
        return QSize(120, 56)

    def _playhead_x(self) -> float:
        return self._position / self._duration * self.width() if self._duration else 0.0

    def _polygons(self) -> tuple[QPolygonF, QPolygonF | None]:
        """Envelope and RMS polygons, one column per device pixel, cached per size."""
        dpr = self.devicePixelRatioF()
        if self._cache and self._cache[0] == self.size() and self._cache[1] == dpr:
            return self._cache[2], self._cache[3]
        envelope, core = _bands(self._lo, self._hi, self._rms, self.width(), self.height(), dpr)
        self._cache = (self.size(), dpr, envelope, core)
        return envelope, core

    def paintEvent(self, event: QPaintEvent) -> None:
        pal = self.palette()
        p = QPainter(self)
        colors = WaveformColors.of(pal)
        if not self._duration:
            _paint_frame(p, QRectF(self.rect()), colors)
            p.setPen(pal.color(QPalette.ColorRole.PlaceholderText))
            p.drawText(QRectF(self.rect()), Qt.AlignmentFlag.AlignCenter, self.tr("No waveform"))
            return
        _paint(p, QRectF(self.rect()), self._polygons(), colors)
        if self.show_playhead:
            x = min(max(self._playhead_x(), 1.0), self.width() - 1.0)
            p.setPen(QPen(colors.text, 1.5))
            p.drawLine(QPointF(x, 0), QPointF(x, self.height()))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self._duration:
            self._seek_to(event.position().x())
        else:
            super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if event.buttons() & Qt.MouseButton.LeftButton and self._duration:
            self._seek_to(event.position().x())

    def _seek_to(self, x: float) -> None:
        seconds = min(max(x / max(self.width(), 1), 0.0), 1.0) * self._duration
        self.set_position(seconds)
        self.seekRequested.emit(seconds)


class VoiceDetail(QWidget):
    """One voice take: waveform, transport (Space toggles play), metrics and QA warnings."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.player = QMediaPlayer(self)
        self._output = QAudioOutput(self)
        self.player.setAudioOutput(self._output)
        self._bytes: QByteArray | None = None
        self._buffer: QBuffer | None = None  # a child made after the player: Qt deletes it after the player
        self._duration_ms = 0
        self._container = ""
        self.title = ElidedLabel()  # a long file name is elided, never widens the window (DR035)
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.2)
        font.setBold(True)
        self.title.setFont(font)
        self.waveform = WaveformWidget()
        self.play_button = QToolButton()
        self.play_button.setAutoRaise(True)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.time_label = QLabel()
        self.playback_message, self.warnings = Banner(), Banner()
        self._forms = (QFormLayout(), QFormLayout())
        self._values: dict[str, QLabel] = {}

        transport = QHBoxLayout()
        for widget, stretch in ((self.play_button, 0), (self.slider, 1), (self.time_label, 0)):
            transport.addWidget(widget, stretch)
        metrics = FlowLayout(spacing=32)  # the two columns side by side, or one above the other (DR035)
        for form in self._forms:
            form.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
            form.setContentsMargins(0, 0, 0, 0)
            holder = QWidget()
            holder.setLayout(form)
            metrics.addWidget(holder)
        column = QVBoxLayout(self)
        column.addWidget(self.title)
        column.addWidget(self.waveform, 1)
        column.addLayout(transport)
        column.addWidget(self.playback_message)
        column.addLayout(metrics)
        column.addWidget(self.warnings)

        self.play_button.clicked.connect(self.toggle_playback)
        self.slider.valueChanged.connect(lambda ms: self.seek(ms / 1000))
        self.waveform.seekRequested.connect(self.seek)
        self.player.positionChanged.connect(self._show_position)
        self.player.playbackStateChanged.connect(self._on_state)
        self.player.errorOccurred.connect(self._on_error)
        self.clear()

    def show_take(self, title: str, audio: bytes, media_type: str, waveform: dict, metrics: dict,
                  warnings: list[str]) -> None:
        """Show a take; ``audio`` (the decrypted original file) is played from memory, never a file."""
        self.clear()
        self.title.setText(title)
        self._container = _CONTAINERS.get(media_type, media_type)
        self.waveform.set_waveform(waveform)
        self._set_duration(float(metrics.get("duration_s") or self.waveform.duration()))
        for form, rows in zip(self._forms, _metric_rows(metrics, media_type)):
            for label, text in rows:
                self._values[label] = value = QLabel(text)
                value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
                form.addRow(self.tr("{label}:").format(label=_tr(label)), value)
        if warnings:
            self.warnings.show_message("\n".join(warnings), "warning")
        if not audio:
            return self._on_error(QMediaPlayer.Error.ResourceError, self.tr("the take has no audio data"))
        self._bytes = QByteArray(audio)
        self._buffer = QBuffer(self)
        self._buffer.setBuffer(self._bytes)  # no second copy: self._bytes outlives the buffer
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.play_button.setEnabled(True)  # before loading: an error while loading disables them again
        self.slider.setEnabled(True)
        self.player.blockSignals(False)
        self.player.setSourceDevice(self._buffer)

    def clear(self) -> None:
        """Stop playback, release the audio buffer and empty the view."""
        self.player.stop()
        self.player.setSource(QUrl())  # the player lets go of the buffer before it is closed
        if self._buffer is not None:
            self._buffer.close()
            self._buffer.deleteLater()
        self._buffer = self._bytes = None
        self.title.clear()
        self.waveform.set_waveform(None)
        for form in self._forms:
            while form.rowCount():
                form.removeRow(0)
        self._values.clear()
        self.warnings.hide()
        self.playback_message.hide()
        self._set_duration(0.0)
        self._on_state(QMediaPlayer.PlaybackState.StoppedState)
        self.play_button.setEnabled(False)
        self.slider.setEnabled(False)

    def shutdown(self) -> None:
        """Stop and release everything (the window is closing); later backend signals are ignored."""
        self.clear()
        self.player.blockSignals(True)

    def metric_text(self, label: str) -> str | None:
        """The displayed value of a metrics row (``"Duration"``, ``"Peak"``, …), if shown."""
        value = self._values.get(label)
        return None if value is None else value.text()

    @property
    def loaded(self) -> bool:
        """Whether a take's audio is in the view (it may still be unplayable: see toggle_playback)."""
        return self._buffer is not None

    def toggle_playback(self) -> None:
        """Play or pause; does nothing while playback is unavailable."""
        if self._buffer is None or not self.play_button.isEnabled():
            return
        if self.player.playbackState() == QMediaPlayer.PlaybackState.PlayingState:
            return self.player.pause()
        if not QMediaDevices.audioOutputs():
            self.playback_message.show_message(self.tr("no audio output device: playback is silent"), "info")
        self.player.play()

    def seek(self, seconds: float) -> None:
        """Move playback and the playhead to ``seconds`` from the start."""
        if self._buffer is not None:
            self.player.setPosition(round(seconds * 1000))
            self._show_position(round(seconds * 1000))

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() == Qt.Key.Key_Space and not event.isAutoRepeat():
            self.toggle_playback()
        else:
            super().keyPressEvent(event)

    def _show_position(self, ms: int) -> None:
        self.waveform.set_position(ms / 1000)
        if not self.slider.isSliderDown():
            self.slider.blockSignals(True)
            self.slider.setValue(ms)
            self.slider.blockSignals(False)
        self.time_label.setText(f"{_clock(ms / 1000)} / {_clock(self._duration_ms / 1000)}")

    def _set_duration(self, seconds: float) -> None:
        """The measured duration (the core's, not the backend's estimate) sets the slider and clock."""
        self._duration_ms = max(0, round(seconds * 1000))
        self.slider.setRange(0, self._duration_ms)
        widest = "".join("0" if c.isdigit() else c for c in _clock(seconds))
        self.time_label.setMinimumWidth(self.time_label.fontMetrics().horizontalAdvance(f"{widest} / {widest}"))
        self._show_position(0)

    def _on_state(self, state: QMediaPlayer.PlaybackState) -> None:
        playing = state == QMediaPlayer.PlaybackState.PlayingState
        icon = QStyle.StandardPixmap.SP_MediaPause if playing else QStyle.StandardPixmap.SP_MediaPlay
        self.play_button.setIcon(self.style().standardIcon(icon))
        self.play_button.setToolTip(self.tr("Pause (Space)") if playing else self.tr("Play (Space)"))

    def _on_error(self, error: QMediaPlayer.Error, message: str) -> None:
        if error == QMediaPlayer.Error.NoError:
            return
        if error == QMediaPlayer.Error.FormatError:  # Qt's own text speaks of a file there is not
            message = (self.tr("the media backend cannot decode this {container} audio").format(
                container=self._container) if self._container else
                self.tr("the media backend cannot decode this kind of audio"))
        self.playback_message.show_message(self.tr("playback unavailable: {reason}").format(
            reason=message or error.name), "warning")
        self.play_button.setEnabled(False)
        self.slider.setEnabled(False)


@dataclass(frozen=True)
class WaveformColors:
    """The palette colours a waveform is drawn in (taken on the GUI thread, used on any)."""

    frame: QColor
    base: QColor
    accent: QColor
    text: QColor

    @classmethod
    def of(cls, pal: QPalette) -> "WaveformColors":
        return cls(QColor(pal.color(QPalette.ColorRole.Mid)), QColor(pal.color(QPalette.ColorRole.Base)),
                   QColor(pal.color(QPalette.ColorRole.Highlight)), QColor(pal.color(QPalette.ColorRole.Text)))


def _bands(lo, hi, rms, width: float, height: float, dpr: float = 1.0) -> tuple[QPolygonF, QPolygonF | None]:
    """Envelope and RMS polygons for a ``width`` × ``height`` strip, one column per device pixel."""
    n = len(lo)
    cols = max(1, int(width * dpr))
    if n > cols:  # several buckets per column: keep the extremes, combine the RMS
        starts = np.linspace(0, n, cols + 1)[:-1].astype(int)
        counts = np.diff(np.append(starts, n))
        lo, hi = np.minimum.reduceat(lo, starts), np.maximum.reduceat(hi, starts)
        rms = None if rms is None else np.sqrt(np.add.reduceat(rms * rms, starts) / counts)
    xs = (np.arange(len(lo)) + 0.5) / len(lo) * width
    if len(xs) > 1:
        xs[0], xs[-1] = 0.0, float(width)
    mid, half = height / 2, max(1.0, height / 2 - 4)

    def band(top: np.ndarray, bottom: np.ndarray) -> QPolygonF:
        pts = [QPointF(x, mid - y * half) for x, y in zip(xs, top)]
        pts += [QPointF(x, mid - y * half) for x, y in zip(xs[::-1], bottom[::-1])]
        return QPolygonF(pts)

    return band(hi, lo), None if rms is None else band(np.minimum(rms, hi), np.maximum(-rms, lo))


def _paint_frame(p: QPainter, rect: QRectF, colors: WaveformColors) -> None:
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setPen(QPen(colors.frame, 1))
    p.setBrush(colors.base)
    p.drawRoundedRect(rect.adjusted(0.5, 0.5, -0.5, -0.5), 3, 3)


def _paint(p: QPainter, rect: QRectF, polygons: tuple[QPolygonF, QPolygonF | None], colors: WaveformColors) -> None:
    _paint_frame(p, rect, colors)
    p.drawLine(QPointF(1, rect.center().y()), QPointF(rect.width() - 1, rect.center().y()))
    envelope, core = polygons
    faint = QColor(colors.accent)
    faint.setAlphaF(0.45)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(faint)
    p.drawPolygon(envelope)
    if core is not None:
        p.setBrush(colors.accent)
        p.drawPolygon(core)


def waveform_image(waveform: dict | None, colors: WaveformColors, size: int = 128) -> QImage | None:
    """A voice take's tile for the asset grid, drawn like the detail view, into an image: safe
    on a worker thread (no widget), so 10,000 takes never paint on the GUI thread (DR026).
    None when the waveform is missing or malformed."""
    lo, hi, rms, duration = _parse_waveform(waveform)
    if not duration:
        return None
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    p = QPainter(image)
    try:
        _paint(p, QRectF(0, 0, size, size), _bands(lo, hi, rms, size, size), colors)
    finally:
        p.end()
    return image
