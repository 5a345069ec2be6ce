"""Every file under testdata/malformed is either accepted or rejected with a specific reason.

The expected outcome of each file is reasoned from its description in SOURCES.md: a defect
that leaves intact, measurable geometry or audio is accepted (with a warning where the operator
should know); a defect that makes the content wrong, ambiguous or unreadable is rejected with a
message naming it. A new file in the folder fails the completeness test until it is added here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from studio.core.errors import InvalidFile, StudioError, UnsupportedFormat
from studio.core.ingest import analyse

TESTDATA = Path(__file__).resolve().parents[2].parent / "shared" / "testdata"
MALFORMED = TESTDATA / "malformed"

A, R = "accept", "reject"
INV, UNS = InvalidFile, UnsupportedFormat

# path under malformed/ -> ("accept", kind, warning substring or "") | ("reject", error class, reason substring)
EXPECTED: dict[str, tuple] = {
    # assimp OBJ: odd encodings and layouts of intact boxes are fine; no faces is not a mesh
    "assimp/OBJ/box_UTF16BE.obj": (A, "mesh", ""),
    "assimp/OBJ/box_longline.obj": (A, "mesh", ""),
    "assimp/OBJ/box_without_lineending.obj": (A, "mesh", ""),
    "assimp/OBJ/number_formats.obj": (A, "mesh", ""),
    "assimp/OBJ/point_cloud.obj": (R, INV, "OBJ has vertices but no faces"),
    "assimp/OBJ/testline.obj": (R, INV, "OBJ has vertices but no faces"),
    # assimp PLY: header quirks of an intact cube are fine; a header lying about its rows is not
    "assimp/PLY/cube_binary_header_with_RN_newline.ply": (A, "mesh", ""),
    "assimp/PLY/cube_binary_starts_with_nl.ply": (A, "mesh", ""),
    "assimp/PLY/float-color.ply": (A, "mesh", ""),
    "assimp/PLY/issue623.ply": (R, INV, "PLY data does not match its header"),  # declares a list the rows lack
    "assimp/PLY/payload_JVN42386607": (R, INV, "PLY header is malformed"),  # security payload, no extension
    "assimp/PLY/points.ply": (A, "point_cloud", ""),
    # assimp STL: format sniffed without extension, empty and multiple solids are legal
    "assimp/STL/formatDetection": (A, "mesh", ""),
    "assimp/STL/triangle_with_empty_solid.stl": (A, "mesh", ""),
    "assimp/STL/triangle_with_two_solids.stl": (A, "mesh", ""),
    # assimp glTF2
    "assimp/glTF2/BoxBadNormals-glTF-Binary/BoxBadNormals.glb": (A, "mesh", ""),  # normals do not shape the scan
    "assimp/glTF2/BoxWithInfinites-glTF-Binary/BoxWithInfinites.glb": (R, INV, "NaN or infinite coordinates"),
    "assimp/glTF2/IncorrectVertexArrays/Cube.gltf": (R, INV, "bufferView 2 ends at byte 936 but buffer 0 holds 514"),
    "assimp/glTF2/IncorrectVertexArrays/Cube.bin": (R, UNS, "unrecognised binary data"),  # a buffer on its own
    "assimp/glTF2/IndexOutOfRange/IndexOutOfRange.gltf": (R, INV, "faces index vertex 255 but the mesh has 24"),
    "assimp/glTF2/IndexOutOfRange/IndexOutOfRange.bin": (R, UNS, "unrecognised binary data"),
    "assimp/glTF2/IndexOutOfRange/AllIndicesOutOfRange.gltf": (R, INV, "faces index vertex 65535 but the mesh has 24"),
    "assimp/glTF2/IndexOutOfRange/AllIndicesOutOfRange.bin": (R, UNS, "unrecognised binary data"),
    "assimp/glTF2/MissingBin/BoxTextured.gltf": (R, INV, "missing buffer file BoxTextured0.bin"),
    "assimp/glTF2/RecursiveNodes/RecursiveNodes.gltf": (R, INV, "contains no meshes"),
    "assimp/glTF2/TestNoRootNode/NoScene.gltf": (R, INV, "contains no meshes"),
    "assimp/glTF2/TestNoRootNode/SceneWithoutNodes.gltf": (R, INV, "contains no meshes"),
    "assimp/glTF2/wrongTypes/badArray.gltf": (R, INV, "'primitives' must be a list"),
    "assimp/glTF2/wrongTypes/badNumber.gltf": (A, "mesh", ""),  # a material's scale is a string; geometry intact
    "assimp/glTF2/wrongTypes/BoxTextured0.bin": (R, UNS, "unrecognised binary data"),
    "assimp/glTF2/wrongTypes/CesiumLogoFlat.png": (R, UNS, "PNG image is not supported"),
    # assimp invalid/
    "assimp/invalid/OutOfMemory.off": (R, INV, "OFF header declares 353,535,235,358 vertices and 6 faces"),
    "assimp/invalid/crash-30d6d0f7c529b3b66b4131700b7a4580cd7082df.ply": (R, INV, "PLY header never ends"),
    "assimp/invalid/empty.obj": (R, INV, "empty file (0 bytes)"),
    "assimp/invalid/empty.ply": (R, INV, "empty file (0 bytes)"),
    "assimp/invalid/malformed.obj": (R, INV, "faces index vertex"),
    "assimp/invalid/malformed2.obj": (A, "mesh", ""),  # unknown material name: geometry is intact
    "assimp/invalid/readme.txt": (R, UNS, "text file is not supported"),
    # pydub
    "pydub/bach.ogg": (R, UNS, "Ogg/FLAC audio cannot be decoded"),  # valid, but libsndfile fails on it
    "pydub/test1-8bit.wav": (A, "voice", ""),
    "pydub/test1_empty.wav": (R, INV, "audio has no frames"),
    "pydub/wrong_extension.aac": (R, UNS, "MP4/M4A audio is not supported (name ends in .aac)"),
    # scipy WAV edge cases: everything libsndfile decodes is accepted, tiny files are flagged
    "scipy_wav/test-1234Hz-le-1ch-10S-20bit-extra.wav": (A, "voice", "low sample rate: 1234 Hz"),
    "scipy_wav/test-44100Hz-2ch-32bit-float-be.wav": (A, "voice", "very short"),
    "scipy_wav/test-44100Hz-2ch-32bit-float-le.wav": (A, "voice", "very short"),
    "scipy_wav/test-44100Hz-be-1ch-4bytes.wav": (A, "voice", "very short"),
    "scipy_wav/test-44100Hz-le-1ch-4bytes-early-eof-no-data.wav": (R, INV, "truncated: the WAV file has no 'data'"),
    "scipy_wav/test-44100Hz-le-1ch-4bytes-early-eof.wav": (A, "voice", "truncated: header says 4,410 frames, 236 decoded"),
    "scipy_wav/test-44100Hz-le-1ch-4bytes-incomplete-chunk.wav": (R, INV, "truncated: the WAV file has no 'data'"),
    "scipy_wav/test-44100Hz-le-1ch-4bytes-rf64.wav": (A, "voice", "very short"),
    "scipy_wav/test-44100Hz-le-1ch-4bytes.wav": (A, "voice", "very short"),
    "scipy_wav/test-48000Hz-2ch-64bit-float-le-wavex.wav": (A, "voice", "very short"),
    "scipy_wav/test-8000Hz-be-3ch-5S-24bit.wav": (A, "voice", "clipping"),
    "scipy_wav/test-8000Hz-le-1ch-1byte-ulaw.wav": (A, "voice", "very short"),
    "scipy_wav/test-8000Hz-le-2ch-1byteu.wav": (A, "voice", "very short"),
    "scipy_wav/test-8000Hz-le-3ch-5S-24bit-inconsistent.wav": (A, "voice", "inconsistent WAV header"),
    "scipy_wav/test-8000Hz-le-3ch-5S-24bit-rf64.wav": (A, "voice", "very short"),
    "scipy_wav/test-8000Hz-le-3ch-5S-24bit.wav": (A, "voice", "very short"),
    "scipy_wav/test-8000Hz-le-3ch-5S-36bit.wav": (R, UNS, "WAV with 36-bit integer samples is not supported"),
    "scipy_wav/test-8000Hz-le-3ch-5S-45bit.wav": (R, UNS, "WAV with 45-bit integer samples is not supported"),
    "scipy_wav/test-8000Hz-le-3ch-5S-53bit.wav": (R, UNS, "WAV with 53-bit integer samples is not supported"),
    "scipy_wav/test-8000Hz-le-3ch-5S-64bit.wav": (R, UNS, "WAV with 64-bit integer samples is not supported"),
    "scipy_wav/test-8000Hz-le-4ch-9S-12bit.wav": (A, "voice", "very short"),
    "scipy_wav/test-8000Hz-le-5ch-9S-5bit.wav": (A, "voice", "very short"),
    # trimesh
    "trimesh/busted.STL": (A, "mesh", ""),  # odd header text, but 84 + 50 × 3878 bytes: a valid binary STL
    "trimesh/comments.off": (A, "mesh", ""),
    "trimesh/empty.obj": (R, INV, "mesh has no faces"),
    "trimesh/empty.ply": (R, INV, "PLY file has no vertices"),
    "trimesh/empty.stl": (R, INV, "mesh has no faces"),
    "trimesh/emptyIO/obj_empty.obj": (R, INV, "mesh has no faces"),
    "trimesh/emptyIO/obj_points.obj": (R, INV, "OBJ has vertices but no faces"),
    "trimesh/emptyIO/obj_wireframe.obj": (R, INV, "OBJ has vertices but no faces"),
    "trimesh/emptyIO/ply_empty_ascii.ply": (R, INV, "PLY file has no vertices"),
    "trimesh/emptyIO/ply_empty_bin.ply": (R, INV, "PLY file has no vertices"),
    "trimesh/emptyIO/ply_empty_header.ply": (R, INV, "PLY file has no vertex element"),
    "trimesh/emptyIO/ply_points_ascii.ply": (A, "point_cloud", ""),
    "trimesh/emptyIO/ply_points_bin.ply": (A, "point_cloud", ""),
    "trimesh/emptyIO/stl_empty_ascii.stl": (R, INV, "mesh has no faces"),
    "trimesh/emptyIO/stl_empty_bin.stl": (R, INV, "mesh has no faces (the binary STL declares 0 triangles)"),
    "trimesh/face_in_group_name.obj": (R, INV, "OBJ has vertices but no faces"),
    "trimesh/face_in_group_name_mid_file.obj": (A, "mesh", ""),
    "trimesh/jacked.obj": (A, "mesh", "not found next to the OBJ: nonexistent.mtl"),
    "trimesh/metadata.ply": (A, "mesh", ""),
    "trimesh/multi.ply": (A, "mesh", ""),
    "trimesh/nancolor.obj": (A, "mesh", ""),  # NaN in colours only: coordinates are finite
    "trimesh/negative_indices.obj": (A, "mesh", ""),  # relative indices are legal OBJ
    "trimesh/notenoughindices.obj": (A, "mesh", ""),  # the 2-corner face is skipped, one triangle stays
    "trimesh/obj_with_no_face_in_chunk.obj": (A, "mesh", ""),
    "trimesh/points_ascii_with_lists.ply": (A, "point_cloud", ""),
    "trimesh/points_emptyascii.ply": (A, "point_cloud", ""),
    "trimesh/points_emptyface.ply": (A, "point_cloud", ""),
    "trimesh/whitespace.off": (A, "mesh", ""),
    # real-world corruption
    "utf8_mangled/LeePerrySmith.glb": (R, INV, "GLB header says the file is"),
    "utf8_mangled/LeePerrySmith_License.txt": (R, UNS, "text file is not supported"),
    "utf8_mangled/Zaghetto.pcd": (R, INV, "PCD binary data is 1,109,778 bytes but the header"),
}

FILES = sorted(str(p.relative_to(MALFORMED)) for p in MALFORMED.rglob("*") if p.is_file())


def test_when_the_malformed_folder_is_listed_then_every_file_has_an_expected_outcome():
    assert sorted(EXPECTED) == FILES


@pytest.mark.parametrize("name", FILES)
def test_when_a_malformed_file_is_analysed_then_it_is_accepted_or_rejected_with_a_specific_reason(name: str):
    expected = EXPECTED.get(name)
    assert expected is not None, f"add {name} to EXPECTED"
    path = MALFORMED / name
    if expected[0] == A:
        _, kind, warning = expected
        result = analyse(path)
        assert result.kind == kind
        if warning:
            assert any(warning in w for w in result.warnings), result.warnings
    else:
        _, error, reason = expected
        with pytest.raises(StudioError) as caught:
            analyse(path)
        assert type(caught.value) is error, f"{type(caught.value).__name__}: {caught.value}"
        assert reason in str(caught.value)
