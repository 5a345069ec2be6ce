"""How figures read in the app: sizes, durations, key figures of an asset, and times that say
which zone they are in (DR020)."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication

from studio.core.assets import AssetRecord
from studio.core.clock import day_text, instant_text

__all__ = ["day_text", "duration_text", "instant_text", "key_figures", "kind_label", "size_text", "status_label",
           "utc_and_local"]

KIND_LABELS = {"mesh": QT_TRANSLATE_NOOP("Formatting", "Mesh scan"),
               "point_cloud": QT_TRANSLATE_NOOP("Formatting", "Point cloud"),
               "voice": QT_TRANSLATE_NOOP("Formatting", "Voice take")}
STATUS_LABELS = {"pending_review": QT_TRANSLATE_NOOP("Formatting", "Awaiting review"),
                 "approved": QT_TRANSLATE_NOOP("Formatting", "Approved"),
                 "rejected": QT_TRANSLATE_NOOP("Formatting", "Rejected")}


def _tr(text: str) -> str:
    return QCoreApplication.translate("Formatting", text)


def kind_label(kind: str) -> str:
    """An asset kind as the user reads it, in their language."""
    return _tr(KIND_LABELS[kind]) if kind in KIND_LABELS else kind


def status_label(status: str) -> str:
    """A review status as the user reads it, in their language."""
    return _tr(STATUS_LABELS[status]) if status in STATUS_LABELS else status


def size_text(n: int) -> str:
    value = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{n} B"


def duration_text(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    minutes, secs = divmod(round(max(0.0, float(seconds)), 1), 60)  # 59.96 s reads 1:00.0
    return f"{int(minutes)}:{secs:04.1f}"


def key_figures(asset: AssetRecord) -> str:
    m = asset.metrics
    if asset.kind == "mesh":
        text = _tr("{n} tris").format(n=f"{m.get('faces', 0):,}")
    elif asset.kind == "point_cloud":
        text = _tr("{n} points").format(n=f"{m.get('points', 0):,}")
    else:
        rate = m.get("sample_rate")
        text = f"{duration_text(m.get('duration_s'))} · {rate / 1000:g} kHz" if rate else duration_text(m.get("duration_s"))
    if asset.kind != "voice" and m.get("height_m"):
        text += f" · {m['height_m']:.2f} m"
    return text


def utc_and_local(instant: str, tz: str | None) -> str:
    """An instant in a grant's zone and in UTC: ``2026-12-01 00:20 (Europe/Brussels) · 2026-11-30 23:20 UTC``."""
    if not tz or tz == "UTC":
        return instant_text(instant)
    return f"{instant_text(instant, tz)} · {instant_text(instant)}"
