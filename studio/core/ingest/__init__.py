"""Ingest analysis: recognise a file by content, validate it, measure it, derive previews.

``analyse(path)`` reads a file and returns an :class:`Analysis` or raises
:class:`~studio.core.errors.UnsupportedFormat` / :class:`~studio.core.errors.InvalidFile` with a
reason a studio operator understands. It writes nothing; storing is the vault's job
(:mod:`studio.core.intake`).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from pathlib import Path

from studio.core.errors import InvalidFile, StudioError
from studio.core.progress import CancelToken, ProgressFn, check_cancel, report

MEDIA_TYPES = {
    "ply": "application/x-ply", "obj": "model/obj", "stl": "model/stl", "off": "application/x-off",
    "glb": "model/gltf-binary", "gltf": "model/gltf+json", "pcd": "application/x-pcd", "xyz": "text/x-xyz",
    "wav": "audio/wav", "rf64": "audio/wav", "flac": "audio/flac", "ogg-vorbis": "audio/ogg", "opus": "audio/opus",
    "ogg-flac": "audio/ogg", "mp3": "audio/mpeg", "nist-sphere": "audio/x-nist-sphere",
}


@dataclass(frozen=True)
class DerivedFile:
    role: str
    media_type: str
    data: bytes


@dataclass(frozen=True)
class Analysis:
    kind: str
    format: str
    media_type: str
    metrics: dict
    warnings: list[str] = field(default_factory=list)
    derived: list[DerivedFile] = field(default_factory=list)
    companions: list[Path] = field(default_factory=list)


def analyse(path: Path, progress: ProgressFn | None = None, cancel: CancelToken | None = None) -> Analysis:
    from studio.core.ingest.probe import probe

    path = Path(path)
    report(progress, 0, 1, path.name)
    found = probe(path)
    check_cancel(cancel)
    try:
        with warnings.catch_warnings():  # readers warn on odd input; our result says what matters
            warnings.simplefilter("ignore")
            if found.family in ("wav", "flac", "ogg", "mp3", "nist"):
                result = _voice(path, found.format, progress, cancel)
            else:
                result = _geometry(path, found, progress, cancel)
    except StudioError:
        raise
    except MemoryError as exc:
        raise InvalidFile("the file needs more memory than is available to read") from exc
    except Exception as exc:  # a reader's own error on broken input: name it, never leak a traceback
        raise InvalidFile(f"cannot read this {found.format.upper()} file: {type(exc).__name__}: {exc}") from exc
    report(progress, 1, 1, path.name)
    return result


def _voice(path: Path, fmt: str, progress, cancel) -> Analysis:
    from studio.core.ingest.voice import analyse_voice

    metrics, warnings, wave = analyse_voice(path, fmt, progress, cancel)
    return Analysis("voice", fmt, MEDIA_TYPES[fmt], metrics, warnings,
                    [DerivedFile("waveform", "application/json", wave)])


def _geometry(path: Path, found, progress, cancel) -> Analysis:
    from studio.core.ingest.headers import read_ply_header

    size = path.stat().st_size
    ply = read_ply_header(path, size) if found.family == "ply" else None
    is_cloud = found.family in ("pcd", "xyz") or (
        ply is not None and ply.element("tristrips") is None
        and (ply.element("face") is None or ply.element("face").count == 0))
    if is_cloud:
        from studio.core.ingest.pointcloud import cloud_metrics, load_cloud

        cloud = load_cloud(path, found.format, size, ply)
        check_cancel(cancel)
        metrics, warnings = cloud_metrics(cloud)
        return Analysis("point_cloud", found.format, MEDIA_TYPES[found.format], metrics, warnings)

    from studio.core.ingest.companions import gltf_companions, obj_companions
    from studio.core.ingest.mesh import load_mesh, mesh_metrics, preview_lod

    text = found.text
    if found.family == "obj" or found.format == "gltf":
        text = path.read_text(encoding="utf-16" if path.read_bytes()[:2] in (b"\xfe\xff", b"\xff\xfe") else "utf-8",
                              errors="replace")
    companions = (obj_companions(path, text) if found.family == "obj"
                  else gltf_companions(path, text) if found.format == "gltf" else [])
    mesh = load_mesh(path, found.format, size, ply, text)
    report(progress, 0.4, 1, path.name)
    check_cancel(cancel)
    metrics = mesh_metrics(mesh)
    report(progress, 0.6, 1, path.name)
    check_cancel(cancel)
    lod = preview_lod(mesh)
    derived = [DerivedFile("lod", "model/ply", lod)] if lod is not None else []
    warnings = []
    if not metrics["watertight"]:
        pass  # a metric, not a warning: most scans have open boundaries (feet, neck, scan edges)
    return Analysis("mesh", found.format, MEDIA_TYPES[found.format], metrics, warnings, derived, companions)
