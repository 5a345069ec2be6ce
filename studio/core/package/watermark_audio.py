"""The voice watermark: keyed ±1 noise at the level of the lowest bit (spread spectrum).

Sample k (interleaved: frame × channels + channel) gets ``amplitude × s_k``, s_k a keyed ±1.
The default amplitude is one 16-bit LSB (-90 dBFS, the level of ordinary dither) in integer
formats — ±1 for 16-bit, ±256 for 24-bit, ±1 step for 8-bit — and 2/32768 (-84 dBFS) for float
data, so the mark also survives a re-save at 16 bits. Integer samples are clipped at the format's
limits, float ones at ±1 when they were inside it.

WAV and RF64 are marked in place while streaming (every byte outside the sample values of the
``data`` chunk is copied unchanged; same size). FLAC and NIST SPHERE are decoded with soundfile
and re-encoded with the same format and subtype: ``src`` is read fully into memory first and the
result is built in memory before anything is written (voice takes are small; libsndfile needs
seekable files for these). Their metadata beyond soundfile's string tags is not carried over.

Tracing (:func:`score_audio`) needs the same sample rate and channel count (no resampling or
down-mixing); lossless re-encoding, bit-depth changes down to 16 bits, and trimming (found by
cross-correlation) and gain changes (fitted) keep the mark; lossy encoding, resampling and
mixing erase it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from studio.core.formats import wav
from studio.core.package.watermark import (AUDIO_METHOD, CHUNK, StreamReader, Unmarkable, damped_correlation,
                                           keyed_signs)

FLOAT_AMPLITUDE = 2.0 / 32768.0
BATCH_FRAMES = CHUNK  # frames read, marked and written at a time
_INT_SUBTYPES = {"PCM_S8": 8, "PCM_U8": 8, "PCM_16": 16, "PCM_24": 24, "PCM_32": 32}
_FLOAT_SUBTYPES = {"FLOAT", "DOUBLE"}
_SOUNDFILE_FORMATS = {"flac": "FLAC", "nist-sphere": "NIST"}
_TAGS = ("title", "copyright", "software", "artist", "comment", "date", "album", "license",
         "tracknumber", "genre")


@dataclass
class WavFormat:
    """What the marker needs from a WAV ``fmt `` chunk."""

    big_endian: bool
    is_float: bool
    channels: int
    sample_rate: int
    container_bits: int  # bits each sample occupies in the file
    valid_bits: int  # meaningful bits (the rest are zero padding below them)
    data_size: int | None = None  # declared size of the data chunk, None when unknown (stream to the end)

    @property
    def frame_bytes(self) -> int:
        return self.channels * self.container_bits // 8


def default_amplitude(fmt: str, src_head: bytes) -> float:
    """The default amplitude in the file's sample units (see the module docstring)."""
    if fmt in ("wav", "rf64"):
        header = read_wav_header(StreamReader(io.BytesIO(src_head)))[1]
        if header.is_float:
            return FLOAT_AMPLITUDE
        return float(2 ** (header.container_bits - min(header.valid_bits, 16)))
    subtype = _soundfile_info(io.BytesIO(src_head), fmt).subtype
    if subtype in _FLOAT_SUBTYPES:
        return FLOAT_AMPLITUDE
    bits = _INT_SUBTYPES[subtype]
    return float(2 ** (bits - min(bits, 16)))


def mark_audio(fmt: str, src: BinaryIO, dst: BinaryIO, key: bytes, amplitude: float) -> None:
    """Copy ``src`` to ``dst`` with the keyed noise added (see the module docstring)."""
    if fmt in ("wav", "rf64"):
        _mark_wav(StreamReader(src), dst, key, amplitude)
    elif fmt in _SOUNDFILE_FORMATS:
        _mark_with_soundfile(fmt, src, dst, key, amplitude)
    else:
        raise Unmarkable(f"{fmt} audio is not marked")


def score_audio(fmt: str, original: BinaryIO, leaked_path: Path, key: bytes, amplitude: float,
                leaked: tuple[np.ndarray, int] | None = None) -> float:
    """Correlate leaked - original with the keyed mark: ≈1 marked with ``key``, ≈0 otherwise.

    Both are read as float samples. The copy is aligned to the original (a trimmed or padded copy
    is found by cross-correlation) and its gain fitted (a copy normalised in loudness carries the
    mark scaled by the same gain). Then residual r = leaked - gain × original and the score is
    <r, m> / <m, m>, m the mark of ``key`` in float units, damped when r is larger than the mark
    (see :func:`damped_correlation`). Overlaps under 1000 samples score 0.
    """
    import soundfile as sf

    data = original.read()
    scale = _float_scale(fmt, data)
    try:
        source, rate = sf.read(io.BytesIO(data), dtype="float64", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, TypeError) as exc:
        raise ValueError(f"the original could not be decoded as {fmt} audio: {exc}") from exc
    leaked, leaked_rate = load_leaked_audio(leaked_path) if leaked is None else leaked
    if leaked.shape[1] != source.shape[1]:
        raise ValueError(f"{leaked_path.name} has {leaked.shape[1]} channel(s) and the original "
                         f"{source.shape[1]}: a down-mixed or re-channelled copy cannot be traced")
    if leaked_rate != rate:
        raise ValueError(f"{leaked_path.name} is sampled at {leaked_rate} Hz and the original at "
                         f"{rate} Hz: a resampled copy cannot be traced")
    offset = _offset(source, leaked)
    first = max(0, -offset)  # leaked frame t lines up with original frame t + offset
    last = min(len(leaked), len(source) - offset)
    if (last - first) * source.shape[1] < 1000:
        return 0.0
    copy = leaked[first:last]
    base = source[first + offset:last + offset]
    power = float(np.sum(base * base))
    gain = float(np.sum(copy * base)) / power if power > 0 else 1.0
    residual = copy - gain * base
    channels = source.shape[1]
    signs = keyed_signs(key, AUDIO_METHOD, (first + offset) * channels, (last - first) * channels)
    return damped_correlation(residual, signs * (amplitude * scale * gain))


def load_leaked_audio(leaked_path: Path) -> tuple[np.ndarray, int]:
    """A leaked copy's float samples (frames × channels) and rate."""
    import soundfile as sf

    try:
        return sf.read(str(leaked_path), dtype="float64", always_2d=True)
    except (sf.LibsndfileError, RuntimeError, TypeError) as exc:
        raise ValueError(f"{leaked_path.name} could not be read as audio: {exc}") from exc


# --- WAV / RF64, in place -------------------------------------------------------------------


def read_wav_header(reader: StreamReader) -> tuple[bytes, WavFormat]:
    """Read up to and including the ``data`` chunk header; (those bytes, format). Unmarkable
    when the file is not a WAV this marker understands. The chunks are walked by
    :func:`studio.core.formats.wav.walk`; what may be marked is decided here."""
    header = wav.walk(reader.read_exact, keep_raw=True)
    if header is None or header.raw[:4] not in wav.FORMS:
        raise Unmarkable("this is not a RIFF/WAVE file")
    if header.too_long:
        raise Unmarkable("the WAV file has more than 64 MiB of chunks before its samples")
    if header.ended_in is not None:
        raise Unmarkable(f"the WAV file ends inside its {header.ended_in.decode('latin-1')!r} chunk")
    if header.data_size is None:
        raise Unmarkable("the WAV file has no data chunk")
    if header.fmt_size is None:
        raise Unmarkable("the WAV file has no fmt chunk before its data")
    fmt = _wav_format(header.fmt, header.big_endian)
    size = header.data_size
    if header.form in (b"RF64", b"BW64") and size == wav.UNKNOWN_SIZE:
        fmt.data_size = header.ds64_data
    else:
        fmt.data_size = None if size == wav.UNKNOWN_SIZE else size
    return header.raw, fmt


def _wav_format(chunk: wav.WavFmt | None, big: bool) -> WavFormat:
    if chunk is None:
        raise Unmarkable("the WAV fmt chunk is too short")
    if chunk.extensible and not chunk.complete:
        raise Unmarkable("the WAVE_FORMAT_EXTENSIBLE fmt chunk is too short")
    tag, channels, block_align, bits = chunk.format_tag, chunk.channels, chunk.block_align, chunk.bits
    if tag not in (wav.PCM, wav.FLOAT):
        raise Unmarkable(f"WAV sample format 0x{tag:04x} is not marked (only PCM and float samples are)")
    if channels < 1 or block_align < channels or block_align % channels:
        raise Unmarkable("the WAV fmt chunk gives an inconsistent block size")
    container = block_align // channels * 8
    valid = chunk.valid_bits or bits
    if tag == wav.FLOAT and container not in (32, 64):
        raise Unmarkable(f"{container}-bit float WAV samples are not marked")
    if tag == wav.PCM and container not in (8, 16, 24, 32):
        raise Unmarkable(f"{container}-bit PCM WAV samples are not marked")
    if not 0 < valid <= container:
        valid = container
    return WavFormat(big_endian=big, is_float=tag == wav.FLOAT, channels=channels, sample_rate=chunk.sample_rate,
                     container_bits=container, valid_bits=valid)


def _mark_wav(reader: StreamReader, dst: BinaryIO, key: bytes, amplitude: float) -> None:
    header, fmt = read_wav_header(reader)
    dst.write(header)
    frame = fmt.frame_bytes
    step = amplitude if fmt.is_float else _integer_step(fmt, amplitude)
    remaining = fmt.data_size  # None: until the end of the stream
    frames_done = 0
    while remaining is None or remaining >= frame:
        want = BATCH_FRAMES if remaining is None else min(BATCH_FRAMES, remaining // frame)
        buf = reader.read_exact(want * frame)
        whole = len(buf) // frame * frame
        if whole:
            _mark_samples(memoryview(buf)[:whole], fmt, key, frames_done * fmt.channels, step)
        dst.write(buf)
        frames_done += whole // frame
        if remaining is not None:
            remaining -= len(buf)
        if len(buf) < want * frame:
            break  # the stream ended (a truncated or size-less data chunk)
    reader.copy_rest(dst)  # a partial last frame, the pad byte and any chunks after the data


def _integer_step(fmt: WavFormat, amplitude: float) -> int:
    """The amplitude in container integer units, a whole multiple of the padding below the valid bits."""
    pad = 2 ** (fmt.container_bits - fmt.valid_bits)
    return max(1, round(amplitude / pad)) * pad


def _mark_samples(buf: memoryview, fmt: WavFormat, key: bytes, first_sample: int, step: float) -> None:
    """Add the mark to the interleaved samples in ``buf``, in place."""
    order = ">" if fmt.big_endian else "<"
    bits = fmt.container_bits
    if fmt.is_float:
        samples = np.frombuffer(buf, dtype=f"{order}f{bits // 8}")
        signs = keyed_signs(key, AUDIO_METHOD, first_sample, len(samples))[:, 0]
        samples[:] = _add_float(samples.astype(np.float64), signs, step)
        return
    if bits == 24:
        raw = np.frombuffer(buf, dtype=np.uint8).reshape(-1, 3)
        lo, mid, hi = (raw[:, 2], raw[:, 1], raw[:, 0]) if fmt.big_endian else (raw[:, 0], raw[:, 1], raw[:, 2])
        values = lo.astype(np.int64) | (mid.astype(np.int64) << 8) | (hi.astype(np.int64) << 16)
        values -= (values & 0x800000) << 1
        values = _add_int(values, key, first_sample, step, fmt)
        values &= 0xFFFFFF
        planes = [(values & 0xFF), (values >> 8) & 0xFF, (values >> 16) & 0xFF]
        if fmt.big_endian:
            planes.reverse()
        raw[:] = np.stack(planes, axis=1).astype(np.uint8)
        return
    if bits == 8:  # 8-bit WAV is unsigned, centred on 128
        samples = np.frombuffer(buf, dtype=np.uint8)
        samples[:] = _add_int(samples.astype(np.int64) - 128, key, first_sample, step, fmt) + 128
        return
    samples = np.frombuffer(buf, dtype=f"{order}i{bits // 8}")
    samples[:] = _add_int(samples.astype(np.int64), key, first_sample, step, fmt)


def _add_int(values: np.ndarray, key: bytes, first_sample: int, step: float, fmt: WavFormat) -> np.ndarray:
    signs = keyed_signs(key, AUDIO_METHOD, first_sample, len(values))[:, 0]
    pad = 2 ** (fmt.container_bits - fmt.valid_bits)
    low = -(2 ** (fmt.container_bits - 1))
    high = 2 ** (fmt.container_bits - 1) - pad
    return np.clip(values + int(step) * signs.astype(np.int64), low, high)


def _add_float(values: np.ndarray, signs: np.ndarray, step: float) -> np.ndarray:
    """Add the mark; a sample inside ±1 is kept inside it (a clipped mark, not a new overload)."""
    marked = values + step * signs
    outside = (np.abs(marked) > 1.0) & (np.abs(values) <= 1.0)
    return np.where(outside, np.clip(marked, -1.0, 1.0), marked)


# --- FLAC and other lossless formats libsndfile writes ----------------------------------------


def _mark_with_soundfile(fmt: str, src: BinaryIO, dst: BinaryIO, key: bytes, amplitude: float) -> None:
    import soundfile as sf

    data = io.BytesIO(src.read())
    out = io.BytesIO()
    with _open_soundfile(data, fmt) as reader:
        subtype = reader.subtype
        if subtype in _FLOAT_SUBTYPES:
            dtype, step, low, high = "float64", amplitude, None, None
        elif subtype in _INT_SUBTYPES:
            shift = 32 - _INT_SUBTYPES[subtype]  # soundfile gives integer samples left-justified in int32
            dtype = "int32"
            step = max(1, round(amplitude)) << shift
            low, high = -(2 ** 31), (2 ** (31 - shift) - 1) << shift
        else:
            raise Unmarkable(f"{fmt} audio with {subtype} samples is not marked (not plain PCM)")
        with sf.SoundFile(out, "w", samplerate=reader.samplerate, channels=reader.channels,
                          subtype=subtype, endian=reader.endian, format=reader.format) as writer:
            for tag in _TAGS:
                value = getattr(reader, tag, "")
                if value:
                    setattr(writer, tag, value)
            first = 0
            while True:
                block = reader.read(BATCH_FRAMES, dtype=dtype, always_2d=True)
                if not len(block):
                    break
                signs = keyed_signs(key, AUDIO_METHOD, first, block.size)[:, 0].reshape(block.shape)
                if dtype == "float64":
                    marked = _add_float(block, signs, step)
                else:
                    marked = np.clip(block.astype(np.int64) + step * signs.astype(np.int64), low, high)
                    marked = marked.astype(np.int32)
                writer.write(marked)
                first += block.size
    dst.write(out.getbuffer())


def _open_soundfile(data: BinaryIO, fmt: str):
    import soundfile as sf

    try:
        return sf.SoundFile(data)
    except (sf.LibsndfileError, RuntimeError, TypeError) as exc:
        raise Unmarkable(f"the {fmt} file could not be decoded for marking: {exc}") from exc


def _soundfile_info(data: BinaryIO, fmt: str):
    with _open_soundfile(data, fmt) as f:
        if f.subtype not in _INT_SUBTYPES and f.subtype not in _FLOAT_SUBTYPES:
            raise Unmarkable(f"{fmt} audio with {f.subtype} samples is not marked (not plain PCM)")
        return f


def _float_scale(fmt: str, data: bytes) -> float:
    """Factor from the original's sample units (those of ``amplitude``) to soundfile's float scale."""
    try:
        if fmt in ("wav", "rf64"):
            header = read_wav_header(StreamReader(io.BytesIO(data)))[1]
            return 1.0 if header.is_float else 2.0 ** -(header.container_bits - 1)
        subtype = _soundfile_info(io.BytesIO(data), fmt).subtype
    except Unmarkable as exc:
        raise ValueError(f"the original carries no watermark to trace: {exc}") from exc
    return 1.0 if subtype in _FLOAT_SUBTYPES else 2.0 ** -(_INT_SUBTYPES[subtype] - 1)


def _offset(source: np.ndarray, leaked: np.ndarray) -> int:
    """The shift d with leaked[t] ≈ source[t + d] (a trimmed or padded copy), by FFT
    cross-correlation of the channel sums; 0 when that is as good as the best."""
    if len(source) == len(leaked):
        residual = leaked - source
        if np.sqrt(np.mean(residual ** 2)) < 1e-3:
            return 0
    a = source.sum(axis=1)
    b = leaked.sum(axis=1)
    n = 1 << int(len(a) + len(b) - 1).bit_length()
    corr = np.fft.irfft(np.fft.rfft(a, n) * np.conj(np.fft.rfft(b, n)), n)
    best = int(np.argmax(corr))
    if corr[0] >= 0.999 * corr[best]:
        return 0
    return best if best < len(a) else best - n
