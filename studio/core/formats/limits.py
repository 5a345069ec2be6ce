"""Hard limits on what a file may declare, and the checks that apply them before anything is
allocated.

A header can claim anything ("element vertex 10000000000"); every count read from a header is
checked here against these limits and against what the file's size can physically hold, so a
lying file is rejected in milliseconds instead of exhausting memory. Every reader in
:mod:`studio.core.formats` uses these, so ingest and preview refuse the same files.
"""

from __future__ import annotations

from studio.core.errors import InvalidFile

GiB = 1024**3

MAX_FILE_BYTES = 16 * GiB
#: Text geometry (OBJ, OFF, ASCII STL, XYZ) is parsed in memory by its library.
MAX_TEXT_GEOMETRY_BYTES = 2 * GiB
MAX_VERTICES = 200_000_000
MAX_FACES = 200_000_000
MAX_POINTS = 200_000_000
#: PLY / PCD headers are small text; a "header" without its end marker in this many bytes is broken.
MAX_HEADER_BYTES = 1024 * 1024
#: glTF JSON (the .gltf file, or the JSON chunk of a GLB).
MAX_GLTF_JSON_BYTES = 256 * 1024 * 1024
#: Bytes of RIFF chunks before a WAV's ``data`` chunk that a reader keeps in memory.
MAX_RIFF_HEADER_BYTES = 64 << 20


def check_count(what: str, count: int, limit: int) -> None:
    """Reject a negative or absurd count (``what`` is e.g. "vertices")."""
    if count < 0:
        raise InvalidFile(f"header declares a negative number of {what} ({count})")
    if count > limit:
        raise InvalidFile(f"header declares {count:,} {what}; the limit is {limit:,}")


def check_fits(what: str, count: int, min_bytes_each: int, available: int, fmt: str) -> None:
    """Reject a header count that the bytes after the header cannot possibly hold."""
    if count and count * min_bytes_each > available:
        at_most = available // min_bytes_each if min_bytes_each else 0
        raise InvalidFile(f"{fmt} header declares {count:,} {what} but the file holds at most {at_most:,} "
                          f"({available:,} bytes of data, at least {min_bytes_each} bytes each)")


# -- work a small hostile file can cause (DR017) -----------------------------------------------
# A few megabytes can declare a scene graph, polygon or line structure that takes minutes and
# gigabytes to expand; these are checked from headers, JSON and a cheap scan, before any library
# (plyfile, trimesh) walks the data.

#: glTF nodes in one file; a scan has a handful.
MAX_GLTF_NODES = 5_000
#: How deep glTF nodes may nest (a chain of parents).
MAX_GLTF_DEPTH = 64
#: Mesh placements once the scene is flattened (a node with a mesh is one instance).
MAX_GLTF_INSTANCES = 5_000
#: Corners of one polygon (PLY face, OFF face); more is not a scan's surface.
MAX_FACE_CORNERS = 16
#: PLY rows plyfile reads one at a time (all rows of an ASCII PLY; rows of binary elements with
#: lists that are not read in one pass): 3 to 35 µs each on a loaded 2-core machine.
MAX_ROW_READER_ROWS = 1_000_000
#: Bytes the decoded geometry would take: float64 x, y, z per vertex and int64 corners per
#: triangle, as ingest and the preview hold them (the process peaks at a few times this).
MAX_GEOMETRY_BYTES = 1 * GiB
GEOMETRY_BYTES_PER_VERTEX = 3 * 8
GEOMETRY_BYTES_PER_TRIANGLE = 3 * 8


def geometry_bytes(vertices: int, triangles: int) -> int:
    return vertices * GEOMETRY_BYTES_PER_VERTEX + triangles * GEOMETRY_BYTES_PER_TRIANGLE


def check_geometry(fmt: str, vertices: int, triangles: int) -> None:
    """Refuse geometry whose triangles or decoded size would exceed the limits, before reading it."""
    if triangles > MAX_FACES:
        raise InvalidFile(f"{fmt} would hold {triangles:,} triangles once triangulated; the limit is {MAX_FACES:,}")
    need = geometry_bytes(vertices, triangles)
    if need > MAX_GEOMETRY_BYTES:
        raise InvalidFile(f"{fmt} would need about {need / GiB:,.1f} GiB of memory to read ({vertices:,} vertices, "
                          f"{triangles:,} triangles); the limit is {MAX_GEOMETRY_BYTES / GiB:,.0f} GiB")
