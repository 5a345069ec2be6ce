"""Thumbnails of scans: rendered once (three-quarter view, preview LOD — the full scan for a
textured one) and kept encrypted.

The first call for a scan renders it through the render service and stores the PNG as the
asset's ``thumbnail`` derived file; later calls decrypt the stored one.
"""

from __future__ import annotations

import logging

from studio.core.assets import get_asset, read_derived
from studio.core.derived import add_derived
from studio.core.errors import StudioError
from studio.core.render.geometry import geometry_for_asset
from studio.core.render.service import RenderService
from studio.core.render.still import png_bytes
from studio.core.render.views import camera_for
from studio.core.vault import Vault

THUMB_SIZE = (256, 256)
log = logging.getLogger(__name__)


def stored_thumbnail(vault: Vault, asset_id: str) -> bytes | None:
    stored = get_asset(vault, asset_id).file("thumbnail")
    return vault.derived.read_bytes(stored.sha256) if stored is not None else None


def ensure_thumbnail(vault: Vault, asset_id: str, service: RenderService) -> bytes | None:
    """The scan's thumbnail PNG, rendered and stored on first use; None for a voice take.

    Raises a StudioError saying why when the scan cannot be read or drawn (it is logged as well):
    a missing thumbnail is never silent."""
    asset = get_asset(vault, asset_id)
    if asset.kind == "voice":
        return None
    if (stored := asset.file("thumbnail")) is not None:
        return vault.derived.read_bytes(stored.sha256)
    try:
        # a textured scan's LOD has no UVs: its thumbnail is drawn from the full scan (where it
        # fits in the memory free; geometry_for_asset falls back to the LOD where it does not)
        detail = "full" if asset.metrics.get("has_texture") else "preview"
        _, geometry = geometry_for_asset(vault, asset.id, detail=detail)
        lo, hi = geometry.bounds()
        camera = camera_for(lo, hi, "three-quarter")
        mode = "shaded" if geometry.is_mesh else "points"
        rgb = service.render(f"{asset.id}:thumbnail", *THUMB_SIZE, camera, mode, geometry=geometry, looks=(mode,),
                             consume=True)
    except StudioError as exc:  # the caller shows the reason on the item; the log keeps it too
        log.warning("no thumbnail for %s (%s): %s", asset.id, asset.format, exc)
        raise
    png = png_bytes(rgb)
    if vault.read_only:  # a read-only vault (a backup, a mounted snapshot) still shows its scans
        return png
    add_derived(vault, asset.id, "thumbnail", "image/png", png)
    return read_derived(vault, asset.id, "thumbnail")
