"""Ingest: files → analyse → encrypted blobs → one catalog transaction (+ audit event).

Each file is independent: a rejected file changes nothing, an accepted one is committed on its
own. Write order makes a crash at any instant harmless: blobs are staged to temp files, their
intent is committed, they are renamed into place, and only then the asset row commits (and the
intent is cleared) — see :meth:`Vault.recover_interrupted_writes`.

The heavy part — analysis, LOD and waveform, hashing and encrypting — runs without the vault's
writer lock, in this writer's own staging folder (:meth:`Vault.staging`); the lock is held only
for each file's commit, so another command gets its turn between them (DR025). Whether the file
is already in the vault is asked again under the lock: two processes ingesting the same file at
once make one asset, and the later one reports "already in the vault".
"""

from __future__ import annotations

import errno
import json
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable

from sqlalchemy import select

from studio.core.changes import Changes
from studio.core.clock import now_iso
from studio.core.errors import Cancelled, NoSpace, NotFound, StudioError
from studio.core.ids import new_id, parse_id
from studio.core.progress import CancelToken, Progress, ProgressFn, check_cancel
from studio.core.testpoints import kill_point, pause_point
from studio.core.types import AssetStatus, FileRole
from studio.core.vault import Vault, audit
from studio.core.vault.blobs import Staged
from studio.core.vault.catalog import Asset, AssetFile, Talent
from studio.core.vault.staging import StagingArea
from studio.core.vault.writes import add_blob_rows, clear_intent, publish_with_intent

if TYPE_CHECKING:
    from studio.core.ingest.limits import LodSizes

# Extensions tried first in a batch, so that an OBJ or glTF claims its MTL, textures and
# buffers before those files come up on their own.
_PRIMARY_FIRST = (".obj", ".gltf", ".glb")


@dataclass(frozen=True)
class IngestResult:
    path: str
    status: str  # ingested | duplicate | rejected
    asset_id: str | None = None
    reason: str | None = None
    kind: str | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def changes(self) -> Changes:
        """What the call that returned this record changed (DR013)."""
        return Changes(assets={self.asset_id}, audit=True) if self.status == "ingested" else Changes()

    def to_json(self) -> dict:
        return {"path": self.path, "status": self.status, "asset_id": self.asset_id,
                "reason": self.reason, "kind": self.kind, "warnings": self.warnings}


def collect_files(paths: Iterable[Path]) -> list[Path]:
    """Expand folders recursively (skipping hidden files); keep the order given otherwise.
    Entries that are neither folders nor regular files (a named pipe, a socket, a device) are
    kept, so that ingest reports each as not a regular file rather than passing over it."""
    out: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            found = [f for f in sorted(p.rglob("*"))
                     if not f.is_dir() and not any(part.startswith(".") for part in f.relative_to(p).parts)]
            out.extend(found)
        else:
            out.append(p)
    primary = [f for f in out if f.suffix.lower() in _PRIMARY_FIRST]
    return primary + [f for f in out if f.suffix.lower() not in _PRIMARY_FIRST]


def _analyse(path: Path, progress, cancel, lods=None):
    from studio.core.ingest import analyse  # heavy imports (Open3D, trimesh) only when ingesting

    return analyse(path, progress=progress, cancel=cancel, lods=lods)


def ingest_file(vault: Vault, talent_id: str, path: Path, progress: ProgressFn | None = None,
                cancel: CancelToken | None = None,
                area: StagingArea | None = None, lods: LodSizes | None = None) -> tuple[IngestResult, list[Path]]:
    """Ingest one file. Returns its result and the companion files stored with it. Blobs are
    staged in ``area`` (by default a staging folder of the call's own). ``lods``: the preview
    LODs' sizes (default: the built-in ones)."""
    if area is None:
        with vault.staging() as own:
            return ingest_file(vault, talent_id, path, progress, cancel, own, lods)
    path = Path(path)
    shown = str(path)

    def step(lo: float, hi: float) -> Callable[[Progress], None]:
        def cb(p: Progress) -> None:
            if progress is not None and p.fraction is not None:
                progress(Progress(lo + (hi - lo) * p.fraction, 1.0, path.name))
        return cb

    if not path.is_file():
        return IngestResult(shown, "rejected", reason=_not_a_file(path)), []
    try:
        analysed = _fingerprint(path)
        analysis = _analyse(path, step(0.0, 0.6), cancel, lods)
    except Cancelled:
        raise
    except StudioError as exc:
        return IngestResult(shown, "rejected", reason=str(exc)), []
    except OSError as exc:
        return IngestResult(shown, "rejected", reason=f"cannot read {path.name}: {exc.strerror or exc}"), []

    size = analysed[0]
    done = [0]

    def on_bytes(n: int) -> None:
        done[0] += n
        if progress is not None and size:
            progress(Progress(0.6 + 0.35 * min(1.0, done[0] / size), 1.0, path.name))

    staged: list[tuple[str, Staged]] = []

    def duplicate(existing: str) -> tuple[IngestResult, list[Path]]:
        for _, st in staged:
            vault.blobs.discard(st)
        return (IngestResult(shown, "duplicate", asset_id=existing, kind=analysis.kind,
                             reason=f"already in the vault as {existing}"), list(analysis.companions))

    try:
        original = vault.blobs.stage_file(path, on_bytes, cancel, area.folder, talent_id)
        staged.append(("blobs", original))
        changed = _changed(path, analysed, original.size)
        if changed is not None:
            vault.blobs.discard(original)
            return IngestResult(shown, "rejected", reason=changed), []
        if (existing := _asset_with(vault, original.sha256)) is not None:
            return duplicate(existing)
        companions = []
        for comp in analysis.companions:
            check_cancel(cancel)
            st = vault.blobs.stage_file(comp, None, cancel, area.folder, talent_id)
            staged.append(("blobs", st))
            companions.append((comp, st))
        derived = []
        for d in analysis.derived:
            st = vault.derived.stage_bytes(d.data, area.folder, talent_id)
            staged.append(("derived", st))
            derived.append((d, st))
        check_cancel(cancel)
        vault.upload_staged(area, staged)  # a shared vault's object store: before the lock too
        pause_point("ingest.staged")  # analysed, hashed, encrypted: all without the writer lock
        kill_point("ingest.staged")
        with vault.writer_lock():
            # asked again under the lock: another process may have stored the same file meanwhile
            if (existing := _asset_with(vault, original.sha256)) is not None:
                return duplicate(existing)
            asset_id = _commit(vault, talent_id, path, analysis, original, companions, derived, staged)
    except BaseException as exc:
        for _, st in staged:
            if st.temp.exists():
                st.temp.unlink(missing_ok=True)
        if isinstance(exc, OSError) and exc.filename is not None and Path(exc.filename) in (path, *analysis.companions):
            # the file vanished or became unreadable between analysis and storing
            return IngestResult(shown, "rejected", reason=f"cannot read {Path(exc.filename).name}: {exc.strerror}"), []
        if isinstance(exc, NoSpace) or (isinstance(exc, OSError) and exc.errno == errno.ENOSPC):
            raise NoSpace(f"no space left on the vault's disk while storing {path.name}: nothing of it was "
                          "stored") from exc
        raise
    if progress is not None:
        progress(Progress(1.0, 1.0, path.name))
    return (IngestResult(shown, "ingested", asset_id=asset_id, kind=analysis.kind, warnings=list(analysis.warnings)),
            list(analysis.companions))


def _asset_with(vault: Vault, sha256: str) -> str | None:
    with vault.session() as s:
        return s.execute(select(Asset.id).where(Asset.sha256 == sha256)).scalar_one_or_none()


def _not_a_file(path: Path) -> str:
    """Why ``path`` is passed over: it is missing, or not a regular file (never opened: a
    named pipe would block the ingest until someone writes to it)."""
    try:
        mode = path.lstat().st_mode
    except OSError:
        return "no such file"
    what = ("a named pipe" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode)
            else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
            else "a broken link" if stat.S_ISLNK(mode) else "not a file")
    return f"not a regular file ({what}): skipped"


def _fingerprint(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_size, st.st_mtime_ns


def _changed(path: Path, analysed: tuple[int, int], stored_size: int) -> str | None:
    """Why the bytes stored may not be the bytes analysed (a capture still being written), or
    None. Compares the size and modification time taken before the analysis with those after
    storing, and the stored size with the analysed one."""
    try:
        now = _fingerprint(path)
    except OSError as exc:
        return f"cannot read {path.name}: {exc.strerror or exc}"
    if now == analysed and stored_size == analysed[0]:
        return None
    return (f"the file changed while it was being read ({analysed[0]:,} bytes when analysed, {stored_size:,} "
            f"when stored, {now[0]:,} now): is it still being written? Ingest it again once it is complete")


def _commit(vault: Vault, talent_id: str, path: Path, analysis, original: Staged, companions, derived,
            staged: list[tuple[str, Staged]]) -> str:
    now = now_iso()
    # 1. record the intent to write these blobs; 2. make them durable under their final names
    fresh = publish_with_intent(vault, staged, now)
    # 3. one transaction: blobs, asset, its files, audit event; the intent is cleared
    f = vault.fields
    asset_id = new_id("asset")
    with vault.session() as s:
        add_blob_rows(s, fresh, now)
        s.add(Asset(
            id=asset_id, talent_id=talent_id, kind=analysis.kind, format=analysis.format,
            media_type=analysis.media_type, sha256=original.sha256, size=original.size,
            original_name_sealed=f.seal(path.name, f"assets.original_name:{asset_id}"),
            metrics_sealed=f.seal(json.dumps(analysis.metrics), f"assets.metrics:{asset_id}"),
            warnings_sealed=f.seal(json.dumps(list(analysis.warnings)), f"assets.warnings:{asset_id}"),
            status=AssetStatus.PENDING_REVIEW, created_at=now,
        ))
        s.flush()
        for comp, st in companions:
            rel = os.path.relpath(comp, path.parent)
            s.add(AssetFile(asset_id=asset_id, role=FileRole.COMPANION, name_sealed=f.seal(rel, f"asset_files.name:{asset_id}:companion"),
                            media_type="application/octet-stream", sha256=st.sha256, size=st.size))
        for d, st in derived:
            s.add(AssetFile(asset_id=asset_id, role=d.role, name_sealed=f.seal(d.role, f"asset_files.name:{asset_id}:{d.role}"),
                            media_type=d.media_type, sha256=st.sha256, size=st.size))
        clear_intent(s, fresh)
        audit.append(s, "asset.ingested", asset_id, {
            "talent": talent_id, "sha256": original.sha256, "kind": analysis.kind,
            "format": analysis.format, "size": original.size,
        })
    return asset_id


def ingest_paths(vault: Vault, talent_id: str, paths: Iterable[Path], progress: ProgressFn | None = None,
                 cancel: CancelToken | None = None,
                 on_result: Callable[[IngestResult], None] | None = None,
                 on_file_progress: Callable[[Path, Progress], None] | None = None,
                 lods: LodSizes | None = None) -> list[IngestResult]:
    """Ingest files and folders for one talent. ``progress`` reports files done of total;
    ``lods``: the sizes of the previews made of big scans (default: the built-in ones)."""
    tid = parse_id("talent", talent_id)
    with vault.session() as s:
        if s.get(Talent, tid) is None:
            raise NotFound(f"no talent {tid} in this vault")
    files = collect_files(paths)
    results: list[IngestResult] = []
    claimed: dict[Path, IngestResult] = {}
    total = len(files)

    def emit(r: IngestResult) -> None:
        results.append(r)
        if on_result is not None:
            on_result(r)

    with vault.writer_lock():
        pass  # a busy vault is said at once, and what interrupted writes left is cleaned up
    with vault.staging() as area:
        for i, path in enumerate(files):
            check_cancel(cancel)
            if progress is not None:
                progress(Progress(i, total, path.name))
            key = path.resolve() if path.exists() else path
            if key in claimed:
                parent = claimed[key]
                emit(IngestResult(str(path), parent.status, asset_id=parent.asset_id,
                                  reason=f"stored with {Path(parent.path).name} (a file it uses)"))
                continue

            def file_cb(p: Progress, _path=path) -> None:
                if on_file_progress is not None:
                    on_file_progress(_path, p)
                if progress is not None and p.fraction is not None:
                    progress(Progress(i + p.fraction, total, _path.name))

            result, companions = ingest_file(vault, tid, path, file_cb, cancel, area, lods)
            for comp in companions:
                claimed[Path(comp).resolve()] = result
            emit(result)
        if progress is not None:
            progress(Progress(total, total, "done"))
    return results
