"""Usage reports and the ledger: a brand's signed report adds a use and its fee; a forged,
foreign or repeated report changes nothing; a use outside the grant is a violation the talent
sees; statements total per currency and filter by date. Everything that dates runs with the
clock either side of midnight in the grant's zone and in UTC (DR020)."""

from __future__ import annotations

import datetime as dt
import json
import zoneinfo

import pytest

from studio.core import clock
from studio.core.consent.grants import get_grant
from studio.core.errors import IntegrityError, InvalidInput, NotFound, PackageRefused
from studio.core.ledger.entries import import_report
from studio.core.ledger.statement import statement, write_csv
from studio.core.package.export import export_package
from studio.core.package.reports import create_report, write_report
from tests.core.helpers import BRAND, active_grant, brand
from tests.vaults import BOTH_VAULTS, catalog_db

pytestmark = BOTH_VAULTS


BRUSSELS = "Europe/Brussels"


def day_at(instant: dt.datetime, zone: str) -> dt.date:
    """The rule, worked out here rather than asked of the core: the calendar day in a zone."""
    return instant.astimezone(zoneinfo.ZoneInfo(zone)).date()


@pytest.fixture
def exported(world, tmp_path, clock_at):
    """A package exported to a Belgian grant at one of the instants either side of midnight."""
    vault, talent, key, (scan, voice) = world
    g = active_grant(vault, talent, key, [scan, voice], max_uses=4, fee="250.50", jurisdiction="BE")
    assert g.document["timezone"] == BRUSSELS
    keys = brand(vault)
    pkg = tmp_path / "p.twinpkg"
    export_package(vault, g.id, BRAND, pkg, assets=[voice])
    return vault, talent, g, pkg, keys


def report(keys, tmp_path, pkg, name="r.json", zone=BRUSSELS, **over):
    """A report of a use today: the grant's day, by the clock the test set."""
    use = {"description": "Homepage hero, spring", "purpose": "advertising", "media": "web", "territory": "FR",
           "date": day_at(clock.now(), zone).isoformat(), "count": 1}
    use.update(over)
    rep, warnings = create_report(pkg, keys, use["description"], use["purpose"], use["media"],
                                  use["territory"], use["date"], use["count"])
    write_report(rep, tmp_path / name)
    return tmp_path / name, rep, warnings


def test_when_a_brand_reports_uses_then_the_talent_is_owed_each_fee(exported, tmp_path):
    vault, talent, g, pkg, keys = exported
    path, rep, warnings = report(keys, tmp_path, pkg, count=2)
    assert warnings == []

    result = import_report(vault, path)

    assert not result.violation and result.entry.fee == 501 and result.entry.count == 2
    assert get_grant(vault, g.id).uses == 3  # the export and the two reported uses
    st = statement(vault, talent.id)
    assert [e.kind for e in st.entries] == ["export", "use"]
    assert st.totals == {"EUR": pytest.approx(751.5)} and st.uses == 3 and st.violations == []
    with pytest.raises(InvalidInput, match="already imported"):
        import_report(vault, path)
    assert len(statement(vault, talent.id).entries) == 2

    write_csv(st, tmp_path / "s.csv")
    rows = (tmp_path / "s.csv").read_text().splitlines()
    assert rows[0].startswith("date,timezone,recorded_utc,kind,brand") and rows[-1].endswith("751.50,EUR,,,")
    assert rows[1].endswith(",250.50 EUR per use") and rows[2].endswith(",250.50 EUR per use")  # DR033
    assert rows[1].startswith(f"{st.entries[0].on},{BRUSSELS},{st.entries[0].at},export,")


def test_when_a_reported_use_is_outside_the_grant_then_it_is_a_violation_with_no_fee(exported, tmp_path):
    vault, talent, g, pkg, keys = exported
    path, rep, warnings = report(keys, tmp_path, pkg, territory="US", media="print", count=9)
    assert any("territory US not granted" in w for w in warnings)

    result = import_report(vault, path)

    assert result.violation and result.entry.fee == 0
    reasons = " | ".join(result.entry.reasons)
    assert "territory US" in reasons and "medium print" in reasons and "only 3 of 4 were left" in reasons
    assert get_grant(vault, g.id).uses == 1
    st = statement(vault, talent.id)
    assert len(st.violations) == 1 and st.totals == {"EUR": pytest.approx(250.5)}


def test_when_a_report_or_its_use_is_dated_in_the_future_then_it_is_refused_and_nothing_changes(
        exported, tmp_path, clock_at):
    """A use is reported once it has happened: a use on a day still to come in the grant's zone,
    or a report signed more than CLOCK_SKEW (10 minutes) ahead of the studio's clock, is refused
    and names the report and its date; a brand clock a few minutes fast is not."""
    from studio.core.consent.signing import sign
    from studio.core.ledger.entries import CLOCK_SKEW

    vault, talent, g, pkg, keys = exported
    tomorrow = day_at(clock_at, BRUSSELS) + dt.timedelta(days=1)
    path, rep, _ = report(keys, tmp_path, pkg, name="tomorrow.json", date=tomorrow.isoformat())
    signing_key = keys.signing_key

    def dated(name, ahead):
        today, _, _ = report(keys, tmp_path, pkg, name=name + ".src.json")
        body = {k: v for k, v in json.loads(today.read_text()).items() if k != "signature"}
        body["created_at"] = clock.iso(clock_at + ahead)
        (tmp_path / name).write_text(json.dumps(body | {"signature": sign(signing_key, body)}))
        return tmp_path / name, body

    ahead, ahead_rep = dated("ahead.json", CLOCK_SKEW + dt.timedelta(minutes=1))
    before = statement(vault, talent.id)
    with catalog_db(vault) as db:
        audit_before = db.execute("SELECT count(*), max(seq) FROM audit_events").fetchone()

    with pytest.raises(InvalidInput, match=f"report {rep['report_id']}: its use is dated {tomorrow} "
                                           rf"\({BRUSSELS}\), in the future"):
        import_report(vault, path)
    at = (clock_at + CLOCK_SKEW + dt.timedelta(minutes=1)).astimezone(dt.timezone.utc)
    with pytest.raises(InvalidInput, match=f"report {ahead_rep['report_id']} is dated {at:%Y-%m-%d %H:%M} UTC, "
                                           "in the future"):
        import_report(vault, ahead)

    assert statement(vault, talent.id) == before and get_grant(vault, g.id).uses == 1
    with catalog_db(vault) as db:
        assert db.execute("SELECT count(*), max(seq) FROM audit_events").fetchone() == audit_before
    fast, _ = dated("fast.json", CLOCK_SKEW - dt.timedelta(minutes=1))  # a brand clock 9 minutes fast
    assert not import_report(vault, fast).violation
    assert get_grant(vault, g.id).uses == 2


def test_when_a_report_is_forged_or_foreign_then_nothing_changes(exported, tmp_path):
    vault, talent, g, pkg, keys = exported
    path, rep, _ = report(keys, tmp_path, pkg)
    forged = dict(rep, use=dict(rep["use"], count=1, territory="BE", description="changed after signing"))
    (tmp_path / "forged.json").write_text(json.dumps(forged))
    with pytest.raises(IntegrityError, match="not signed by Maison Lumière"):
        import_report(vault, tmp_path / "forged.json")
    stranger = dict(rep, package="pkg_0123456789abcdef")
    (tmp_path / "stranger.json").write_text(json.dumps(stranger))
    with pytest.raises(NotFound, match="did not export"):
        import_report(vault, tmp_path / "stranger.json")
    (tmp_path / "junk.json").write_text("{not json")
    with pytest.raises(InvalidInput, match="not a usage report"):
        import_report(vault, tmp_path / "junk.json")
    other = brand(vault, "Other Brand")
    with pytest.raises(PackageRefused, match="not addressed to you"):
        report(other, tmp_path, pkg, name="o.json")
    assert statement(vault, talent.id).uses == 1 and get_grant(vault, g.id).uses == 1


MALFORMED_IDS = [  # (field, value, the refusal): each refused by one vault, which none of them changes
    ("report_id", "rpt_" + "0" * 40, "not a report id"),
    ("report_id", 7, "not a report id"),
    ("report_id", "rpt_0123456789abcdef\x00", "not a report id"),
    ("report_id", " rpt_0123456789abcdef", "not a report id"),
    ("package", "pkg_0123456789abcdef\x00", "not a package id"),
    ("package", ["pkg_0123456789abcdef"], "not a package id"),
    ("brand", "Maison Lumière", "brand is not an object"),
]


def test_when_a_signed_report_has_a_malformed_id_then_it_is_refused_and_nothing_changes(world, tmp_path):
    """The brand signs whatever it sends: the ids its report names are checked before they reach
    the catalog (a shared vault's PostgreSQL refused them with an error of its own)."""
    from studio.core.consent.signing import sign

    vault, talent, key, (scan, voice) = world
    g = active_grant(vault, talent, key, [scan, voice], max_uses=4)
    keys = brand(vault)
    pkg = tmp_path / "p.twinpkg"
    export_package(vault, g.id, BRAND, pkg, assets=[voice])
    rep, _ = create_report(pkg, keys, "Homepage hero", "advertising", "web", "FR",
                           clock.now().date().isoformat())
    signing_key = keys.signing_key
    before = statement(vault, talent.id)
    for i, (field, value, message) in enumerate(MALFORMED_IDS):
        odd = {k: v for k, v in rep.items() if k != "signature"} | {field: value}
        odd["signature"] = sign(signing_key, odd)
        (tmp_path / f"odd{i}.json").write_text(json.dumps(odd))
        with pytest.raises(InvalidInput, match=message):
            import_report(vault, tmp_path / f"odd{i}.json")
        assert statement(vault, talent.id) == before and get_grant(vault, g.id).uses == 1, (field, value)
    (tmp_path / "good.json").write_text(json.dumps(rep))
    import_report(vault, tmp_path / "good.json")  # the report as the brand signed it goes in
    assert get_grant(vault, g.id).uses == 2


def test_when_a_package_is_exported_then_its_entry_is_dated_by_the_grants_calendar_and_timed_in_utc(
        exported, clock_at):
    vault, talent, g, pkg, keys = exported
    (entry,) = statement(vault, talent.id).entries
    assert entry.kind == "export" and entry.timezone == BRUSSELS
    assert entry.on == day_at(clock_at, BRUSSELS).isoformat()
    recorded = dt.datetime.fromisoformat(entry.at.replace("Z", "+00:00"))
    assert entry.at.endswith("Z") and dt.timedelta(0) <= recorded - clock_at < dt.timedelta(seconds=1)


def test_statement_filters_by_dates_and_rejects_a_backwards_range(exported, tmp_path, clock_at):
    vault, talent, g, pkg, keys = exported
    today = day_at(clock_at, BRUSSELS)  # "today" for this grant: its own calendar
    path, _, _ = report(keys, tmp_path, pkg, date=today.isoformat())
    import_report(vault, path)
    assert statement(vault, talent.id, start=today + dt.timedelta(days=1)).entries == []
    assert statement(vault, talent.id, end=today - dt.timedelta(days=1)).entries == []
    assert [e.kind for e in statement(vault, talent.id, start=today, end=today).entries] == ["export", "use"]
    with pytest.raises(InvalidInput, match="is after"):
        statement(vault, talent.id, start="2027-02-01", end="2027-01-01")


def test_when_a_ledger_row_is_edited_or_removed_behind_the_apps_back_then_check_says_so(exported, tmp_path):
    from studio.core.check import check_vault

    vault, talent, g, pkg, keys = exported
    path, _, _ = report(keys, tmp_path, pkg)
    entry = import_report(vault, path).entry
    assert check_vault(vault).ok
    with catalog_db(vault) as db:
        db.execute("UPDATE ledger_entries SET fee = '9999.00' WHERE id = ?", (entry.id,))
    assert any("differs from what its audit event recorded" in p for p in check_vault(vault).problems)
    with catalog_db(vault) as db:
        db.execute("DELETE FROM ledger_entries WHERE id = ?", (entry.id,))
    assert any(f"ledger entry {entry.id} is in the audit chain but missing" in p for p in check_vault(vault).problems)



NEW_YORK = "America/New_York"


def test_when_exports_under_two_zones_straddle_midnight_then_the_statement_is_in_the_order_they_happened(
        world, exported, tmp_path, clock_at):
    """Brussels reaches the next day hours before New York does: ordered by the dates' text, the
    later New York export came first."""
    vault, talent, key, (scan, voice) = world
    _, _, brussels, _, _ = exported
    ny = active_grant(vault, talent, key, [scan, voice], jurisdiction="US")
    assert ny.document["timezone"] == NEW_YORK
    export_package(vault, ny.id, BRAND, tmp_path / "ny.twinpkg", assets=[voice])

    entries = statement(vault, talent.id).entries

    assert [e.grant_id for e in entries] == [brussels.id, ny.id]
    assert [(e.on, e.timezone) for e in entries] == [(day_at(clock_at, BRUSSELS).isoformat(), BRUSSELS),
                                                     (day_at(clock_at, NEW_YORK).isoformat(), NEW_YORK)]
    assert entries[0].at < entries[1].at


@pytest.mark.parametrize("jurisdiction, zone", [("BE", BRUSSELS), ("US", NEW_YORK)])
def test_when_a_use_is_reported_for_a_day_then_before_the_package_is_judged_by_the_grants_calendar(
        world, tmp_path, clock_at, jurisdiction, zone):
    """A use on the grant's day of the export is paid; the day before is before the package
    existed — whatever the date was in UTC."""
    vault, talent, key, (scan, voice) = world
    g = active_grant(vault, talent, key, [voice], jurisdiction=jurisdiction, max_uses=4, fee="100")
    keys = brand(vault)
    pkg = tmp_path / "p.twinpkg"
    export_package(vault, g.id, BRAND, pkg, assets=[voice])
    made = day_at(clock_at, zone)

    same_day = import_report(vault, report(keys, tmp_path, pkg, zone=zone, date=made.isoformat())[0])
    day_before = import_report(vault, report(keys, tmp_path, pkg, name="r2.json", zone=zone,
                                             date=(made - dt.timedelta(days=1)).isoformat())[0])

    assert not same_day.violation and same_day.entry.fee == 100 and same_day.entry.timezone == zone
    assert day_before.violation
    assert f"before the package was made ({made.isoformat()})" in " | ".join(day_before.entry.reasons)
