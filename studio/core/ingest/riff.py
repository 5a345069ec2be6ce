"""The few WAV header fields libsndfile does not tell us: the declared size of the ``data``
chunk (to notice a truncated file) and the ``fmt`` chunk's bit depth (to name an unsupported
one). Only chunk headers are read; the samples are decoded by soundfile."""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

_MAX_CHUNKS = 10_000


@dataclass
class WavHeader:
    format_tag: int | None = None
    channels: int | None = None
    sample_rate: int | None = None
    byte_rate: int | None = None
    block_align: int | None = None
    bits: int | None = None
    data_declared: int | None = None  # bytes the data chunk declares (None: no data chunk)
    data_available: int | None = None  # bytes actually after the data chunk header

    @property
    def frame_bytes(self) -> int | None:
        """Bytes per frame as a decoder counts them (PCM / float: channels × whole bytes per sample;
        the header's own block size can be wrong)."""
        if self.format_tag in (1, 3) and self.channels and self.bits:
            return self.channels * ((self.bits + 7) // 8)
        return self.block_align or None

    @property
    def truncated_frames(self) -> int | None:
        """Frames the data chunk declares, when the file holds fewer bytes than that; else None."""
        if self.data_declared in (None, 0, 0xFFFFFFFF) or self.data_available is None or not self.frame_bytes:
            return None
        if self.data_declared <= self.data_available:
            return None
        return self.data_declared // self.frame_bytes


def read_wav_header(path: Path, size: int) -> WavHeader | None:
    with open(path, "rb") as f:
        head = f.read(12)
        if len(head) < 12 or head[8:12] != b"WAVE":
            return None
        endian = ">" if head[:4] == b"RIFX" else "<"
        out = WavHeader()
        ds64_data = None
        pos = 12
        for _ in range(_MAX_CHUNKS):
            f.seek(pos)
            chunk = f.read(8)
            if len(chunk) < 8:
                break
            cid, (n,) = chunk[:4], struct.unpack(endian + "I", chunk[4:])
            if cid == b"ds64":
                body = f.read(min(n, 28))
                if len(body) >= 16:
                    ds64_data = struct.unpack("<Q", body[8:16])[0]
            elif cid == b"fmt ":
                body = f.read(min(n, 40))
                if len(body) >= 16:
                    (out.format_tag, out.channels, out.sample_rate, out.byte_rate, out.block_align,
                     out.bits) = struct.unpack(endian + "HHIIHH", body[:16])
                    if out.format_tag == 0xFFFE and len(body) >= 26:  # WAVE_FORMAT_EXTENSIBLE
                        out.format_tag = struct.unpack(endian + "H", body[24:26])[0]
            elif cid == b"data":
                out.data_declared = ds64_data if n == 0xFFFFFFFF and ds64_data is not None else n
                out.data_available = size - pos - 8
                break
            pos += 8 + n + (n & 1)
    return out
