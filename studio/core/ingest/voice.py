"""Voice takes: one streaming pass with soundfile measures the take and builds its waveform.

Blocks of at most 64 k frames are decoded at a time, so a multi-hour take never sits in memory
whole. Level figures are in dBFS over all channels; the SNR estimate uses 50 ms frames' RMS
(signal = 95th percentile, noise = 10th percentile); the waveform summarises a mono mix.
"""

from __future__ import annotations

import json
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soundfile as sf

from studio.core.errors import InvalidFile, UnsupportedFormat
from studio.core.formats import wav as wavfmt
from studio.core.ingest.limits import MAX_AUDIO_CHANNELS, MAX_AUDIO_SECONDS, MAX_SAMPLE_RATE, WAVEFORM_BUCKETS
from studio.core.progress import CancelToken, ProgressFn, check_cancel, report

BLOCK = 65536
FULL_SCALE = 0.999
FRAME_SECONDS = 0.05
_BITS = {"PCM_S8": 8, "PCM_U8": 8, "PCM_16": 16, "PCM_24": 24, "PCM_32": 32, "FLOAT": 32, "DOUBLE": 64,
         "ULAW": 8, "ALAW": 8, "DPCM_8": 8, "DPCM_16": 16, "ALAC_16": 16, "ALAC_20": 20, "ALAC_24": 24,
         "ALAC_32": 32, "DWVW_12": 12, "DWVW_16": 16, "DWVW_24": 24}


def _db(x: float) -> float | None:
    return round(20 * math.log10(x), 2) + 0.0 if x > 0 else None  # + 0.0: no "-0.0"


def _open_error(path: Path, fmt: str, label: str, exc: Exception) -> Exception:
    msg = re.sub(r"^Error opening .*?: |^Error : ", "", str(exc)).strip()
    msg = re.sub(r"^Error : ", "", msg)
    if fmt in ("wav", "rf64"):
        header = wavfmt.read_path(path)
        if header is not None and header.data_declared is None:
            return InvalidFile(f"truncated: the WAV file has no 'data' chunk ({path.stat().st_size:,} bytes)")
        fmt_chunk = header.fmt if header is not None else None
        if "unimplemented format" in msg and fmt_chunk is not None and fmt_chunk.bits:
            kind = "floating-point" if fmt_chunk.format_tag == 3 else "integer" if fmt_chunk.format_tag == 1 else \
                f"encoding 0x{fmt_chunk.format_tag or 0:04x}"
            return UnsupportedFormat(f"WAV with {fmt_chunk.bits}-bit {kind} samples is not supported "
                                     "(8, 16, 24 and 32-bit integer and 32/64-bit float are)")
    if fmt == "ogg-flac":
        return UnsupportedFormat(f"Ogg/FLAC audio cannot be decoded here (libsndfile: {msg}); "
                                 "convert it to FLAC or WAV")
    if "unimplemented format" in msg:
        return UnsupportedFormat(f"this {label} encoding is not supported ({msg})")
    return InvalidFile(f"{label} could not be decoded: {msg}")


@dataclass
class _Pass:
    """Accumulators of one streaming pass."""

    total: int  # frames expected (for bucketing)
    rate: int
    channels: int
    buckets: int = 0
    frames: int = 0
    peak: float = 0.0
    sumsq: float = 0.0
    clipped: int = 0
    flen: int = 1
    b_min: np.ndarray = field(default=None)  # type: ignore[assignment]
    b_max: np.ndarray = field(default=None)  # type: ignore[assignment]
    b_sq: np.ndarray = field(default=None)  # type: ignore[assignment]
    b_n: np.ndarray = field(default=None)  # type: ignore[assignment]
    f_sq: np.ndarray = field(default=None)  # type: ignore[assignment]
    f_n: np.ndarray = field(default=None)  # type: ignore[assignment]
    decode_error: str | None = None

    def __post_init__(self) -> None:
        self.buckets = max(1, min(WAVEFORM_BUCKETS, self.total))
        self.b_min = np.full(self.buckets, np.inf)
        self.b_max = np.full(self.buckets, -np.inf)
        self.b_sq = np.zeros(self.buckets)
        self.b_n = np.zeros(self.buckets, np.int64)
        self.flen = max(1, round(self.rate * FRAME_SECONDS))
        n_frames = self.total // self.flen + 2
        self.f_sq = np.zeros(n_frames)
        self.f_n = np.zeros(n_frames, np.int64)

    def add(self, block: np.ndarray) -> None:
        m = len(block)
        a = np.abs(block)
        self.peak = max(self.peak, float(a.max()))
        self.clipped += int(np.count_nonzero(a >= FULL_SCALE))
        del a
        energy = np.square(block, dtype=np.float64).mean(axis=1)  # per frame, over channels
        self.sumsq += float(energy.sum()) * self.channels
        mono = block[:, 0] if self.channels == 1 else block.mean(axis=1)
        index = np.arange(self.frames, self.frames + m, dtype=np.int64)
        # waveform buckets (index is increasing: each bucket is one contiguous run)
        b = np.minimum(index * self.buckets // max(self.total, 1), self.buckets - 1)
        starts = np.flatnonzero(np.concatenate(([True], b[1:] != b[:-1])))
        ids = b[starts]
        self.b_min[ids] = np.minimum(self.b_min[ids], np.minimum.reduceat(mono, starts))
        self.b_max[ids] = np.maximum(self.b_max[ids], np.maximum.reduceat(mono, starts))
        self.b_sq[ids] += np.add.reduceat(np.square(mono, dtype=np.float64), starts)
        self.b_n[ids] += np.diff(np.append(starts, m))
        # 50 ms frames for the noise floor
        fr = index // self.flen
        if fr[-1] >= len(self.f_sq):
            grow = int(fr[-1]) + 1 - len(self.f_sq) + len(self.f_sq) // 2
            self.f_sq = np.concatenate((self.f_sq, np.zeros(grow)))
            self.f_n = np.concatenate((self.f_n, np.zeros(grow, np.int64)))
        starts = np.flatnonzero(np.concatenate(([True], fr[1:] != fr[:-1])))
        ids = fr[starts]
        self.f_sq[ids] += np.add.reduceat(energy, starts)
        self.f_n[ids] += np.diff(np.append(starts, m))
        self.frames += m

    def snr(self) -> tuple[float | None, float | None]:
        """(snr_db, noise_floor_dbfs) from 50 ms frames; None where not computable."""
        used = self.f_n >= max(1, self.flen // 2)
        if np.count_nonzero(used) < 2:
            return None, None
        rms = np.sqrt(self.f_sq[used] / self.f_n[used])
        signal, noise = float(np.percentile(rms, 95)), float(np.percentile(rms, 10))
        floor = _db(noise)
        if noise <= 0 or signal <= 0:
            return None, floor
        return round(20 * math.log10(signal / noise), 2), floor

    def waveform(self) -> bytes:
        filled = self.b_n > 0
        r4 = lambda a: [round(float(x), 4) for x in a]  # noqa: E731
        wave = {"version": 1, "sample_rate": self.rate, "duration_s": round(self.frames / self.rate, 4),
                "buckets": int(np.count_nonzero(filled)), "min": r4(self.b_min[filled]),
                "max": r4(self.b_max[filled]), "rms": r4(np.sqrt(self.b_sq[filled] / self.b_n[filled]))}
        return json.dumps(wave, separators=(",", ":")).encode()


def _native(path: Path) -> str | bytes:
    """The name soundfile opens: the file system's own bytes on POSIX, so a take named by a
    Latin-1 capture tool (not UTF-8) opens too; soundfile would re-encode a str strictly."""
    return str(path) if os.name == "nt" else os.fsencode(path)


def _stream(path: Path, total: int, info, progress, cancel, label: str) -> _Pass:
    acc = _Pass(total, info.samplerate, info.channels)
    limit = MAX_AUDIO_SECONDS * info.samplerate
    try:
        with sf.SoundFile(_native(path)) as f:
            for block in f.blocks(blocksize=BLOCK, dtype="float32", always_2d=True):
                check_cancel(cancel)
                if acc.frames + len(block) > limit:
                    raise InvalidFile(f"audio is longer than the {MAX_AUDIO_SECONDS // 3600} hour limit")
                if len(block):
                    acc.add(block)
                report(progress, min(acc.frames, total), total or 1, "measuring audio")
    except (InvalidFile, UnsupportedFormat):
        raise
    except (sf.LibsndfileError, RuntimeError, ValueError) as exc:  # decoding failed part-way
        if acc.frames == 0:
            raise InvalidFile(f"{label} could not be decoded: {re.sub(r'^Error .*?: ', '', str(exc))}") from exc
        acc.decode_error = re.sub(r'^Error .*?: ', '', str(exc))
    return acc


def analyse_voice(path: Path, fmt: str, label: str, progress: ProgressFn | None = None,
                  cancel: CancelToken | None = None) -> tuple[dict, list[str], bytes]:
    """(metrics, warnings, waveform JSON bytes) for one voice take."""
    size = path.stat().st_size
    try:
        info = sf.info(_native(path))
    except Exception as exc:  # LibsndfileError, RuntimeError, TypeError on odd headers
        raise _open_error(path, fmt, label, exc) from exc
    if not 0 < info.channels <= MAX_AUDIO_CHANNELS:
        raise InvalidFile(f"audio header declares {info.channels} channels (1 to {MAX_AUDIO_CHANNELS} are read)")
    if not 0 < info.samplerate <= MAX_SAMPLE_RATE:
        raise InvalidFile(f"audio header declares a sample rate of {info.samplerate} Hz")
    if info.frames / info.samplerate > MAX_AUDIO_SECONDS:
        raise InvalidFile(f"audio header declares {info.frames / info.samplerate / 3600:.1f} hours; "
                          f"the limit is {MAX_AUDIO_SECONDS // 3600} hours")
    wav_header = wavfmt.read_path(path) if fmt in ("wav", "rf64") else None
    wav = wav_header.fmt if wav_header is not None else None
    header_frames = info.frames
    truncated = wav_header.truncated_frames(size) if wav_header is not None else None
    if (truncated or 0) > info.frames:
        header_frames = truncated  # libsndfile quietly shortened the truncated data chunk
    if header_frames == 0:
        raise InvalidFile("audio has no frames")
    acc = _stream(path, info.frames, info, progress, cancel, label)
    if acc.frames == 0:
        raise InvalidFile(f"truncated: header says {header_frames:,} frames, none could be decoded")
    warnings: list[str] = []
    if acc.frames != info.frames:  # buckets were laid out for the header's length: lay them out again
        acc = _stream(path, acc.frames, info, None, cancel, label)
    if acc.frames < header_frames:
        warnings.append(f"truncated: header says {header_frames:,} frames, {acc.frames:,} decoded")
    elif acc.frames > header_frames:
        warnings.append(f"length mismatch: header says {header_frames:,} frames, {acc.frames:,} decoded")
    if wav_header is not None and wav_header.size_unknown:
        warnings.append(f"possibly truncated: the WAV header gives no length (sizes of 0xFFFFFFFF, as a recording "
                        f"stopped before its header was finished); {acc.frames:,} frames were decoded to the end of "
                        "the file")
    if acc.decode_error:
        warnings.append(f"decoding stopped early: {acc.decode_error}")
    if wav is not None and wav.byte_rate and wav.sample_rate and wav.block_align \
            and wav.byte_rate != wav.sample_rate * wav.block_align:
        warnings.append(f"inconsistent WAV header: byte rate {wav.byte_rate:,} is not sample rate "
                        f"{wav.sample_rate:,} × block align {wav.block_align}; the samples were decoded from "
                        "the channel count and sample size")
    samples = acc.frames * info.channels
    clipping = acc.clipped / samples
    peak_db = _db(acc.peak)
    snr, floor = acc.snr()
    duration = acc.frames / info.samplerate
    if peak_db is None:
        warnings.append("silent: every sample is zero")
    elif peak_db < -60:
        warnings.append(f"silent: peak {peak_db:.0f} dBFS")
    if clipping > 0.001:
        warnings.append(f"clipping: {clipping * 100:.1f}% of samples at full scale")
    if duration < 0.5:
        warnings.append(f"very short: {duration:.3f} s")
    if info.samplerate < 8000:
        warnings.append(f"low sample rate: {info.samplerate} Hz")
    metrics = {
        "duration_s": round(duration, 4), "sample_rate": info.samplerate, "channels": info.channels,
        "frames": acc.frames, "bit_depth": _BITS.get(info.subtype), "sample_format": info.subtype,
        "peak_dbfs": peak_db, "rms_dbfs": _db(math.sqrt(acc.sumsq / samples)),
        "clipping_ratio": round(clipping, 6), "snr_db": snr, "noise_floor_dbfs": floor,
    }
    return metrics, warnings, acc.waveform()


def measure_audio_bytes(data: bytes, label: str) -> tuple[dict, dict]:
    """(duration, sample rate, channels, format; waveform summary) of audio held in memory — an
    output a brand sent for approval, whose plaintext must never reach the disk. The same limits
    and the same waveform as :func:`analyse_voice`."""
    import io

    try:
        info = sf.info(io.BytesIO(data))
    except Exception as exc:  # LibsndfileError, RuntimeError, TypeError on odd headers
        raise InvalidFile(f"{label} could not be decoded: {re.sub(r'^Error .*?: ', '', str(exc))}") from exc
    if not 0 < info.channels <= MAX_AUDIO_CHANNELS or not 0 < info.samplerate <= MAX_SAMPLE_RATE:
        raise InvalidFile(f"{label}: {info.channels} channels at {info.samplerate} Hz cannot be read")
    if info.frames / info.samplerate > MAX_AUDIO_SECONDS:
        raise InvalidFile(f"{label} is longer than the {MAX_AUDIO_SECONDS // 3600} hour limit")
    acc = _Pass(max(info.frames, 1), info.samplerate, info.channels)
    try:
        with sf.SoundFile(io.BytesIO(data)) as f:
            for block in f.blocks(blocksize=BLOCK, dtype="float32", always_2d=True):
                if len(block):
                    acc.add(block)
    except (sf.LibsndfileError, RuntimeError, ValueError) as exc:
        if acc.frames == 0:
            raise InvalidFile(f"{label} could not be decoded: {re.sub(r'^Error .*?: ', '', str(exc))}") from exc
    if acc.frames == 0:
        raise InvalidFile(f"{label} has no frames")
    metrics = {"duration_s": round(acc.frames / info.samplerate, 4), "sample_rate": info.samplerate,
               "channels": info.channels, "frames": acc.frames, "bit_depth": _BITS.get(info.subtype),
               "sample_format": info.subtype, "peak_dbfs": _db(acc.peak)}
    return metrics, json.loads(acc.waveform())
