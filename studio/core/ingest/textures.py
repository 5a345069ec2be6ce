"""Texture images of a scan, counted and measured from their headers (DR024): an 8192 × 8192
texture is 192 MiB as RGB, so nothing here decodes pixels. A PNG's size is read from its IHDR
chunk; other formats (JPEG, WebP, …) through Pillow's ``Image.open``, which parses the header
and decodes nothing until asked."""

from __future__ import annotations

import io
import struct
import warnings
from pathlib import Path

_HEAD_BYTES = 256 * 1024  # a JPEG's size marker may follow EXIF / ICC blocks
_PNG = b"\x89PNG\r\n\x1a\n"


def image_size(head: bytes) -> tuple[int, int] | None:
    """(width, height) of the image whose first bytes are ``head``, or None if not an image."""
    if head.startswith(_PNG) and len(head) >= 24 and head[12:16] == b"IHDR":
        return struct.unpack(">II", head[16:24])
    from PIL import Image, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(io.BytesIO(head)) as img:
                return tuple(img.size)  # type: ignore[return-value]
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError, SyntaxError,
            struct.error):
        return None


def _read_head(path: Path, offset: int = 0, length: int | None = None) -> bytes:
    with open(path, "rb") as f:
        f.seek(offset)
        return f.read(min(_HEAD_BYTES, length) if length is not None else _HEAD_BYTES)


def texture_metrics(companions: list[Path], embedded: list[tuple[Path, int, int]] = ()) -> dict:
    """``textures`` (how many of the scan's files are images: companions beside it, and images
    embedded in a GLB at (file, offset, length)) and ``texture_max_px`` ([width, height] of the
    largest, by pixels), from the images' headers only."""
    sizes = []
    for source in [(p, 0, None) for p in companions] + list(embedded):
        try:
            size = image_size(_read_head(*source))
        except OSError:
            size = None
        if size is not None:
            sizes.append(size)
    out: dict = {"textures": len(sizes)}
    if sizes:
        out["texture_max_px"] = list(max(sizes, key=lambda s: s[0] * s[1]))
    return out
