"""A per-package leak-tracing watermark: what can be marked, and dispatch to the mesh and audio markers.

Every exported asset gets a tiny keyed perturbation (vertex displacements of 0.01 mm for scans,
one-LSB spread-spectrum noise for voice). Each package has its own 32-byte key; marks of
different keys are statistically independent, so when a copy leaks, :func:`score` against each
package's key gives about 1 for the package it came from and about 0 for every other.

The keyed pattern is a stream of ±1 values, generated per fixed-size chunk of indices (vertex
or sample number) from HMAC-SHA256(key, method ‖ chunk number) expanded with SHAKE-256. Any
chunk is reproducible on its own (streaming needs no state), and the pattern depends only on
the standard library's hashes, not on a numpy random-generator version, so a leak found years
later is still traced with the same bits.

The mesh and audio modules are imported lazily: they import :class:`Unmarkable` and
:func:`keyed_signs` from here.
"""

from __future__ import annotations

import hashlib
import hmac
import shutil
import threading
from pathlib import Path
from typing import BinaryIO

import numpy as np

from studio.core.errors import StudioError

MESH_METHOD = "mesh-vertex-v1"
AUDIO_METHOD = "audio-spread-v1"

MESH_FORMATS = {"ply", "obj"}
AUDIO_FORMATS = {"wav", "rf64", "flac", "nist-sphere"}

# Formats of each kind that are not marked, with the reason the lead shows.
_UNMARKED = {
    "gltf": "glTF models are not marked",
    "glb": "glTF models are not marked",
    "stl": "STL models are not marked",
    "off": "OFF models are not marked",
    "pcd": "PCD point clouds are not marked",
    "xyz": "XYZ point clouds are not marked",
    "mp3": "lossy MP3 audio is not marked: the encoder would erase a mark this quiet",
    "opus": "lossy Opus audio is not marked: the encoder would erase a mark this quiet",
    "ogg-vorbis": "lossy Ogg Vorbis audio is not marked: the encoder would erase a mark this quiet",
    "aac": "lossy AAC audio is not marked: the encoder would erase a mark this quiet",
    "ogg-flac": "Ogg FLAC audio is not marked: libsndfile cannot write it back",
}
_MESH_KIND = MESH_FORMATS | {"gltf", "glb", "stl", "off", "pcd", "xyz"}
_AUDIO_KIND = AUDIO_FORMATS | {"mp3", "opus", "ogg-vorbis", "aac", "ogg-flac"}

CHUNK = 65536  # pattern items (vertices or samples) per independently generated chunk


class Unmarkable(StudioError):
    """This asset cannot carry the watermark; ``str(exc)`` says why. Raised before any output is
    written, so the caller can ship the asset unmarked instead."""


def kind_of(fmt: str) -> str:
    """'mesh' or 'audio' for a format name as ingest reports it."""
    if fmt in _MESH_KIND:
        return "mesh"
    if fmt in _AUDIO_KIND:
        return "audio"
    raise ValueError(f"{fmt!r} is neither a scan nor a voice format")


def method_for(fmt: str) -> str:
    """The watermark method recorded in the manifest for this format; Unmarkable if none."""
    if fmt in MESH_FORMATS:
        return MESH_METHOD
    if fmt in AUDIO_FORMATS:
        return AUDIO_METHOD
    raise Unmarkable(_UNMARKED.get(fmt, f"{fmt} files are not marked"))


def in_place(fmt: str, src_head: bytes) -> bool:
    """True when the marked output has exactly the input's size (binary PLY, WAV / RF64)."""
    method_for(fmt)
    if fmt == "ply":
        from studio.core.package import watermark_mesh

        return watermark_mesh.is_binary_ply(src_head)
    return fmt in ("wav", "rf64")


def mark(fmt: str, src: BinaryIO, dst: BinaryIO, key: bytes, amplitude: float) -> None:
    """Copy ``src`` to ``dst`` with the mark of ``key`` added (streams; see the format modules).
    Raises Unmarkable before writing anything when the file cannot carry the mark."""
    method_for(fmt)
    _check_key(key)
    if not amplitude > 0:
        raise ValueError(f"the watermark amplitude must be positive, not {amplitude!r}")
    if fmt in MESH_FORMATS:
        from studio.core.package import watermark_mesh

        watermark_mesh.mark_mesh(fmt, src, dst, key, amplitude)
    else:
        from studio.core.package import watermark_audio

        watermark_audio.mark_audio(fmt, src, dst, key, amplitude)


def default_amplitude(kind: str, fmt: str, scale_to_m: float | None, src_head: bytes) -> float:
    """The mark's amplitude in the file's own units.

    Mesh: 1e-5 m (0.01 mm) converted with ``scale_to_m`` (file units → metres; None means metres).
    Audio: one 16-bit LSB (-90 dBFS) in the file's integer sample units — 1 for 16-bit, 256 for
    24-bit, 1 step for 8-bit — so the mark survives a re-save at 16 bits; 2/32768 for float data.
    """
    if kind == "mesh":
        scale = 1.0 if scale_to_m is None else float(scale_to_m)
        if not scale > 0:
            raise ValueError(f"the unit scale must be positive, not {scale_to_m!r}")
        return 1e-5 / scale
    if kind == "audio":
        method_for(fmt)
        from studio.core.package import watermark_audio

        return watermark_audio.default_amplitude(fmt, src_head)
    raise ValueError(f"kind must be 'mesh' or 'audio', not {kind!r}")


def read_leaked(kind: str, leaked_path: Path):
    """A leaked copy read once, to be scored against many originals (``score(..., leaked=)``).
    Raises ValueError naming the file when it cannot be read as that kind."""
    if kind == "mesh":
        from studio.core.package import watermark_mesh

        return watermark_mesh.load_leaked_vertices(Path(leaked_path))
    from studio.core.package import watermark_audio

    return watermark_audio.load_leaked_audio(Path(leaked_path))


def score(fmt: str, original: BinaryIO, leaked_path: Path, key: bytes, amplitude: float, leaked=None) -> float:
    """How strongly ``leaked_path`` carries the mark of ``key`` (≈1 marked by it, ≈0 otherwise).

    ``fmt`` and ``amplitude`` are those of the original (unmarked) file in ``original``; the
    leaked copy may have been re-saved in another format of the same kind (``leaked``: the copy as
    :func:`read_leaked` read it, not read again). Raises ValueError when
    the leaked file cannot be read as that kind or cannot be compared with the original.
    """
    _check_key(key)
    try:
        kind = kind_of(fmt)
        method_for(fmt)
    except (ValueError, Unmarkable) as exc:
        raise ValueError(f"{fmt} originals carry no watermark to trace ({exc})") from exc
    try:
        if kind == "mesh":
            from studio.core.package import watermark_mesh

            return watermark_mesh.score_mesh(fmt, original, Path(leaked_path), key, amplitude, leaked)
        from studio.core.package import watermark_audio

        return watermark_audio.score_audio(fmt, original, Path(leaked_path), key, amplitude, leaked)
    except Unmarkable as exc:
        raise ValueError(f"the original carries no watermark to trace: {exc}") from exc


def damped_correlation(residual: np.ndarray, pattern: np.ndarray) -> float:
    """<r, m> / max(<m, m>, |r| |m|): the projection of the residual on the mark, which is ~1
    when the residual is the mark and ~0 for another key's mark or a clean copy's rounding noise,
    damped to the cosine similarity when the residual is larger than the mark (a processed copy,
    whose noise would otherwise make the projection swing far past ±1). Bounded by ±1."""
    r = residual.reshape(-1).astype(np.float64)
    m = pattern.reshape(-1).astype(np.float64)
    energy = float(np.dot(m, m))
    if energy == 0.0:
        return 0.0
    return float(np.dot(r, m)) / max(energy, float(np.linalg.norm(r)) * energy ** 0.5)


def keyed_signs(key: bytes, method: str, start: int, count: int, width: int = 1) -> np.ndarray:
    """±1 (int8), shape (count, width), for pattern items ``start .. start+count-1``.

    Item i's values depend only on (key, method, i): chunk c = i // CHUNK is expanded from
    HMAC-SHA256(key, method ‖ c) with SHAKE-256, one bit per value.
    """
    out = np.empty((count, width), dtype=np.int8)
    done = 0
    while done < count:
        item = start + done
        chunk, offset = divmod(item, CHUNK)
        take = min(count - done, CHUNK - offset)
        out[done:done + take] = _chunk_signs(bytes(key), method, chunk, width)[offset:offset + take]
        done += take
    return out


_cache: dict[tuple[bytes, str, int, int], np.ndarray] = {}
_cache_lock = threading.Lock()


def _chunk_signs(key: bytes, method: str, chunk: int, width: int) -> np.ndarray:
    """One chunk of the pattern (CHUNK × width), with a tiny cache for consecutive reads."""
    tag = (key, method, chunk, width)
    with _cache_lock:
        hit = _cache.get(tag)
    if hit is not None:
        return hit
    seed = hmac.new(key, method.encode() + b"\x00" + chunk.to_bytes(8, "big"), hashlib.sha256).digest()
    stream = hashlib.shake_256(seed).digest(CHUNK * width // 8)
    bits = np.unpackbits(np.frombuffer(stream, dtype=np.uint8))
    signs = (bits.astype(np.int8) * 2 - 1).reshape(CHUNK, width)
    signs.flags.writeable = False
    with _cache_lock:
        while len(_cache) >= 4:
            _cache.pop(next(iter(_cache)))
        _cache[tag] = signs
    return signs


def _check_key(key: bytes) -> None:
    if not isinstance(key, (bytes, bytearray)) or len(key) < 16:
        raise ValueError("the watermark key must be at least 16 bytes (the package's 32-byte key)")


class StreamReader:
    """Buffered reads from a stream that may be a pipe (where ``read`` may return short counts)."""

    BLOCK = 1 << 20

    def __init__(self, src: BinaryIO) -> None:
        self._src = src
        self._buf = bytearray()
        self._pos = 0
        self._eof = False

    def _fill(self) -> bool:
        if self._eof:
            return False
        data = self._src.read(self.BLOCK)
        if not data:
            self._eof = True
            return False
        if self._pos > len(self._buf) // 2:
            del self._buf[:self._pos]
            self._pos = 0
        self._buf += data
        return True

    def read_through(self, marker: bytes, limit: int, missing: str) -> bytes:
        """The bytes up to and including the line holding ``marker``; Unmarkable(``missing``)
        when it is not found within ``limit`` bytes."""
        while True:
            at = self._buf.find(marker, self._pos)
            if at >= 0:
                end = self._buf.find(b"\n", at + len(marker))
                if end >= 0:
                    raw = bytes(self._buf[self._pos:end + 1])
                    self._pos = end + 1
                    return raw
            if len(self._buf) - self._pos > limit or not self._fill():
                raise Unmarkable(missing)

    def read_exact(self, size: int) -> bytearray:
        """``size`` bytes (fewer only at the end of the stream), as a writable buffer."""
        out = bytearray(self._buf[self._pos:self._pos + size])
        self._pos += len(out)
        while len(out) < size and not self._eof:
            data = self._src.read(size - len(out))
            if not data:
                self._eof = True
                break
            out += data
        return out

    def readline(self) -> bytes:
        """One line with its ending (b"" at the end of the stream)."""
        while True:
            end = self._buf.find(b"\n", self._pos)
            if end >= 0:
                line = bytes(self._buf[self._pos:end + 1])
                self._pos = end + 1
                return line
            if not self._fill():
                line = bytes(self._buf[self._pos:])
                self._pos = len(self._buf)
                return line

    def copy_rest(self, dst: BinaryIO) -> None:
        """Write everything not yet read to ``dst`` unchanged."""
        if self._pos < len(self._buf):
            dst.write(self._buf[self._pos:])
        self._buf = bytearray()
        self._pos = 0
        if not self._eof:
            shutil.copyfileobj(self._src, dst, self.BLOCK)
            self._eof = True
