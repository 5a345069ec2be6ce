"""Decide what a file is from its content (magic bytes, header text), never from its name alone.

The name only matters as a cross-check: a known extension of a *different* family than the
content is rejected naming both ("content is WAV audio but the name ends in .ply"); an unknown
or missing extension trusts the content.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from studio.core.errors import InvalidFile, UnsupportedFormat
from studio.core.formats import off, stl

HEAD_BYTES = 64 * 1024

SUPPORTED_HINT = ("Twin Studio reads scans (PLY, OBJ, STL, OFF, glTF/GLB, PCD, XYZ) and voice "
                  "(WAV, FLAC, Ogg Vorbis/Opus, MP3, NIST SPHERE)")


@dataclass(frozen=True)
class Probed:
    format: str  # one of FORMATS
    media_type: str
    label: str  # what the content is, for messages


# format -> (extension family, media type, label)
FORMATS: dict[str, tuple[str, str, str]] = {
    "ply": ("ply", "application/x-ply", "a PLY file"),
    "obj": ("obj", "model/obj", "an OBJ mesh"),
    "stl": ("stl", "model/stl", "an STL mesh"),
    "off": ("off", "model/x-off", "an OFF mesh"),
    "glb": ("gltf", "model/gltf-binary", "a GLB (binary glTF) model"),
    "gltf": ("gltf", "model/gltf+json", "a glTF model"),
    "pcd": ("pcd", "application/x-pcd", "a PCD point cloud"),
    "xyz": ("xyz", "text/x-xyz", "XYZ point data"),
    "wav": ("wav", "audio/wav", "WAV audio"),
    "rf64": ("wav", "audio/wav", "RF64 (WAV) audio"),
    "flac": ("flac", "audio/flac", "FLAC audio"),
    "ogg-vorbis": ("ogg", "audio/ogg", "Ogg/Vorbis audio"),
    "opus": ("ogg", "audio/opus", "Ogg/Opus audio"),
    "ogg-flac": ("ogg", "audio/ogg", "Ogg/FLAC audio"),
    "mp3": ("mp3", "audio/mpeg", "MP3 audio"),
    "nist-sphere": ("sph", "audio/x-nist-sphere", "NIST SPHERE audio"),
}

FAMILY_EXTENSIONS: dict[str, set[str]] = {
    "ply": {"ply"}, "obj": {"obj"}, "stl": {"stl"}, "off": {"off"}, "gltf": {"gltf", "glb"},
    "pcd": {"pcd"}, "xyz": {"xyz"}, "wav": {"wav", "wave", "rf64", "bwf"}, "flac": {"flac"},
    "ogg": {"ogg", "oga", "opus"}, "mp3": {"mp3"}, "sph": {"sph"},
}
_EXT_FAMILY = {ext: fam for fam, exts in FAMILY_EXTENSIONS.items() for ext in exts}

# Extensions of things we do not read: content claiming a supported format under one of these
# names is a mislabelled file.
OTHER_EXTENSIONS = {
    "aac": "AAC audio", "m4a": "MP4/M4A audio", "m4b": "MP4/M4A audio", "mp4": "MP4 video", "mov": "QuickTime movie",
    "aif": "AIFF audio", "aiff": "AIFF audio", "wma": "WMA audio", "mp2": "MPEG audio", "amr": "AMR audio",
    "png": "PNG image", "jpg": "JPEG image", "jpeg": "JPEG image", "tif": "TIFF image", "tiff": "TIFF image",
    "gif": "GIF image", "bmp": "BMP image", "webp": "WebP image", "exr": "OpenEXR image",
    "md": "text file", "mtl": "MTL material library",
    "fbx": "FBX model", "dae": "COLLADA model", "3ds": "3DS model", "blend": "Blender file",
    "usd": "USD scene", "usdz": "USDZ scene", "abc": "Alembic file", "las": "LAS point cloud",
    "laz": "LAZ point cloud", "e57": "E57 point cloud", "zip": "ZIP archive", "pdf": "PDF document",
}

# (offset, magic, label) for content we recognise but do not read
_UNSUPPORTED_MAGIC: list[tuple[int, bytes, str]] = [
    (0, b"\x89PNG\r\n\x1a\n", "PNG image"), (0, b"\xff\xd8\xff", "JPEG image"), (0, b"GIF8", "GIF image"),
    (0, b"II*\x00", "TIFF image"), (0, b"MM\x00*", "TIFF image"), (0, b"v/1\x01", "OpenEXR image"),
    (0, b"%PDF", "PDF document"), (0, b"PK\x03\x04", "ZIP archive (unpack it and ingest the files inside)"),
    (0, b"\x1f\x8b", "gzip-compressed file (decompress it first)"), (0, b"7z\xbc\xaf\x27\x1c", "7-Zip archive"),
    (0, b"Rar!", "RAR archive"), (0, b"Kaydara FBX Binary", "FBX model"), (0, b"BLENDER", "Blender file"),
    (0, b"\x1a\x45\xdf\xa3", "Matroska/WebM container"), (0, b"SQLite format 3\x00", "SQLite database"),
    (0, b"LASF", "LAS point cloud"), (0, b"ASTM-E57", "E57 point cloud"), (0, b".snd", "Sun/NeXT AU audio"),
    (0, b"caff", "Core Audio (CAF) file"), (0, b"wvpk", "WavPack audio"), (0, b"MAC ", "Monkey's Audio"),
    (0, b"#!AMR", "AMR audio"), (0, b"\x30\x26\xb2\x75\x8e\x66\xcf\x11", "WMA/ASF audio"),
]

# an OBJ vertex or face with numbers, or a material statement (prose never looks like this)
_OBJ_LINE = re.compile(r"^[ \t]*((v|vt|vn)[ \t]+[-+.\d]|f[ \t]+-?\d|(usemtl|mtllib)[ \t])", re.M)
_PCD_HEAD = re.compile(rb"\s*(#[^\n]*\n\s*)*(VERSION|FIELDS)[ \t]")
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^[+-]?(nan|inf)$", re.I)


def probe(path: Path, size: int) -> Probed:
    """What ``path`` holds. Raises UnsupportedFormat / InvalidFile with a specific reason."""
    ext = path.suffix.lower().lstrip(".")
    with open(path, "rb") as f:
        head = f.read(HEAD_BYTES)
    fmt, other = _sniff(head, size, ext)
    suffix = f" (name ends in .{ext})" if ext else ""
    if fmt is None:
        raise UnsupportedFormat(f"{other} is not supported{suffix}. {SUPPORTED_HINT}")
    family, media_type, label = FORMATS[fmt]
    ext_family = _EXT_FAMILY.get(ext)
    if (ext_family is not None and ext_family != family) or ext in OTHER_EXTENSIONS:
        raise InvalidFile(f"content is {label} but the name ends in .{ext}; rename it or check it is the right file")
    return Probed(fmt, media_type, label)


def _sniff(head: bytes, size: int, ext: str) -> tuple[str | None, str]:
    """(format, "") for supported content, (None, label) otherwise."""
    fmt = _sniff_binary(head, size)
    if fmt is not None:
        return (fmt, "") if fmt in FORMATS else (None, fmt)
    text = _as_text(head)
    if text is not None:
        return _sniff_text(text, ext)
    if _EXT_FAMILY.get(ext) == "stl":
        return "stl", ""  # a binary STL whose size disagrees with its count: the STL reader says so
    return None, "unrecognised binary data"


def _sniff_binary(head: bytes, size: int) -> str | None:
    """A supported format name, a label of an unsupported kind, or None for 'not binary-magic'."""
    tag, form = head[:4], head[8:12]
    if tag in (b"RIFF", b"RIFX") and form == b"WAVE":
        return "wav"
    if tag in (b"RF64", b"BW64") and form == b"WAVE":
        return "rf64"
    if tag == b"RIFF":
        return {b"AVI ": "AVI video", b"WEBP": "WebP image"}.get(form, "RIFF container (not WAVE)")
    if tag == b"FORM" and form in (b"AIFF", b"AIFC"):
        return "AIFF audio"
    if tag == b"fLaC":
        return "flac"
    if tag == b"OggS":
        return _sniff_ogg(head)
    if head.startswith(b"NIST_1A"):
        return "nist-sphere"
    if head.startswith(b"ID3"):
        return "mp3"
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        layer = (head[1] >> 1) & 3
        if layer == 1:
            return "mp3"
        return "AAC audio (ADTS)" if layer == 0 else "MPEG layer I/II audio"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"M4A ", b"M4B ", b"M4P "):
            return "MP4/M4A audio"
        return "QuickTime movie" if brand == b"qt  " else "MP4 container"
    if head.startswith(b"glTF"):
        return "glb"
    if head[:3] == b"ply" and head[3:4] in (b"\n", b"\r"):
        return "ply"
    if _PCD_HEAD.match(head):  # PCD: a text header, then often binary data
        return "pcd"
    for offset, magic, label in _UNSUPPORTED_MAGIC:
        if head[offset:offset + len(magic)] == magic:
            return label
    ascii_stl = head.lstrip()[:5].lower() == b"solid" and b"facet" in head[:4096]
    if stl.is_binary_size(head, size) and not ascii_stl:
        return "stl"  # binary STL (its 80-byte header is free text and may even start with "solid")
    return None


def _sniff_ogg(head: bytes) -> str:
    if len(head) < 28:
        return "ogg-vorbis"  # too short to tell: libsndfile will report what is wrong
    packet = head[27 + head[26]:]
    if packet.startswith(b"\x01vorbis"):
        return "ogg-vorbis"
    if packet.startswith(b"OpusHead"):
        return "opus"
    if packet.startswith(b"\x7fFLAC"):
        return "ogg-flac"
    if packet.startswith(b"Speex"):
        return "Ogg/Speex audio"
    if packet.startswith(b"\x80theora"):
        return "Ogg/Theora video"
    return "Ogg container with unknown content"


def _as_text(head: bytes) -> str | None:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return head.decode("utf-16", errors="strict" if len(head) % 2 == 0 else "ignore")
        except UnicodeDecodeError:
            return None
    if b"\x00" in head:
        return None
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    bad = text.count("\ufffd") + sum(1 for c in text if ord(c) < 32 and c not in "\t\r\n\f\v")
    return text if bad <= max(2, len(text) // 200) else None


def _sniff_text(text: str, ext: str) -> tuple[str | None, str]:
    stripped = text.lstrip()
    lines = [ln.strip() for ln in stripped.splitlines()]
    meaningful = [ln for ln in lines if ln and not ln.startswith(("#", "//"))]
    first = meaningful[0] if meaningful else ""
    if stripped[:5].lower() == "solid" and ("facet" in text or "endsolid" in text):
        return "stl", ""
    if stripped.startswith("# .PCD") or first.split(" ")[0] in ("VERSION", "FIELDS"):
        return "pcd", ""
    if off.KEYWORD.match(first):
        return "off", ""
    if stripped.startswith("{"):
        return ("gltf", "") if '"asset"' in text or '"accessors"' in text else (None, "JSON file")
    if any(ln.startswith("newmtl") for ln in meaningful[:50]):
        return None, "MTL material library (it is stored with the OBJ that uses it)"
    if _OBJ_LINE.search(text):
        return "obj", ""
    rows = meaningful[:20]
    if rows and all(len(r.replace(",", " ").split()) >= 3 and all(_NUMBER.match(t) for t in r.replace(",", " ").split())
                    for r in rows):
        return "xyz", ""
    family = _EXT_FAMILY.get(ext)
    if family in ("obj", "off", "xyz", "pcd", "stl"):
        return family, ""  # text that claims a text format: its reader says what is wrong
    return None, "text file"
