"""The clock the core reads (DR020): UTC instants that sort as text, a grant's calendar day in its
own zone, displays that name their zone, and a test-set time that is inert unless set."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import pytest

from studio.core import clock

UTC = dt.timezone.utc


def test_when_the_clock_is_not_set_then_it_reads_the_system_time_in_utc():
    before = dt.datetime.now(UTC)
    now = clock.now()
    after = dt.datetime.now(UTC)
    assert now.utcoffset() == dt.timedelta(0) and before <= now <= after


def test_when_a_test_sets_the_clock_then_instants_start_there_stay_in_order_and_the_system_time_returns_after():
    at = dt.datetime(2026, 11, 30, 23, 40, tzinfo=UTC)
    with clock.fixed_at(at):
        readings = [clock.now_iso() for _ in range(3)]
        assert readings[0] == "2026-11-30T23:40:00.000000Z"
        assert readings == sorted(readings) and len(set(readings)) == 3  # distinct, in time order as text
    before = dt.datetime.now(UTC)
    assert clock.now() >= before  # back on the system clock
    with pytest.raises(ValueError, match="aware"):
        clock.set_now(dt.datetime(2026, 11, 30, 23, 40))


@pytest.mark.parametrize("instant, zone, day", [
    ("2026-11-30T23:40:00Z", "Europe/Brussels", "2026-12-01"),   # 00:40 in Brussels
    ("2026-11-30T22:40:00Z", "Europe/Brussels", "2026-11-30"),   # 23:40 in Brussels
    ("2027-06-30T22:20:00Z", "Europe/Brussels", "2027-07-01"),   # summer time: UTC+2
    ("2026-12-01T02:00:00Z", "America/New_York", "2026-11-30"),  # behind UTC
    ("2026-11-30T23:40:00Z", "UTC", "2026-11-30"),
])
def test_when_an_instant_is_near_midnight_then_its_day_is_the_calendar_day_in_the_zone_asked(instant, zone, day):
    assert clock.day_in(instant, zone).isoformat() == day
    with clock.fixed_at(clock.parse_iso(instant)):
        assert clock.today_in(zone).isoformat() == day


def test_when_an_instant_is_shown_then_it_names_its_zone():
    at = "2026-11-30T23:20:00.000000Z"
    assert clock.instant_text(at, "Europe/Brussels") == "2026-12-01 00:20 (Europe/Brussels)"
    assert clock.instant_text(at) == "2026-11-30 23:20 UTC" == clock.instant_text(at, "UTC")
    assert clock.day_text("2026-12-01", "Europe/Brussels") == "2026-12-01 (Europe/Brussels)"
    assert clock.day_text(dt.date(2026, 11, 30), None) == "2026-11-30 (UTC)"


def test_when_instants_are_stored_then_their_text_sorts_in_time_order_whatever_zone_they_came_from():
    brussels = dt.datetime(2026, 12, 1, 0, 40, tzinfo=zoneinfo.ZoneInfo("Europe/Brussels"))  # 23:40 UTC
    new_york = dt.datetime(2026, 11, 30, 18, 50, tzinfo=zoneinfo.ZoneInfo("America/New_York"))  # 23:50 UTC
    stored = [clock.iso(new_york), clock.iso(brussels)]
    assert sorted(stored) == [clock.iso(brussels), clock.iso(new_york)]
    assert clock.parse_iso(clock.iso(brussels)) == brussels
    with pytest.raises(ValueError, match="unknown time zone"):
        clock.day_in(stored[0], "Europe/Atlantis")
