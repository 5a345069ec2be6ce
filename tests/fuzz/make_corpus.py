"""Writes the seed corpus under ``corpus/<format>/`` (committed; run again only to change it):
a few tiny valid files of each format and a few broken ones, the starting points the fuzz
targets replay and mutate. ``python -m tests.fuzz.make_corpus``"""

from __future__ import annotations

import base64
import json
import struct
from pathlib import Path

CORPUS = Path(__file__).parent / "corpus"
TRI = struct.pack("<9f", 0, 0, 0, 1, 0, 0, 0, 1, 0)
PLY_HEAD = "ply\nformat {fmt} 1.0\nelement vertex 4\nproperty float x\nproperty float y\nproperty float z\n"


def ply() -> dict[str, bytes]:
    verts = struct.pack("<12f", 0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 1, 0)
    face_head = "element face 2\nproperty list uchar int vertex_indices\nend_header\n"
    ascii_body = "0 0 0\n1 0 0\n0 1 0\n1 1 0\n3 0 1 2\n4 0 1 3 2\n"
    return {
        "ascii_mesh.ply": (PLY_HEAD.format(fmt="ascii") + face_head + ascii_body).encode(),
        "binary_triangles.ply": (PLY_HEAD.format(fmt="binary_little_endian") + face_head).encode() + verts
        + struct.pack("<B3iB3i", 3, 0, 1, 2, 3, 1, 3, 2),
        "binary_mixed.ply": (PLY_HEAD.format(fmt="binary_little_endian") + face_head).encode() + verts
        + struct.pack("<B3iB4i", 3, 0, 1, 2, 4, 0, 1, 3, 2),
        "big_endian_points.ply": (PLY_HEAD.format(fmt="binary_big_endian") + "end_header\n").encode()
        + struct.pack(">12f", 0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 1, 0),
        "many_corners.ply": (PLY_HEAD.format(fmt="binary_little_endian") + face_head).encode() + verts
        + struct.pack("<B3iB40i", 3, 0, 1, 2, 40, *([0, 1, 2, 3] * 10)),
        "no_end_header.ply": PLY_HEAD.format(fmt="ascii").encode(),
        # found by the fuzz target: plyfile raised UnicodeDecodeError, not a refusal
        "non_ascii_data.ply": (PLY_HEAD.format(fmt="ascii") + face_head).encode() + b"\xb0" + ascii_body[1:].encode(),
    }


def obj() -> dict[str, bytes]:
    return {
        "triangle.obj": b"v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n",
        "normals_colours.obj": b"# c\nv 0 0 0 1 0 0\nv 1 0 0 0 1 0\nv 0 1 0 0 0 1\nvn 0 0 1\nf 1//1 2//1 3//1\n",
        "quad_negative.obj": b"v 0 0 0\nv 1 0 0\nv 1 1 0\nv 0 1 0\nf -4 -3 -2 -1\n",
        "one_number_vertex.obj": b"v 0 0 0\nv 1\nv 0 1 0\nf 1 2 3\n",
        "zero_index.obj": b"v 0 0 0\nv 1 0 0\nv 0 1 0\nf 0 1 2\n",
    }


def stl() -> dict[str, bytes]:
    facet = b"facet normal 0 0 1\nouter loop\nvertex 0 0 0\nvertex 1 0 0\nvertex 0 1 0\nendloop\nendfacet\n"
    return {
        "ascii.stl": b"solid t\n" + facet + b"endsolid t\n",
        "binary.stl": b"\0" * 80 + struct.pack("<I", 1) + struct.pack("<3f", 0, 0, 1) + TRI + b"\0\0",
        "binary_lying_count.stl": b"\0" * 80 + struct.pack("<I", 9) + struct.pack("<3f", 0, 0, 1) + TRI + b"\0\0",
    }


def off() -> dict[str, bytes]:
    return {
        "triangle.off": b"OFF\n3 1 0\n0 0 0\n1 0 0\n0 1 0\n3 0 1 2\n",
        "colour.off": b"COFF\n# c\n3 1 0\n0 0 0 255 0 0 255\n1 0 0 0 255 0 255\n0 1 0 0 0 255 255\n3 0 1 2\n",
        "lying_counts.off": b"OFF\n300000 1 0\n0 0 0\n3 0 1 2\n",
    }


def _gltf_doc(nodes: list, data: bytes, uri: str | None) -> dict:
    buffer = {"byteLength": len(data), **({"uri": uri} if uri else {})}
    return {"asset": {"version": "2.0"}, "scene": 0, "scenes": [{"nodes": [0]}], "nodes": nodes,
            "meshes": [{"primitives": [{"attributes": {"POSITION": 0}}]}],
            "accessors": [{"bufferView": 0, "componentType": 5126, "count": 3, "type": "VEC3",
                           "min": [0, 0, 0], "max": [1, 1, 0]}],
            "bufferViews": [{"buffer": 0, "byteLength": len(data)}], "buffers": [buffer]}


def gltf() -> dict[str, bytes]:
    uri = "data:application/octet-stream;base64," + base64.b64encode(TRI).decode()
    doc = json.dumps(_gltf_doc([{"mesh": 0}], TRI, None)).encode()
    doc += b" " * (-len(doc) % 4)
    glb = b"glTF" + struct.pack("<II", 2, 12 + 8 + len(doc) + 8 + len(TRI)) + struct.pack("<I", len(doc)) + b"JSON" \
        + doc + struct.pack("<I", len(TRI)) + b"BIN\0" + TRI
    return {
        "triangle.gltf": json.dumps(_gltf_doc([{"mesh": 0}], TRI, uri)).encode(),
        "triangle.glb": glb,
        "nested.gltf": json.dumps(_gltf_doc([{"children": [i + 1]} for i in range(69)] + [{"mesh": 0}], TRI,
                                            uri)).encode(),
        "cycle.gltf": json.dumps(_gltf_doc([{"children": [1]}, {"children": [0], "mesh": 0}], TRI, uri)).encode(),
    }


def pcd() -> dict[str, bytes]:
    head = "VERSION .7\nFIELDS x y z\nSIZE 4 4 4\nTYPE F F F\nCOUNT 1 1 1\nWIDTH 3\nHEIGHT 1\n" \
           "VIEWPOINT 0 0 0 1 0 0 0\nPOINTS 3\nDATA {data}\n"
    return {
        "ascii.pcd": head.format(data="ascii").encode() + b"0 0 0\n1 0 0\n0 1 0\n",
        "binary.pcd": head.format(data="binary").encode() + TRI,
        "binary_short.pcd": head.format(data="binary").encode() + TRI[:20],
    }


def xyz() -> dict[str, bytes]:
    return {
        "spaces.xyz": b"0 0 0\n1 0 0\n0 1 0\n",
        "title_commas_colour.xyz": b"X,Y,Z,R,G,B\n0,0,0,255,0,0\n1,0,0,0,255,0\n0,1,0,0,0,255\n",
        "ragged.xyz": b"# c\n0 0 0\n1 0\n0 1 0\n",
    }


def wav() -> dict[str, bytes]:
    samples = struct.pack("<64h", *[(i * 997) % 20000 - 10000 for i in range(64)])
    fmt = b"fmt " + struct.pack("<I", 16) + struct.pack("<HHIIHH", 1, 1, 8000, 16000, 2, 16)

    def riff(riff_size: int, data_size: int, body: bytes) -> bytes:
        return b"RIFF" + struct.pack("<I", riff_size) + b"WAVE" + fmt + b"data" + struct.pack("<I", data_size) + body

    return {
        "pcm16.wav": riff(36 + len(samples), len(samples), samples),
        "unknown_sizes.wav": riff(0xFFFFFFFF, 0xFFFFFFFF, samples),
        "truncated.wav": riff(36 + 4 * len(samples), 4 * len(samples), samples),
        "no_data.wav": b"RIFF" + struct.pack("<I", 28) + b"WAVE" + fmt,
    }


def main() -> None:
    for fmt, files in {"ply": ply(), "obj": obj(), "stl": stl(), "off": off(), "gltf": gltf(), "pcd": pcd(),
                       "xyz": xyz(), "wav": wav()}.items():
        folder = CORPUS / fmt
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in files.items():
            (folder / name).write_bytes(data)


if __name__ == "__main__":
    main()
