"""A reference image made with plain Open3D and an explicit camera, none of Twin Studio's
render code: ``python -m tests.render_reference SCAN.ply OUT.png W H CX CY CZ EX EY EZ UX UY UZ FOV``.

Run in its own process (one OffscreenRenderer a process). The scan is read by Open3D from the
file the test generated; it is drawn lit with Open3D's default lighting, so a test compares
where things are (silhouette, a marker), not shades."""

from __future__ import annotations

import sys


def main(argv: list[str]) -> None:
    import numpy as np
    import open3d as o3d
    from PIL import Image

    scan, out, w, h = argv[0], argv[1], int(argv[2]), int(argv[3])
    center, eye, up = (list(map(float, argv[i:i + 3])) for i in (4, 7, 10))
    fov = float(argv[13])
    mesh = o3d.io.read_triangle_mesh(scan)
    mesh.compute_vertex_normals()
    renderer = o3d.visualization.rendering.OffscreenRenderer(w, h)
    material = o3d.visualization.rendering.MaterialRecord()
    material.shader = "defaultLit"
    renderer.scene.set_background([0.0, 0.0, 0.0, 1.0])  # apart from any lit grey
    renderer.scene.add_geometry("scan", mesh, material)
    renderer.setup_camera(fov, center, eye, up)
    Image.fromarray(np.asarray(renderer.render_to_image())).save(out)


if __name__ == "__main__":
    main(sys.argv[1:])
