"""glTF scene graph bounds, checked on the JSON before trimesh walks it (DR017).

A few megabytes of JSON can nest 150,000 nodes (trimesh then works out each node's transform
along its whole chain of parents: minutes) or place a mesh 300,000 times (gigabytes once
flattened). Here the nodes the loaded scene reaches are walked once, iteratively, and refused
past :data:`~studio.core.formats.limits.MAX_GLTF_NODES` nodes,
:data:`~studio.core.formats.limits.MAX_GLTF_DEPTH` levels,
:data:`~studio.core.formats.limits.MAX_GLTF_INSTANCES` mesh placements, or flattened geometry
past :func:`~studio.core.formats.limits.check_geometry`'s limits. glTF nodes form a tree: a node
reached twice (two parents, or a cycle) is refused too.
"""

from __future__ import annotations

from studio.core.errors import InvalidFile
from studio.core.formats.limits import MAX_GLTF_DEPTH, MAX_GLTF_INSTANCES, MAX_GLTF_NODES, check_geometry

_TRIANGLES, _STRIP, _FAN = 4, 5, 6


def _index(value, size: int, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < size:
        raise InvalidFile(f"glTF {what} refers to {value!r}, which does not exist")
    return value


def _count(accessors: list, index, what: str) -> int:
    count = accessors[_index(index, len(accessors), what)].get("count", 0)
    return count if isinstance(count, int) and not isinstance(count, bool) and count >= 0 else 0


def mesh_sizes(meshes: list, accessors: list) -> list[tuple[int, int, int]]:
    """(vertices, triangles, primitives) of each mesh, from its accessors' counts."""
    sizes = []
    for m, mesh in enumerate(meshes):
        vertices = triangles = 0
        prims = mesh.get("primitives", [])
        prims = prims if isinstance(prims, list) else []
        for prim in prims:
            if not isinstance(prim, dict) or not isinstance(prim.get("attributes"), dict):
                continue
            n = _count(accessors, prim["attributes"].get("POSITION"), f"mesh {m} POSITION")
            corners = _count(accessors, prim["indices"], f"mesh {m} indices") if "indices" in prim else n
            mode = prim.get("mode", _TRIANGLES)
            vertices += n
            triangles += corners // 3 if mode == _TRIANGLES else max(0, corners - 2) if mode in (_STRIP, _FAN) else 0
        sizes.append((vertices, triangles, len(prims)))
    return sizes


def _roots(doc: dict, nodes: list) -> list:
    scenes = doc.get("scenes")
    if scenes is None:
        return []
    if not isinstance(scenes, list) or not scenes:
        raise InvalidFile("glTF 'scenes' must be a non-empty list")
    chosen = doc.get("scene", 0)
    scene = scenes[_index(chosen, len(scenes), "'scene'")]
    if not isinstance(scene, dict):
        raise InvalidFile(f"glTF scene {chosen} must be an object")
    roots = scene.get("nodes", [])
    if not isinstance(roots, list):
        raise InvalidFile(f"glTF scene {chosen} 'nodes' must be a list")
    return roots


def check_scene(doc: dict, nodes: list, meshes: list, accessors: list) -> None:
    """Refuse a scene graph too large, too deep or not a tree, or whose flattened meshes exceed
    the limits; reads only the JSON."""
    if len(nodes) > MAX_GLTF_NODES:
        raise InvalidFile(f"glTF has {len(nodes):,} nodes; the limit is {MAX_GLTF_NODES:,}")
    sizes = mesh_sizes(meshes, accessors)
    seen: set[int] = set()
    stack = [(_index(r, len(nodes), "scene root node"), 1) for r in reversed(_roots(doc, nodes))]
    instances = vertices = triangles = 0
    while stack:
        n, depth = stack.pop()
        if n in seen:
            raise InvalidFile(f"glTF node {n} is reached twice (a cycle, or two parents): glTF nodes must form a tree")
        seen.add(n)
        if depth > MAX_GLTF_DEPTH:
            raise InvalidFile(f"glTF nodes nest more than {MAX_GLTF_DEPTH} levels deep (node {n})")
        node = nodes[n]
        if "mesh" in node:
            v, t, prims = sizes[_index(node["mesh"], len(meshes), f"node {n} mesh")]
            instances += max(1, prims)
            vertices += v
            triangles += t
            if instances > MAX_GLTF_INSTANCES:
                raise InvalidFile(f"glTF scene places meshes more than {MAX_GLTF_INSTANCES:,} times; "
                                  f"the limit is {MAX_GLTF_INSTANCES:,}")
        children = node.get("children", [])
        if not isinstance(children, list):
            raise InvalidFile(f"glTF node {n} 'children' must be a list")
        if len(children) > len(nodes):
            raise InvalidFile(f"glTF node {n} lists {len(children):,} children but the file has {len(nodes):,} nodes")
        stack.extend((_index(c, len(nodes), f"node {n} child"), depth + 1) for c in children)
    check_geometry("the glTF scene", vertices, triangles)
