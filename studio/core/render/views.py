"""Cameras: the named views a studio uses for contact sheets, and orbit / pan / zoom moves.

A camera looks at the scan's centre from a distance that fits its bounding sphere in the field
of view. "front" looks along the scan's depth axis towards its face side (−Z for Y-up scans);
azimuth turns about the up axis, elevation tilts above the horizon.
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
        up = np.zeros(3)
        up[self.up_axis] = 1.0
        # the two horizontal axes, in a right-handed order with the up axis
        a, b = {0: (2, 1), 1: (2, 0), 2: (1, 0)}[self.up_axis]  # y-up: depth z, side x; z-up: depth y
        az, el = math.radians(self.azimuth), math.radians(self.elevation)
        direction = np.zeros(3)
        direction[a] = math.cos(el) * math.cos(az)
        direction[b] = math.cos(el) * math.sin(az)
        direction[self.up_axis] = math.sin(el)
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


def camera_for(lo: np.ndarray, hi: np.ndarray, view: str = "front", up_axis: int | None = None) -> Camera:
    if view not in VIEWS:
        raise ValueError(f"unknown view {view!r} (one of {', '.join(VIEWS)})")
    extent = hi - lo
    if up_axis is None:
        # Y is up by the formats' convention; a scan clearly longer along another axis (a
        # Z-up bust, a body lying along X) stands on that axis instead
        longest = int(np.argmax(extent))
        up_axis = longest if extent[longest] > 1.25 * extent[1] else 1
    center = tuple(float(x) for x in (lo + hi) / 2)
    radius = float(np.linalg.norm(extent) / 2) or 1.0
    return Camera(center, radius, up_axis, azimuth=VIEWS[view])
