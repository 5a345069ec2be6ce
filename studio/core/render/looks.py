"""What the render child draws besides the surface, as plain arrays: the wireframe's edges, the
points' size at a given zoom, and the headlight that follows the camera (DR036).

Pure numpy, no Open3D: the render child turns these into Filament geometry and lights.
"""

from __future__ import annotations

import math

import numpy as np

WIRE_COLOR = (0.02, 0.22, 0.62)        # a dark blue: apart from the grey surface and both backgrounds
WIRE_PX_PER_TRIANGLE = 80             # pixels of the square on the image's shorter side a triangle, at least
WIRE_LIFT = 0.2                        # edges float this share of the mean edge length off the surface
POINT_SPACING_SHARE = 1.0              # a point's size, as a share of the points' spacing on screen
POINT_SIZE_RANGE = (1.5, 12.0)         # pixels
POINTS_ON_LIGHT = (0.24, 0.27, 0.32)   # points with no colours of their own, on a light background
POINTS_ON_DARK = (0.85, 0.85, 0.82)    # ... on a dark one
HEADLIGHT_RAISE = 0.25                 # the light sits a little above the eye (a lamp over the lens)


def unique_edges(triangles: np.ndarray, n_vertices: int) -> np.ndarray:
    """The undirected edges of ``triangles`` ((m, 3) int), each once, as (k, 2) int32."""
    if not len(triangles):
        return np.zeros((0, 2), np.int32)
    tris = np.asarray(triangles, np.int64)
    pairs = np.concatenate([tris[:, [0, 1]], tris[:, [1, 2]], tris[:, [2, 0]]])
    pairs.sort(axis=1)
    keys = np.unique(pairs[:, 0] * np.int64(n_vertices) + pairs[:, 1])
    return np.stack([keys // n_vertices, keys % n_vertices], axis=1).astype(np.int32)


def wire_triangles(width: int, height: int) -> int:
    """The most triangles a wireframe of this image size shows with its edges apart (a scan fits
    the image's shorter side and covers part of that square, half of it facing the camera)."""
    return max(500, min(width, height) ** 2 // WIRE_PX_PER_TRIANGLE)


def cluster_voxel(positions: np.ndarray, triangles: np.ndarray, target: int) -> float:
    """The voxel size that clusters this surface to about ``target`` triangles (a clustered
    surface has about 2 × area / voxel² of them)."""
    a = positions[triangles[:, 0]].astype(np.float64)
    area = 0.5 * float(np.linalg.norm(np.cross(positions[triangles[:, 1]] - a, positions[triangles[:, 2]] - a),
                                      axis=1).sum())
    return math.sqrt(2.0 * max(area, 1e-12) / target)


def lifted_edges(positions: np.ndarray, normals: np.ndarray, triangles: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:
    """(points, edges) of a wireframe drawn over its own surface: the vertices moved a fifth of
    the mean edge length along their normals, so that the surface does not hide half of each
    line (depth fighting) while the back's edges stay hidden behind the front."""
    edges = unique_edges(triangles, len(positions))
    if not len(edges):
        return np.asarray(positions, np.float32), edges
    lengths = np.linalg.norm(positions[edges[:, 0]] - positions[edges[:, 1]], axis=1)
    lift = WIRE_LIFT * float(lengths.mean())
    return np.ascontiguousarray(positions + normals * lift, np.float32), edges


SPACING_TREE_POINTS = 200_000  # the neighbour search runs on an even subsample of at most this many
SPACING_QUERIES = 256


def spacing_sample(positions: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """(the points to search among, the points to ask about, the factor that turns their
    spacing into the full cloud's): an even subsample thins a surface's points by ``step``, so
    their spacing grows by about √step."""
    step = max(1, int(np.ceil(len(positions) / SPACING_TREE_POINTS)))
    tree = np.ascontiguousarray(positions[::step], np.float64)
    queries = tree[:: max(1, len(tree) // SPACING_QUERIES)]
    return tree, queries, 1.0 / math.sqrt(step)


def point_size(spacing: float, distance: float, height_px: int, fov_deg: float) -> float:
    """Pixels a point is drawn at: a share of the points' ``spacing`` (the median distance to
    their nearest neighbour) as it shows from ``distance`` in an image ``height_px`` high, so
    the points about touch and grow with the scan when the camera comes closer."""
    if spacing <= 0 or distance <= 0:
        return POINT_SIZE_RANGE[0]
    px_per_unit = height_px / (2 * distance * math.tan(math.radians(fov_deg) / 2))
    lo, hi = POINT_SIZE_RANGE
    return float(min(hi, max(lo, POINT_SPACING_SHARE * spacing * px_per_unit)))


def headlight(center, eye, up) -> list[float]:
    """The direction a light travels that comes from the camera (a little above its lens) onto
    the scan: whatever side is seen is lit."""
    forward = np.asarray(center, float) - np.asarray(eye, float)
    forward /= np.linalg.norm(forward) or 1.0
    right = np.cross(forward, np.asarray(up, float))
    if np.linalg.norm(right) < 1e-9:  # looking straight down the up axis
        return forward.tolist()
    cam_up = np.cross(right / np.linalg.norm(right), forward)
    light = forward - HEADLIGHT_RAISE * cam_up
    return (light / np.linalg.norm(light)).tolist()


def neutral_points(background) -> tuple[float, float, float]:
    """The colour of points that have none: dark on a light background, light on a dark one."""
    luminance = 0.2126 * background[0] + 0.7152 * background[1] + 0.0722 * background[2]
    return POINTS_ON_DARK if luminance < 0.5 else POINTS_ON_LIGHT
