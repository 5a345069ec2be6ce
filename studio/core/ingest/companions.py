"""Files a scan refers to: an OBJ's material libraries and their textures, a glTF's external
buffers and images. Only files that exist inside the scan's own folder are taken."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import unquote

from studio.core.errors import InvalidFile

_MAP_KEYS = ("map_Kd", "map_Ka", "map_Ks", "map_Ns", "map_d", "map_bump", "bump", "norm", "map_Pr", "map_Bump")


def _inside(folder: Path, name: str) -> Path | None:
    candidate = (folder / name).resolve()
    try:
        candidate.relative_to(folder.resolve())
    except ValueError:
        return None
    return candidate if candidate.is_file() else None


def obj_companions(path: Path, text: str) -> list[Path]:
    folder = path.parent
    found: list[Path] = []
    for line in text.splitlines():
        if line.startswith("mtllib"):
            for name in line.split(maxsplit=1)[1:]:
                mtl = _inside(folder, name.strip())
                if mtl and mtl not in found:
                    found.append(mtl)
    for mtl in list(found):
        for line in mtl.read_text(encoding="utf-8", errors="replace").splitlines():
            parts = line.strip().split()
            if parts and parts[0] in _MAP_KEYS and len(parts) > 1:
                tex = _inside(mtl.parent, parts[-1])
                if tex and tex not in found:
                    found.append(tex)
    return found


def gltf_companions(path: Path, text: str) -> list[Path]:
    try:
        doc = json.loads(text if text.rstrip().endswith("}") else path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise InvalidFile(f"glTF JSON is malformed: {exc}") from exc
    found: list[Path] = []
    for section in ("buffers", "images"):
        for item in doc.get(section, []) or []:
            uri = item.get("uri") if isinstance(item, dict) else None
            if not uri or uri.startswith("data:"):
                continue
            target = _inside(path.parent, unquote(uri))
            if target is None:
                if section == "buffers":
                    raise InvalidFile(f"missing buffer file {unquote(uri)}")
                continue
            if target not in found:
                found.append(target)
    return found
