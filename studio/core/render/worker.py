"""The render child process: owns the one Open3D OffscreenRenderer, on its main thread.

Requests arrive over a pipe as tuples; replies are ("ok", value) or ("error", message). Open3D
and Filament log to stdout/stderr; the child sends both to the null device unless
``STUDIO_DEBUG`` is set, so a command line stays clean.
"""

from __future__ import annotations

import os
import sys

BACKGROUND = [0.93, 0.93, 0.92, 1.0]
NEUTRAL = [0.78, 0.76, 0.74]


def _silence() -> None:
    if os.environ.get("STUDIO_DEBUG"):
        return
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.dup2(null, 2)


class _Renderer:
    """One OffscreenRenderer of a fixed size holding one scan. All three looks (shaded,
    wireframe, points) are added before the first frame and switched by visibility: adding
    geometry after a frame has rendered made the next frame take over a minute on llvmpipe."""

    def __init__(self, width: int, height: int) -> None:
        import open3d as o3d

        self.o3d = o3d
        self.rendering = o3d.visualization.rendering
        self.renderer = self.rendering.OffscreenRenderer(width, height)
        self.size = (width, height)
        view = self.renderer.scene.view
        # Filament's post-processing (tone mapping, SSAO, bloom, MSAA) makes each frame
        # 3-10 s on a software rasteriser against 0.06 s without; the preview does without.
        view.set_post_processing(False)
        view.set_ambient_occlusion(False)
        view.set_antialiasing(False)
        view.set_shadowing(False)
        self.renderer.scene.set_background(BACKGROUND)
        # without tone mapping, light intensities map straight to pixel values: these keep a
        # neutral grey scan readable, lit from above front-left
        scene = self.renderer.scene.scene
        scene.set_sun_light([-0.5, -0.6, -0.8], [1.0, 1.0, 1.0], 90000.0)
        scene.enable_sun_light(True)
        scene.set_indirect_light_intensity(30000.0)
        self.key: str | None = None
        self.looks: list[str] = []

    def _material(self, shader: str, color=None, point_size: float = 2.0, line_width: float = 1.0):
        mat = self.rendering.MaterialRecord()
        mat.shader = shader
        mat.point_size = point_size
        mat.line_width = line_width
        if color is not None:
            mat.base_color = list(color) + [1.0]
        return mat

    def load(self, key: str, positions, triangles, colors, wire=None) -> int:
        """``wire``: (positions, triangles) of a lighter mesh to draw the wireframe from — the
        LOD, for a full scan whose own 2 M edges would cost seconds to build and draw as one
        solid mass."""
        if self.key is not None:
            raise RuntimeError("this renderer already holds a scan; start a new one")
        o3d, scene = self.o3d, self.renderer.scene
        v3 = o3d.utility.Vector3dVector
        cloud = o3d.geometry.PointCloud(v3(positions.astype("float64")))
        if colors is not None:
            cloud.colors = v3(colors.astype("float64"))
        if triangles is not None:
            mesh = o3d.geometry.TriangleMesh(cloud.points, o3d.utility.Vector3iVector(triangles))
            mesh.compute_vertex_normals()
            if colors is not None:
                mesh.vertex_colors = cloud.colors
            scene.add_geometry("shaded", mesh, self._material("defaultLit", None if colors is not None else NEUTRAL))
            if wire is not None:
                wire_mesh = o3d.geometry.TriangleMesh(v3(wire[0].astype("float64")), o3d.utility.Vector3iVector(wire[1]))
                lines = o3d.geometry.LineSet.create_from_triangle_mesh(wire_mesh)
            else:
                lines = o3d.geometry.LineSet.create_from_triangle_mesh(mesh)
            scene.add_geometry("wireframe", lines, self._material("unlitLine", (0.2, 0.25, 0.3)))
            self.looks = ["shaded", "wireframe", "points"]
        else:
            self.looks = ["points"]
        scene.add_geometry("points", cloud, self._material("defaultUnlit", None if colors is not None else (0.35, 0.38, 0.42)))
        self.key = key
        return len(positions)

    def render(self, key: str, width: int, height: int, center, eye, up, fov: float, mode: str):
        import numpy as np

        if key != self.key:
            raise KeyError(f"this renderer holds {self.key!r}, not {key!r}")
        if (width, height) != self.size:
            raise ValueError(f"this renderer draws {self.size[0]}x{self.size[1]}, not {width}x{height}")
        shown = mode if mode in self.looks else self.looks[0]
        for look in self.looks:
            self.renderer.scene.show_geometry(look, look == shown)
        self.renderer.setup_camera(fov, center, eye, up)
        return np.asarray(self.renderer.render_to_image()).copy()


def main(conn) -> None:
    _silence()
    if hasattr(os, "nice"):
        # a notch below the app: on a small machine the window stays responsive while a
        # child starts or renders next to an ingest
        try:
            os.nice(4)
        except OSError:
            pass
    import open3d  # noqa: F401  (imported up front: a waiting spare child is then ready to draw)

    renderer = None
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        op, args = request[0], request[1:]
        try:
            if op == "quit":
                conn.send(("ok", None))
                return
            if op == "ping":
                conn.send(("ok", os.getpid()))
                continue
            if op == "crash":  # lets tests prove a renderer crash is contained
                os._exit(70)
            if op == "load":
                width, height, key, *arrays = args
                renderer = renderer or _Renderer(width, height)
                conn.send(("ok", renderer.load(key, *arrays)))
            elif renderer is None:
                conn.send(("error", "no scan loaded"))
            elif op == "render":
                conn.send(("ok", renderer.render(*args)))
            else:
                conn.send(("error", f"unknown request {op!r}"))
        except Exception as exc:  # report, keep serving
            conn.send(("error", f"{type(exc).__name__}: {exc}"))


if __name__ == "__main__":
    sys.exit("run through studio.core.render.service")
