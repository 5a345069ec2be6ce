"""Screenshots of each main screen, from the real app on real test data.

    .venv/bin/python tools/screenshots.py            # writes docs/screenshots/*.png
    .venv/bin/python tools/screenshots.py main-window-dark   # writes only the ones named

Runs offscreen (no display needed): a fresh vault in a temporary folder, two talents, the real
scans and voice takes from ../shared/testdata ingested through the window's drop path, and the
real Open3D preview. Nothing here is mocked up.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
TESTDATA = REPO.parent / "shared" / "testdata"
OUT = REPO / "docs" / "screenshots"
PASSPHRASE = "screenshot vault passphrase"
TALENT_PASSPHRASE = "the talent's own passphrase"
FILES = [TESTDATA / "scans" / "igea.ply", TESTDATA / "scans" / "nefertiti.obj",
         TESTDATA / "scans" / "pointclouds" / "ism_train_michael.pcd",
         TESTDATA / "voice" / "ljspeech_LJ050-0131.wav", TESTDATA / "voice" / "vctk_p226_001.wav",
         TESTDATA / "malformed" / "assimp" / "invalid" / "empty.obj"]


BRAND_SCREENS = {"brand-window", "brand-report-outside-licence"}


def brand_screens(tmp: Path, tasks, spin, save) -> None:
    """The brand's window (DR048) on a package a studio vault of its own exports: the studio's key
    pinned, the package verified and opened, a scan turning; the report form warning of a use
    outside the licence. Made by the core's operations, as the CLI makes them."""
    from studio.core.consent.grants import activate_grant, draft_grant, sign_grant
    from studio.core.consent.review import review_asset
    from studio.core.consent.talent_keys import set_talent_passphrase, unlock_talent_key
    from studio.core.intake import ingest_paths
    from studio.core.package.brand_app import pin_studio_key
    from studio.core.package.brand_keys import generate
    from studio.core.package.brands import add_card
    from studio.core.package.export import export_package
    from studio.core.package.studio_key import write_studio_key
    from studio.core.talents import add_talent
    from studio.core.vault import Vault
    from studio.ui.brand_window import BrandWindow

    studio = Vault.create(tmp / "brand-studio", PASSPHRASE)
    ines = add_talent(studio, "Ines Duarte", "ines@example.com", "Northside Models")
    set_talent_passphrase(studio, ines.id, TALENT_PASSPHRASE)
    key = unlock_talent_key(studio, ines.id, TALENT_PASSPHRASE)
    assets = [r.asset_id for r in ingest_paths(studio, ines.id, [TESTDATA / "scans" / "igea.ply",
                                                                   TESTDATA / "voice" / "vctk_p226_001.wav"])]
    for a in assets:
        review_asset(studio, a, "approve", key)
    brand_keys, card = generate("Maison Lumière")
    add_card(studio, card)
    today = dt.date.today()
    grant = draft_grant(studio, ines.id, {
        "licensee": "Maison Lumière", "assets": assets, "use_description": "Spring lookbook, web shop",
        "purposes": "e-commerce,advertising", "media": "web,social", "territories": "FR,BE",
        "start": (today - dt.timedelta(days=7)).isoformat(), "end": (today + dt.timedelta(days=90)).isoformat(),
        "max_uses": 5, "fee": "1500", "currency": "EUR", "exclude": "political,tobacco", "notice_days": 14,
        "jurisdiction": "FR"})
    sign_grant(studio, grant.id, key)
    activate_grant(studio, grant.id)
    package = tmp / "maison-lumiere-spring.twinpkg"
    export_package(studio, grant.id, "Maison Lumière", package)
    write_studio_key(studio, tmp / "studio.pem")
    studio.close()
    (tmp / "brand-keys").mkdir()
    pin_studio_key(tmp / "brand-keys", tmp / "studio.pem")
    window = BrandWindow(tmp / "brand-keys", brand_keys, tasks)
    window.resize(1280, 800)
    window.show()
    window.load_package(package)
    spin(60, lambda: window.view is not None)
    window.open_into(tmp / "Maison Lumière" / "spring-twin")
    spin(120, lambda: window.opened is not None)
    window.assets.setCurrentRow(next(i for i in range(window.assets.count())
                                     if "scan" in window.assets.item(i).text()))
    viewport = window.scan.viewport
    spin(120, lambda: viewport.image is not None and not viewport.image_moving)
    save(window, "brand-window")
    hero = tmp / "Maison Lumière" / "billboard-hero.png"  # an output the brand made: the scan as rendered
    viewport.grab().save(str(hero))
    report = window.report_dialog(tmp / "Maison Lumière" / "report.json")
    report.open()
    report.description.setText("Summer billboard, Times Square")
    report.purpose.setCurrentIndex(report.purpose.findData("advertising"))
    report.media.setCurrentIndex(report.media.findData("out-of-home"))
    report.territory.setCurrentText("US")
    report.add_outputs([hero, TESTDATA / "voice" / "vctk_p226_001.wav"])  # the outputs used (DR057)
    spin(60, lambda: report.outputs_list.count() == 2)
    report.write()  # outside the licence: the form says how before anything is written
    save(report, "brand-report-outside-licence")
    report.reject()
    window.close()


def main(only: set[str] | None = None) -> int:
    """``only``: the names of the screenshots to write (all when None); the run stops once the
    main-window ones are done when no later one is asked for."""
    from PySide6.QtCore import QEventLoop
    from PySide6.QtGui import QPalette

    tmp = Path(tempfile.mkdtemp(prefix="twin-screens-"))
    os.environ["STUDIO_CONFIG_DIR"] = str(tmp / "config")
    from studio.core.talents import add_talent
    from studio.core.vault import Vault
    from studio.ui.app import application
    from studio.ui.main_window import MainWindow
    from studio.ui.tasks import TaskManager
    from studio.ui.theme import dark_palette
    from studio.ui.vault_dialogs import CreateVaultDialog, UnlockDialog

    app = application()
    tasks = TaskManager()  # one manager for the vault, handed to every window, as the app does
    OUT.mkdir(parents=True, exist_ok=True)

    def spin(seconds: float, until=None) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end and not (until and until()):
            app.processEvents(QEventLoop.AllEvents, 50)
            time.sleep(0.02)

    def save(widget, name: str) -> None:
        if only is not None and name not in only:
            return
        spin(0.3)
        path = OUT / f"{name}.png"
        widget.grab().save(str(path))
        print(path.relative_to(REPO))

    if only is None or only & BRAND_SCREENS:
        brand_screens(tmp, tasks, spin, save)
        if only is not None and only <= BRAND_SCREENS:
            tasks.shutdown()
            return 0
    if only is not None and only <= {"talent-window", "talent-approve-outputs"}:
        talent_window_shot(tmp, tasks, spin, save)
        tasks.shutdown()
        return 0
    create = CreateVaultDialog(tmp / "vault", tasks, offer_brand=True)  # as the app opens the first time
    create.show()
    save(create, "first-run")  # as the app opens the first time: "Explore a sample vault" beside Create (DR041)
    create.passphrase.setText(PASSPHRASE)
    create.repeat.setText(PASSPHRASE)
    save(create, "create-vault")
    create.close()

    from studio.ui.preferences_dialog import PreferencesDialog
    from studio.ui.settings import Settings

    prefs = PreferencesDialog(Settings())  # the settings file of this run's own config folder
    prefs.show()
    save(prefs, "preferences")
    prefs.close()
    if only is not None and only <= {"first-run", "create-vault", "preferences"}:
        tasks.shutdown()
        return 0

    vault = Vault.create(tmp / "vault", PASSPHRASE)
    vault.close()
    unlock = UnlockDialog(tmp / "vault", tasks)
    unlock.show()
    unlock.passphrase.setText("not the passphrase")
    unlock._unlock()
    spin(30, lambda: unlock.banner.isVisible())
    save(unlock, "unlock-wrong-passphrase")
    unlock.passphrase.setText(PASSPHRASE)
    unlock._unlock()
    spin(30, lambda: unlock.vault is not None)
    vault = unlock.vault

    add_talent(vault, "Ines Duarte", "ines@example.com", "Northside Models")
    amara = add_talent(vault, "Amara Okafor", agency="Lumen Agency")

    # a talent who holds her own key (DR045): keys made on "her laptop", her card linked here --
    # first held by the studio, then switched from the app (Talent > Link talent's own key...)
    from studio.core.consent.talent_keys import set_talent_passphrase as set_key, talent_card_row
    from studio.core.talent_identity import keygen_talent, link_talent_card
    from studio.core.talents import get_talent
    from studio.ui.talent_card import TalentCardDialog
    from studio.ui.talent_passphrase import TalentPassphraseDialog

    card_names = {"add-talent-from-card", "link-talent-key"}
    # in a vault of their own, as the main vault's Amara keeps a key the studio holds (the consent
    # screens below sign with it)
    cards = Vault.create(tmp / "cards-vault", PASSPHRASE)
    add_talent(cards, "Ines Duarte", "ines@example.com", "Northside Models")
    amara_c = add_talent(cards, "Amara Okafor", agency="Lumen Agency")
    if only is None or only & card_names:
        newcomer = keygen_talent(tmp / "noor-laptop", "Noor Haddad", TALENT_PASSPHRASE)
        add = TalentCardDialog(cards, tasks, newcomer, tmp / "noor-laptop" / "talent-card.json")
        add.email.setText("noor@example.com")
        add.show()
        save(add, "add-talent-from-card")  # not added: the main window shows the two talents
        add.close()
        set_key(cards, amara_c.id, TALENT_PASSPHRASE)
    amara_c_card = keygen_talent(tmp / "amara-laptop", amara_c.name, TALENT_PASSPHRASE)
    if only is None or only & card_names:
        link = TalentCardDialog(cards, tasks, amara_c_card, tmp / "amara-laptop" / "talent-card.json",
                                get_talent(cards, amara_c.id))
        link.show()
        save(link, "link-talent-key")
        link.close()
    link_talent_card(cards, amara_c.id, amara_c_card)
    own = TalentPassphraseDialog(cards, tasks, amara_c, False, card=talent_card_row(cards, amara_c.id))
    own.show()
    save(own, "talent-own-key")
    own.close()
    cards.close()
    if only is not None and only <= {"first-run", "create-vault", "preferences", "unlock-wrong-passphrase",
                                     "talent-own-key"} | card_names:
        tasks.shutdown()
        vault.close()
        return 0
    window = MainWindow(vault, tasks)
    window.resize(1440, 900)
    window.show()
    spin(10, lambda: window.talent is not None)
    window.ingest(FILES)
    spin(300, lambda: not window.activity.running)
    lib = window.library
    stored = len(FILES) - 1  # the malformed one is rejected
    spin(120, lambda: len(lib.model.assets) == stored and all(a.id in lib.model.thumbnails for a in lib.model.assets))
    scan = next(a for a in lib.model.assets if a.original_name == "igea.ply")
    lib.select(scan.id)
    viewport = window.detail.scan.viewport
    spin(120, lambda: viewport.image is not None and not viewport.image_moving)
    save(window, "main-window-scan")
    if only is None or "main-window-wireframe" in only:  # the same scan's edges over its surface
        shown = viewport.frames_shown
        window.detail.scan.mode_buttons["wireframe"].click()
        spin(120, lambda: viewport.frames_shown > shown and not viewport.image_moving)
        save(window, "main-window-wireframe")
        shown = viewport.frames_shown
        window.detail.scan.mode_buttons["shaded"].click()
        spin(120, lambda: viewport.frames_shown > shown and not viewport.image_moving)

    # Help: the guide from the package, the window's shortcuts, About with the installed versions
    guide = window.show_user_guide()
    spin(30, lambda: bool(guide.headings()))
    save(guide, "help-guide")
    guide.close()
    shortcuts = window.show_shortcuts()
    save(shortcuts, "help-shortcuts")
    shortcuts.close()
    about = window.show_about()
    spin(30, about.copy_button.isEnabled)
    save(about, "about")
    about.close()

    # the same under a dark palette (the system's dark theme): the preview redraws on dark grey
    light = QPalette(app.palette())
    shown = viewport.frames_shown
    app.setPalette(dark_palette())
    spin(120, lambda: viewport.frames_shown > shown and not viewport.image_moving)
    save(window, "main-window-dark")
    shown = viewport.frames_shown
    app.setPalette(light)
    spin(120, lambda: viewport.frames_shown > shown and not viewport.image_moving)
    if only is not None and only <= {"create-vault", "unlock-wrong-passphrase", "main-window-scan", "main-window-dark",
                                 "help-guide", "help-shortcuts", "about", "main-window-wireframe"}:
        window.close()
        spin(1)
        tasks.shutdown()
        vault.close()
        return 0

    window.set_library_view("list")
    voice = next(a for a in lib.model.assets if a.kind == "voice")
    lib.select(voice.id)
    spin(20, lambda: window.detail.voice.waveform.duration() > 0)
    save(window, "main-window-voice-list")
    menu = lib.asset_menu(voice)  # the right-click menu of an asset
    menu.popup(lib.table.viewport().mapToGlobal(lib.table.visualRect(lib.table.currentIndex()).center()))
    save(menu, "asset-menu")
    menu.close()

    # half of a 1920 px screen, less a margin: a take with a 200-character name, elided (DR035);
    # for the other talent, so the screens after this one show what they showed before
    def choose_talent(name: str) -> None:  # the list is rebuilt when a count changes: found by name
        talents = window.talents.list
        talents.setCurrentItem(next(talents.item(i) for i in range(talents.count())
                                    if talents.item(i).text().startswith(name)))

    choose_talent("Ines Duarte")
    spin(10, lambda: window.talent is not None and window.talent.name == "Ines Duarte" and not tasks.busy)
    long = tmp / ("ines-duarte_capture-session-2026-12-02_take-014_" + "x" * 148 + ".wav")
    long.write_bytes((TESTDATA / "voice" / "cmu_arctic_us_aew_a0001.wav").read_bytes())
    window.ingest([long])
    spin(60, lambda: not window.activity.running and len(lib.model.assets) == 1)
    lib.select(lib.model.assets[0].id)
    spin(20, lambda: window.detail.voice.waveform.duration() > 0)
    window.resize(900, 900)
    save(window, "main-window-narrow")
    window.resize(1440, 900)
    choose_talent("Amara Okafor")
    spin(10, lambda: window.talent is not None and window.talent.name == "Amara Okafor" and not tasks.busy)
    spin(30, lambda: len(lib.model.assets) == stored)
    if only is not None and only <= {"create-vault", "unlock-wrong-passphrase", "main-window-scan", "main-window-dark",
                                     "main-window-voice-list", "asset-menu", "main-window-narrow"}:
        window.close()
        spin(1)
        tasks.shutdown()
        vault.close()
        return 0

    window.set_library_view("grid")
    cloud = next(a for a in lib.model.assets if a.kind == "point_cloud")
    lib.select(cloud.id)
    spin(120, lambda: viewport.image is not None and not viewport.image_moving)
    window.detail.scan.viewport.set_view("three-quarter")
    spin(60, lambda: viewport.image is not None and not viewport.image_moving)
    save(window, "main-window-point-cloud")

    # consent: the talent's key, their approvals, an active grant and a draft
    from studio.core.consent.grants import activate_grant, draft_grant, sign_grant
    from studio.core.consent.review import review_asset
    from studio.core.consent.talent_keys import has_key, set_talent_passphrase, unlock_talent_key

    talent = window.talent
    if not has_key(vault, talent.id):  # set above when the card screens were made
        set_talent_passphrase(vault, talent.id, TALENT_PASSPHRASE)
    key = unlock_talent_key(vault, talent.id, TALENT_PASSPHRASE)
    scans = [a for a in lib.model.assets if a.kind != "voice"]
    voices = [a for a in lib.model.assets if a.kind == "voice"]
    for a in scans[:2] + voices[:1]:
        review_asset(vault, a.id, "approve", key)
    base = {"licensee": "Maison Lumière", "use_description": "Spring 2027 lookbook and product pages",
            "purposes": "e-commerce,catalogue", "media": "web,social,print", "territories": "FR,BE,LU",
            "start": (dt.date.today() - dt.timedelta(days=20)).isoformat(),
            "end": (dt.date.today() + dt.timedelta(days=180)).isoformat(), "max_uses": 40, "fee": "4800", "currency": "EUR",
            "exclude": "political,tobacco,adult", "notice_days": 30, "jurisdiction": "FR"}
    g = draft_grant(vault, talent.id, {**base, "assets": [a.id for a in scans[:2]]})
    activate_grant(vault, sign_grant(vault, g.id, key).id)
    draft_grant(vault, talent.id, {**base, "licensee": "Northwind Audio", "assets": [voices[0].id],
                                   "use_description": "Voice for in-store announcements",
                                   "purposes": "advertising,voice-synthesis", "media": "in-store,audio",
                                   "territories": "FR", "max_uses": 200, "fee": "2500", "training": "prohibited"})
    window.middle.setCurrentWidget(window.consent)
    window.consent.refresh()
    spin(10, lambda: window.consent.table.rowCount() == 2)
    window.consent.table.selectRow(0)
    save(window, "consent-tab")

    window.consent.table.selectRow(1)
    window.consent.open_editor(window.consent.table.current())
    spin(10, lambda: getattr(window.consent, "editor", None) is not None and window.consent.editor.isVisible())
    editor = window.consent.editor
    spin(10, lambda: bool(editor.summary.text()))
    save(editor, "grant-editor")
    editor.close()

    # the talent's pause (DR050): the question, then the badge; resumed for the screens after this
    from studio.core.consent.pause import pause_with_key, resume_with_key

    window.consent.table.selectRow(0)
    spin(10, window.consent.pause_button.isEnabled)
    window.consent.ask("pause")
    spin(10, lambda: getattr(window.consent, "confirm", None) is not None and window.consent.confirm.isVisible())
    save(window.consent.confirm, "pause-exports")
    window.consent.confirm.reject()
    pause_with_key(vault, talent.id, None, key)
    window.consent.refresh()
    spin(10, window.consent.paused_badge.isVisible)
    save(window, "consent-paused")
    resume_with_key(vault, talent.id, None, key)
    window.consent.refresh()
    spin(10, lambda: not window.consent.paused_badge.isVisible())

    # packages: the brand's card registered, the wizard, a use and a violation reported back
    from studio.core.package.brand_keys import keygen, load_identity
    from studio.core.package.reports import create_report, write_report

    keygen(tmp / "brand", "Maison Lumière", "the brand's own passphrase")
    brand_keys = load_identity(tmp / "brand", "the brand's own passphrase")
    brands = window.open_brands()
    brands.add_card_file(tmp / "brand" / "brand-card.json")
    spin(10, lambda: brands.table.rowCount() == 1)
    save(brands, "brands")
    brands.close()
    window.export_twin()
    wizard = window.wizard
    pages = wizard.pages
    for page in pages[:3]:
        spin(20, page.isComplete)
        wizard.next()
    spin(10, lambda: pages[3].brand.count() == 1)
    pages[3].out.setText(str(tmp / "maison-lumiere.twinpkg"))
    wizard.next()
    spin(20, pages[4].isComplete)
    save(wizard, "export-wizard-summary")
    wizard.next()
    spin(120, lambda: pages[5].result is not None)
    save(wizard, "export-wizard-done")
    wizard.accept()
    today = dt.date.today().isoformat()
    for name, territory, count in (("use", "FR", 3), ("violation", "US", 1)):
        rep, _ = create_report(tmp / "maison-lumiere.twinpkg", brand_keys, "Spring lookbook, product pages",
                               "e-commerce", "web", territory, today, count)
        write_report(rep, tmp / f"{name}.json")
        window.ledger.import_report(tmp / f"{name}.json")
        spin(10, lambda n=count: window.ledger.banner.isVisible())
    window.middle.setCurrentWidget(window.ledger)
    spin(10, lambda: window.ledger.entries.rowCount() == 3)
    save(window, "exports-uses-tab")


    from studio.ui.asset_model import ASSET_ROLE
    from studio.ui.review_window import ReviewWindow

    from studio.core.consent.review import review_assets

    review_assets(vault, [v.id for v in voices[1:2]], "reject", key, "Too much room echo, please record it again")
    review = ReviewWindow(vault, talent, key, tasks)
    review.show()
    rows = review.assets
    spin(10, lambda: rows.count() > 0 and review.grants.rowCount() == 2)
    spin(120, lambda: all(rows.model.index(r, 0).data(ASSET_ROLE).id in rows.model.thumbnails
                          for r in rows.visible_rows()))
    review.grants.selectRow(1)
    spin(60, lambda: review.detail.scan.viewport.image is not None or review.detail.asset is None
         or review.detail.asset.kind == "voice")
    save(review, "review-mode")
    review.sign_button.click()  # the draft: asked once, with the words signed and the talent's passphrase
    spin(10, lambda: getattr(review, "confirm", None) is not None and review.confirm.isVisible())
    review.confirm.passphrase.setText(TALENT_PASSPHRASE)
    save(review.confirm, "sign-confirm")
    review.confirm.reject()
    spin(1)
    spin(10, review.erasure_button.isEnabled)  # the talent's own request for erasure (DR055)
    review.erasure_button.click()
    review.erasure_dialog.passphrase.setText(TALENT_PASSPHRASE)
    save(review.erasure_dialog, "request-erasure")
    review.erasure_dialog.reject()
    spin(1)
    review.tabs.setCurrentWidget(review.ledger)
    spin(10, lambda: review.ledger.entries.rowCount() == 3)
    save(review, "review-mode-uses")
    review.tabs.setCurrentIndex(2)
    spin(10, lambda: review.history.count() > 0)
    save(review, "review-mode-history")

    # the approval of each output (issue 14, DR054): the brand asks with an image it made from the
    # scan (here the preview the app rendered) and a voice line; the studio imports the request
    # through its window; the talent sees each output full size in review mode
    from PySide6.QtCore import Qt

    from studio.core.package.approval_brand import create_request, write_request

    made = review.detail.scan.viewport.image  # the bust, as a brand's generated look would show it
    look = tmp / "spring-look-4.png"
    made.scaled(made.width() * 2, made.height() * 2, Qt.KeepAspectRatio, Qt.SmoothTransformation).save(str(look))
    request, _ = create_request(tmp / "maison-lumiere.twinpkg", brand_keys,
                                [look, TESTDATA / "voice" / "ljspeech_LJ050-0131.wav"],
                                "Spring 2027 lookbook, look 4: hero image and product-page voice line", "e-commerce",
                                "web", "FR")
    write_request(request, tmp / "look-4.twinrequest")
    window.import_approval_request(tmp / "look-4.twinrequest")
    spin(30, lambda: getattr(window, "approval_box", None) is not None)
    save(window.approval_box, "approval-request-imported")
    window.approval_box.close()
    review.modes.setCurrentWidget(review.outputs)
    spin(30, lambda: review.outputs.preview is not None)
    review.outputs.note.setText("Lovely light; please keep the crop for print too")
    save(review, "review-approve-outputs")
    # approved, the image is listed in the talent's statement with its thumbnail
    from studio.core.package.approvals import decide_outputs, list_requests

    (asked,) = [r for r in list_requests(vault, talent.id) if r.undecided]
    tasks.announce(decide_outputs(vault, asked.id, key, approve=[asked.outputs[0].sha256],
                                  note="Lovely light; please keep the crop for print too").changes)
    review.modes.setCurrentIndex(0)
    review.tabs.setCurrentWidget(review.ledger)
    spin(30, lambda: review.ledger.approved.count() == 1)
    save(review, "review-mode-approved-outputs")
    review.close()

    window.close()
    spin(1)
    talent_window_shot(tmp, tasks, spin, save)
    tasks.shutdown()
    vault.close()
    return 0


def talent_window_shot(tmp: Path, tasks, spin, save) -> None:
    """The talent's window (``gui --talent``, DR052) on a review kit from a vault of its own: a
    talent who holds their own key, a scan and two voice takes, an active grant and a draft."""
    from studio.core.consent.grants import activate_grant, draft_grant
    from studio.core.intake import ingest_paths
    from studio.core.kits.decisions import import_decisions
    from studio.core.kits.export import export_review_kit
    from studio.core.kits.talent_side import Choices, decide, show_kit
    from studio.core.talent_identity import add_talent_with_card, keygen_talent, load_talent_identity
    from studio.core.vault import Vault
    from studio.ui.talent_window import TalentWindow

    keys = tmp / "talent-keys"
    keygen_talent(keys, "Amara Okafor", TALENT_PASSPHRASE)
    me = load_talent_identity(keys, TALENT_PASSPHRASE)
    with Vault.create(tmp / "kit-vault", PASSPHRASE) as vault:
        talent = add_talent_with_card(vault, me.card)
        ingest_paths(vault, talent.id, [TESTDATA / "scans" / "igea.ply", TESTDATA / "voice" / "ljspeech_LJ050-0131.wav",
                                        TESTDATA / "voice" / "vctk_p226_001.wav"])
        from studio.core.assets import list_assets

        assets = {a.original_name: a.id for a in list_assets(vault, talent.id)}
        scan, voice = assets["igea.ply"], assets["ljspeech_LJ050-0131.wav"]
        base = {"licensee": "Maison Lumière", "use_description": "Spring 2027 lookbook and product pages",
                "purposes": "e-commerce,catalogue", "media": "web,social,print", "territories": "FR,BE,LU",
                "start": (dt.date.today() - dt.timedelta(days=20)).isoformat(),
                "end": (dt.date.today() + dt.timedelta(days=180)).isoformat(), "max_uses": 40, "fee": "4800",
                "currency": "EUR", "exclude": "political,tobacco,adult", "notice_days": 30, "jurisdiction": "FR"}
        g = draft_grant(vault, talent.id, {**base, "assets": [scan]})
        export_review_kit(vault, talent.id, tmp / "first.twinreview")
        decide(show_kit(tmp / "first.twinreview", me, keys), me, Choices(approve=(scan,), sign=(g.id,)),
               tmp / "first.twindecisions")
        import_decisions(vault, tmp / "first.twindecisions")
        activate_grant(vault, g.id)
        draft_grant(vault, talent.id, {**base, "licensee": "Northwind Audio", "assets": [voice],
                                       "use_description": "Voice for in-store announcements",
                                       "purposes": "advertising,voice-synthesis", "media": "in-store,audio",
                                       "territories": "FR", "max_uses": 200, "fee": "2500", "training": "prohibited"})
        ask_outputs(vault, g.id, tmp)  # a brand's campaign image and voice line awaiting her (DR053)
        export_review_kit(vault, talent.id, tmp / "amara.twinreview")
    window = TalentWindow(me, keys, tasks)
    window.resize(1440, 900)
    window.show()
    window.open_kit(tmp / "amara.twinreview")
    spin(30, lambda: window.shown is not None)
    rows = {window.assets.item(i).toolTip(): i for i in range(window.assets.count())}
    window.assets.setCurrentRow(rows["ljspeech_LJ050-0131.wav"])
    window.approve_button.click()
    window.assets.setCurrentRow(rows["igea.ply"])
    spin(120, lambda: window.scan.viewport.image is not None and not window.scan.viewport.image_moving)
    window.sign_button.click()  # the draft awaiting them is selected first
    window.choose_request("request_access")
    save(window, "talent-window")
    window.tabs.setCurrentIndex(window.outputs_tab)  # the brand's outputs, the image full size
    window.outputs.setCurrentRow(1)
    spin(10, lambda: window.voice.play_button.isEnabled())
    window.reject_output_button.click()
    spin(5, lambda: window.reason_dialog is not None)
    window.reason_dialog.reason.setText("Not my voice: I never recorded this line")
    window.reason_dialog.accept()
    spin(1)
    window.outputs.setCurrentRow(0)
    window.approve_output_button.click()
    save(window, "talent-approve-outputs")
    window.pending = []
    window.close()


def ask_outputs(vault, grant_id: str, tmp: Path) -> None:
    """Maison Lumière's request for a campaign image (drawn here) and a voice line, imported."""
    from PIL import Image, ImageDraw

    from studio.core.package.approval_brand import create_request, write_request
    from studio.core.package.approvals import import_request
    from studio.core.package.brand_keys import generate
    from studio.core.package.brands import add_card
    from studio.core.package.export import export_package

    brand, card = generate("Maison Lumière")
    add_card(vault, card)
    export_package(vault, grant_id, "Maison Lumière", tmp / "amara.twinpkg")
    w, h = 1200, 800
    image = Image.new("RGB", (w, h))
    draw = ImageDraw.Draw(image)
    for y in range(h):  # a warm spring gradient, a figure's silhouette, the campaign's line
        draw.line([(0, y), (w, y)], fill=(236 - y // 12, 196 - y // 10, 170 + y // 16))
    draw.ellipse([520, 140, 680, 300], fill=(92, 62, 52))
    draw.rounded_rectangle([470, 300, 730, 720], 60, fill=(150, 72, 84))
    draw.text((60, 60), "MAISON LUMIÈRE — SPRING 2027 — LOOK 4", fill=(255, 255, 255))
    image.save(tmp / "look4.png")
    request, _ = create_request(tmp / "amara.twinpkg", brand, [tmp / "look4.png",
                                                                TESTDATA / "voice" / "ljspeech_LJ050-0159.wav"],
                                description="Spring 2027 lookbook, look 4: product page and voice-over",
                                purpose="e-commerce", media="web", territory="FR")
    write_request(request, tmp / "look4.twinrequest")
    import_request(vault, tmp / "look4.twinrequest")


if __name__ == "__main__":
    sys.exit(main(set(sys.argv[1:]) or None))
