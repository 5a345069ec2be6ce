"""The package manifest: what a package holds, for whom, under which licence, and the labels
its outputs must carry. The studio signs its exact bytes; :func:`parse` checks its shape
before anything in it is used."""

from __future__ import annotations

import datetime as dt
import json
import re
import zoneinfo

from studio.core.errors import PackageRefused

FORMAT = "twin-studio-package"
FORMAT_VERSION = 2  # what an export writes: one age file per payload file (DR058)
READABLE_VERSIONS = (1, 2)  # version 1: one age file of a tar (packages made before DR058)
IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"
PLUS_MR_LMR = "http://ns.useplus.org/ldf/vocab/MR-LMR"
AI_LABEL_TEXT = "Made with AI from a licensed digital twin"
PATH_RE = re.compile(r"assets/ast_[0-9a-f]{16}/[A-Za-z0-9][A-Za-z0-9._ -]{0,199}")
# The talent may pause new exports of their likeness (DR050); a package already made is not
# reached by a later pause: it stays usable under its licence until it expires or is revoked.
PAUSE_POLICY = {
    "applies_to": "new-exports-only",
    "delivered_packages": "unaffected",
    "text": "The talent can pause new exports of their likeness at any time. A pause made after this package "
            "was created does not reach it: it stays usable under its licence (until it expires, or the talent "
            "revokes the grant).",
}
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


MAX_DEPTH = 32  # a real manifest nests well under this (the ODRL licence is deepest); json must never recurse far
_STRING = re.compile(rb'"(?:[^"\\]++|\\.)*+"')
_BRACKETS = bytes(range(256)).translate(None, b"[]{}")
_ID = {kind: re.compile(kind + r"_[0-9a-f]{16}") for kind in ("pkg", "tal", "grt", "ast", "brd", "vlt")}
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")  # + bidi overrides
_ZONE = re.compile(r"[A-Za-z0-9_+-]+(?:/[A-Za-z0-9_+-]+)*")
_TEXT = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # multi-line text: newlines and tabs only


def _need(cond: bool, what: str) -> None:
    if not cond:
        raise PackageRefused(f"the manifest is malformed: {what}")


def check_depth(data: bytes) -> None:
    """Refuse nesting deeper than :data:`MAX_DEPTH` from the raw bytes, before ``json.loads``
    recurses into it (100,000 nested brackets would otherwise be a RecursionError)."""
    brackets = _STRING.sub(b"", data).translate(None, _BRACKETS)
    if brackets.count(b"[") + brackets.count(b"{") <= MAX_DEPTH:
        return
    depth = 0
    for b in brackets:
        depth += 1 if b in (0x5B, 0x7B) else -1
        if depth > MAX_DEPTH:
            raise PackageRefused(f"the manifest is malformed: it nests more than {MAX_DEPTH} levels deep")


def _no_duplicates(pairs: list) -> dict:
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        dup = next(k for k in keys if keys.count(k) > 1)
        raise PackageRefused(f"the manifest is malformed: the key {dup!r} appears twice in one object")
    return dict(pairs)


def _no_constant(name: str):
    raise PackageRefused(f"the manifest is malformed: {name} is not a JSON number")


def _load(data: bytes) -> object:
    check_depth(data)
    try:
        return json.loads(data.decode("utf-8"), object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:  # JSONDecodeError, an over-long integer
        raise PackageRefused("the manifest is not JSON") from exc


# -- the shape: every field a reader uses, and its type --------------------------------------------

def _obj(value, where: str) -> dict:
    _need(isinstance(value, dict), f"{where} is not an object")
    return value


def _line(value, where: str, pattern: re.Pattern | None = None, optional: bool = False, limit: int = 1000) -> None:
    """One line of text (no control characters: it is printed as is), at most ``limit`` characters."""
    if optional and value is None:
        return
    _need(isinstance(value, str) and 0 < len(value) <= limit, f"{where} is missing or not text")
    _need(_CONTROL.search(value) is None, f"{where} holds a control character")
    if pattern is not None:
        _need(pattern.fullmatch(value) is not None, f"{where} {value!r} is not allowed")


def _text(value, where: str, optional: bool = False) -> None:
    if optional and value is None:
        return
    _need(isinstance(value, str) and _TEXT.search(value) is None, f"{where} is missing or not text")


def _int(value, where: str, low: int = 0, high: int = 1 << 44) -> None:
    _need(isinstance(value, int) and not isinstance(value, bool) and low <= value < high,
          f"{where} is not a whole number in range")


def _date(value, where: str) -> None:
    _need(isinstance(value, str) and len(value) == 10, f"{where} is not a date")
    try:
        dt.date.fromisoformat(value)
    except ValueError as exc:
        raise PackageRefused(f"the manifest is malformed: {where} is not a date") from exc


def _words(value, where: str) -> None:
    _need(isinstance(value, list) and len(value) <= 1000, f"{where} is not a list")
    for i, v in enumerate(value):
        _line(v, f"{where}[{i}]", limit=200)


def _check_assets(assets) -> None:
    _need(isinstance(assets, list) and 0 < len(assets) <= 10_000, "the asset list is empty or too long")
    seen = set()
    for i, a in enumerate(assets):
        a = _obj(a, f"assets[{i}]")
        path = a.get("path")
        _need(isinstance(path, str) and PATH_RE.fullmatch(path) is not None, f"asset path {path!r} is not allowed")
        _need(path.lower() not in seen, f"asset path {path!r} appears twice")
        seen.add(path.lower())
        _line(a.get("asset"), f"asset {path}: asset", _ID["ast"])
        _need(a.get("role") in ("original", "companion"), f"asset {path}: role is not original or companion")
        _need(isinstance(a.get("original_name"), str) and len(a["original_name"]) <= 1000,  # as captured; never printed
              f"asset {path}: original_name is missing or not text")
        _line(a.get("media_type"), f"asset {path}: media_type", limit=200)
        for key in ("size", "original_size"):
            _int(a.get(key), f"asset {path}: {key}")
        for key in ("sha256", "original_sha256"):
            _need(isinstance(a.get(key), str) and _SHA_RE.fullmatch(a[key]) is not None,
                  f"asset {path} has no valid {key}")
        for key in ("kind", "format"):
            _line(a.get(key), f"asset {path}: {key}", optional=a["role"] == "companion", limit=100)
        if "watermark" in a or a["role"] == "original":
            mark = _obj(a.get("watermark"), f"asset {path}: watermark")
            _line(mark.get("method"), f"asset {path}: watermark method", limit=100)
            if "amplitude" in mark:
                _need(isinstance(mark["amplitude"], (int, float)) and not isinstance(mark["amplitude"], bool),
                      f"asset {path}: watermark amplitude is not a number")
            _line(mark.get("reason"), f"asset {path}: watermark reason", optional=True)


def _check_stored(assets: list, payload_size: int) -> None:
    """Version 2: each file's age file in the package — its entry (in the assets' order), size,
    SHA-256 and CRC-32 — and their sizes adding up to the payload's."""
    from studio.core.package.zip_layout import entry_name

    total = 0
    for i, a in enumerate(assets):
        stored = _obj(a.get("stored"), f"asset {a['path']}: stored")
        _need(stored.get("entry") == entry_name(i), f"asset {a['path']}: its entry is not {entry_name(i)}")
        _int(stored.get("size"), f"asset {a['path']}: stored size", low=1, high=1 << 50)
        _need(isinstance(stored.get("sha256"), str) and _SHA_RE.fullmatch(stored["sha256"]) is not None,
              f"asset {a['path']} has no valid stored sha256")
        _int(stored.get("crc32"), f"asset {a['path']}: stored crc32", high=1 << 32)
        total += stored["size"]
    _need(total == payload_size, "the payload size is not the sum of its files' sizes")


def _check_grant(grant) -> None:
    g = _obj(grant, "grant")
    _line(g.get("id"), "grant id", _ID["grt"])
    _need(isinstance(g.get("sha256"), str) and _SHA_RE.fullmatch(g["sha256"]) is not None, "grant sha256 is not valid")
    for key in ("talent_signature", "studio_signature"):
        _line(g.get(key), f"grant {key}", limit=200)
    _line(g.get("talent_public_key"), "grant talent_public_key", optional=True, limit=200)
    doc = _obj(g.get("document"), "the grant document")
    _date(doc.get("start"), "the grant's start")
    _date(doc.get("end"), "the grant's end")
    for key in ("purposes", "media", "territories"):
        _words(doc.get(key), f"the grant's {key}")
    _line(doc.get("training"), "the grant's training", optional=True, limit=100)


def _check_labels(labels) -> None:
    labels = _obj(labels, "labels")
    iptc = _obj(labels.get("iptc_digital_source_type"), "labels.iptc_digital_source_type")
    for key in ("ai_generated", "ai_composite", "rendered"):
        _line(iptc.get(key), f"labels.iptc_digital_source_type.{key}")
    _line(labels.get("plus_model_release_status"), "labels.plus_model_release_status")
    _line(labels.get("plus_model_release_id"), "labels.plus_model_release_id")
    _need(labels.get("ai_label") in ("required", "not-required"), "labels.ai_label is not required or not-required")
    _line(labels.get("ai_label_text"), "labels.ai_label_text", optional=True)


def check_shape(m: dict) -> None:
    """Every field the brand's side reads, with its type (docs/package-format.md); unknown keys
    are ignored, never read."""
    _line(m.get("package_id"), "package_id", _ID["pkg"])
    _line(m.get("created_at"), "created_at", limit=40)
    studio = _obj(m.get("studio"), "studio")
    for key in ("vault", "key_fingerprint", "public_key"):
        _line(studio.get(key), f"studio.{key}", limit=200)
    _line(studio.get("recipient"), "studio.recipient", optional=True, limit=200)  # since DR047
    if "pause_policy" in m:  # since DR050; packages made before have none
        policy = _obj(m.get("pause_policy"), "pause_policy")
        for key in ("applies_to", "delivered_packages"):
            _line(policy.get(key), f"pause_policy.{key}", limit=100)
        _line(policy.get("text"), "pause_policy.text", limit=2000)
    talent = _obj(m.get("talent"), "talent")
    _line(talent.get("id"), "talent id", _ID["tal"])
    _line(talent.get("display_name"), "talent display_name", optional=True)
    brand = _obj(m.get("brand"), "brand")
    _line(brand.get("id"), "brand id", limit=100)
    _line(brand.get("name"), "brand name")
    _line(brand.get("recipient"), "the recipient", limit=200)
    use = _obj(m.get("use"), "use")
    for key in ("purpose", "media", "territory"):
        _line(use.get(key), f"use.{key}", limit=200)
    _check_assets(m.get("assets"))
    p = _obj(m.get("payload"), "payload")
    _int(p.get("size"), "payload size", high=1 << 50)
    if m["format_version"] == 1:
        _need(isinstance(p.get("sha256"), str) and _SHA_RE.fullmatch(p["sha256"]) is not None,
              "the payload hash is missing")
        for key in ("file", "encryption", "content"):
            _line(p.get(key), f"payload.{key}", limit=200)
    else:
        for key in ("layout", "encryption"):
            _line(p.get(key), f"payload.{key}", limit=200)
        _check_stored(m["assets"], p["size"])
    _check_grant(m.get("grant"))
    licence = _obj(m.get("licence"), "licence")
    _obj(licence.get("odrl"), "licence.odrl")
    _text(licence.get("summary"), "licence summary")
    _date(m.get("expires"), "the expiry")
    _line(m.get("timezone"), "timezone", _ZONE, limit=100)
    try:
        zoneinfo.ZoneInfo(m["timezone"])
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError) as exc:  # a folder of the database, …
        raise PackageRefused(f"the manifest names an unknown time zone {m['timezone']!r}") from exc
    _check_labels(m.get("labels"))


def parse(data: bytes) -> dict:
    """The manifest as a dict, its version known and its whole shape checked (every field the
    brand's side reads, its type, paths, sizes, hashes) — nothing in it is used before this."""
    m = _load(data)
    _need(isinstance(m, dict) and m.get("format") == FORMAT, "it is not a twin package manifest")
    version = m.get("format_version")
    if version not in READABLE_VERSIONS or isinstance(version, bool):
        raise PackageRefused(f"unknown package format version {version!r}; this Twin Studio reads versions "
                             f"{' and '.join(map(str, READABLE_VERSIONS))} — update Twin Studio to open it")
    check_shape(m)
    return m
