"""What an operation changed, so that a window refreshes only that (after Anki's OpChanges)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Changes:
    talents: frozenset[str] = field(default_factory=frozenset)
    assets: frozenset[str] = field(default_factory=frozenset)
    audit: bool = False
