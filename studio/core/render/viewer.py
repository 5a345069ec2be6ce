"""Open a scan in Open3D's own interactive window, in a separate process.

The geometry is decrypted here and sent to the viewer process through a pipe — the likeness is
never written to a file. The viewer needs a display (X11 or Wayland) and Open3D's GUI; where
there is none, :func:`viewer_available` says why.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import sys

import numpy as np

from studio.core.environ import secrets_withheld
from studio.core.errors import RenderUnavailable
from studio.core.render.geometry import Geometry, geometry_for_asset
from studio.core.render.views import camera_for
from studio.core.vault import Vault


def viewer_available() -> str | None:
    """None when a window can open here, else the reason it cannot."""
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        return "no display to open a window on"
    if os.environ.get("QT_QPA_PLATFORM") == "offscreen":
        return "running without a display (offscreen)"
    return None


def viewer_camera(geometry: Geometry) -> dict:
    """The keyword arguments that open Open3D's viewer on the scan's front view, as every other
    view of the scan shows it (:func:`camera_for`, DR036): ``lookat``, ``up``, ``front`` (from the
    centre towards the eye) and ``zoom``."""
    center, eye, up = camera_for(*geometry.bounds(), "front").eye_and_up()
    front = np.asarray(eye) - np.asarray(center)
    return {"lookat": center, "up": up, "front": (front / np.linalg.norm(front)).tolist(), "zoom": 0.7}


def _viewer_main(conn, title: str) -> None:
    import open3d as o3d

    positions, triangles, colors, camera = conn.recv()
    conn.close()
    v3 = o3d.utility.Vector3dVector
    if triangles is not None:
        geom = o3d.geometry.TriangleMesh(v3(positions.astype(np.float64)), o3d.utility.Vector3iVector(triangles))
        geom.compute_vertex_normals()
        if colors is not None:
            geom.vertex_colors = v3(colors.astype(np.float64))
    else:
        geom = o3d.geometry.PointCloud(v3(positions.astype(np.float64)))
        if colors is not None:
            geom.colors = v3(colors.astype(np.float64))
    # the legacy viewer's light sits at the camera: it follows the view, as the preview's does
    o3d.visualization.draw_geometries([geom], window_name=title, width=1024, height=768, **camera)


def open_viewer(vault: Vault, asset_id: str, title: str = "Twin Studio — Open3D viewer"):
    """Start the viewer process with the full scan; returns the process (it runs on its own)."""
    reason = viewer_available()
    if reason is not None:
        raise RenderUnavailable(f"Open3D's viewer cannot open: {reason}")
    asset, geometry = geometry_for_asset(vault, asset_id, detail="full")
    ctx = mp.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=_viewer_main, args=(child, f"{title} — {asset.original_name}"),
                       name="twin-studio-open3d-viewer", daemon=False)
    with secrets_withheld():  # the child copies os.environ as it starts (DR010)
        proc.start()
    child.close()
    parent.send((geometry.positions, geometry.triangles, geometry.colors, viewer_camera(geometry)))
    parent.close()
    return proc
