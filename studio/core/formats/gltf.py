"""glTF 2.0 / GLB: the structure checks made before trimesh reads the geometry.

trimesh loads a glTF whose buffers are too short, whose accessors overrun their views or whose
external buffer is missing in ways that are hard to explain to an operator (or not at all).
These checks read only the JSON and the sizes of the binary parts: the GLB header and chunk
lengths, every buffer, buffer view and accessor range, and the files the JSON refers to.
"""

from __future__ import annotations

import json
import struct
from dataclasses import dataclass, field
from pathlib import Path

from studio.core.errors import InvalidFile, UnsupportedFormat
from studio.core.formats.gltf_scene import check_scene
from studio.core.formats.limits import MAX_GLTF_JSON_BYTES, MAX_VERTICES
from studio.core.formats.paths import inside

_COMPONENT_BYTES = {5120: 1, 5121: 1, 5122: 2, 5123: 2, 5125: 4, 5126: 4}
_TYPE_COMPONENTS = {"SCALAR": 1, "VEC2": 2, "VEC3": 3, "VEC4": 4, "MAT2": 4, "MAT3": 9, "MAT4": 16}


@dataclass
class GltfInfo:
    meshes: int
    companions: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    has_normals: bool = False
    has_colors: bool = False
    has_images: bool = False  # an image that can be loaded: embedded, data: URI or a file beside it
    #: images stored in a GLB's binary chunk, as (file offset, length): measured from their headers
    embedded_images: list[tuple[int, int]] = field(default_factory=list)


def _glb_json(path: Path, size: int) -> tuple[dict, int, int]:
    """The JSON chunk of a GLB, the length of its BIN chunk (0 if none) and where its data starts."""
    with open(path, "rb") as f:
        head = f.read(20)
        if len(head) < 20:
            raise InvalidFile(f"truncated: a GLB needs a 20-byte header, the file has {size} bytes")
        _, version, length, json_len, json_type = struct.unpack("<4sIIII", head)
        if version != 2:
            raise UnsupportedFormat(f"GLB version {version} is not supported (only glTF 2.0)")
        if length != size:
            raise InvalidFile(f"GLB header says the file is {length:,} bytes but it is {size:,} bytes: "
                              "truncated or damaged (e.g. passed through a text conversion)")
        if json_type != 0x4E4F534A:
            raise InvalidFile("GLB does not start with a JSON chunk")
        if json_len > MAX_GLTF_JSON_BYTES or 20 + json_len > size:
            raise InvalidFile(f"GLB JSON chunk claims {json_len:,} bytes, more than the file holds")
        raw = f.read(json_len)
        bin_len = 0
        chunk = f.read(8)
        if len(chunk) == 8:
            bin_len, bin_type = struct.unpack("<II", chunk)
            if bin_type != 0x004E4942:
                bin_len = 0
            elif 28 + json_len + bin_len > size:
                raise InvalidFile(f"truncated: the GLB binary chunk claims {bin_len:,} bytes, more than the file holds")
    return _parse(raw), bin_len, 28 + json_len


def _parse(raw: bytes) -> dict:
    try:
        doc = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InvalidFile(f"glTF JSON is malformed: {exc}") from exc
    if not isinstance(doc, dict):
        raise InvalidFile("glTF JSON is not an object")
    version = str((doc.get("asset") or {}).get("version", "")) if isinstance(doc.get("asset"), dict) else ""
    if not version.startswith("2"):
        raise UnsupportedFormat(f"glTF version {version or 'unknown'} is not supported (only glTF 2.0)")
    return doc


def _items(doc: dict, key: str, where: str = "") -> list:
    value = doc.get(key, [])
    if not isinstance(value, list):
        raise InvalidFile(f"glTF {where}'{key}' must be a list, not {type(value).__name__}")
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            raise InvalidFile(f"glTF {where}'{key}'[{i}] must be an object, not {type(item).__name__}")
    return value


def _int(obj: dict, key: str, where: str, default: int | None = None) -> int:
    value = obj.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InvalidFile(f"glTF {where} has an invalid '{key}': {value!r}")
    return value


def inspect(path: Path, size: int, fmt: str) -> GltfInfo:
    if fmt == "glb":
        doc, bin_len, bin_start = _glb_json(path, size)
    else:
        if size > MAX_GLTF_JSON_BYTES:
            raise InvalidFile(f"glTF JSON is {size:,} bytes; the limit is {MAX_GLTF_JSON_BYTES:,}")
        doc, bin_len = _parse(path.read_bytes()), 0
    info = GltfInfo(meshes=len(_items(doc, "meshes")))
    buffer_sizes = []
    for i, buf in enumerate(_items(doc, "buffers")):
        declared = _int(buf, "byteLength", f"buffer {i}")
        uri = buf.get("uri")
        if uri is None:
            if fmt != "glb" or i != 0:
                raise InvalidFile(f"glTF buffer {i} has no uri")
            available = bin_len
        elif not isinstance(uri, str):
            raise InvalidFile(f"glTF buffer {i} has an invalid uri")
        elif uri.startswith("data:"):
            head, _, payload = uri.partition(",")
            # embedded: the bytes a base64 payload decodes to, at most (a plain one is its length)
            available = len(payload) * 3 // 4 if head.endswith(";base64") else len(payload)
        else:
            target = inside(path.parent, uri)
            if target is None:
                raise InvalidFile(f"glTF buffer {i} refers to a file outside its folder: {uri}")
            if not target.is_file():
                raise InvalidFile(f"missing buffer file {uri} (it must be next to {path.name})")
            available = target.stat().st_size
            info.companions.append(target)
        if declared > available:
            raise InvalidFile(f"truncated: glTF buffer {i} declares {declared:,} bytes but holds {available:,}")
        buffer_sizes.append(declared)
    views = _items(doc, "bufferViews")
    for i, view in enumerate(views):
        b = _int(view, "buffer", f"bufferView {i}")
        if b >= len(buffer_sizes):
            raise InvalidFile(f"glTF bufferView {i} refers to buffer {b}, which does not exist")
        end = _int(view, "byteOffset", f"bufferView {i}", 0) + _int(view, "byteLength", f"bufferView {i}")
        if end > buffer_sizes[b]:
            raise InvalidFile(f"glTF bufferView {i} ends at byte {end:,} but buffer {b} holds {buffer_sizes[b]:,} bytes")
    accessors = _items(doc, "accessors")
    for i, acc in enumerate(accessors):
        count = _int(acc, "count", f"accessor {i}")
        if count > MAX_VERTICES * 3:
            raise InvalidFile(f"glTF accessor {i} declares {count:,} elements; the limit is {MAX_VERTICES * 3:,}")
        if "bufferView" not in acc or count == 0:
            continue
        v = _int(acc, "bufferView", f"accessor {i}")
        if v >= len(views):
            raise InvalidFile(f"glTF accessor {i} refers to bufferView {v}, which does not exist")
        comp, kind = acc.get("componentType"), acc.get("type")
        if comp not in _COMPONENT_BYTES or kind not in _TYPE_COMPONENTS:
            raise InvalidFile(f"glTF accessor {i} has an unknown componentType/type ({comp!r}, {kind!r})")
        elem = _COMPONENT_BYTES[comp] * _TYPE_COMPONENTS[kind]
        stride = views[v].get("byteStride") or elem
        need = _int(acc, "byteOffset", f"accessor {i}", 0) + stride * (count - 1) + elem
        if need > views[v]["byteLength"]:
            raise InvalidFile(f"glTF accessor {i} needs {need:,} bytes but bufferView {v} holds "
                              f"{views[v]['byteLength']:,}")
    for m, mesh in enumerate(_items(doc, "meshes")):
        name = mesh.get("name") or f"#{m}"
        for p, prim in enumerate(_items(mesh, "primitives", f"mesh {name!r}: ")):
            attrs = prim.get("attributes", {})
            if not isinstance(attrs, dict) or "POSITION" not in attrs:
                raise InvalidFile(f"glTF mesh {name!r} primitive {p} has no POSITION attribute")
            counts = {}
            for key, a in attrs.items():
                if not isinstance(a, int) or not 0 <= a < len(accessors):
                    raise InvalidFile(f"glTF mesh {name!r} attribute {key} refers to accessor {a!r}, which does not exist")
                counts[key] = accessors[a].get("count")
            if len(set(counts.values())) > 1:
                listed = ", ".join(f"{k} {c}" for k, c in counts.items())
                raise InvalidFile(f"glTF mesh {name!r}: vertex attributes have different lengths ({listed})")
            info.has_normals |= "NORMAL" in attrs
            info.has_colors |= "COLOR_0" in attrs
    if info.meshes:  # bound the scene graph before trimesh walks it (DR017)
        check_scene(doc, _items(doc, "nodes"), _items(doc, "meshes"), accessors)
    for i, image in enumerate(_items(doc, "images")):
        uri = image.get("uri")
        if not isinstance(uri, str) or uri.startswith("data:"):
            info.has_images |= "bufferView" in image or isinstance(uri, str)
            view = image.get("bufferView")
            if fmt == "glb" and isinstance(view, int) and 0 <= view < len(views) and views[view].get("buffer") == 0 \
                    and "uri" not in _items(doc, "buffers")[0]:
                info.embedded_images.append((bin_start + views[view].get("byteOffset", 0), views[view]["byteLength"]))
            continue
        target = inside(path.parent, uri)
        if target is None:
            info.warnings.append(f"texture image outside the file's folder was not used: {uri}")
        elif not target.is_file():
            info.warnings.append(f"texture image not found next to the file: {uri}")
        else:
            info.companions.append(target)
            info.has_images = True
    return info
