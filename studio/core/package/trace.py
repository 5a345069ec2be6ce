"""Leak tracing: which package did this mesh or voice file come from?

Every exported mesh and voice take carries a mark keyed by its package (see
:mod:`studio.core.package.watermark`). The vault holds the originals and can derive every
package's key, so it scores the file against each marked asset it has exported, of the same
kind, and names the package whose mark it carries. The leaked file is read once, up front: one
that cannot be read is refused with the reason, not reported as carrying no mark.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from studio.core.errors import InvalidFile, InvalidInput, NotFound
from studio.core.package import watermark
from studio.core.package.packages import list_packages
from studio.core.progress import CancelToken, ProgressFn, check_cancel, report
from studio.core.vault import Vault

MESH_EXT = {".ply", ".obj", ".stl", ".off", ".glb", ".gltf"}
AUDIO_EXT = {".wav", ".flac", ".ogg", ".aiff", ".aif", ".sph", ".rf64"}
THRESHOLD = 0.5


@dataclass(frozen=True)
class TraceMatch:
    package_id: str
    brand: str
    brand_id: str
    asset_id: str
    path: str
    created_at: str
    score: float

    def to_json(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True)
class TraceResult:
    found: TraceMatch | None
    scores: list[TraceMatch]

    def to_json(self) -> dict:
        return {"found": self.found.to_json() if self.found else None, "scores": [s.to_json() for s in self.scores]}


def read_copy(path: Path, kind: str):
    """The leaked file's vertices or samples, read once; a file that cannot be read at all is an
    error naming it and why — never "no mark found"."""
    try:
        return watermark.read_leaked(kind, path)
    except ValueError as exc:
        raise InvalidFile(f"{path}: cannot trace it, the file could not be read ({exc})") from exc
    except OSError as exc:
        raise InvalidFile(f"{path}: cannot trace it, the file could not be opened ({exc.strerror or exc})") from exc


def trace_file(vault: Vault, path: Path, progress: ProgressFn | None = None,
               cancel: CancelToken | None = None) -> TraceResult:
    path = Path(path)
    if not path.is_file():
        raise NotFound(f"no file at {path}")
    ext = path.suffix.lower()
    kind = "mesh" if ext in MESH_EXT else "audio" if ext in AUDIO_EXT else None
    if kind is None:
        raise InvalidInput(f"{path.name}: trace reads meshes ({', '.join(sorted(MESH_EXT))}) and audio "
                           f"({', '.join(sorted(AUDIO_EXT))})")
    leaked = read_copy(path, kind)  # once, not once per candidate
    candidates = []
    for pkg in list_packages(vault):
        for a in pkg.manifest["assets"]:
            mark = a.get("watermark") or {}
            if mark.get("method", "none") != "none" and watermark.kind_of(a["format"]) == kind:
                candidates.append((pkg, a))
    originals: dict[str, bytes] = {}
    scores = []
    for i, (pkg, a) in enumerate(candidates):
        check_cancel(cancel)
        report(progress, i, len(candidates), "tracing")
        if a["original_sha256"] not in originals:
            originals[a["original_sha256"]] = vault.blobs.read_bytes(a["original_sha256"])
        try:
            s = watermark.score(a["format"], io.BytesIO(originals[a["original_sha256"]]), path,
                                vault.watermark_key(pkg.id), float(a["watermark"]["amplitude"]), leaked=leaked)
        except ValueError:
            continue  # not comparable with this original (another scan altogether)
        scores.append(TraceMatch(pkg.id, pkg.brand, pkg.brand_id, a["asset"], a["path"], pkg.created_at, round(s, 3)))
    scores.sort(key=lambda m: -m.score)
    found = scores[0] if scores and scores[0].score >= THRESHOLD else None
    return TraceResult(found, scores)
