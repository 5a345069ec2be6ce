"""The interactive preview of one scan, as the desktop app's viewport drives it.

Two render children: the *motion* one holds the preview LOD at reduced resolution and draws
while the camera moves; the *still* one holds the full scan at full resolution and draws when
it stops. Each child holds one scan at one size (see DR005), so the two never wait on each
other's geometry, and the first frame after selecting a scan comes from the small LOD. The still
child's wireframe and points come from the LOD too, and this process drops its copy of the full
scan once the child holds it (DR023); where the full scan does not fit in the memory free, the
still shows the finest level that does and the scene says so (``reduced``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from studio.core.assets import AssetRecord
from studio.core.errors import InvalidInput, NotFound
from studio.core.render.geometry import (Geometry, fitting_level, geometry_for_asset, geometry_from_bytes,
                                        level_geometry)
from studio.core.render.service import RenderService
from studio.core.render.views import Camera, camera_for
from studio.core.vault import Vault

MOTION_SCALE = 0.5          # motion frames are drawn at half the width and height
MOTION_MAX_POINTS = 300_000  # a bigger point cloud turns as an even subsample
STEP_FACTOR = 3              # a finer level is drawn on the way to the finest when it is this much smaller


@dataclass
class PreviewScene:
    asset: AssetRecord
    home: Camera              # the front view that fits the scan
    motion: Geometry          # what turns while the mouse moves
    full: Geometry | None     # the full scan when it is the motion geometry (a small scan); else read per load
    reduced: tuple[int, int] | None = None  # (shown, in the full scan) when the still is a reduced level
    finer_follows: bool = False  # the last still was an intermediate level; the finest that fits is next
    _stepped: bool = False       # the intermediate still was drawn (or skipped) for this scene

    @property
    def is_mesh(self) -> bool:
        return self.motion.is_mesh


def _thin(geometry: Geometry) -> Geometry:
    if geometry.is_mesh or len(geometry.positions) <= MOTION_MAX_POINTS:
        return geometry
    step = int(np.ceil(len(geometry.positions) / MOTION_MAX_POINTS))
    colors = geometry.colors[::step] if geometry.colors is not None else None
    return Geometry(np.ascontiguousarray(geometry.positions[::step]), None, colors)


class FileScans:
    """Scans read from plain files rather than a vault (the files of a package the brand opened,
    DR048): a viewport is handed this in place of a vault, and asks for its scans by key."""

    def __init__(self) -> None:
        self._files: dict[str, tuple[Path, str, str]] = {}

    def add(self, key: str, path: Path, kind: str, fmt: str) -> str:
        if kind not in ("mesh", "point_cloud"):
            raise InvalidInput(f"{Path(path).name} is a {kind or 'companion file'}, not a scan")
        self._files[key] = (Path(path), kind, fmt)
        return key

    def scene(self, key: str) -> PreviewScene:
        """The whole file is the scene (no stored levels of detail: a brand's scan is drawn in full)."""
        try:
            path, kind, fmt = self._files[key]
        except KeyError:
            raise NotFound(f"no scan {key} to preview") from None
        if not path.is_file():
            raise NotFound(f"{path} is not there any more")
        companions = {p.name: p.read_bytes() for p in path.parent.iterdir()
                      if p.is_file() and p != path and p.suffix.lower() in COMPANION_SUFFIXES}
        geometry = geometry_from_bytes(path.read_bytes(), kind, fmt, companions)
        asset = AssetRecord(key, "", kind, fmt, "", "", path.stat().st_size, path.name, "", {}, [], "")
        lo, hi = geometry.bounds()
        reduced = (geometry.count, geometry.full_count) if geometry.full_count else None
        return PreviewScene(asset, camera_for(lo, hi, "front"), _thin(geometry), geometry, reduced)


COMPANION_SUFFIXES = {".mtl", ".png", ".jpg", ".jpeg", ".bin"}  # an OBJ's material and textures, a glTF's buffers


def open_scene(vault: Vault | FileScans, asset_id: str) -> PreviewScene:
    if isinstance(vault, FileScans):
        return vault.scene(asset_id)
    asset, geometry = geometry_for_asset(vault, asset_id, detail="preview")
    has_lod = asset.kind == "mesh" and asset.file("lod") is not None
    lo, hi = geometry.bounds()
    reduced = (geometry.count, geometry.full_count) if geometry.full_count else None  # a cloud's subsample
    return PreviewScene(asset, camera_for(lo, hi, "front"), _thin(geometry), None if has_lod else geometry, reduced)


def motion_size(width: int, height: int, scale: float = MOTION_SCALE) -> tuple[int, int]:
    return max(16, int(width * scale)), max(16, int(height * scale))


class Preview:
    """Owns the two render children. Moving frames use only the motion child and still frames
    only the still child, so one thread may draw moving frames while another draws stills (the
    app's two render lanes); no two threads draw the same kind at once."""

    def __init__(self, spare: bool = True) -> None:
        self.motion = RenderService(spare=spare)
        self.still = RenderService(spare=spare)
        self.motion_scale = MOTION_SCALE  # the preferences' quality while turning (0.25 … 1)

    def warm(self) -> None:
        """Start both children now (Open3D's start-up is then paid before the first scan)."""
        self.motion.start()
        self.still.start()

    def frame(self, vault: Vault, scene: PreviewScene, camera: Camera, mode: str, size: tuple[int, int],
              moving: bool, background: tuple[float, float, float] | None = None) -> np.ndarray:
        """One RGB frame: the LOD at reduced resolution while ``moving``, else full detail, on
        ``background`` (RGB floats in 0..1; None: the renderer's light default)."""
        mode = mode if scene.is_mesh else "points"
        if moving:
            w, h = motion_size(*size, self.motion_scale)
            return self.motion.render(f"{scene.asset.id}:motion", w, h, camera, mode, geometry=scene.motion,
                                      background=background)
        key = scene.asset.id
        if scene.full is not None or self.still.holds(key, *size):
            return self.still.render(key, size[0], size[1], camera, mode, geometry=scene.full, background=background)
        step = self._intermediate(vault, scene)
        if step is not None:  # a finer level first, the finest that fits after it (see RenderThread)
            scene.finer_follows, scene.reduced = True, (step.count, step.full_count)
            return self.still.render(f"{key}:step", size[0], size[1], camera, mode, geometry=step,
                                     wire=scene.motion, consume=True, background=background)
        scene.finer_follows = False
        full = geometry_for_asset(vault, key, detail="full")[1]  # decrypted for this load only
        scene.reduced = (full.count, full.full_count) if full.full_count else None
        # the LOD's edges and points (see worker); the parent's full copy is dropped once sent
        return self.still.render(key, size[0], size[1], camera, mode, geometry=full, wire=scene.motion, consume=True,
                                 background=background)

    def _intermediate(self, vault: Vault, scene: PreviewScene) -> Geometry | None:
        """The stored level between the coarse LOD and the finest level that fits, when drawing
        it first shows detail seconds before the finest does (a 10 M-triangle still takes half a
        minute on a software rasteriser, its ~1 M-face level a few seconds); once per scene."""
        if scene._stepped or not scene.is_mesh:
            return None
        scene._stepped = True
        levels = scene.asset.levels()
        target = fitting_level(scene.asset)
        if target is None or len(levels) < 3:
            return None
        between = [lv for lv in levels[1:levels.index(target)] if lv.file is not None and lv.faces]
        target_faces = target.faces or scene.asset.metrics.get("faces") or 0
        if not between or between[-1].faces * STEP_FACTOR > target_faces:
            return None
        return level_geometry(vault, scene.asset, between[-1])

    def restart(self) -> None:
        self.motion.restart()
        self.still.restart()

    def close(self) -> None:
        self.motion.close()
        self.still.close()
