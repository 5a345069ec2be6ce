"""What an operation changed, so that a window refreshes only that (after Anki's OpChanges).

Every mutating core function the UI calls returns a result object carrying ``.changes`` (a
record such as :class:`~studio.core.consent.grants.GrantRecord` answers ``.changes`` from its
own ids, see DR013); :func:`changes_of` reads it from any such result. Each field names the ids
that changed (``ledger``: the talents whose statement changed); ``audit`` says the audit chain
grew; ``everything`` is the answer for a result that says nothing — refresh all.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Iterable

_ID_SETS = ("talents", "assets", "grants", "packages", "ledger", "brands", "thumbnails")


@dataclass(frozen=True)
class Changes:
    talents: frozenset[str] = field(default_factory=frozenset)
    assets: frozenset[str] = field(default_factory=frozenset)
    grants: frozenset[str] = field(default_factory=frozenset)
    packages: frozenset[str] = field(default_factory=frozenset)
    ledger: frozenset[str] = field(default_factory=frozenset)      # talent ids whose statement changed
    brands: frozenset[str] = field(default_factory=frozenset)
    thumbnails: frozenset[str] = field(default_factory=frozenset)  # asset ids with a new thumbnail
    audit: bool = False
    everything: bool = False

    def __post_init__(self) -> None:
        for name in _ID_SETS:  # accept any iterable of ids; a bare string would be split into letters
            value = getattr(self, name)
            if isinstance(value, str):
                raise TypeError(f"Changes.{name} takes a collection of ids, not the string {value!r}")
            if not isinstance(value, frozenset):
                object.__setattr__(self, name, frozenset(value))

    @classmethod
    def all(cls) -> "Changes":
        return cls(audit=True, everything=True)

    def merge(self, *others: "Changes") -> "Changes":
        out = {f.name: getattr(self, f.name) for f in fields(self)}
        for other in others:
            for name in _ID_SETS:
                out[name] = out[name] | getattr(other, name)
            out["audit"] = out["audit"] or other.audit
            out["everything"] = out["everything"] or other.everything
        return Changes(**out)

    def __or__(self, other: "Changes") -> "Changes":
        if not isinstance(other, Changes):
            return NotImplemented
        return self.merge(other)

    def touches(self, *names: str) -> bool:
        """Whether any of these slices changed (always true for ``everything``)."""
        return self.everything or any(bool(getattr(self, n)) for n in names)

    def __bool__(self) -> bool:
        return self.everything or self.audit or any(getattr(self, n) for n in _ID_SETS)


NOTHING = Changes()


def changes_of(result: object) -> Changes:
    """What a mutating function's result says it changed: a :class:`Changes`, a result with
    ``.changes``, or a list of such results (merged). Anything else says nothing, so everything
    may have changed."""
    if isinstance(result, Changes):
        return result
    carried = getattr(result, "changes", None)
    if isinstance(carried, Changes):
        return carried
    if isinstance(result, (list, tuple)) and result:
        parts = [changes_of(r) for r in result]
        return parts[0].merge(*parts[1:])
    return Changes.all()


def merge_all(parts: Iterable[Changes]) -> Changes:
    return NOTHING.merge(*parts)
