"""Ingest analysis: recognise a scan or voice file by its content, validate it, measure it and
derive previews (a decimated LOD for large meshes, a waveform summary for voice).

``analyse(path)`` reads one file and returns an :class:`Analysis`, or raises
:class:`~studio.core.errors.UnsupportedFormat` (not a scan / voice format) or
:class:`~studio.core.errors.InvalidFile` (a supported format with broken or implausible content)
with a reason a studio operator understands. It writes nothing: storing is the vault's job
(:mod:`studio.core.intake`). Heavy libraries (trimesh, Open3D, soundfile) are imported only
when a file of their kind is analysed.

Files are recognised and parsed by :mod:`studio.core.formats` (``probe``: what is it; one
reader per format, which also rejects lying headers before allocating). Modules here: ``ply`` /
``mesh`` / ``companions`` (meshes), ``pointcloud``, ``voice``, ``measure`` (bbox, units,
topology), ``derive`` (LOD), ``limits`` (of ingest's own work).
"""

from studio.core.ingest.analyse import analyse
from studio.core.ingest.model import Analysis, DerivedFile

__all__ = ["Analysis", "DerivedFile", "analyse"]
