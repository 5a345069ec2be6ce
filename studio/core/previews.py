"""What the windows show of an asset, read for them: a voice take's audio and waveform, a
scan's thumbnail. The UI calls these instead of reading blobs or parsing derived files itself."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from studio.core.assets import get_asset, read_derived
from studio.core.changes import Changes
from studio.core.errors import IntegrityError, InvalidInput, NotFound
from studio.core.render.service import RenderService
from studio.core.render.thumbnails import ensure_thumbnail
from studio.core.vault import Vault


def waveform(vault: Vault, asset_id: str) -> dict | None:
    """A voice take's stored waveform summary (min/max/RMS envelope), or None when it has none."""
    asset = get_asset(vault, asset_id)
    if asset.file("waveform") is None:
        return None
    try:
        return json.loads(read_derived(vault, asset.id, "waveform"))
    except ValueError as exc:
        raise IntegrityError(f"the stored waveform of asset {asset.id} is not readable") from exc


@dataclass(frozen=True)
class VoiceTake:
    audio: bytes          # the original file's bytes, decrypted
    waveform: dict        # {} when none is stored


def voice_take(vault: Vault, asset_id: str) -> VoiceTake:
    asset = get_asset(vault, asset_id)
    if asset.kind != "voice":
        raise InvalidInput(f"asset {asset.id} is a {asset.kind}, not a voice take")
    return VoiceTake(vault.blobs.read_bytes(asset.sha256), waveform(vault, asset.id) or {})


@dataclass(frozen=True)
class VoiceFile:
    """A voice take read from a plain file (a package the brand opened), measured as ingest measures."""
    audio: bytes
    waveform: dict
    metrics: dict
    warnings: list[str]


def voice_file(path: Path, fmt: str) -> VoiceFile:
    """The take at ``path`` (``fmt`` as the package's manifest names it): its bytes to play from
    memory, its waveform, metrics and QA warnings (:func:`~studio.core.ingest.voice.analyse_voice`)."""
    from studio.core.ingest.voice import analyse_voice

    path = Path(path)
    if not path.is_file():
        raise NotFound(f"no voice take at {path}")
    metrics, warnings, wave = analyse_voice(path, fmt, path.name)
    return VoiceFile(path.read_bytes(), json.loads(wave), metrics, warnings)


@dataclass(frozen=True)
class Thumbnail:
    asset_id: str
    png: bytes | None         # a scan's thumbnail
    waveform: dict | None     # a voice take's waveform summary
    rendered: bool            # the scan's thumbnail was rendered and stored by this call

    @property
    def changes(self) -> Changes:
        return Changes(thumbnails={self.asset_id}) if self.rendered else Changes()


def thumbnail(vault: Vault, asset_id: str, service: RenderService) -> Thumbnail:
    """A scan's thumbnail (rendered and stored on first use: a vault write) or a voice take's
    waveform summary."""
    asset = get_asset(vault, asset_id)
    if asset.kind == "voice":
        return Thumbnail(asset.id, None, waveform(vault, asset.id), False)
    stored = asset.file("thumbnail") is not None
    return Thumbnail(asset.id, ensure_thumbnail(vault, asset.id, service), None, not stored)

