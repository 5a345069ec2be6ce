"""The voice take view, fed by the real core analysis of real recordings."""

from __future__ import annotations

import json
import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

pytest.importorskip("PySide6.QtMultimedia")

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPoint, Qt  # noqa: E402
from PySide6.QtMultimedia import QAudioDecoder, QMediaDevices, QMediaPlayer  # noqa: E402

from studio.core.ingest import analyse  # noqa: E402
from studio.ui.voice_view import VoiceDetail, WaveformWidget  # noqa: E402

VOICE = Path(__file__).resolve().parents[2].parent / "shared" / "testdata" / "voice"
PLAYING = QMediaPlayer.PlaybackState.PlayingState
STOPPED = QMediaPlayer.PlaybackState.StoppedState


def take(name: str) -> dict:
    """show_take's arguments for a real recording, measured by the real core analysis."""
    path = VOICE / name
    analysis = analyse(path)
    (wave,) = [d for d in analysis.derived if d.role == "waveform"]
    return {"title": name, "audio": path.read_bytes(), "media_type": analysis.media_type,
            "waveform": json.loads(wave.data), "metrics": analysis.metrics, "warnings": analysis.warnings}


@pytest.fixture
def detail(qtbot):
    view = VoiceDetail()
    qtbot.addWidget(view)
    view.resize(700, 400)
    view.show()
    qtbot.waitExposed(view)
    yield view
    view.shutdown()


def test_when_a_take_is_shown_then_duration_and_metrics_match_the_analysis(detail):
    args = take("cmu_arctic_us_aew_a0001.wav")
    detail.show_take(**args)
    duration = args["metrics"]["duration_s"]
    assert duration == pytest.approx(3.88, abs=0.01)
    assert detail.metric_text("Duration") == f"{duration:.2f} s" == "3.88 s"
    assert detail.time_label.text() == "0:00.0 / 0:03.9"
    assert detail.metric_text("Sample rate") == "16 kHz"
    assert detail.metric_text("Channels") == "mono"
    assert detail.metric_text("Format") == "WAV, 16-bit PCM"
    assert detail.metric_text("Peak") == f"{args['metrics']['peak_dbfs']:.1f} dBFS"
    assert detail.metric_text("Clipping") == "none"
    assert detail.title.text() == "cmu_arctic_us_aew_a0001.wav"
    assert detail.waveform.duration() == pytest.approx(duration, abs=0.001)


def test_when_a_long_stereo_opus_take_is_shown_then_its_figures_read_naturally(detail):
    args = take("spokenwoz_MUL1011.opus")
    detail.show_take(**args)
    assert detail.metric_text("Duration") == "3:02.8 (183 s)"
    assert detail.time_label.text() == "0:00.0 / 3:02.8"
    assert detail.metric_text("Channels") == "stereo"
    assert detail.metric_text("Sample rate") == "8 kHz"
    assert detail.metric_text("Format") == "Ogg/Opus"


def test_when_a_take_has_qa_warnings_then_they_are_shown_inline(detail):
    args = take("librispeech_1034-121119-0022.flac")
    detail.show_take(**{**args, "warnings": ["clipping: 1.2% of samples at full scale"]})
    assert "clipping: 1.2%" in detail.warnings.text()
    detail.show_take(**args)
    assert detail.warnings.text() == ""


def test_when_the_waveform_is_drawn_then_the_envelope_is_visible_in_the_middle(detail, qtbot):
    detail.show_take(**take("cmu_arctic_us_aew_a0001.wav"))
    image = detail.waveform.grab().toImage()
    middle = image.height() // 2 + 3  # just below the centre line
    row = {image.pixelColor(x, middle).rgb() for x in range(4, image.width() - 4)}
    accent = detail.waveform.palette().highlight().color()
    assert len(row) > 2
    assert any(_distance(c, accent) < 40 for c in row), "no pixel of the envelope colour"


def _distance(rgb: int, colour) -> int:
    r, g, b = (rgb >> 16) & 255, (rgb >> 8) & 255, rgb & 255
    return abs(r - colour.red()) + abs(g - colour.green()) + abs(b - colour.blue())


def test_when_the_waveform_is_empty_then_it_draws_one_flat_colour_inside_the_frame(qtbot):
    widget = WaveformWidget()
    qtbot.addWidget(widget)
    widget.resize(300, 100)
    widget.set_waveform({"version": 2, "min": [0.5], "max": [0.5]})  # unknown version: refused
    image = widget.grab().toImage()
    assert widget.duration() == 0
    assert len({image.pixelColor(x, 20).rgb() for x in range(4, 296)}) == 1


def test_when_clicking_half_way_along_the_waveform_then_it_seeks_to_half_the_duration(detail, qtbot):
    args = take("librispeech_1034-121119-0022.flac")
    detail.show_take(**args)
    wave = detail.waveform
    with qtbot.waitSignal(wave.seekRequested, timeout=1000) as signal:
        qtbot.mouseClick(wave, Qt.MouseButton.LeftButton, pos=QPoint(wave.width() // 2, wave.height() // 2))
    assert signal.args[0] == pytest.approx(args["metrics"]["duration_s"] / 2, abs=0.02)
    assert wave.position() == pytest.approx(signal.args[0])
    assert detail.time_label.text().startswith("0:01.3 / ")


def test_when_play_is_pressed_then_the_take_plays_and_the_playhead_follows(detail, qtbot):
    detail.show_take(**take("cmu_arctic_us_aew_a0001.wav"))
    qtbot.waitUntil(lambda: detail.player.mediaStatus() == QMediaPlayer.MediaStatus.LoadedMedia, timeout=10_000)
    assert detail.player.duration() == pytest.approx(3880, abs=40)  # the backend read the bytes it was fed
    wave = detail.waveform
    qtbot.mouseClick(wave, Qt.MouseButton.LeftButton, pos=QPoint(2, wave.height() // 2))  # the start; takes focus
    qtbot.keyClick(wave, Qt.Key.Key_Space)  # the waveform passes Space on to the view
    # Qt's FFmpeg backend plays without an audio device (offscreen, no sound server): it must play here
    qtbot.waitUntil(lambda: detail.player.playbackState() == PLAYING, timeout=10_000)
    assert "playback unavailable:" not in detail.playback_message.text()
    assert "pause" in detail.play_button.toolTip().lower()
    qtbot.waitUntil(lambda: wave.position() > 0.2, timeout=10_000)  # the playhead follows playback
    assert detail.player.position() > 200 and not detail.time_label.text().startswith("0:00.0 /")
    if not QMediaDevices.audioOutputs():
        assert "playback is silent" in detail.playback_message.text()
    qtbot.keyClick(wave, Qt.Key.Key_Space)
    qtbot.waitUntil(lambda: detail.player.playbackState() == QMediaPlayer.PlaybackState.PausedState)
    assert detail.metric_text("Duration") == "3.88 s"  # the metrics stay either way
    detail.shutdown()
    assert detail.player.playbackState() == STOPPED
    assert not detail.play_button.isEnabled()


def test_when_a_take_is_shown_then_the_stream_the_player_is_fed_decodes_to_the_measured_length(detail, qtbot):
    args = take("librispeech_1034-121119-0022.flac")
    detail.show_take(**args)
    fed = QBuffer()
    fed.setData(QByteArray(detail._bytes))  # the bytes behind the player's source device
    fed.open(QIODevice.OpenModeFlag.ReadOnly)
    decoder = QAudioDecoder()
    decoder.setSourceDevice(fed)
    frames, rates = [0], set()

    def take_buffer() -> None:
        buffer = decoder.read()
        frames[0] += buffer.frameCount()
        rates.add(buffer.format().sampleRate())

    decoder.bufferReady.connect(take_buffer)
    with qtbot.waitSignal(decoder.finished, timeout=30_000):
        decoder.start()
    assert decoder.error() == QAudioDecoder.Error.NoError, decoder.errorString()
    (rate,) = rates
    assert frames[0] / rate == pytest.approx(args["metrics"]["duration_s"], abs=0.05)


def test_when_the_backend_cannot_decode_the_bytes_then_playback_is_unavailable_but_the_take_stays(detail, qtbot):
    args = take("cmu_arctic_us_aew_a0001.wav")
    # bytes no decoder recognises (random bytes were flaky: now and then they look like an MPEG stream)
    detail.show_take(**{**args, "audio": b"not audio at all. " * 1200})
    qtbot.waitUntil(lambda: "playback unavailable:" in detail.playback_message.text(), timeout=5000)
    assert not detail.play_button.isEnabled()
    detail.toggle_playback()  # does nothing, raises nothing
    assert detail.player.playbackState() == STOPPED
    assert detail.metric_text("Duration") == "3.88 s"
    assert detail.waveform.duration() > 0


def test_when_cleared_then_the_buffer_is_released_and_the_view_is_empty(detail, qtbot):
    detail.show_take(**take("librispeech_1034-121119-0022.flac"))
    qtbot.waitUntil(lambda: detail.player.mediaStatus() == QMediaPlayer.MediaStatus.LoadedMedia
                    or "playback unavailable:" in detail.playback_message.text(), timeout=5000)
    detail.clear()
    assert detail.player.playbackState() == STOPPED
    assert detail.player.sourceDevice() is None
    assert detail.metric_text("Duration") is None
    assert detail.waveform.duration() == 0
    assert detail.time_label.text() == "0:00.0 / 0:00.0"
