"""Files a scan needs beside it (OBJ's .mtl and textures, glTF buffers and images, a PLY's
texture): found relative to the scan's folder, resolved, and never outside that folder."""

from __future__ import annotations

from pathlib import Path

from trimesh.resolvers import FilePathResolver

from studio.core.formats.paths import inside


class RecordingResolver(FilePathResolver):
    """trimesh's folder-bounded resolver that remembers which files it handed out and which
    names it could not find, so the caller can store the former and warn about the latter."""

    def __init__(self, source: Path) -> None:
        super().__init__(str(source), allow_anywhere=False)
        self.source = Path(source).resolve()
        self.found: list[Path] = []
        self.missing: list[str] = []

    def get(self, name: str) -> bytes:
        base = name.strip().replace("\\", "/").rsplit("/", 1)[-1]  # "C:\\tex\\skin.png" -> "skin.png"
        for candidate in (name.strip(), name.strip().lstrip("/"), base):
            path = inside(self.source.parent, candidate)
            if path is not None and path.is_file() and path != self.source:
                data = path.read_bytes()
                if path not in self.found:
                    self.found.append(path)
                return data
        if name not in self.missing:
            self.missing.append(name)
        raise FileNotFoundError(name)
