"""What the talent sees of an output a brand sent for approval (DR047, DR054): its bytes,
decrypted in memory from the vault's blob store (never to a file), and for audio the waveform
and figures the voice player shows. The windows call this instead of reading blobs."""

from __future__ import annotations

from dataclasses import dataclass, field

from studio.core.errors import NotFound
from studio.core.package.approvals import get_request
from studio.core.vault import Vault

__all__ = ["OutputPreview", "output_preview"]


@dataclass(frozen=True)
class OutputPreview:
    request_id: str
    sha256: str
    name: str
    media_type: str
    data: bytes                      # the output as the brand made it, decrypted in memory
    waveform: dict = field(default_factory=dict)   # audio: the waveform summary ({} for an image)
    metrics: dict = field(default_factory=dict)    # audio: duration, sample rate, channels, format

    @property
    def is_audio(self) -> bool:
        return self.media_type.startswith("audio/")


def output_preview(vault: Vault, request_id: str, sha256: str) -> OutputPreview:
    """One output of an imported request, read whole (outputs are at most 256 MiB, DR047). An
    output that is not in the request is :class:`~studio.core.errors.NotFound`; audio that does
    not decode is shown without a waveform (the talent still hears what the player can play)."""
    rec = get_request(vault, request_id)
    found = next((o for o in rec.outputs if o.sha256 == str(sha256).strip().lower()), None)
    if found is None:
        raise NotFound(f"output {str(sha256)[:16]}… is not in approval request {rec.id}")
    data = vault.blobs.read_bytes(found.sha256)
    waveform, metrics = {}, {}
    if found.media_type.startswith("audio/"):
        from studio.core.errors import InvalidFile
        from studio.core.ingest.voice import measure_audio_bytes

        try:
            metrics, waveform = measure_audio_bytes(data, found.name)
        except InvalidFile:
            pass
    return OutputPreview(rec.id, found.sha256, found.name, found.media_type, data, waveform, metrics)
