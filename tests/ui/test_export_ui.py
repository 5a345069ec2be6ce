"""Export and uses through the real widgets: the operator registers the brand from its card,
walks the export wizard to a package the brand can verify, imports the brand's usage report,
and the talent sees the same statement in review mode; a wizard for the wrong brand stops at
the summary with the core's reasons."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtWidgets import QWizard

from studio.core.consent.review import review_asset
from studio.core.consent.talent_keys import set_talent_passphrase, unlock_talent_key
from studio.core.intake import ingest_paths
from studio.core.package.brand_keys import generate, read_card
from studio.core.package.brands import add_card
from studio.core.package.export import export_package
from studio.core.package.reports import create_report, write_report
from studio.core.package.verify import verify_package
from tests.conftest import TESTDATA
from tests.core.helpers import BRAND, active_grant, studio_key, write_card

TALENT_PASS = "the talent's own long phrase"
T = 60_000


@pytest.fixture
def ready(new_vault, talent, tmp_path):
    """An approved scan and voice take under an active grant to Maison Lumière, whose card waits on disk."""
    set_talent_passphrase(new_vault, talent.id, TALENT_PASS)
    key = unlock_talent_key(new_vault, talent.id, TALENT_PASS)
    results = ingest_paths(new_vault, talent.id, [TESTDATA / "scans" / "stanford-bunny_zipper_res2.ply",
                                                  TESTDATA / "voice" / "vctk_p225_001.wav"])
    for r in results:
        review_asset(new_vault, r.asset_id, "approve", key)
    grant = active_grant(new_vault, talent, key, [r.asset_id for r in results], max_uses=3, fee="400")
    keys = write_card(tmp_path / "brand", *generate(BRAND))  # the brand's keys, held in memory
    write_card(tmp_path / "other", *generate("Other Brand"))
    return new_vault, talent, key, grant, keys


def _register(qtbot, window, card):
    dialog = window.open_brands()
    dialog.add_card_file(card)
    qtbot.waitUntil(lambda: dialog.banner.level == "info", timeout=T)
    qtbot.waitUntil(lambda: dialog.table.rowCount() >= 1, timeout=T)
    dialog.close()


def _wizard_at_summary(qtbot, make_window, tmp_path, card_owner, brand_name):
    """The main window, the brand registered from its card, the wizard walked to its summary."""
    window = make_window()
    qtbot.waitUntil(lambda: window.talent is not None, timeout=T)
    _register(qtbot, window, tmp_path / card_owner / "brand-card.json")
    window.export_twin()
    wizard = window.wizard
    pages = wizard.pages
    qtbot.waitUntil(lambda: pages[0].isComplete(), timeout=T)
    wizard.next()
    qtbot.waitUntil(lambda: pages[1].isComplete(), timeout=T)
    wizard.next()
    qtbot.waitUntil(lambda: pages[2].list.count() == 2 and pages[2].isComplete(), timeout=T)
    wizard.next()
    qtbot.waitUntil(lambda: pages[3].brand.count() >= 1, timeout=T)
    combo = pages[3].brand
    combo.setCurrentIndex(next(i for i in range(combo.count()) if combo.itemData(i).name == brand_name))
    pages[3].out.setText(str(tmp_path / "twin.twinpkg"))
    wizard.next()
    assert wizard.currentPage() is pages[4]
    return window, wizard


def test_when_the_operator_exports_through_the_wizard_then_the_brand_gets_a_package_and_the_talent_sees_the_use(
        qtbot, make_window, ready, tmp_path):
    vault, talent, key, grant, keys = ready
    window, wizard = _wizard_at_summary(qtbot, make_window, tmp_path, "brand", BRAND)
    summary = wizard.pages[4]
    qtbot.waitUntil(lambda: summary.isComplete(), timeout=T)
    assert "Maison Lumière may use" in summary.text.text() and "MR-LMR" in summary.text.text()
    wizard.next()
    export = wizard.pages[5]
    qtbot.waitUntil(lambda: export.result is not None, timeout=T)
    assert export.bar.value() == 1000 and export.result.file_sha256 in export.status.text()
    assert wizard.button(QWizard.FinishButton).isEnabled()
    info = verify_package(tmp_path / "twin.twinpkg", studio_key(vault))
    assert info.manifest["brand"]["name"] == BRAND and len(info.manifest["assets"]) == 2
    wizard.accept()

    ledger = window.ledger
    window.middle.setCurrentWidget(ledger)
    qtbot.waitUntil(lambda: ledger.entries.rowCount() == 1 and ledger.packages.rowCount() == 1, timeout=T)
    assert ledger.entries.item(0, 1).text() == "export" and "400.00 EUR" in ledger.totals.text()

    report, _ = create_report(tmp_path / "twin.twinpkg", keys, "Homepage hero", "advertising", "web",
                              "FR", grant.today().isoformat(), 2)
    write_report(report, tmp_path / "report.json")
    ledger.import_report(tmp_path / "report.json")
    qtbot.waitUntil(lambda: ledger.entries.rowCount() == 2, timeout=T)
    assert "1,200.00 EUR" in ledger.totals.text() and ledger.banner.level == "info"
    assert sum(p + b for _, p, b in ledger.chart.months) == 3
    ledger.import_report(tmp_path / "report.json")  # the same report twice: refused, nothing added
    qtbot.waitUntil(lambda: ledger.banner.level == "error", timeout=T)
    assert "already imported" in ledger.banner.text() and ledger.entries.rowCount() == 2
    outside, _ = create_report(tmp_path / "twin.twinpkg", keys, "Billboard, New York", "advertising",
                               "out-of-home", "US", grant.today().isoformat(), 1)
    write_report(outside, tmp_path / "outside.json")
    ledger.import_report(tmp_path / "outside.json")
    qtbot.waitUntil(lambda: ledger.entries.rowCount() == 3, timeout=T)
    assert ledger.banner.level == "warning" and "1 violation" in ledger.totals.text()
    assert "1,200.00 EUR" in ledger.totals.text()  # a violation earns nothing

    from studio.ui.review_window import ReviewWindow

    review = ReviewWindow(vault, talent, key, window.tasks, window)
    qtbot.addWidget(review)
    review.show()
    review.tabs.setCurrentWidget(review.ledger)  # read when its tab is shown (DR026)
    qtbot.waitUntil(lambda: review.ledger.entries.rowCount() == 3, timeout=T)
    assert "1,200.00 EUR" in review.ledger.totals.text() and review.ledger.packages.rowCount() == 1
    assert not review.ledger.export_button.isVisible() and not review.ledger.import_button.isVisible()
    assert not review.ledger.violations.isHidden() and "territory US not granted" in review.ledger.violations.text()
    review.close()


def test_when_the_wizard_names_a_brand_the_grant_does_not_license_then_it_stops_at_the_summary(
        qtbot, make_window, ready, tmp_path):
    vault, talent, key, grant, keys = ready
    window, wizard = _wizard_at_summary(qtbot, make_window, tmp_path, "other", "Other Brand")
    summary = wizard.pages[4]
    qtbot.waitUntil(lambda: summary.banner.isVisible(), timeout=T)
    assert "not brand 'Other Brand'" in summary.banner.text() and not summary.isComplete()
    assert not wizard.button(QWizard.NextButton).isEnabled()
    wizard.reject()
    assert not (tmp_path / "twin.twinpkg").exists()


def test_when_the_operator_cancels_the_export_then_no_file_and_no_use_remain(qtbot, make_window, ready, tmp_path):
    from studio.core.consent.grants import get_grant

    vault, talent, key, grant, keys = ready
    window, wizard = _wizard_at_summary(qtbot, make_window, tmp_path, "brand", BRAND)
    qtbot.waitUntil(lambda: wizard.pages[4].isComplete(), timeout=T)
    wizard.next()
    export = wizard.pages[5]
    wizard.reject()  # Cancel while it runs: cancels the export, keeps the wizard open to say so
    qtbot.waitUntil(lambda: not export.running, timeout=T)
    assert export.result is None and "Cancelled" in export.status.text() and wizard.isVisible()
    assert sorted(p.name for p in tmp_path.iterdir() if not p.is_dir()) == []
    assert get_grant(vault, grant.id).uses == 0
    wizard.reject()
    assert not wizard.isVisible()


def test_when_a_usage_report_is_imported_then_uses_left_on_the_consent_tab_updates(qtbot, make_window, ready,
                                                                                   tmp_path):
    vault, talent, key, grant, keys = ready
    add_card(vault, read_card(tmp_path / "brand" / "brand-card.json"))
    export_package(vault, grant.id, BRAND, tmp_path / "twin.twinpkg")  # one use of three
    window = make_window()
    qtbot.waitUntil(lambda: window.consent.table.rowCount() == 1, timeout=T)
    assert window.consent.table.item(0, 5).text() == "2 of 3"
    report, _ = create_report(tmp_path / "twin.twinpkg", keys, "Homepage hero", "advertising", "web",
                              "FR", grant.today().isoformat(), 2)
    write_report(report, tmp_path / "report.json")
    window.middle.setCurrentWidget(window.ledger)
    window.ledger.import_report(tmp_path / "report.json")
    qtbot.waitUntil(lambda: window.ledger.entries.rowCount() == 2, timeout=T)
    qtbot.waitUntil(lambda: window.consent.table.item(0, 5).text() == "0 of 3", timeout=T)


@pytest.fixture(params=["2026-11-30T23:40:00+00:00", "2026-11-30T22:40:00+00:00"],
                ids=["23:40 UTC = 00:40 next day in Paris", "22:40 UTC = 23:40 in Paris"])
def clock_at(request):
    from studio.core.clock import fixed_at

    instant = dt.datetime.fromisoformat(request.param)
    with fixed_at(instant):
        yield instant


def test_when_a_package_is_made_near_midnight_then_exports_and_uses_show_one_day_and_say_which_zone(
        qtbot, make_window, clock_at, ready, tmp_path):
    import zoneinfo

    vault, talent, key, grant, keys = ready
    add_card(vault, read_card(tmp_path / "brand" / "brand-card.json"))
    export_package(vault, grant.id, BRAND, tmp_path / "twin.twinpkg")
    paris = clock_at.astimezone(zoneinfo.ZoneInfo("Europe/Paris"))  # the grant's zone (FR), worked out here
    window = make_window()
    ledger = window.ledger
    window.middle.setCurrentWidget(ledger)
    qtbot.waitUntil(lambda: ledger.entries.rowCount() == 1 and ledger.packages.rowCount() == 1, timeout=T)

    assert ledger.entries.item(0, 0).text() == f"{paris:%Y-%m-%d} (Europe/Paris)"
    assert ledger.packages.item(0, 1).text() == f"{paris:%Y-%m-%d %H:%M} (Europe/Paris)"
    assert f"{clock_at:%Y-%m-%d %H:%M} UTC" in ledger.packages.item(0, 1).toolTip()
    assert f"{clock_at:%Y-%m-%d %H:%M} UTC" in ledger.entries.item(0, 0).toolTip()
