"""Cameras: the named views a studio uses for contact sheets, and orbit / pan / zoom moves.

A camera looks at the scan's centre from a distance that fits its bounding sphere in the field
of view. Azimuth turns about the up axis, elevation tilts above the horizon. Every view of a scan
— the preview's buttons, ``twin-studio render``, thumbnails, Open3D's own viewer — starts from
:func:`camera_for`, so they agree (DR036):

- **up** is +Y (the formats' convention) unless the scan is clearly longer along another axis
  (a standing body is tallest along its up axis): a Z-up bust stands on Z;
- **front** is where the scan faces by the convention of its up axis, the one that keeps +X to
  the viewer's right: a Y-up scan faces +Z (OpenGL, glTF, OBJ), a Z-up scan faces −Y (Blender,
  photogrammetry and most scanners' Z-up exports), an X-up one −Z.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

VIEWS = {"front": 0.0, "three-quarter": 45.0, "side": 90.0, "back": 180.0}
FOV_DEG = 35.0


@dataclass(frozen=True)
class Camera:
    center: tuple[float, float, float]
    radius: float
    up_axis: int = 1          # 0 x, 1 y, 2 z
    azimuth: float = 0.0      # degrees about the up axis
    elevation: float = 10.0   # degrees above the horizon
    zoom: float = 1.0         # >1 moves closer
    pan: tuple[float, float] = (0.0, 0.0)  # in units of the radius, screen right / up

    def eye_and_up(self) -> tuple[list[float], list[float], list[float]]:
        up, front = axes(self.up_axis)
        side = np.cross(up, front)  # +X for Y-up and Z-up scans: the scan's left, the viewer's right
        az, el = math.radians(self.azimuth), math.radians(self.elevation)
        direction = math.cos(el) * (math.cos(az) * front + math.sin(az) * side) + math.sin(el) * up
        distance = self.radius / math.sin(math.radians(FOV_DEG) / 2) / max(self.zoom, 1e-3)
        right = np.cross(up, direction)
        right /= np.linalg.norm(right) or 1.0
        true_up = np.cross(direction, right)
        center = np.asarray(self.center) + (right * self.pan[0] + true_up * self.pan[1]) * self.radius
        eye = center + direction * distance
        return center.tolist(), eye.tolist(), up.tolist()

    def orbit(self, d_azimuth: float, d_elevation: float) -> "Camera":
        return replace(self, azimuth=(self.azimuth + d_azimuth) % 360.0,
                       elevation=max(-89.0, min(89.0, self.elevation + d_elevation)))

    def zoomed(self, factor: float) -> "Camera":
        return replace(self, zoom=max(0.1, min(50.0, self.zoom * factor)))

    def panned(self, dx: float, dy: float) -> "Camera":
        return replace(self, pan=(self.pan[0] + dx, self.pan[1] + dy))


# the direction a scan faces (from its centre towards the viewer of its front) for each up axis
FRONT = {0: (0.0, 0.0, -1.0), 1: (0.0, 0.0, 1.0), 2: (0.0, -1.0, 0.0)}


def axes(up_axis: int) -> tuple[np.ndarray, np.ndarray]:
    """The unit up vector and front vector of a scan standing on ``up_axis``."""
    up = np.zeros(3)
    up[up_axis] = 1.0
    return up, np.asarray(FRONT[up_axis])


def up_axis_of(extent: np.ndarray) -> int:
    """Y by the formats' convention; a scan clearly longer along another axis (a Z-up bust, a
    body lying along X) stands on that axis instead."""
    longest = int(np.argmax(extent))
    return longest if extent[longest] > 1.25 * extent[1] else 1


def camera_for(lo: np.ndarray, hi: np.ndarray, view: str = "front", up_axis: int | None = None) -> Camera:
    if view not in VIEWS:
        raise ValueError(f"unknown view {view!r} (one of {', '.join(VIEWS)})")
    extent = hi - lo
    if up_axis is None:
        up_axis = up_axis_of(extent)
    center = tuple(float(x) for x in (lo + hi) / 2)
    radius = float(np.linalg.norm(extent) / 2) or 1.0
    return Camera(center, radius, up_axis, azimuth=VIEWS[view])
