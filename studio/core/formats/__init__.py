"""One reader per file format, shared by ingest, the preview and the watermark.

Each module holds one format: its header (a dataclass), a parser from bytes or a stream, and
the limits it applies (:mod:`.limits`): ``ply``, ``pcd``, ``xyz``, ``off``, ``stl``, ``obj``,
``gltf`` (glTF / GLB structure), ``wav`` (RIFF, RIFX, RF64, BW64 chunks). ``probe`` recognises a
file by its content; ``paths`` resolves the files a format refers to beside it.

This package sits below ingest, render and package: it imports only leaf modules (errors) and
third-party readers, never ingest, render, vault, consent or package (an import-linter contract).
A reader raises :class:`~studio.core.errors.InvalidFile` with a reason an operator understands.
"""
