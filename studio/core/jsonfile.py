"""Small JSON documents that cross between parties (a brand card, a usage report): read with a
size bound and their ``type`` checked before anything else in them is trusted."""

from __future__ import annotations

import json
from pathlib import Path

from studio.core.errors import InvalidInput, NotFound


def read_typed(path: Path, type_: str, what: str, limit: int) -> dict:
    path = Path(path)
    if not path.is_file():
        raise NotFound(f"no {what} at {path}")
    if path.stat().st_size > limit:
        raise InvalidInput(f"{path} is too large to be a {what}")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidInput(f"{path} is not a {what} (not JSON)") from exc
    if not isinstance(data, dict) or data.get("type") != type_:
        raise InvalidInput(f"{path} is not a Twin Studio {what}")
    return data
