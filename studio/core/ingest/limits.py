"""Limits of ingest's own work (audio measuring, derived previews). The limits on what a file
may declare, shared by every reader, are in :mod:`studio.core.formats.limits`."""

from __future__ import annotations

from dataclasses import dataclass

MAX_AUDIO_SECONDS = 6 * 3600
MAX_AUDIO_CHANNELS = 64
MAX_SAMPLE_RATE = 768_000

#: Meshes with more faces than this get a decimated preview (LOD) of about LOD_TARGET_FACES.
LOD_THRESHOLD_FACES = 200_000
LOD_TARGET_FACES = 100_000
#: Meshes with more faces than this also get a finer LOD of about LOD_FINE_TARGET_FACES, which
#: the preview steps up to (DR024); the coarse LOD is then clustered from the fine one.
LOD_FINE_THRESHOLD_FACES = 2_000_000
LOD_FINE_TARGET_FACES = 1_000_000


@dataclass(frozen=True)
class LodSizes:
    """The preview LODs' sizes a scan is given at ingest (the app's preferences, DR040): a LOD of
    about ``coarse`` triangles for a mesh of more than twice that, and a fine one of about
    ``fine`` for a mesh of more than twice that. The defaults are the limits above."""

    coarse: int = LOD_TARGET_FACES
    fine: int = LOD_FINE_TARGET_FACES

    @property
    def coarse_threshold(self) -> int:
        return LOD_THRESHOLD_FACES if self.coarse == LOD_TARGET_FACES else 2 * self.coarse

    @property
    def fine_threshold(self) -> int:
        return LOD_FINE_THRESHOLD_FACES if self.fine == LOD_FINE_TARGET_FACES else 2 * self.fine
WAVEFORM_BUCKETS = 2000
