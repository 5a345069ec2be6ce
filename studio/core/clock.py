"""The one place the core reads the time, and the rule for instants and days (DR020).

- An **instant** (when something happened: an export, an import, an audit event) is stored in
  UTC, ISO 8601 with microseconds and a Z, so stored instants sort as text in time order.
- A **day** that a grant limits (its start and end, expiry, a revocation's effective day, the
  day a use or an export counts against) is a calendar date in the grant's time zone.
- Every display of either names its zone: ``2026-12-01 00:20 (Europe/Brussels)``,
  ``2026-11-30 23:20 UTC``, ``2026-12-01 (Europe/Brussels)``.

Tests set the time with :func:`set_now` (or :func:`fixed_at`): from then on :func:`now` starts
at that instant and advances one microsecond per reading, so instants read in order stay in
order and nothing depends on how fast the test runs. Nothing outside the tests calls it; left
unset, :func:`now` is the system clock. It is deliberately not an environment variable: a
shell must not be able to date an export or a use.
"""

from __future__ import annotations

import datetime as dt
import itertools
import threading
import zoneinfo
from collections.abc import Iterator
from contextlib import contextmanager

UTC = dt.timezone.utc
_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"

_lock = threading.Lock()
_set: dt.datetime | None = None
_ticks: Iterator[int] = itertools.count()


def now() -> dt.datetime:
    """The current instant, timezone-aware, in UTC."""
    with _lock:
        if _set is None:
            return dt.datetime.now(UTC)
        return _set + dt.timedelta(microseconds=next(_ticks))


def now_iso() -> str:
    return iso(now())


def iso(instant: dt.datetime) -> str:
    """An aware instant as stored: UTC, microseconds, Z."""
    if instant.tzinfo is None:
        raise ValueError("an instant needs a time zone")
    return instant.astimezone(UTC).strftime(_FORMAT)


def parse_iso(text: str) -> dt.datetime:
    """A stored instant (``…Z`` or with an offset) back as an aware UTC datetime."""
    value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:  # written before this rule: the code always wrote UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def zone(tz: str) -> dt.tzinfo:
    """A time zone by its IANA name ("UTC" included); raises ``ValueError`` for an unknown one."""
    if tz == "UTC":
        return UTC
    try:
        return zoneinfo.ZoneInfo(tz)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {tz!r}") from exc


def today_in(tz: str) -> dt.date:
    """Today's calendar date in a time zone (a grant's): the day its limits are checked on."""
    return now().astimezone(zone(tz)).date()


def day_in(instant: str | dt.datetime, tz: str) -> dt.date:
    """The calendar date in ``tz`` of a stored instant."""
    value = parse_iso(instant) if isinstance(instant, str) else instant.astimezone(UTC)
    return value.astimezone(zone(tz)).date()


def instant_text(instant: str | dt.datetime, tz: str | None = None) -> str:
    """An instant to the minute for people, saying which zone: in ``tz`` when given
    (``2026-12-01 00:20 (Europe/Brussels)``), else ``2026-11-30 23:20 UTC``."""
    value = parse_iso(instant) if isinstance(instant, str) else instant.astimezone(UTC)
    if not tz or tz == "UTC":
        return f"{value:%Y-%m-%d %H:%M} UTC"
    return f"{value.astimezone(zone(tz)):%Y-%m-%d %H:%M} ({tz})"


def day_text(day: str | dt.date, tz: str | None) -> str:
    """A calendar day saying whose: ``2026-12-01 (Europe/Brussels)``."""
    text = day.isoformat() if isinstance(day, dt.date) else day
    return f"{text} ({tz or 'UTC'})"


def set_now(instant: dt.datetime | None) -> None:
    """For tests: the clock reads ``instant`` (then one microsecond later per reading); ``None``
    returns it to the system clock."""
    global _set, _ticks
    if instant is not None and instant.tzinfo is None:
        raise ValueError("set the clock to an aware instant")
    with _lock:
        _set = None if instant is None else instant.astimezone(UTC)
        _ticks = itertools.count()


@contextmanager
def fixed_at(instant: dt.datetime) -> Iterator[None]:
    """For tests: the clock set to ``instant`` inside the block, the system clock after it."""
    set_now(instant)
    try:
        yield
    finally:
        set_now(None)
