"""Is a scan the size of a person? A QA warning when it is not (DR029).

Files rarely record their unit, so :func:`~studio.core.ingest.measure.guess_unit` reads the
largest extent as metres, centimetres or millimetres. A figure that still comes out smaller
than any head or larger than any person is a unit mistake (a file in decimetres or inches, or
one scaled to fit a box) or, for a point cloud, a capture that includes the room. It is said,
never refused: the operator decides.
"""

from __future__ import annotations

# Smaller than an adult's head (about 25 cm with the neck) or hand (17–20 cm): a scan of a
# person or of part of one measures at least this much. A newborn's head (12–13 cm) or an ear
# scan is flagged too, an acceptable price for catching heads in the wrong unit.
MIN_PERSON_EXTENT_M = 0.15
# Taller than anyone standing (the tallest recorded person was 2.72 m, but a body scan is about
# 1.5–2.1 m) and wider than an arm span: more than a person is in the scan.
MAX_PERSON_EXTENT_M = 2.5

# Units a scan is exported in, with metres per unit, smallest first.
_UNITS = (("millimetres", 0.001), ("centimetres", 0.01), ("decimetres", 0.1), ("metres", 1.0),
          ("inches", 0.0254), ("feet", 0.3048))
_GUESSED = {"mm": "millimetres", "cm": "centimetres", "m": "metres"}


def length(metres: float) -> str:
    """A length as a person reads it: ``3.17 m``, ``49 cm``, ``9.9 cm``, ``4.2 mm``."""
    if metres >= 100:
        return f"{metres:,.0f} m"
    if metres >= 1:
        return f"{metres:.2f} m"
    if metres >= 0.1:
        return f"{metres * 100:.0f} cm"
    if metres >= 0.01:
        return f"{metres * 100:.1f} cm"
    return f"{metres * 1000:.1f} mm"


def _plausible(metres: float) -> bool:
    return MIN_PERSON_EXTENT_M <= metres <= MAX_PERSON_EXTENT_M


def _other_units(raw: float, read_as: str) -> list[str]:
    """The units other than ``read_as`` in which ``raw`` file units make a person's size, each
    with the size it would make: ``["decimetres (49 cm)", "feet (1.48 m)"]``."""
    return [f"{name} ({length(raw * factor)})" for name, factor in _UNITS
            if name != read_as and _plausible(raw * factor)]


def _either(options: list[str]) -> str:
    return options[0] if len(options) == 1 else ", ".join(options[:-1]) + " or " + options[-1]


def size_warning(metrics: dict, kind: str) -> str | None:
    """The QA warning for a scan (``kind`` "mesh" or "point_cloud") whose largest extent is
    implausible for a person or part of one, or None. ``metrics`` are those of
    :func:`~studio.core.ingest.measure.bbox_metrics`."""
    metres = float(metrics["height_m"])
    if _plausible(metres):
        return None
    bbox = metrics["bbox_m"]
    read_as = _GUESSED[bbox["unit_guess"]]
    raw = metres / float(bbox["scale_to_m"])
    measured = f"its largest extent, read as {read_as}, is {length(metres)}"
    others = _other_units(raw, read_as)
    if metres < MIN_PERSON_EXTENT_M:
        said = (f"too small for a person: {measured} (a head or a hand measures at least "
                f"{length(MIN_PERSON_EXTENT_M)})")
        if others:
            return f"{said} — is the file in {_either(others)}?"
        return (f"{said} — no common unit (millimetres to feet) makes it a person's size: was the scan "
                "scaled to fit a box?")
    said = f"too large for a person: {measured} (a person measures at most {length(MAX_PERSON_EXTENT_M)})"
    if kind == "point_cloud":  # a depth camera sees the room as well as the person
        return f"{said} — it probably includes its surroundings (floor, walls): crop it to the person"
    if others:
        return f"{said} — is the file in {_either(others)}?"
    return f"{said} — does the scan hold more than the person (the floor, a turntable, other objects)?"
