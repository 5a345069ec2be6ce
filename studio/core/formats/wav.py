"""WAV, RIFX, RF64 and BW64: the chunks up to the samples, one walker for ingest and the
watermark. Only chunk headers and the ``fmt`` / ``ds64`` bodies are interpreted; the samples are
decoded by soundfile (ingest) or rewritten in place (the watermark).

The walker is lenient: it reports what it found (no ``fmt`` chunk, the file ending inside a chunk,
no ``data`` chunk) and each caller decides what that means for it.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Callable

from studio.core.formats.limits import MAX_RIFF_HEADER_BYTES

_MAX_CHUNKS = 10_000
FORMS = (b"RIFF", b"RIFX", b"RF64", b"BW64")
PCM, FLOAT, EXTENSIBLE = 1, 3, 0xFFFE
UNKNOWN_SIZE = 0xFFFFFFFF


@dataclass
class WavFmt:
    """A ``fmt `` chunk. ``format_tag`` is the sub-format's for WAVE_FORMAT_EXTENSIBLE."""

    format_tag: int
    channels: int
    sample_rate: int
    byte_rate: int
    block_align: int
    bits: int
    valid_bits: int  # meaningful bits per sample (extensible), else ``bits``
    extensible: bool = False
    complete: bool = True  # False: an extensible chunk too short to hold its sub-format


@dataclass
class WavHeader:
    form: bytes  # b"RIFF", b"RIFX", b"RF64" or b"BW64"
    fmt: WavFmt | None = None
    fmt_size: int | None = None  # bytes in the fmt chunk (None: no fmt chunk before the data)
    ds64_data: int | None = None  # the data size an RF64 ``ds64`` chunk gives
    data_size: int | None = None  # the data chunk's own size field (None: no data chunk found)
    data_offset: int | None = None  # where the samples start
    ended_in: bytes | None = None  # the tag of the chunk the file ends inside, if it does
    too_long: bool = False  # more than MAX_RIFF_HEADER_BYTES of chunks kept before the data
    raw: bytes = b""  # the bytes up to and including the data chunk header, when kept

    @property
    def big_endian(self) -> bool:
        return self.form == b"RIFX"

    @property
    def data_declared(self) -> int | None:
        """The data size, through ``ds64`` for RF64 (0xFFFFFFFF when it is unknown)."""
        if self.data_size == UNKNOWN_SIZE and self.ds64_data is not None:
            return self.ds64_data
        return self.data_size

    @property
    def size_unknown(self) -> bool:
        """The data chunk's size is 0xFFFFFFFF with no ``ds64`` to give the real one: a recorder
        stopped before it wrote the sizes (or streamed the file); the data runs to the end of the
        file, however much of it was written."""
        return self.data_size == UNKNOWN_SIZE and self.ds64_data is None

    @property
    def frame_bytes(self) -> int | None:
        """Bytes per frame as a decoder counts them (PCM / float: channels × whole bytes per sample;
        the header's own block size can be wrong)."""
        f = self.fmt
        if f is None:
            return None
        if f.format_tag in (PCM, FLOAT) and f.channels and f.bits:
            return f.channels * ((f.bits + 7) // 8)
        return f.block_align or None

    def truncated_frames(self, size: int) -> int | None:
        """Frames the data chunk declares when a file of ``size`` bytes holds fewer; else None."""
        declared = self.data_declared
        if declared in (None, 0, UNKNOWN_SIZE) or self.data_offset is None or not self.frame_bytes:
            return None
        if declared <= size - self.data_offset:
            return None
        return declared // self.frame_bytes


def parse_fmt(body: bytes, big_endian: bool) -> WavFmt | None:
    """The fields of a ``fmt `` chunk body; None when it is shorter than 16 bytes."""
    end = ">" if big_endian else "<"
    if len(body) < 16:
        return None
    tag, channels, rate, byte_rate, block_align, bits = struct.unpack_from(end + "HHIIHH", body)
    out = WavFmt(tag, channels, rate, byte_rate, block_align, bits, bits)
    if tag == EXTENSIBLE:
        out.extensible = True
        if len(body) >= 26:
            (out.format_tag,) = struct.unpack_from(end + "H", body, 24)  # the sub-format GUID starts with the tag
        if len(body) >= 40:
            (out.valid_bits,) = struct.unpack_from(end + "H", body, 18)
        else:
            out.complete = False
    return out


def walk(read: Callable[[int], bytes], skip: Callable[[int], None] | None = None,
         keep_raw: bool = False) -> WavHeader | None:
    """Walk the chunks up to the ``data`` chunk header. ``read(n)`` returns the next n bytes
    (fewer at the end); ``skip(n)`` passes over n bytes (without it they are read). Returns None
    when the first 12 bytes are not a RIFF-family WAVE header."""
    head = bytes(read(12))
    if len(head) < 12 or head[8:12] != b"WAVE":
        return None
    out = WavHeader(form=head[:4] if head[:4] in FORMS else b"RIFF")
    end = ">" if out.big_endian else "<"
    pieces = [head]
    pos = 12
    for _ in range(_MAX_CHUNKS):
        chunk = bytes(read(8))
        if len(chunk) < 8:
            break
        pieces.append(chunk)
        tag, (n,) = chunk[:4], struct.unpack(end + "I", chunk[4:])
        if tag == b"data":
            out.data_size, out.data_offset = n, pos + 8
            break
        padded = n + (n & 1)
        if keep_raw and pos + 8 + padded > MAX_RIFF_HEADER_BYTES:
            out.too_long = True
            break
        if keep_raw or skip is None:
            body = bytes(read(padded))
            if keep_raw:
                pieces.append(body)
        else:
            body = bytes(read(min(n, 40))) if tag in (b"fmt ", b"ds64") else b""
            skip(padded - len(body))
        if tag == b"fmt ":
            out.fmt, out.fmt_size = parse_fmt(body[:n], out.big_endian), n
        elif tag == b"ds64" and len(body) >= 16:
            (out.ds64_data,) = struct.unpack_from("<Q", body, 8)
        if (keep_raw or skip is None) and len(body) < padded:
            out.ended_in = tag
            break
        pos += 8 + padded
    out.raw = b"".join(pieces) if keep_raw else b""
    return out


def read_header(src: BinaryIO, keep_raw: bool = False) -> WavHeader | None:
    """:func:`walk` over a seekable file opened in binary mode."""
    return walk(src.read, None if keep_raw else (lambda n: src.seek(n, 1)), keep_raw)


def read_path(path: Path) -> WavHeader | None:
    """:func:`walk` over the file at ``path``, skipping chunk bodies it does not need."""
    with open(path, "rb") as f:
        return read_header(f)
