"""A textured mesh's colours per vertex, sampled from its image at the vertex's UV, for the
preview levels of detail: clustering keeps no UVs, so without them a textured scan turned grey
while orbiting (DR024). The original keeps its texture; only the LODs carry these colours."""

from __future__ import annotations

import numpy as np


def sampled_colors(visual) -> np.ndarray | None:
    """(n, 3) float32 colours in 0..1 from a trimesh ``TextureVisuals``' image (the nearest
    texel, the image's top row at v = 1), or None when it has no UVs or no real image."""
    uv = getattr(visual, "uv", None)
    material = getattr(visual, "material", None)
    image = getattr(material, "image", None) or getattr(material, "baseColorTexture", None)
    if uv is None or image is None or len(uv) == 0:
        return None
    try:
        pixels = np.asarray(image if image.mode == "RGB" else image.convert("RGB"))
    except (OSError, ValueError):  # an image Pillow cannot decode: the LOD goes without colours
        return None
    h, w = pixels.shape[:2]
    uv = np.asarray(uv, np.float32)
    x = np.rint((uv[:, 0] % 1.0) * (w - 1)).astype(np.int64)
    y = np.rint((1.0 - uv[:, 1] % 1.0) * (h - 1)).astype(np.int64)
    colours = pixels[np.clip(y, 0, h - 1), np.clip(x, 0, w - 1)].astype(np.float32) / 255.0
    del pixels
    return colours
