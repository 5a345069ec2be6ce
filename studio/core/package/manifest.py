"""The package manifest: what a package holds, for whom, under which licence, and the labels
its outputs must carry. The studio signs its exact bytes; :func:`parse` checks its shape
before anything in it is used."""

from __future__ import annotations

import json
import re

from studio.core.errors import PackageRefused

FORMAT = "twin-studio-package"
FORMAT_VERSION = 1
IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"
PLUS_MR_LMR = "http://ns.useplus.org/ldf/vocab/MR-LMR"
AI_LABEL_TEXT = "Made with AI from a licensed digital twin"
PATH_RE = re.compile(r"assets/ast_[0-9a-f]{16}/[A-Za-z0-9][A-Za-z0-9._ -]{0,199}")
_SHA_RE = re.compile(r"[0-9a-f]{64}")
_SAFE = re.compile(r"[^A-Za-z0-9._ -]")


def safe_name(name: str) -> str:
    """A file name that is the same on every system and cannot leave its folder."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = _SAFE.sub("_", base).strip(" .") or "file"
    if not base[0].isalnum():
        base = "f" + base
    return base[:200]


def labels(grant_id: str, ai_label: str) -> dict:
    return {
        "iptc_digital_source_type": {
            "ai_generated": IPTC + "trainedAlgorithmicMedia",
            "ai_composite": IPTC + "compositeWithTrainedAlgorithmicMedia",
            "rendered": IPTC + "digitalCreation",
        },
        "plus_model_release_status": PLUS_MR_LMR,
        "plus_model_release_id": grant_id,
        "ai_label": ai_label,
        "ai_label_text": AI_LABEL_TEXT if ai_label == "required" else None,
    }


def to_bytes(manifest: dict) -> bytes:
    return (json.dumps(manifest, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def _need(cond: bool, what: str) -> None:
    if not cond:
        raise PackageRefused(f"the manifest is malformed: {what}")


def parse(data: bytes) -> dict:
    """The manifest as a dict, its version known and its shape checked (paths, sizes, hashes)."""
    try:
        m = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise PackageRefused("the manifest is not JSON") from exc
    _need(isinstance(m, dict) and m.get("format") == FORMAT, "it is not a twin package manifest")
    version = m.get("format_version")
    if version != FORMAT_VERSION:
        raise PackageRefused(f"unknown package format version {version!r}; this Twin Studio reads version "
                             f"{FORMAT_VERSION} — update Twin Studio to open it")
    for key in ("package_id", "created_at", "studio", "talent", "brand", "assets", "payload", "grant",
                "licence", "expires", "labels"):
        _need(key in m, f"{key} is missing")
    _need(isinstance(m["assets"], list) and 0 < len(m["assets"]) <= 10_000, "the asset list is empty or too long")
    seen = set()
    for a in m["assets"]:
        _need(isinstance(a, dict), "an asset entry is not an object")
        path = a.get("path")
        _need(isinstance(path, str) and PATH_RE.fullmatch(path) is not None, f"asset path {path!r} is not allowed")
        _need(path.lower() not in seen, f"asset path {path!r} appears twice")
        seen.add(path.lower())
        _need(isinstance(a.get("size"), int) and 0 <= a["size"] < 1 << 44, f"asset {path} has no valid size")
        _need(isinstance(a.get("sha256"), str) and _SHA_RE.fullmatch(a["sha256"]) is not None,
              f"asset {path} has no valid SHA-256")
    p = m["payload"]
    _need(isinstance(p, dict) and isinstance(p.get("sha256"), str) and _SHA_RE.fullmatch(p["sha256"]) is not None,
          "the payload hash is missing")
    _need(isinstance(m["brand"], dict) and isinstance(m["brand"].get("recipient"), str), "the recipient is missing")
    try:
        import datetime as dt
        dt.date.fromisoformat(str(m["expires"]))
    except ValueError as exc:
        raise PackageRefused("the manifest is malformed: the expiry is not a date") from exc
    return m
