"""What the talent's window shows of a review kit, read from the kit in memory (no vault, DR052):
each asset as an :class:`AssetRecord`, its thumbnail, its voice take, and a scan's 3D preview
scene from the LOD (or small original) the kit carries. Nothing is written to disk.

:class:`KitScenes` stands where the viewport's render lanes take a vault: they ask it for
``open_scene(asset_id)`` (``studio.ui.render_thread.Scenes``)."""

from __future__ import annotations

import json

from studio.core.assets import AssetFileRecord, AssetRecord
from studio.core.errors import InvalidInput, NotFound
from studio.core.kits.kit_file import OpenedKit
from studio.core.render.geometry import geometry_from_bytes
from studio.core.render.preview import PreviewScene, _thin
from studio.core.render.views import camera_for

SCENE_ROLES = ("lod", "lod_fine", "original")  # a scan's 3D preview in a kit, coarsest first (DR049)


def asset_record(asset: dict) -> AssetRecord:
    """The kit's entry for an asset as the record the app's widgets show (no stored files)."""
    return AssetRecord(id=asset["id"], talent_id="", kind=asset["kind"], format=asset["format"],
                       media_type=_media_type(asset), sha256=asset["sha256"], size=int(asset["size"]),
                       original_name=asset["name"], status=asset["status"], metrics=dict(asset.get("metrics") or {}),
                       warnings=list(asset.get("warnings") or []), created_at=asset.get("created_at") or "",
                       files=[AssetFileRecord(p["role"], p["file"], p.get("media_type", ""), "", int(p.get("size", 0)))
                              for p in asset.get("previews", ()) if p.get("role") in ("lod", "lod_fine", "thumbnail")])


def _media_type(asset: dict) -> str:
    take = next((p for p in asset.get("previews", ()) if p.get("role") == "take"), None)
    return take["media_type"] if take else ""


class KitScenes:
    """The previews of one opened kit, by asset id."""

    def __init__(self, opened: OpenedKit) -> None:
        self.opened = opened
        self.assets = {a["id"]: a for a in opened.kit.get("assets", ())}

    def _asset(self, asset_id: str) -> dict:
        asset = self.assets.get(asset_id)
        if asset is None:
            raise NotFound(f"asset {asset_id} is not in this kit")
        return asset

    def preview(self, asset_id: str, role: str) -> bytes | None:
        """The bytes of the asset's preview ``role`` ("thumbnail", "take", "lod", "original"), or
        None when the kit does not carry it (too large: listed under the asset's ``omitted``)."""
        entry = next((p for p in self._asset(asset_id).get("previews", ()) if p.get("role") == role), None)
        return None if entry is None else self.opened.files.get(entry["file"])

    def thumbnail(self, asset_id: str) -> bytes | None:
        return self.preview(asset_id, "thumbnail")

    def take(self, asset_id: str) -> bytes:
        asset = self._asset(asset_id)
        if asset["kind"] != "voice":
            raise InvalidInput(f"asset {asset_id} is a {asset['kind']}, not a voice take")
        data = self.preview(asset_id, "take")
        if data is None:
            raise NotFound(f"the kit does not carry voice take {asset['name']} (too large to carry)")
        return data

    def open_scene(self, asset_id: str) -> PreviewScene:
        """The 3D preview of a scan from the kit: its smallest LOD, or the original of a small
        scan. The scene is whole (``full`` set): the viewport never asks for more than the kit has."""
        asset = self._asset(asset_id)
        if asset["kind"] == "voice":
            raise InvalidInput(f"asset {asset_id} is a voice recording; only scans have a 3D preview")
        for role in SCENE_ROLES:
            data = self.preview(asset_id, role)
            if data is None:
                continue
            kind, fmt = (asset["kind"], asset["format"]) if role == "original" else ("mesh", "ply")
            geometry = geometry_from_bytes(data, kind, fmt)
            lo, hi = geometry.bounds()
            return PreviewScene(asset_record(asset), camera_for(lo, hi, "front"), _thin(geometry), geometry)
        raise NotFound(f"the kit carries no 3D preview of {asset['name']}, only its thumbnail")


def document_text(grant: dict) -> str:
    """The exact document of a grant as the talent reads it: for a draft awaiting them, the
    bytes their key signs (``to_sign_b64``, checked against the document when they sign)."""
    import base64

    if grant.get("to_sign_b64"):
        data = json.loads(base64.b64decode(grant["to_sign_b64"]))
    else:
        data = grant.get("document") or {}
    return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True)
