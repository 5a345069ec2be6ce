"""The render child process: owns the one Open3D OffscreenRenderer, on its main thread.

Requests arrive over a pipe as tuples; replies are ("ok", value) or ("error", message). A scan's
arrays follow a "load" request as raw bytes (``send_bytes``), received straight into arrays of
their own (no pickled copies on either side). Open3D and Filament log to stdout/stderr; the
child sends both to the null device unless ``STUDIO_DEBUG`` is set, so a command line stays clean.
"""

from __future__ import annotations

import os
import sys

BACKGROUND = [0.93, 0.93, 0.92, 1.0]
NEUTRAL = [0.78, 0.76, 0.74]
LOOKS = ("shaded", "wireframe", "points")


def _silence() -> None:
    if os.environ.get("STUDIO_DEBUG"):
        return
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.dup2(null, 2)


def receive_arrays(conn, specs: list) -> dict:
    """The arrays announced by ``specs`` ([(name, dtype, shape)]), each read from the pipe into
    an array allocated for it."""
    import numpy as np

    arrays = {}
    for name, dtype, shape in specs:
        arr = np.empty(shape, dtype)
        if arr.nbytes:
            conn.recv_bytes_into(memoryview(arr).cast("B"))
        arrays[name] = arr
    return arrays


class _Renderer:
    """One OffscreenRenderer of a fixed size holding one scan. The looks asked for are added
    before the first frame and switched by visibility: adding geometry after a frame has
    rendered made the next frame take over a minute on llvmpipe (DR005). Geometry is added as
    Open3D tensor geometry of float32 (never widened to float64) and dropped here once Filament
    holds its own copy (DR023)."""

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
        self.background = list(BACKGROUND)
        self.renderer.scene.set_background(self.background)
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

    def _tensor(self, arr):
        return self.o3d.core.Tensor.from_numpy(arr)

    def _mesh(self, positions, triangles, colors=None, uvs=None):
        t = self.o3d.t.geometry.TriangleMesh()
        t.vertex.positions = self._tensor(positions)
        t.triangle.indices = self._tensor(triangles)
        if colors is not None:
            t.vertex.colors = self._tensor(colors)
        if uvs is not None:
            t.vertex.texture_uvs = self._tensor(uvs)
        return t

    def _add(self, name: str, geometry, material) -> None:
        # no down-sampled copy: Open3DScene would add one for big clouds, costing memory
        self.renderer.scene.add_geometry(name, geometry, material, False)

    def load(self, key: str, arrays: dict, looks=LOOKS) -> tuple[int, int]:
        """``arrays``: positions (n, 3) float32, triangles (m, 3) int32 or absent, colors
        (n, 3) float32, uvs (n, 2) float32 with texture (h, w, 3|4) uint8, and wire_positions /
        wire_triangles: a lighter mesh (the LOD) to draw the wireframe and the points from —
        a full scan's own edges would cost seconds and memory to build and draw as one solid
        mass. ``looks``: which of shaded, wireframe, points to add (a one-shot still adds one).
        Returns the (vertices, triangles) held."""
        if self.key is not None:
            raise RuntimeError("this renderer already holds a scan; start a new one")
        o3d = self.o3d
        positions, triangles = arrays.pop("positions"), arrays.pop("triangles", None)
        colors, uvs, texture = arrays.pop("colors", None), arrays.pop("uvs", None), arrays.pop("texture", None)
        wire_pos, wire_tris = arrays.pop("wire_positions", None), arrays.pop("wire_triangles", None)
        count = (len(positions), len(triangles) if triangles is not None else 0)
        looks = [look for look in LOOKS if look in looks] if triangles is not None else ["points"]
        if triangles is not None and "shaded" in looks:
            mesh = self._mesh(positions, triangles, colors, uvs if texture is not None else None)
            mesh.compute_vertex_normals()
            if "normals" in mesh.triangle:  # needed only to compute the vertex normals
                del mesh.triangle.normals
            if texture is not None:
                mat = self._material("defaultLit", (1.0, 1.0, 1.0))
                mat.albedo_img = o3d.geometry.Image(texture)
            else:
                mat = self._material("defaultLit", None if colors is not None else NEUTRAL)
            self._add("shaded", mesh, mat)
            del mesh
        if triangles is not None and "wireframe" in looks:
            wire = (self._mesh(wire_pos, wire_tris) if wire_pos is not None
                    else self._mesh(positions, triangles)).to_legacy()
            self._add("wireframe", o3d.geometry.LineSet.create_from_triangle_mesh(wire),
                      self._material("unlitLine", (0.2, 0.25, 0.3)))
            del wire
        if "points" in looks:
            cloud = o3d.t.geometry.PointCloud(self._tensor(wire_pos if wire_pos is not None else positions))
            if colors is not None and wire_pos is None:
                cloud.point.colors = self._tensor(colors)
            self._add("points", cloud, self._material("defaultUnlit", None if colors is not None and wire_pos is None
                                                     else (0.35, 0.38, 0.42)))
            del cloud
        self.looks = looks
        self.key = key
        return count

    def render(self, key: str, width: int, height: int, center, eye, up, fov: float, mode: str,
               background=None):
        """``background``: RGB floats in 0..1 (default :data:`BACKGROUND`); the app's viewport
        passes a dark one under a dark palette."""
        import numpy as np

        if key != self.key:
            raise KeyError(f"this renderer holds {self.key!r}, not {key!r}")
        if (width, height) != self.size:
            raise ValueError(f"this renderer draws {self.size[0]}x{self.size[1]}, not {width}x{height}")
        colour = [float(c) for c in background][:3] + [1.0] if background is not None else list(BACKGROUND)
        if len(colour) != 4 or not all(0.0 <= c <= 1.0 for c in colour):
            raise ValueError(f"a background is three numbers from 0 to 1, not {background!r}")
        if colour != self.background:
            self.renderer.scene.set_background(colour)
            self.background = colour
        shown = mode if mode in self.looks else self.looks[0]
        for look in self.looks:
            self.renderer.scene.show_geometry(look, look == shown)
        self.renderer.setup_camera(fov, center, eye, up, *self._clip(eye))
        return np.asarray(self.renderer.render_to_image()).copy()

    def _clip(self, eye) -> tuple[float, float]:
        """Near and far planes around the scan as seen from ``eye``. Open3D's default near plane
        is a fixed 0.1 scene units: a scan a few centimetres across, viewed from the distance that
        fits it, lay in front of it and the frame came out empty."""
        import numpy as np

        box = self.renderer.scene.bounding_box
        lo, hi = np.asarray(box.min_bound, float), np.asarray(box.max_bound, float)
        radius = max(float(np.linalg.norm(hi - lo)) / 2, 1e-9)
        distance = float(np.linalg.norm(np.asarray(eye, float) - (lo + hi) / 2))
        return max(distance - 2 * radius, (distance + radius) * 1e-3), distance + 2 * radius


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
                width, height, key, specs, looks = args
                try:
                    arrays = receive_arrays(conn, specs)  # all of them first: the pipe stays in step
                except Exception as exc:  # (MemoryError) the pipe is out of step: say why and end
                    conn.send(("error", f"could not take the scan: {type(exc).__name__}: {exc}"))
                    return
                renderer = renderer or _Renderer(width, height)
                conn.send(("ok", renderer.load(key, arrays, looks)))
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
