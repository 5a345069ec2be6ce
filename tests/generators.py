"""Generated inputs too large or too specific to keep in ``../shared/testdata``: scan-like
meshes, vertex soups and voice takes. The tests' large-scan fixtures and the benchmarks
(``benchmarks/``) build their inputs here, so both measure and test the same files.

Only the standard library is imported at module level (NumPy and trimesh inside each function):
a benchmark's child process imports this module before its clock starts, and the preview
benchmark's "first scan after launch" case must still pay for trimesh itself.
"""

from __future__ import annotations

from pathlib import Path

BODY_AXES = (0.25, 0.9, 0.15)  # metres: the half-axes of a body-sized ellipsoid, 1.8 m tall


def body_scan_ply(path: Path, subdivisions: int = 8, *, normals_and_colours: bool = True) -> dict:
    """A scan-like closed surface of ``20 * 4**subdivisions`` triangles (1,310,720 at 8), 1.8 m
    tall, with 1.5 mm of scanner noise, as a binary PLY; with vertex normals and colours unless
    ``normals_and_colours`` is false. Returns its counts, the file's size in MiB and the size of
    the mesh as Open3D holds it in memory (float64 positions, normals and colours; int32 faces)."""
    import numpy as np
    import trimesh

    sphere = trimesh.creation.icosphere(subdivisions=subdivisions)
    axes = np.array(BODY_AXES)
    v = sphere.vertices * axes
    rng = np.random.default_rng(7)
    unit = sphere.vertices  # the unit sphere's points are its normals
    v = v + unit * rng.normal(0, 0.0015, (len(v), 1))  # scanner noise
    if normals_and_colours:
        normals = unit / axes
        normals /= np.linalg.norm(normals, axis=1, keepdims=True)
        colors = np.clip(180 + rng.normal(0, 10, (len(v), 3)), 0, 255).astype(np.uint8)
        mesh = trimesh.Trimesh(v, sphere.faces, vertex_normals=normals, vertex_colors=colors, process=False)
        data = trimesh.exchange.ply.export_ply(mesh, encoding="binary", vertex_normal=True)
    else:
        mesh = trimesh.Trimesh(v, sphere.faces, process=False)
        data = trimesh.exchange.ply.export_ply(mesh, encoding="binary")
    path.write_bytes(data)
    in_memory = len(v) * 3 * 8 * 3 + len(sphere.faces) * 3 * 4  # Open3D: xyz, normals, colours (f64), int32 faces
    return {"faces": len(sphere.faces), "vertices": len(v), "file_mib": path.stat().st_size / 2**20,
            "mesh_in_memory_mib": in_memory / 2**20}


def sphere_ply(path: Path, subdivisions: int = 7, radius: float = 0.9):
    """A closed icosphere of ``20 * 4**subdivisions`` triangles (327,680 at 7: enough to get a
    preview LOD) as a binary PLY; returns the trimesh mesh to compare against."""
    import trimesh

    sphere = trimesh.creation.icosphere(subdivisions=subdivisions, radius=radius)
    path.write_bytes(trimesh.exchange.ply.export_ply(sphere, encoding="binary"))
    return sphere


def random_ply(path: Path, vertices: int, faces: int, *, seed: int = 5, scale: float = 1.0,
               block: int = 1_000_000) -> int:
    """A binary little-endian PLY of random float32 vertices in ``[0, scale)`` and random
    triangles (uchar-list int32 indices): no surface, just bytes in the shape of a big scan,
    written ``block`` rows at a time so memory stays small. Returns the file's size."""
    import numpy as np

    rng = np.random.default_rng(seed)
    face_record = np.dtype([("n", "u1"), ("v", "<i4", 3)])
    with open(path, "wb") as f:
        f.write(b"ply\nformat binary_little_endian 1.0\ncomment generated\n"
                b"element vertex %d\nproperty float x\nproperty float y\nproperty float z\n"
                b"element face %d\nproperty list uchar int vertex_indices\nend_header\n" % (vertices, faces))
        for start in range(0, vertices, block):
            n = min(block, vertices - start)
            f.write((rng.random((n, 3), dtype=np.float32) * np.float32(scale)).astype("<f4").tobytes())
        for start in range(0, faces, block):
            rows = np.empty(min(block, faces - start), face_record)
            rows["n"] = 3
            rows["v"] = rng.integers(0, vertices, (len(rows), 3), dtype=np.int32)
            f.write(rows.tobytes())
    return path.stat().st_size


def big_body_ply(path: Path, target_bytes: int, seed: int) -> dict:
    """A closed, body-sized surface (an ellipsoid 1.8 m tall, 0.5 m wide, 0.3 m deep, in metres,
    with 1.5 mm of scanner noise) as a binary little-endian PLY: float32 x, y, z vertices and
    uchar-list faces of int32 indices, about ``target_bytes`` long. A latitude-longitude grid
    (a pole vertex at each end) written row block by row block, so memory stays small."""
    import numpy as np

    cols = 2048
    rows = max(4, round(target_bytes / (38 * cols)))  # 12 bytes a vertex + 2 faces of 13 bytes each
    nv, nf = rows * cols + 2, 2 * rows * cols
    rng = np.random.default_rng(seed)
    axes = np.array(BODY_AXES)
    face_t = np.dtype([("n", "u1"), ("v", "<i4", (3,))])
    header = (f"ply\nformat binary_little_endian 1.0\ncomment twin-studio benchmark body {seed}\n"
              f"element vertex {nv}\nproperty float x\nproperty float y\nproperty float z\n"
              f"element face {nf}\nproperty list uchar int vertex_indices\nend_header\n").encode()
    block = 256
    col = np.arange(cols)
    with open(path, "wb") as f:
        f.write(header)
        f.write(np.array([[0, 0.9 + 0.9, 0]], "<f4").tobytes())  # the north pole (feet at y = 0)
        for r0 in range(0, rows, block):
            r = np.arange(r0, min(rows, r0 + block))
            theta = np.pi * (r[:, None] + 1) / (rows + 1) + rng.normal(0, 0.1 / rows, (len(r), cols))
            phi = 2 * np.pi * (col[None, :] + rng.uniform(-0.25, 0.25, (len(r), cols))) / cols
            unit = np.stack([np.sin(theta) * np.cos(phi), np.cos(theta), np.sin(theta) * np.sin(phi)], axis=-1)
            v = unit * axes * (1 + rng.normal(0, 0.0015, (len(r), cols, 1)) / axes.mean())
            v[..., 1] += 0.9
            f.write(v.reshape(-1, 3).astype("<f4").tobytes())
        f.write(np.array([[0, 0.0, 0]], "<f4").tobytes())  # the south pole
        south = nv - 1
        top = np.empty(cols, face_t)
        top["n"] = 3
        top["v"] = np.stack([np.zeros(cols, int), 1 + (col + 1) % cols, 1 + col], axis=1)
        f.write(top.tobytes())
        for r0 in range(0, rows - 1, block):
            r = np.arange(r0, min(rows - 1, r0 + block))[:, None]
            a = 1 + r * cols + col[None, :]
            e = 1 + r * cols + (col[None, :] + 1) % cols
            b, d = a + cols, e + cols
            quads = np.empty((len(r), cols, 2), face_t)
            quads["n"] = 3
            quads["v"][:, :, 0] = np.stack([a, e, d], axis=-1)
            quads["v"][:, :, 1] = np.stack([a, d, b], axis=-1)
            f.write(quads.tobytes())
        last = 1 + (rows - 1) * cols
        bottom = np.empty(cols, face_t)
        bottom["n"] = 3
        bottom["v"] = np.stack([np.full(cols, south), last + col, last + (col + 1) % cols], axis=1)
        f.write(bottom.tobytes())
    return {"vertices": nv, "faces": nf, "bytes": path.stat().st_size}


def voice_wav(path: Path, target_bytes: int, seed: int, rate: int = 48_000) -> dict:
    """A mono 16-bit PCM WAV take of about ``target_bytes`` (at least a second): band-limited
    noise (a voice-like 300–3400 Hz band) under a slowly gliding tone, with syllable-rate
    loudness changes and pauses, written a second at a time."""
    import wave

    import numpy as np

    rng = np.random.default_rng(seed)
    frames = max(rate, (target_bytes - 44) // 2)
    freqs = np.fft.rfftfreq(rate, 1 / rate)
    band = (freqs > 300) & (freqs < 3400)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        done = 0
        while done < frames:
            n = min(rate, frames - done)
            spectrum = np.fft.rfft(rng.normal(0, 1, rate)) * band
            noise = np.fft.irfft(spectrum, rate)[:n]
            noise /= noise.std() + 1e-9
            t = (done + np.arange(n)) / rate
            tone = np.sin(2 * np.pi * (140 + 30 * np.sin(2 * np.pi * 0.3 * t)) * t)
            envelope = np.clip(np.sin(2 * np.pi * 3.1 * t) + 0.3, 0, None) * (rng.random() > 0.15)
            x = 0.08 * envelope * (0.6 * noise + 0.8 * tone)
            w.writeframes((np.clip(x, -1, 1) * 32767).astype("<i2").tobytes())
            done += n
    return {"seconds": frames / rate, "bytes": path.stat().st_size}


#: the texture's regions: the front of the body (u 0.05–0.45 about azimuth 90°, u 0.25, so the
#: front and three-quarter views face it) is red above the waist and blue below; the back (u
#: 0.55–0.95) green above, yellow below; grey between
TEXTURE_FRONT_TOP = (220, 30, 30)
TEXTURE_FRONT_BOTTOM = (30, 40, 220)
_TEXTURE_OTHER = {(0, 1): (30, 200, 40), (1, 1): (230, 210, 30)}


def _body_grid(rows: int, cols: int):
    """A body-sized ellipsoid as a latitude-longitude grid with UVs (a seam column repeated at
    u = 0 and u = 1; small holes at the poles): vertices, uvs (origin bottom left), faces."""
    import numpy as np

    theta = np.linspace(0.02, np.pi - 0.02, rows)
    u = np.linspace(0.0, 1.0, cols + 1)
    phi = 2 * np.pi * u
    t, p = np.meshgrid(theta, phi, indexing="ij")
    unit = np.stack([np.sin(t) * np.cos(p), np.cos(t), np.sin(t) * np.sin(p)], axis=-1)
    v = (unit * np.array(BODY_AXES)).reshape(-1, 3)
    v[:, 1] += 0.9
    uv = np.stack([np.broadcast_to(u, t.shape), 1.0 - t / np.pi], axis=-1).reshape(-1, 2)
    a = (np.arange(rows - 1)[:, None] * (cols + 1) + np.arange(cols)[None, :]).ravel()
    b, c, d = a + cols + 1, a + 1, a + cols + 2
    faces = np.concatenate([np.stack([a, c, b], 1), np.stack([c, d, b], 1)])  # outward on this grid
    return v, uv, faces


def _texture_image(side: int):
    import numpy as np
    from PIL import Image

    img = np.full((side, side, 3), 128, np.uint8)
    h = side // 2
    bands = {0: (int(0.05 * side), int(0.45 * side)), 1: (int(0.55 * side), int(0.95 * side))}
    for (half, band), colour in {(0, 0): TEXTURE_FRONT_TOP, (1, 0): TEXTURE_FRONT_BOTTOM, **_TEXTURE_OTHER}.items():
        lo, hi = bands[band]
        img[half * h:(half + 1) * h, lo:hi] = colour  # rows top first: the top half is v 0.5–1
    return Image.fromarray(img)


def textured_body(folder: Path, side: int = 8192, rows: int = 256, cols: int = 512) -> dict:
    """A textured body-sized scan in ``folder``: ``body.obj`` + ``body.mtl`` + ``body.png`` (a
    ``side``×``side`` texture with regions of known colours, see TEXTURE_FRONT_*) and the same
    as one ``body.glb`` (texture embedded). Returns the paths and counts."""
    import numpy as np
    import trimesh

    folder.mkdir(parents=True, exist_ok=True)
    v, uv, faces = _body_grid(rows, cols)
    image = _texture_image(side)
    image.save(folder / "body.png", compress_level=1)
    (folder / "body.mtl").write_text("newmtl skin\nKa 1 1 1\nKd 1 1 1\nmap_Kd body.png\n")
    with open(folder / "body.obj", "w") as f:
        f.write("mtllib body.mtl\nusemtl skin\n")
        f.write("".join(f"v {x:.6f} {y:.6f} {z:.6f}\n" for x, y, z in v.tolist()))
        f.write("".join(f"vt {s:.6f} {t:.6f}\n" for s, t in uv.tolist()))
        f.write("".join(f"f {a}/{a} {b}/{b} {c}/{c}\n" for a, b, c in (faces + 1).tolist()))
    mesh = trimesh.Trimesh(v, faces, process=False,
                           visual=trimesh.visual.TextureVisuals(uv=uv, image=image))
    (folder / "body.glb").write_bytes(mesh.export(file_type="glb"))
    return {"obj": folder / "body.obj", "glb": folder / "body.glb", "faces": len(faces),
            "vertices": len(v), "texture_side": side, "uv_range": [float(np.min(uv)), float(np.max(uv))]}
def flat_png(path: Path, width: int, height: int, colours=((200, 150, 120), (90, 60, 50), (60, 40, 30))) -> int:
    """An RGB PNG of horizontal bands of flat colour (a texture atlas in the shape of a big scan's):
    written row by row, each row after a band's first filtered "Up" (all zeros), so an 8192 × 8192
    texture takes a fraction of a second and about a megabyte. Returns the file's size."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    comp = zlib.compressobj(1)
    band = max(1, height // len(colours))
    same = b"\x02" + bytes(3 * width)
    body = []
    for y in range(height):
        row = b"\x00" + bytes(colours[(y // band) % len(colours)]) * width if y % band == 0 else same
        body.append(comp.compress(row))
    body.append(comp.flush())
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
                     + chunk(b"IDAT", b"".join(body)) + chunk(b"IEND", b""))
    return path.stat().st_size


def textured_obj(folder: Path, subdivisions: int = 6, texture_px: int = 8192) -> Path:
    """``body.obj`` (an icosphere of ``20 * 4**subdivisions`` triangles with UVs) + ``body.mtl`` +
    ``skin.png`` (``texture_px`` square, :func:`flat_png`) in ``folder``; returns the OBJ's path."""
    import numpy as np
    import trimesh

    s = trimesh.creation.icosphere(subdivisions=subdivisions, radius=0.9)
    uv = np.column_stack([np.arctan2(s.vertices[:, 0], s.vertices[:, 2]) / (2 * np.pi) + 0.5,
                          s.vertices[:, 1] / 1.8 + 0.5])
    path = folder / "body.obj"
    with open(path, "w") as f:
        f.write("mtllib body.mtl\nusemtl skin\n")
        np.savetxt(f, s.vertices, fmt="v %.6f %.6f %.6f")
        np.savetxt(f, uv, fmt="vt %.6f %.6f")
        fi = s.faces + 1
        np.savetxt(f, np.repeat(fi, 2, axis=1), fmt="f %d/%d %d/%d %d/%d")
    (folder / "body.mtl").write_text("newmtl skin\nKd 1 1 1\nmap_Kd skin.png\n")
    flat_png(folder / "skin.png", texture_px, texture_px)
    return path


def compressed_pcd(path: Path, points: int, seed: int = 3) -> dict:
    """A PCD point cloud stored as ``binary_compressed`` (float32 x, y, z on a body-sized
    ellipsoid): the LZF stream holds literal runs only — valid LZF that any reader must expand,
    written without a compressor. Returns its counts and size."""
    import numpy as np

    rng = np.random.default_rng(seed)
    unit = rng.normal(size=(points, 3))
    unit /= np.linalg.norm(unit, axis=1, keepdims=True)
    xyz = (unit * np.array(BODY_AXES)).astype("<f4")
    xyz[:, 1] += 0.9
    raw = np.ascontiguousarray(xyz.T).tobytes()  # binary_compressed stores field after field
    pad = (-len(raw)) % 32
    runs = np.frombuffer(raw + bytes(pad), np.uint8).reshape(-1, 32)
    lzf = np.empty((len(runs), 33), np.uint8)
    lzf[:, 0] = 31  # a literal run of 32 bytes
    lzf[:, 1:] = runs
    body = lzf.tobytes()
    if pad:  # the last run holds only the bytes left
        body = body[:-33] + bytes([31 - pad]) + runs[-1, :32 - pad].tobytes()
    header = ("# .PCD v0.7 - Point Cloud Data file format\nVERSION 0.7\nFIELDS x y z\nSIZE 4 4 4\nTYPE F F F\n"
              f"COUNT 1 1 1\nWIDTH {points}\nHEIGHT 1\nVIEWPOINT 0 0 0 1 0 0 0\nPOINTS {points}\n"
              "DATA binary_compressed\n").encode()
    path.write_bytes(header + np.array([len(body), len(raw)], "<u4").tobytes() + body)
    return {"points": points, "bytes": path.stat().st_size}


MARK_RGB = (220, 30, 30)  # the marked body's nose


def marked_body_ply(path: Path, up: str = "y", subdivisions: int = 4) -> dict:
    """A grey body-sized ellipsoid (1.8 m tall) with a red nose on its front at face height, as
    a binary PLY with vertex colours, standing on ``up`` ("y": facing +Z; "z": facing −Y, the
    conventions of each up axis, DR036). Returns where the nose sits (``nose``) and which way
    it faces (``front``), in the file's coordinates."""
    import numpy as np
    import trimesh

    body = trimesh.creation.icosphere(subdivisions=subdivisions)
    body.vertices = body.vertices * np.array(BODY_AXES)
    nose_at = np.array([0.0, 0.6, BODY_AXES[2] * 0.75])
    nose = trimesh.creation.icosphere(subdivisions=3, radius=0.08)
    nose.vertices = nose.vertices + nose_at
    grey = np.tile([170, 170, 170, 255], (len(body.vertices), 1))
    red = np.tile(list(MARK_RGB) + [255], (len(nose.vertices), 1))
    v = np.vstack([body.vertices, nose.vertices])
    f = np.vstack([body.faces, nose.faces + len(body.vertices)])
    front = np.array([0.0, 0.0, 1.0])
    if up == "z":  # (x, y, z) Y-up → (x, −z, y) Z-up: up goes to +Z, the front to −Y
        to_z_up = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]])
        v, nose_at, front = v @ to_z_up.T, to_z_up @ nose_at, to_z_up @ front
    mesh = trimesh.Trimesh(v, f, vertex_colors=np.vstack([grey, red]).astype(np.uint8), process=False)
    path.write_bytes(trimesh.exchange.ply.export_ply(mesh, encoding="binary"))
    return {"nose": nose_at.tolist(), "front": front.tolist(), "faces": len(f)}


def coloured_cloud_ply(path: Path, points: int = 4000, seed: int = 2) -> None:
    """A body-sized cloud of points on an ellipsoid, its left half (−X) pure green and its right
    half pure blue, as an ASCII PLY of vertices with colours."""
    import numpy as np

    rng = np.random.default_rng(seed)
    unit = rng.normal(size=(points, 3))
    unit /= np.linalg.norm(unit, axis=1, keepdims=True)
    xyz = unit * np.array(BODY_AXES)
    rgb = np.where(xyz[:, :1] < 0, [[0, 200, 0]], [[0, 0, 220]])
    rows = "\n".join(f"{x:.5f} {y:.5f} {z:.5f} {r} {g} {b}" for (x, y, z), (r, g, b) in zip(xyz, rgb))
    path.write_text(f"ply\nformat ascii 1.0\nelement vertex {points}\nproperty float x\nproperty float y\n"
                    "property float z\nproperty uchar red\nproperty uchar green\nproperty uchar blue\n"
                    f"end_header\n{rows}\n")
