"""Files a format refers to beside it (an OBJ's .mtl and textures, glTF buffers and images, a
PLY's texture): found relative to the file's folder, resolved, and never outside that folder."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote


def inside(folder: Path, name: str) -> Path | None:
    """``folder / name`` resolved, or None when the name is absolute, a URL, or escapes the folder."""
    name = unquote(name.strip())
    if not name or "://" in name or name.startswith("data:"):
        return None
    root = folder.resolve()
    candidate = Path(name)
    if candidate.is_absolute() or candidate.drive:
        return None
    target = (root / candidate).resolve()
    if target == root or not target.is_relative_to(root):
        return None
    return target
