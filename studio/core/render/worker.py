"""The render child process: owns the one Open3D OffscreenRenderer, on its main thread.

Requests arrive over a pipe as tuples; replies are ("ok", value) or ("error", message). A scan's
arrays follow a "load" request as raw bytes (``send_bytes``), received straight into arrays of
their own (no pickled copies on either side). Open3D and Filament log to stdout/stderr; the
child sends both to the null device unless ``STUDIO_DEBUG`` is set, so a command line stays clean.
"""

from __future__ import annotations

import math
import os
import sys

import numpy as np

from studio.core.render.looks import (WIRE_COLOR, cluster_voxel, headlight, lifted_edges, neutral_points, point_size,
                                   spacing_sample, wire_triangles)

BACKGROUND = [0.93, 0.93, 0.92, 1.0]
NEUTRAL = [0.86, 0.84, 0.82]
NEUTRAL_POINTS = [0.55, 0.54, 0.52]  # lit points look brighter than a lit surface of the same grey
LOOKS = ("shaded", "wireframe", "points")
SUN_LUX = 160000.0
INDIRECT_LUX = 3000.0


def _silence() -> None:
    if os.environ.get("STUDIO_DEBUG"):
        return
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.dup2(null, 2)


def receive_arrays(conn, specs: list) -> dict:
    """The arrays announced by ``specs`` ([(name, dtype, shape)]), each read from the pipe into
    an array allocated for it."""
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
        # neutral grey scan readable. The sun is a headlight, turned with the camera each frame.
        scene = self.renderer.scene.scene
        scene.set_sun_light([0.0, 0.0, -1.0], [1.0, 1.0, 1.0], SUN_LUX)
        scene.enable_sun_light(True)
        scene.set_indirect_light_intensity(INDIRECT_LUX)
        self.key: str | None = None
        self.looks: list[str] = []
        self.shows: dict[str, list[str]] = {}  # look → the geometries it shows
        self.points: tuple[float, bool, bool] = (0.0, False, False)  # spacing, coloured, lit
        self._points_look: tuple | None = None

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

    def _surface(self, positions, triangles, colors=None, uvs=None, texture=None):
        """A lit surface and its material, and the vertex normals (numpy) it was given."""
        mesh = self._mesh(positions, triangles, colors, uvs if texture is not None else None)
        mesh.compute_vertex_normals()
        if "normals" in mesh.triangle:  # needed only to compute the vertex normals
            del mesh.triangle.normals
        if texture is not None:
            mat = self._material("defaultLit", (1.0, 1.0, 1.0))
            mat.albedo_img = self.o3d.geometry.Image(texture)
        else:
            mat = self._material("defaultLit", None if colors is not None else NEUTRAL)
        return mesh, mat

    def _coarser(self, positions, triangles, colors):
        """(positions, triangles, colours) of a surface whose edges stay apart at this image
        size, or None when this one's do: a mesh of more triangles than the image has room for
        is clustered (Open3D's vertex clustering, a fraction of a second for a preview LOD),
        else its edges fill the scan as one solid mass."""
        budget = wire_triangles(*self.size)
        if len(triangles) <= budget:
            return None
        o3d = self.o3d
        legacy = o3d.geometry.TriangleMesh(o3d.utility.Vector3dVector(positions.astype(np.float64)),
                                           o3d.utility.Vector3iVector(triangles))
        if colors is not None:
            legacy.vertex_colors = o3d.utility.Vector3dVector(colors.astype(np.float64))
        legacy = legacy.simplify_vertex_clustering(cluster_voxel(positions, triangles, budget))
        if not len(legacy.triangles):
            return None
        cols = np.asarray(legacy.vertex_colors, np.float32) if colors is not None else None
        return (np.asarray(legacy.vertices, np.float32), np.asarray(legacy.triangles, np.int32),
                cols if cols is not None and len(cols) else None)

    def load(self, key: str, arrays: dict, looks=LOOKS) -> tuple[int, int]:
        """``arrays``: positions (n, 3) float32, triangles (m, 3) int32 or absent, colors
        (n, 3) float32, uvs (n, 2) float32 with texture (h, w, 3|4) uint8, and wire_positions /
        wire_triangles / wire_colors: a lighter mesh (the LOD) to draw the wireframe and the
        points from — a full scan's own edges would cost seconds and memory to build and draw as
        one solid mass. ``looks``: which of shaded, wireframe, points to add (a one-shot still
        adds one). The wireframe is drawn over the shaded surface it was made from (DR036).
        Returns the (vertices, triangles) held."""
        if self.key is not None:
            raise RuntimeError("this renderer already holds a scan; start a new one")
        o3d = self.o3d
        positions, triangles = arrays.pop("positions"), arrays.pop("triangles", None)
        colors, uvs, texture = arrays.pop("colors", None), arrays.pop("uvs", None), arrays.pop("texture", None)
        wire_pos, wire_tris = arrays.pop("wire_positions", None), arrays.pop("wire_triangles", None)
        wire_colors = arrays.pop("wire_colors", None)
        count = (len(positions), len(triangles) if triangles is not None else 0)
        looks = [look for look in LOOKS if look in looks] if triangles is not None else ["points"]
        self.shows = {}
        normals = None  # of the mesh the wireframe and the points are drawn from
        if triangles is not None and "shaded" in looks:
            mesh, mat = self._surface(positions, triangles, colors, uvs, texture)
            if wire_pos is None:
                normals = mesh.vertex.normals.numpy().copy()
            self._add("shaded", mesh, mat)
            self.shows["shaded"] = ["shaded"]
            del mesh
        if triangles is not None and "wireframe" in looks:
            pos, tris, cols = ((wire_pos, wire_tris, wire_colors) if wire_pos is not None
                               else (positions, triangles, colors))
            coarser = self._coarser(pos, tris, cols)
            surface = "shaded"
            if coarser is not None or wire_pos is not None or "shaded" not in looks:
                pos, tris, cols = coarser or (pos, tris, cols)  # the lines' own surface under them
                surface = "wire_surface"
                mesh, mat = self._surface(pos, tris, cols)
                normals = mesh.vertex.normals.numpy().copy()
                self._add(surface, mesh, mat)
                del mesh
            points, edges = lifted_edges(pos, normals, tris)
            lines = o3d.t.geometry.LineSet(self._tensor(points), self._tensor(edges))
            self._add("wireframe", lines, self._material("unlitLine", WIRE_COLOR, line_width=1.0))
            self.shows["wireframe"] = [surface, "wireframe"]
            del lines, points, edges, coarser
        if "points" in looks:
            from_wire = wire_pos is not None
            pos, tris = (wire_pos, wire_tris) if from_wire else (positions, triangles)
            cols = wire_colors if from_wire else colors
            cloud = o3d.t.geometry.PointCloud(self._tensor(pos))
            if cols is not None:
                cloud.point.colors = self._tensor(cols)
            if tris is not None:  # a mesh's points carry its normals: lit, they show its shape
                mesh = self._mesh(pos, tris)
                mesh.compute_vertex_normals()
                cloud.point.normals = mesh.vertex.normals
                del mesh
            self.points = (self._spacing(pos), cols is not None, tris is not None)
            self._add("points", cloud, self._points_material())
            self.shows["points"] = ["points"]
            del cloud
        self.looks = looks
        self.key = key
        return count

    def _spacing(self, positions) -> float:
        """The median distance from a point to its nearest neighbour (Open3D's k-d tree, on an
        even subsample of a big cloud)."""
        if len(positions) < 2:
            return 0.0
        o3d = self.o3d
        tree_points, queries, scale = spacing_sample(positions)
        tree = o3d.geometry.KDTreeFlann(o3d.geometry.PointCloud(o3d.utility.Vector3dVector(tree_points)))
        nearest = [math.sqrt(tree.search_knn_vector_3d(q, 2)[2][1]) for q in queries]
        return float(np.median(nearest)) * scale

    def _points_material(self, size: float = 2.0):
        """A cloud's points unlit: each shows its own colour (or a neutral one that stands out
        from the background) whatever the light. A mesh's points lit by their normals."""
        _, coloured, lit = self.points
        if lit:
            return self._material("defaultLit", None if coloured else NEUTRAL_POINTS, point_size=size)
        return self._material("defaultUnlit", None if coloured else neutral_points(self.background), point_size=size)

    def render(self, key: str, width: int, height: int, center, eye, up, fov: float, mode: str,
               background=None):
        """``background``: RGB floats in 0..1 (default :data:`BACKGROUND`); the app's viewport
        passes a dark one under a dark palette. The light follows the camera (a headlight), and
        points are sized to the zoom (DR036)."""
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
        names = self.shows[shown]
        for name in {n for look in self.looks for n in self.shows[look]}:
            self.renderer.scene.show_geometry(name, name in names)
        if shown == "points":
            spacing = self.points[0]
            distance = float(np.linalg.norm(np.asarray(eye, float) - np.asarray(center, float)))
            look = (round(point_size(spacing, distance, height, fov), 1), tuple(colour))
            if look != self._points_look:  # a new material only when the size or background changed
                self.renderer.scene.modify_geometry_material("points", self._points_material(look[0]))
                self._points_look = look
        self.renderer.scene.scene.set_sun_light(headlight(center, eye, up), [1.0, 1.0, 1.0], SUN_LUX)
        self.renderer.setup_camera(fov, center, eye, up, *self._clip(eye))
        return np.asarray(self.renderer.render_to_image()).copy()

    def _clip(self, eye) -> tuple[float, float]:
        """Near and far planes around the scan as seen from ``eye``. Open3D's default near plane
        is a fixed 0.1 scene units: a scan a few centimetres across, viewed from the distance that
        fits it, lay in front of it and the frame came out empty."""
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
