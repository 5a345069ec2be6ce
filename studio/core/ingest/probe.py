"""Recognise a file by its content (magic bytes, header text), never by its name alone.

The name's extension is only checked against the content: a file whose extension names a
different format than its content is refused, since something upstream mislabelled it.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from pathlib import Path

from studio.core.errors import InvalidFile, UnsupportedFormat

HEAD_BYTES = 8192


@dataclass(frozen=True)
class Probe:
    family: str   # ply obj stl off gltf pcd xyz wav flac ogg mp3 nist
    format: str   # finer: glb/gltf, wav/rf64, ogg-vorbis/opus/ogg-flac, ...
    text: str | None = None  # decoded head for text formats


EXTENSION_FAMILY = {
    ".ply": "ply", ".obj": "obj", ".stl": "stl", ".off": "off", ".glb": "gltf", ".gltf": "gltf",
    ".pcd": "pcd", ".xyz": "xyz", ".wav": "wav", ".wave": "wav", ".rf64": "wav", ".bwf": "wav",
    ".flac": "flac", ".ogg": "ogg", ".oga": "ogg", ".opus": "ogg", ".mp3": "mp3", ".sph": "nist",
    ".aac": "aac", ".m4a": "aac", ".mp4": "aac",
}

DESCRIBE = {
    "ply": "a PLY file", "obj": "a Wavefront OBJ file", "stl": "an STL file", "off": "an OFF file",
    "gltf": "a glTF file", "pcd": "a PCD point cloud", "xyz": "an XYZ point list", "wav": "WAV audio",
    "flac": "FLAC audio", "ogg": "Ogg audio", "mp3": "MP3 audio", "nist": "NIST SPHERE audio",
}

_OTHER_BINARY = [
    (b"\x89PNG", "a PNG image"), (b"\xff\xd8\xff", "a JPEG image"), (b"%PDF", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive"), (b"GIF8", "a GIF image"), (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
]

_NUMBER_ROW = re.compile(r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?([\s,;]+[-+]?(\d+\.?\d*|\.\d+|nan|inf)([eE][-+]?\d+)?){2,}\s*$", re.I)


def _decode_text(head: bytes) -> str | None:
    if head.startswith((b"\xfe\xff", b"\xff\xfe")):
        try:
            return head.decode("utf-16", errors="ignore")
        except UnicodeDecodeError:
            return None
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    sample = head[:4096]
    if b"\x00" in sample:
        return None
    bad = sum(1 for b in sample if b < 9 or 13 < b < 32)
    if sample and bad / len(sample) > 0.01:
        return None
    return head.decode("utf-8", errors="replace")


def _mp3_sync(head: bytes) -> bool:
    if head.startswith(b"ID3"):
        return True
    return len(head) >= 4 and head[0] == 0xFF and (head[1] & 0xE0) == 0xE0 and (head[1] & 0x06) != 0


def _content(head: bytes, size: int) -> Probe:
    if head.startswith((b"ply\n", b"ply\r\n", b"ply\r")):
        return Probe("ply", "ply")
    if head.startswith(b"glTF"):
        return Probe("gltf", "glb")
    if head[:4] in (b"RIFF", b"RIFX") and head[8:12] == b"WAVE":
        return Probe("wav", "wav")
    if head[:4] in (b"RF64", b"BW64") and head[8:12] == b"WAVE":
        return Probe("wav", "rf64")
    if head.startswith(b"fLaC"):
        return Probe("flac", "flac")
    if head.startswith(b"OggS"):
        if b"OpusHead" in head:
            return Probe("ogg", "opus")
        if b"\x01vorbis" in head:
            return Probe("ogg", "ogg-vorbis")
        if b"\x7fFLAC" in head:
            return Probe("ogg", "ogg-flac")
        raise UnsupportedFormat("an Ogg stream with a codec other than Vorbis, Opus or FLAC")
    if head.lstrip().startswith((b"# .PCD", b"VERSION")) and b"FIELDS" in head[:2048]:
        return Probe("pcd", "pcd")
    if head.startswith(b"NIST_1A"):
        return Probe("nist", "nist-sphere")
    if head[4:8] == b"ftyp":
        raise UnsupportedFormat("MP4/M4A container (AAC audio or video) is not supported")
    for magic, what in _OTHER_BINARY:
        if head.startswith(magic):
            raise UnsupportedFormat(f"{what}, not a scan or voice format")
    if _mp3_sync(head):
        return Probe("mp3", "mp3")
    text = _decode_text(head)
    if text is not None:
        probe = _text_content(text)
        if probe is not None:
            return probe
    if text is None and _binary_stl_plausible(head, size):
        return Probe("stl", "stl")
    if text is not None:
        raise UnsupportedFormat("a text file, not a scan or voice format")
    raise UnsupportedFormat("unrecognised binary content, not a scan or voice format")


def _binary_stl_plausible(head: bytes, size: int) -> bool:
    if size < 84 or len(head) < 84:
        return False
    (count,) = struct.unpack_from("<I", head, 80)
    label = head[:80].lower()
    return size == 84 + 50 * count or (size - 84) % 50 == 0 or b"stl" in label or b"binary" in label


def _text_content(text: str) -> Probe | None:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    if not lines:
        return None
    first = lines[0]
    if first.startswith("{") and '"asset"' in text:
        return Probe("gltf", "gltf", text)
    if first.lower().startswith("solid") and ("facet" in text or "endsolid" in text):
        return Probe("stl", "stl", text)
    content = [ln for ln in lines if not ln.startswith("#")]
    if content and re.match(r"^(ST)?C?N?4?n?OFF([\s\d]|$)", content[0]):
        return Probe("off", "off", text)
    if any(ln.startswith(("# .PCD", "VERSION")) for ln in lines[:3]) and any(ln.startswith("FIELDS") for ln in lines[:12]):
        return Probe("pcd", "pcd", text)
    keys = {ln.split(maxsplit=1)[0] for ln in content[:400]}
    if keys & {"v", "f", "vt", "vn", "mtllib", "usemtl", "o", "g"} and "v" in keys:
        return Probe("obj", "obj", text)
    if content and all(_NUMBER_ROW.match(ln) for ln in content[:20]):
        return Probe("xyz", "xyz", text)
    return None


def probe(path: Path) -> Probe:
    size = path.stat().st_size
    if size == 0:
        raise InvalidFile("empty file (0 bytes)")
    if size > 16 * 2**30:
        raise InvalidFile(f"file is {size / 2**30:.1f} GiB, above the 16 GiB limit")
    with open(path, "rb") as fh:
        head = fh.read(HEAD_BYTES)
    found = _content(head, size)
    ext = path.suffix.lower()
    claimed = EXTENSION_FAMILY.get(ext)
    if claimed is not None and claimed != found.family:
        if claimed == "aac":
            raise UnsupportedFormat(f"AAC/M4A audio is not supported (name ends in {ext})")
        raise InvalidFile(f"content is {DESCRIBE[found.family]} but the name ends in {ext}")
    return found
