"""What :func:`studio.core.ingest.analyse` returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class DerivedFile:
    role: str  # "lod" / "lod_fine" (decimated preview meshes, DR024) | "waveform" (voice summary)
    media_type: str  # "model/ply" for lod, "application/json" for waveform
    data: bytes  # plaintext content


@dataclass(frozen=True)
class Analysis:
    kind: str  # "mesh" | "point_cloud" | "voice"
    format: str  # "ply", "obj", "stl", "off", "glb", "gltf", "pcd", "xyz", "wav", "rf64", "flac", ...
    media_type: str
    metrics: dict  # JSON-serialisable
    warnings: list[str]  # QA findings that do not reject the file
    derived: list[DerivedFile]
    companions: list[Path]  # files this one needs (OBJ's .mtl and textures, glTF buffers and images)


@dataclass
class MeshData:
    """A mesh flattened to one triangle list, as the loaders hand it to measuring and deriving."""

    vertices: np.ndarray  # (n, 3) float
    faces: np.ndarray  # (m, 3) integer, validated to index into vertices
    colors: np.ndarray | None = None  # (n, 3 or 4) per-vertex colours in 0..1, if the file has them
    has_colors: bool = False
    has_normals: bool = False
    has_texture: bool = False
    companions: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    embedded_images: list[tuple[Path, int, int]] = field(default_factory=list)  # (file, offset, length) in a GLB


@dataclass
class PointData:
    points: np.ndarray  # (n, 3) float, may contain non-finite rows (invalid pixels of organised clouds)
    has_colors: bool = False
    has_normals: bool = False
    warnings: list[str] = field(default_factory=list)
