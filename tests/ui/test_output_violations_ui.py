"""The talent's statement in the app lists each output a brand reported using without the
talent's approval (issue 14, DR057): in red, by day, brand, short hash and reason, with the
output's thumbnail when it came in an approval request (its blob is in the vault), the full
hash in the tool tip; the import's banner says why the use is a violation. Real vault, real
request, decision and report signed with real keys."""

from __future__ import annotations

import zoneinfo

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from studio.core import clock
from studio.core.package.approval_brand import create_request, write_request
from studio.core.package.approval_files import sha256
from studio.core.package.approvals import decide_outputs, import_request
from studio.core.package.export import export_package
from studio.core.package.reports import create_report, write_report
from studio.core.talents import get_talent
from studio.ui.ledger_panel import THUMB, LedgerPanel, output_thumbnails
from tests.core.conftest import _consent_template, world  # noqa: F401 (fixtures)
from tests.core.helpers import BRAND, active_grant, brand
from tests.core.test_credentials import make_png, make_wav

T = 60_000
USE = dict(description="Spring lookbook, look 4", purpose="advertising", media="web", territory="FR")


def test_when_a_report_names_a_rejected_and_a_never_sent_output_then_the_statement_lists_both_in_red(
        qtbot, world, tasks, tmp_path):
    vault, talent, key, assets = world
    grant = active_grant(vault, talent, key, assets)
    keys = brand(vault)
    package = tmp_path / "p.twinpkg"
    export_package(vault, grant.id, BRAND, package)
    rejected, never = make_png(tmp_path / "look4.png", seed=4, size=(320, 240)), make_wav(tmp_path / "line3.wav")
    request, _ = create_request(package, keys, [rejected], **USE)
    write_request(request, tmp_path / "ask.twinrequest")
    rec = import_request(vault, tmp_path / "ask.twinrequest")
    decide_outputs(vault, rec.id, key, reject=[sha256(rejected.read_bytes())], note="not this smile")
    today = clock.now().astimezone(zoneinfo.ZoneInfo(grant.document["timezone"])).date().isoformat()
    report, _ = create_report(package, keys, USE["description"], USE["purpose"], USE["media"], USE["territory"],
                              today, 1, [rejected, never])
    write_report(report, tmp_path / "r.json")

    panel = LedgerPanel(vault, tasks, studio=True)
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    panel.set_talent(get_talent(vault, talent.id))
    assert not panel.unapproved.isVisible()
    panel.import_report(tmp_path / "r.json")
    # the import's banner and the statement's refresh arrive in either order on a busy machine
    qtbot.waitUntil(lambda: panel.unapproved.count() == 2 and panel.banner.level == "warning", timeout=T)

    assert "was rejected by the talent on" in panel.banner.text()
    assert panel.unapproved_title.isVisible() and panel.unapproved.isVisible()
    by_sha = {panel.unapproved.item(i).data(Qt.UserRole): panel.unapproved.item(i) for i in range(2)}
    r_sha, n_sha = sha256(rejected.read_bytes()), sha256(never.read_bytes())
    r_item, n_item = by_sha[r_sha], by_sha[n_sha]
    assert f"{BRAND} · image/png: output {r_sha[:12]}… was rejected by the talent on {today}" in r_item.text()
    assert r_item.text().startswith(today)  # the day of the use, in the grant's zone
    assert f"{BRAND} · audio/wav: output {n_sha[:12]}… was never approved by the talent" in n_item.text()
    assert r_sha in r_item.toolTip() and report["report_id"] in r_item.toolTip()
    assert r_item.foreground().color().name() == "#c62828"

    # the rejected image came in the request: its thumbnail is the output itself, scaled
    thumb = output_thumbnails(vault, [(rec.id, r_sha, "image/png")])[r_sha]
    shown = r_item.icon().pixmap(THUMB, THUMB).toImage().convertToFormat(QImage.Format_ARGB32)
    assert shown == thumb.convertToFormat(QImage.Format_ARGB32)
    assert n_sha not in output_thumbnails(vault, [(None, n_sha, "audio/wav")])  # never sent: no blob
    assert "1 violation" in panel.totals.text()
