"""The sample vault (DR041): a new vault with every kind of record in it, built from the openly
licensed files shipped in ``studio/resources/sample`` — one talent with their own key, a body
scan and two voice takes the talent approved, an active grant (signed by the talent,
countersigned by the studio), a brand, one package exported to it and one use it reported, so
the statement has an export, a use and a fee. Only the core's own operations are called, as the
CLI's commands call them. No Qt here."""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
import tempfile
from dataclasses import dataclass
from importlib.resources import as_file
from pathlib import Path

from studio.core import clock, paths
from studio.core.errors import IntegrityError
from studio.core.progress import CancelToken, ProgressFn, check_cancel, report
from studio.resources import sample_files

# Shown to the user: it is a demo, and it says so (DR041)
DEMO_PASSPHRASE = "sample vault"
DEMO_TALENT_PASSPHRASE = "sample talent"
SAMPLE_FOLDER = "Sample vault"
TALENT = {"name": "Sam Sample", "email": "sam.sample@example.com", "agency": "Demo Agency"}
BRAND = "Demo Brand"
GRANT = {"licensee": BRAND, "use_description": "Sample campaign: web shop and social posts",
         "purposes": "e-commerce,advertising", "media": "web,social", "territories": "FR,BE", "max_uses": 10,
         "fee": "250", "currency": "EUR", "exclude": "political,tobacco", "notice_days": 30, "jurisdiction": "FR"}
USE = {"description": "Sample product page", "purpose": "e-commerce", "media": "web", "territory": "FR", "count": 1}
STEPS = ("Creating the vault", "Adding the talent", "Importing the samples", "The talent approves them",
         "The talent signs a grant", "Registering a brand", "Exporting a package", "Recording a use")


@dataclass(frozen=True)
class DemoVault:
    """What :func:`build_demo` made."""

    root: Path
    passphrase: str
    talent_id: str
    talent_passphrase: str
    asset_ids: tuple[str, ...]
    grant_id: str
    brand: str
    package_id: str
    use_entry_id: str

    def to_json(self) -> dict:
        return {"path": str(self.root), "passphrase": self.passphrase, "talent": self.talent_id,
                "talent_passphrase": self.talent_passphrase, "assets": list(self.asset_ids), "grant": self.grant_id,
                "brand": self.brand, "package": self.package_id, "use": self.use_entry_id}


def sample_vault_dir() -> Path:
    """Where the app keeps the sample vault: beside the default vault, in the user data folder."""
    return paths.data_dir() / SAMPLE_FOLDER


def build_demo(vault_dir: Path, passphrase: str = DEMO_PASSPHRASE, progress: ProgressFn | None = None,
               cancel: CancelToken | None = None) -> DemoVault:
    """Build the sample vault in ``vault_dir``, a new or empty folder (else :class:`VaultExists`,
    nothing touched). Cancelled (:class:`Cancelled`) or failed, it leaves no vault behind: the
    folder is as it was (gone, when it did not exist)."""
    from studio.core.vault.opening import check_can_create_at
    from studio.core.vault.vault import check_new_passphrase

    root = Path(vault_dir).expanduser().absolute()
    check_can_create_at(root)
    check_new_passphrase(passphrase)
    existed = root.exists()
    try:
        with tempfile.TemporaryDirectory(prefix="twin-studio-demo-") as brand_side:
            return _build(root, passphrase, Path(brand_side), progress, cancel)
    except BaseException:
        _remove(root, existed)
        raise


def _remove(root: Path, keep_folder: bool) -> None:
    """Undo a build that did not finish: the folder was new or empty, so all it holds is ours."""
    if not root.is_dir():
        return
    if not keep_folder:
        shutil.rmtree(root, ignore_errors=True)
        return
    for child in root.iterdir():
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child, ignore_errors=True)
        else:
            child.unlink(missing_ok=True)


def _build(root: Path, passphrase: str, brand_side: Path, progress: ProgressFn | None,
           cancel: CancelToken | None) -> DemoVault:
    from studio.core.consent.grants import activate_grant, draft_grant, sign_grant
    from studio.core.consent.review import review_asset
    from studio.core.consent.talent_keys import set_talent_passphrase, unlock_talent_key
    from studio.core.intake import ingest_paths
    from studio.core.ledger.entries import import_report
    from studio.core.package.brand_keys import generate
    from studio.core.package.brands import add_card
    from studio.core.package.export import export_package
    from studio.core.package.reports import create_report, write_report
    from studio.core.talents import add_talent
    from studio.core.vault.opening import create_vault

    steps = iter(enumerate(STEPS))

    def step() -> None:
        check_cancel(cancel)
        done, label = next(steps)
        report(progress, done, len(STEPS), label)

    step()
    with create_vault(root, passphrase) as vault:
        step()
        talent = add_talent(vault, TALENT["name"], TALENT["email"], TALENT["agency"])
        set_talent_passphrase(vault, talent.id, DEMO_TALENT_PASSPHRASE)
        step()
        with contextlib.ExitStack() as files:
            paths = [files.enter_context(as_file(f)) for f in sample_files()]
            results = ingest_paths(vault, talent.id, paths, cancel=cancel)
        refused = [f"{Path(r.path).name}: {r.reason}" for r in results if r.status != "ingested"]
        if refused:  # the shipped files are known good: a refusal means the package is damaged
            raise IntegrityError(f"a sample file was not accepted ({'; '.join(refused)})")
        assets = tuple(r.asset_id for r in results)
        step()
        key = unlock_talent_key(vault, talent.id, DEMO_TALENT_PASSPHRASE)
        for asset_id in assets:
            review_asset(vault, asset_id, "approve", key, "Approved for the sample vault")
        step()
        today = clock.now().date()
        start, end = today - dt.timedelta(days=7), today + dt.timedelta(days=365)
        grant = draft_grant(vault, talent.id, {**GRANT, "assets": list(assets), "start": start.isoformat(),
                                               "end": end.isoformat()})
        sign_grant(vault, grant.id, key)
        activate_grant(vault, grant.id)
        step()
        brand_keys, card = generate(BRAND)  # held in memory: the brand's side is thrown away (DR046)
        add_card(vault, card)
        step()
        package = export_package(vault, grant.id, BRAND, brand_side / "sample.twinpkg", cancel=cancel)
        step()
        use, _ = create_report(package.path, brand_keys, USE["description"], USE["purpose"], USE["media"],
                               USE["territory"], grant.today().isoformat(), USE["count"])  # on the export's day
        write_report(use, brand_side / "report.json")
        entry = import_report(vault, brand_side / "report.json").entry
    report(progress, len(STEPS), len(STEPS), "Done")
    return DemoVault(root, passphrase, talent.id, DEMO_TALENT_PASSPHRASE, assets, grant.id, BRAND,
                     package.package_id, entry.id)
