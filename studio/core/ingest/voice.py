"""Voice: one streaming pass with soundfile computes every figure and the waveform summary."""

from __future__ import annotations

import json
import math
import struct
from pathlib import Path

import numpy as np

from studio.core.errors import InvalidFile, UnsupportedFormat
from studio.core.ingest.limits import MAX_AUDIO_SECONDS, WAVEFORM_BUCKETS
from studio.core.progress import CancelToken, ProgressFn, check_cancel, report

_BITS = {"PCM_S8": 8, "PCM_U8": 8, "PCM_16": 16, "PCM_24": 24, "PCM_32": 32, "FLOAT": 32, "DOUBLE": 64,
         "ULAW": 8, "ALAW": 8}
_EXACT_LENGTH = {"WAV", "WAVEX", "RF64", "FLAC", "NIST", "AIFF"}
FULL_SCALE = 0.999


def _wav_bits(path: Path) -> int | None:
    with open(path, "rb") as fh:
        head = fh.read(4096)
    i = head.find(b"fmt ")
    if i < 0 or len(head) < i + 24:
        return None
    endian = ">" if head.startswith(b"RIFX") else "<"
    return struct.unpack_from(endian + "H", head, i + 22)[0]


def _wav_truncation(path: Path, size: int) -> str | None:
    """The data chunk of a WAV declares its length; say so if the file holds less."""
    with open(path, "rb") as fh:
        head = fh.read(1 << 16)
    if head[:4] not in (b"RIFF", b"RIFX"):
        return None
    endian = ">" if head.startswith(b"RIFX") else "<"
    pos = 12
    while pos + 8 <= len(head):
        cid = head[pos:pos + 4]
        (length,) = struct.unpack_from(endian + "I", head, pos + 4)
        if cid == b"data":
            available = size - pos - 8
            if length > available and length != 0xFFFFFFFF:
                return f"truncated: the WAV data chunk declares {length:,} bytes but the file holds {available:,}"
            return None
        pos += 8 + length + (length & 1)
    return None


def _open_error(path: Path, exc: Exception) -> Exception:
    msg = str(exc)
    if "unimplemented format" in msg or "not supported" in msg.lower():
        bits = _wav_bits(path)
        if bits:
            return UnsupportedFormat(f"WAV with {bits}-bit samples is not supported (libsndfile reads 8–32-bit "
                                     "integer and 32/64-bit float)")
        return UnsupportedFormat(f"this audio encoding is not supported ({msg.split(':')[-1].strip()})")
    detail = msg.split(":", 1)[-1].strip() if ":" in msg else msg
    return InvalidFile(f"cannot decode the audio: {detail}")


def _db(x: float) -> float | None:
    return round(20 * math.log10(x), 2) if x > 0 else None


def analyse_voice(path: Path, fmt: str, progress: ProgressFn | None, cancel: CancelToken | None
                  ) -> tuple[dict, list[str], bytes]:
    import soundfile as sf

    size = path.stat().st_size
    try:
        info = sf.info(str(path))
    except Exception as exc:  # LibsndfileError, RuntimeError
        raise _open_error(path, exc) from exc
    if info.frames == 0:
        raise InvalidFile("audio has no frames")
    if info.samplerate <= 0 or info.channels <= 0:
        raise InvalidFile("audio header has no sample rate or channels")
    if info.frames / info.samplerate > MAX_AUDIO_SECONDS:
        raise InvalidFile(f"audio lasts {info.frames / info.samplerate / 3600:.1f} h, above the 6 h limit")
    rate, channels, declared = info.samplerate, info.channels, info.frames
    hop = max(1, int(rate * 0.05))                       # 50 ms frames for the noise floor
    bucket = max(1, math.ceil(declared / min(WAVEFORM_BUCKETS, declared)))
    peak = 0.0
    sumsq = 0.0
    clipped = 0
    decoded = 0
    frame_rms: list[np.ndarray] = []
    w_min: list[np.ndarray] = []
    w_max: list[np.ndarray] = []
    w_rms: list[np.ndarray] = []
    carry = np.zeros(0, np.float32)
    block = hop * bucket // math.gcd(hop, bucket)
    block = block * max(1, 65536 // block) if block < 65536 else block
    try:
        with sf.SoundFile(str(path)) as snd:
            while True:
                check_cancel(cancel)
                data = snd.read(block, dtype="float32", always_2d=True)
                if len(data) == 0:
                    break
                decoded += len(data)
                a = np.abs(data)
                peak = max(peak, float(a.max()))
                sumsq += float(np.square(data, dtype=np.float64).sum())
                clipped += int((a >= FULL_SCALE).sum())
                mono = data.mean(axis=1)
                stream = np.concatenate([carry, mono])
                usable = len(stream) // bucket * bucket if len(data) == block else len(stream)
                part, carry = stream[:usable], stream[usable:]
                if len(part):
                    pad = (-len(part)) % bucket
                    b = np.pad(part, (0, pad), mode="edge").reshape(-1, bucket)
                    w_min.append(b.min(axis=1))
                    w_max.append(b.max(axis=1))
                    w_rms.append(np.sqrt(np.square(b).mean(axis=1)))
                    fr = part[: len(part) // hop * hop].reshape(-1, hop) if len(part) >= hop else part[None, :]
                    frame_rms.append(np.sqrt(np.square(fr, dtype=np.float64).mean(axis=1)))
                report(progress, decoded, declared, path.name)
    except (InvalidFile, UnsupportedFormat):
        raise
    except Exception as exc:
        if decoded == 0:
            raise _open_error(path, exc) from exc
        # decoding stopped part-way: keep what decoded, and say so
    if decoded == 0:
        raise InvalidFile("audio has no frames that can be decoded")
    warnings: list[str] = []
    truncated = _wav_truncation(path, size) if fmt in ("wav",) else None
    if truncated:
        warnings.append(truncated)
    elif decoded < declared and (info.format in _EXACT_LENGTH or decoded < 0.98 * declared):
        warnings.append(f"truncated: the header says {declared:,} frames, {decoded:,} decoded")
    samples = decoded * channels
    rms = math.sqrt(sumsq / samples)
    fr = np.concatenate(frame_rms) if frame_rms else np.array([rms])
    fr_db = 20 * np.log10(np.maximum(fr, 1e-10))
    noise = float(np.percentile(fr_db, 10))
    signal = float(np.percentile(fr_db, 95))
    clipping_ratio = clipped / samples
    peak_db = _db(peak)
    if peak_db is None or peak_db < -60:
        warnings.append(f"silent: peak {peak_db if peak_db is not None else '-inf'} dBFS")
    if clipping_ratio > 0.001:
        warnings.append(f"clipping: {clipping_ratio * 100:.2f}% of samples at full scale")
    duration = decoded / rate
    if duration < 0.5:
        warnings.append(f"very short: {duration:.3f} s")
    metrics = {
        "duration_s": round(duration, 4), "sample_rate": rate, "channels": channels, "frames": decoded,
        "bit_depth": _BITS.get(info.subtype), "sample_format": info.subtype, "container": info.format,
        "peak_dbfs": peak_db, "rms_dbfs": _db(rms), "clipping_ratio": round(clipping_ratio, 6),
        "snr_db": round(signal - noise, 2) if len(fr) >= 10 else None,
        "noise_floor_dbfs": round(noise, 2) if len(fr) >= 10 else None,
    }
    wmin, wmax, wrms = (np.concatenate(x) if x else np.zeros(0) for x in (w_min, w_max, w_rms))
    if len(carry):
        wmin, wmax = np.append(wmin, carry.min()), np.append(wmax, carry.max())
        wrms = np.append(wrms, np.sqrt(np.square(carry).mean()))
    r4 = lambda a: [round(float(x), 4) for x in a]  # noqa: E731
    wave = {"version": 1, "sample_rate": rate, "duration_s": metrics["duration_s"], "buckets": len(wmin),
            "frames_per_bucket": bucket, "min": r4(wmin), "max": r4(wmax), "rms": r4(wrms)}
    return metrics, warnings, json.dumps(wave, separators=(",", ":")).encode()
