"""``analyse(path)``: probe, validate, measure and derive — one file, nothing written."""

from __future__ import annotations

import warnings as _warnings
from pathlib import Path

from studio.core.errors import InvalidFile, StudioError
from studio.core.formats.limits import GiB, MAX_FILE_BYTES
from studio.core.ingest.limits import LodSizes
from studio.core.ingest.model import Analysis, DerivedFile, MeshData
from studio.core.formats.probe import Probed, probe
from studio.core.progress import CancelToken, ProgressFn, check_cancel, report

VOICE_FORMATS = {"wav", "rf64", "flac", "ogg-vorbis", "opus", "ogg-flac", "mp3", "nist-sphere"}


def analyse(path: Path, progress: ProgressFn | None = None, cancel: CancelToken | None = None,
            lods: LodSizes | None = None) -> Analysis:
    """Recognise ``path`` by content, validate it, measure it and derive its previews.

    Raises UnsupportedFormat for content that is not a scan or voice format, InvalidFile for a
    supported format whose content is broken or implausible, Cancelled when ``cancel`` is set.
    Progress goes from 0 to 1.
    """
    path = Path(path)
    try:
        st = path.stat()
    except OSError as exc:
        raise InvalidFile(f"cannot read the file: {exc.strerror or exc}") from exc
    if not path.is_file():
        raise InvalidFile("not a regular file")
    size = st.st_size
    if size == 0:
        raise InvalidFile("empty file (0 bytes)")
    if size > MAX_FILE_BYTES:
        raise InvalidFile(f"file is {size / GiB:.1f} GiB; the limit is {MAX_FILE_BYTES // GiB} GiB")
    report(progress, 0.0, 1.0, "recognising the file")
    try:
        found = probe(path, size)
    except OSError as exc:
        raise InvalidFile(f"cannot read the file: {exc.strerror or exc}") from exc
    check_cancel(cancel)
    report(progress, 0.05, 1.0, f"reading {found.label}")
    try:
        with _warnings.catch_warnings():  # libraries warn about odd input; the result says what matters
            _warnings.simplefilter("ignore")
            result = _dispatch(path, size, found, progress, cancel, lods)
    except StudioError:
        raise
    except MemoryError as exc:
        raise InvalidFile(f"not enough memory to read this {size / 2**20:,.0f} MB file") from exc
    except OSError as exc:
        raise InvalidFile(f"cannot read the file: {exc.strerror or exc}") from exc
    except Exception as exc:  # a library's own error on broken input: name it, never leak a traceback
        detail = str(exc).strip() or type(exc).__name__
        raise InvalidFile(f"{found.label} could not be read: {detail}") from exc
    report(progress, 1.0, 1.0, "done")
    return result


def _dispatch(path: Path, size: int, found: Probed, progress, cancel, lods: LodSizes | None = None) -> Analysis:
    if found.format in VOICE_FORMATS:
        from studio.core.ingest.voice import analyse_voice

        def sub(p) -> None:  # voice streaming reports 0..1 of the frames: map to 0.05..0.95
            if progress is not None and p.fraction is not None:
                report(progress, 0.05 + 0.9 * p.fraction, 1.0, p.label)

        metrics, warnings, wave = analyse_voice(path, found.format, found.label, sub, cancel)
        return Analysis("voice", found.format, found.media_type, metrics, warnings,
                        [DerivedFile("waveform", "application/json", wave)], [])
    if found.format == "ply":
        from studio.core.formats.ply import read_header
        from studio.core.ingest import ply

        header = read_header(path, size)
        check_cancel(cancel)
        if header.is_mesh:
            return _mesh(path, found, ply.read_ply_mesh(path, header), progress, cancel, lods)
        return _cloud(path, found, ply.read_ply_points(path, header))
    if found.format in ("pcd", "xyz"):
        from studio.core.ingest.pointcloud import read_pcd, read_xyz

        return _cloud(path, found, (read_pcd if found.format == "pcd" else read_xyz)(path, size))
    from studio.core.ingest.mesh import read_trimesh_mesh

    return _mesh(path, found, read_trimesh_mesh(path, found.format, size), progress, cancel, lods)


def _mesh(path: Path, found: Probed, mesh: MeshData, progress, cancel, lods: LodSizes | None = None) -> Analysis:
    from studio.core.ingest import derive
    from studio.core.ingest.measure import bbox_metrics, edge_topology, require_finite, require_valid_indices
    from studio.core.ingest.plausible import size_warning
    from studio.core.ingest.textures import texture_metrics

    report(progress, 0.5, 1.0, "checking the mesh")
    check_cancel(cancel)
    if len(mesh.faces) == 0:
        raise InvalidFile("mesh has no faces")
    require_valid_indices(mesh.faces, len(mesh.vertices))
    require_finite(mesh.vertices)
    check_cancel(cancel)
    report(progress, 0.6, 1.0, "measuring the mesh")
    metrics = {"vertices": int(len(mesh.vertices)), "faces": int(len(mesh.faces)), **bbox_metrics(mesh.vertices)}
    metrics.update(edge_topology(mesh.faces, len(mesh.vertices)))
    metrics.update(has_colors=bool(mesh.has_colors), has_texture=bool(mesh.has_texture),
                   has_normals=bool(mesh.has_normals))
    check_cancel(cancel)
    derived = []
    warnings = list(mesh.warnings)
    if (implausible := size_warning(metrics, "mesh")) is not None:
        warnings.append(implausible)
    metrics.update(texture_metrics(mesh.companions, mesh.embedded_images))
    if derive.needs_lod(mesh, lods):
        report(progress, 0.75, 1.0, "making a preview")
        levels = derive.lods(mesh, lods)  # releases the mesh arrays as it goes
        derived.extend(DerivedFile(level.role, "model/ply", level.data) for level in levels)
        if levels:  # coarse to fine, as the preview steps up (DR024)
            metrics["lods"] = [{"role": level.role, "faces": level.faces} for level in reversed(levels)]
        else:  # said, not swallowed: the preview will turn the full scan, slowly
            warnings.append(f"no lighter preview could be made of these {metrics['faces']:,} faces (they have "
                            "no area to simplify); the preview shows the full scan")
    return Analysis("mesh", found.format, found.media_type, metrics, warnings, derived, list(mesh.companions))


def _cloud(path: Path, found: Probed, cloud) -> Analysis:
    from studio.core.ingest.plausible import size_warning
    from studio.core.ingest.pointcloud import point_metrics

    metrics, warnings = point_metrics(cloud)
    if (implausible := size_warning(metrics, "point_cloud")) is not None:
        warnings.append(implausible)
    return Analysis("point_cloud", found.format, found.media_type, metrics, warnings, [], [])

