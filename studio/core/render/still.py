"""Still images of a scan for contact sheets: ``twin-studio render``."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Callable

from studio.core.assets import get_asset
from studio.core.errors import InvalidInput
from studio.core.render.geometry import geometry_for_asset, reduced_note
from studio.core.render.service import RenderService
from studio.core.render.views import VIEWS, camera_for
from studio.core.vault import Vault
from studio.core.vault.atomic import write_bytes_atomic

MAX_SIDE = 8192


def parse_size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(x) for x in text.lower().split("x"))
    except ValueError as exc:
        raise InvalidInput(f"size {text!r} is not WIDTHxHEIGHT, e.g. 800x600") from exc
    if not (16 <= w <= MAX_SIDE and 16 <= h <= MAX_SIDE):
        raise InvalidInput(f"size {w}x{h} is outside 16..{MAX_SIDE} pixels a side")
    return w, h


def png_bytes(rgb) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="PNG")
    return buf.getvalue()


def render_still(vault: Vault, asset_id: str, out: Path, size: tuple[int, int] = (800, 600),
                 view: str = "front", mode: str | None = None, service: RenderService | None = None,
                 overwrite: bool = False, on_reduced: Callable[[str], None] | None = None) -> Path:
    """Render one still to the PNG ``out``. Only the look asked for is built, and the parent's
    copy of the scan is dropped once the render child has it (DR023). When the full scan does
    not fit in the memory free, the finest stored level that does is drawn and ``on_reduced``
    is called with a line saying so. A wireframe is drawn from the preview LOD (a full scan's
    own edges are one solid mass at any still's size)."""
    out = Path(out)
    if out.exists() and not overwrite:
        raise InvalidInput(f"{out} already exists (use --force to overwrite)")
    if not out.parent.is_dir():
        raise InvalidInput(f"folder {out.parent} does not exist")
    if view not in VIEWS:
        raise InvalidInput(f"unknown view {view!r} (one of {', '.join(VIEWS)})")
    if get_asset(vault, asset_id).kind == "voice":
        raise InvalidInput(f"asset {asset_id} is a voice recording; only scans have a 3D preview")
    own = service is None
    service = service or RenderService()
    try:
        service.start()  # the child imports Open3D while this process decrypts and decodes the scan
        asset, geometry = geometry_for_asset(vault, asset_id, detail="preview" if mode == "wireframe" else "full")
        mode = mode or ("shaded" if geometry.is_mesh else "points")
        note = reduced_note(geometry, geometry.is_mesh)
        camera = camera_for(*geometry.bounds(), view)
        rgb = service.render(f"{asset.id}:{mode}", size[0], size[1], camera, mode, geometry=geometry, looks=(mode,), consume=True)
    finally:
        if own:
            service.close()
    write_bytes_atomic(out, png_bytes(rgb), overwrite=True)
    if note is not None and on_reduced is not None:
        on_reduced(note)
    return out
