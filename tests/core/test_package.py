"""Locked twin packages: export on an active grant only, verify and open on the brand's side,
any changed byte refused, only the addressed brand can open, hostile packages write nothing,
the last use goes to exactly one of two racing exports."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import multiprocessing

import pyrage
import pytest

from studio.core import clock
from studio.core.consent.grants import get_grant, revoke_grant
from studio.core.errors import Cancelled, ConsentError, InvalidInput, PackageRefused
from studio.core.ledger.statement import statement
from studio.core.package.export import export_package
from studio.core.package.unpack import open_package
from studio.core.package.verify import verify_package
from studio.core.progress import CancelToken
from studio.core.check import check_vault
from tests.core.helpers import BRAND, active_grant, brand, studio_key
from tests.vaults import BOTH_VAULTS, where

pytestmark = BOTH_VAULTS


def _only_voice(world, tmp_path, **over):
    vault, talent, key, (scan, voice) = world
    g = active_grant(vault, talent, key, [scan, voice], **over)
    b = brand(vault)
    return vault, g, b, voice


def files_under(folder):
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")) if folder.exists() else []


def test_when_a_twin_is_exported_then_only_its_brand_opens_it_and_the_use_is_counted(world, tmp_path):
    vault, talent, key, assets = world
    g = active_grant(vault, talent, key, assets)
    b = brand(vault)
    out = tmp_path / "twin.twinpkg"

    result = export_package(vault, g.id, BRAND, out)

    assert out.is_file() and hashlib.sha256(out.read_bytes()).hexdigest() == result.file_sha256
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tmp-")]
    m = result.manifest
    assert m["brand"]["recipient"] == b.recipient and m["grant"]["id"] == g.id
    assert {a["asset"] for a in m["assets"]} == set(assets)
    assert m["labels"]["plus_model_release_id"] == g.id and m["labels"]["plus_model_release_status"].endswith("MR-LMR")
    assert m["licence"]["odrl"]["@type"] == "Agreement" and m["expires"] == g.document["end"]
    assert get_grant(vault, g.id).uses == 1

    info = verify_package(out, studio_key(vault))
    assert info.package_id == result.package_id and "Maison Lumière" in info.describe()

    opened = open_package(out, b, studio_key(vault), tmp_path / "opened")
    for a in m["assets"]:
        data = (tmp_path / "opened" / a["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == a["sha256"] and len(data) == a["size"]
    assert "MR-LMR" in (tmp_path / "opened" / "LICENSE.txt").read_text()
    assert json.loads((tmp_path / "opened" / "license.odrl.jsonld").read_text())["uid"].endswith(g.id)
    assert len(opened.files) == len(m["assets"]) + 2

    again = open_package(out, b, studio_key(vault), tmp_path / "opened", force=True)
    assert len(again.files) == len(opened.files)
    with pytest.raises(InvalidInput, match="already exist"):
        open_package(out, b, studio_key(vault), tmp_path / "opened")

    (entry,) = statement(vault, talent.id).entries
    assert (entry.kind, entry.brand, entry.fee, entry.currency) == ("export", BRAND, 1500, "EUR")
    assert check_vault(vault).ok


def test_when_another_brand_opens_the_package_then_it_is_told_it_is_not_addressed_to_it(world, tmp_path):
    vault, g, b, voice = _only_voice(world, tmp_path)
    other = brand(vault, "Other Brand")
    out = tmp_path / "p.twinpkg"
    export_package(vault, g.id, BRAND, out, assets=[voice])

    with pytest.raises(PackageRefused, match="not addressed to you"):
        open_package(out, other, studio_key(vault), tmp_path / "stolen")
    assert not (tmp_path / "stolen").exists()
    with pytest.raises(pyrage.DecryptError):  # and age itself agrees
        import zipfile

        with zipfile.ZipFile(out) as zf:
            pyrage.decrypt(zf.read("payload/000000.age"), [other.identity])


def test_when_any_byte_of_a_package_changes_then_verify_refuses_it(world, tmp_path):
    vault, g, b, voice = _only_voice(world, tmp_path)
    out = tmp_path / "p.twinpkg"
    export_package(vault, g.id, BRAND, out, assets=[voice])
    data = out.read_bytes()
    n = len(data)
    positions = sorted(set(list(range(0, 160)) + list(range(n - 1200, n)) + list(range(160, n - 1200, 2503))))
    key = studio_key(vault)
    undetected = []
    for pos in positions:
        bad = bytearray(data)
        bad[pos] ^= 0x20
        (tmp_path / "bad.twinpkg").write_bytes(bad)
        try:
            verify_package(tmp_path / "bad.twinpkg", key)
        except PackageRefused:
            continue
        undetected.append(pos)
    assert undetected == [], f"{len(undetected)} of {len(positions)} flipped bytes went unnoticed"
    opened_anyway = []
    for pos in positions[::7]:  # open checks the same bytes in its single pass, and writes nothing
        bad = bytearray(data)
        bad[pos] ^= 0x20
        (tmp_path / "bad.twinpkg").write_bytes(bad)
        try:
            open_package(tmp_path / "bad.twinpkg", b, key, tmp_path / "out")
        except PackageRefused:
            assert not (tmp_path / "out").exists()
            continue
        opened_anyway.append(pos)
    assert opened_anyway == []
    (tmp_path / "long.twinpkg").write_bytes(data + b"\0")
    with pytest.raises(PackageRefused, match="altered"):
        verify_package(tmp_path / "long.twinpkg", key)


def test_when_the_studio_key_is_another_then_verify_refuses_the_signature(world, tmp_path):
    vault, g, b, voice = _only_voice(world, tmp_path)
    out = tmp_path / "p.twinpkg"
    export_package(vault, g.id, BRAND, out, assets=[voice])
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    with pytest.raises(PackageRefused, match="bad signature"):
        verify_package(out, Ed25519PrivateKey.generate().public_key())


def test_when_the_licence_has_expired_then_the_brand_cannot_open_the_package(world, tmp_path):
    vault, g, b, voice = _only_voice(world, tmp_path)
    out = tmp_path / "p.twinpkg"
    export_package(vault, g.id, BRAND, out, assets=[voice])
    after = dt.date.fromisoformat(g.document["end"]) + dt.timedelta(days=1)
    with pytest.raises(PackageRefused, match="expired on"):
        open_package(out, b, studio_key(vault), tmp_path / "late", on=after)
    assert not (tmp_path / "late").exists()
    verify_package(out, studio_key(vault), on=dt.date.fromisoformat(g.document["end"]))  # the last day still opens


@pytest.mark.parametrize("case, message", [
    ("revoked", "revoked by the talent"),
    ("expired", "ended on"),
    ("other-brand", "not brand 'Other Brand'"),
    ("uncovered", "not covered by grant"),
    ("territory", "territory US not granted"),
])
def test_when_the_grant_does_not_permit_the_export_then_it_is_refused_with_reasons_and_nothing_is_written(
        world, tmp_path, case, message):
    vault, talent, key, (scan, voice) = world
    today = clock.today_in("Europe/Paris")  # the grant's (jurisdiction FR) calendar day, by the rule (DR020)
    over = {"assets": [voice]} if case == "uncovered" else {}
    if case == "expired":  # a grant that ended yesterday in its zone (signed while it ran)
        over.update(start=(today - dt.timedelta(days=40)).isoformat(), end=(today - dt.timedelta(days=1)).isoformat())
    g = active_grant(vault, talent, key, [voice], **{k: v for k, v in over.items() if k != "assets"})
    brand(vault)
    brand(vault, "Other Brand")
    if case == "revoked":
        revoke_grant(vault, g.id, key, "changed my mind")  # notice 0 days: effective today
    kwargs = {"assets": [scan]} if case == "uncovered" else {}
    if case == "territory":
        kwargs["territory"] = "US"
    to = "Other Brand" if case == "other-brand" else BRAND
    with pytest.raises(ConsentError, match=message):
        export_package(vault, g.id, to, tmp_path / "p.twinpkg", **kwargs)
    assert files_under(tmp_path) == files_under(tmp_path) and not (tmp_path / "p.twinpkg").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tmp-")]
    assert get_grant(vault, g.id).uses == 0


def test_when_an_export_is_cancelled_then_no_package_and_no_use_remain(world, tmp_path):
    vault, talent, key, assets = world
    g = active_grant(vault, talent, key, assets)
    brand(vault)
    token = CancelToken()

    def progress(p):
        if p.done > 100_000:
            token.cancel()

    with pytest.raises(Cancelled):
        export_package(vault, g.id, BRAND, tmp_path / "p.twinpkg", progress=progress, cancel=token)
    vault_files = "xdg-data" if vault.shared else "vault"  # a shared vault's station folder is in the data folder
    assert sorted(p.name for p in tmp_path.iterdir()) == [vault_files]
    assert get_grant(vault, g.id).uses == 0 and statement(vault, talent.id).entries == []


def _race(args):
    where, passphrase, grant, out = args
    from pathlib import Path

    from studio.core.vault.opening import open_vault

    with open_vault(where, passphrase) as vault:
        try:
            export_package(vault, grant, BRAND, Path(out))
            return "won"
        except ConsentError as exc:
            return str(exc)


def test_when_two_processes_race_for_the_last_use_then_exactly_one_wins(world, tmp_path):
    from tests.conftest import PASSPHRASE

    vault, talent, key, assets = world
    g = active_grant(vault, talent, key, assets, max_uses=1)
    b = brand(vault)
    ctx = multiprocessing.get_context("spawn")
    jobs = [(where(vault), PASSPHRASE, g.id, str(tmp_path / f"p{i}.twinpkg")) for i in range(2)]
    with ctx.Pool(2) as pool:
        outcomes = pool.map(_race, jobs)
    assert sorted(o == "won" for o in outcomes) == [False, True], outcomes
    assert "no uses left" in next(o for o in outcomes if o != "won")
    assert len(list(tmp_path.glob("p*.twinpkg"))) == 1
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tmp-")]
    assert get_grant(vault, g.id).uses == 1 and len(statement(vault, talent.id).entries) == 1


# -- hostile packages, signed with the real studio key so that open's own defences are tested --

def _hostile(vault, path, members, manifest_over=None, compress=False):
    """A package the studio key signs, holding a hand-made tar: (name, data, type)."""
    from studio.core.package.brands import list_brands
    from tests.core import hostile
    from tests.core.helpers import BRAND as NAME

    brand_row = next(b for b in list_brands(vault) if b.name == NAME)
    hostile.package(path, vault.studio_signing_key(), brand_row.recipient, members,
                    edit=lambda m: m.update(manifest_over or {}))
    if compress:  # the same entries, deflated: a "zip bomb" shape
        import zipfile

        with zipfile.ZipFile(path) as src, zipfile.ZipFile(str(path) + ".z", "w", zipfile.ZIP_DEFLATED) as dst:
            for name in src.namelist():
                dst.writestr(name, src.read(name))
        path.unlink()
        (path.parent / (path.name + ".z")).rename(path)


@pytest.mark.parametrize("case, message", [
    ("escape", "the manifest does not list"),
    ("escape-manifest", "is not allowed"),
    ("link", "link or special file"),
    ("oversize", "the manifest says 5"),
    ("bomb", "compressed"),
    ("huge-manifest", "more than"),
    ("version", "unknown package format version 3"),
])
def test_when_a_package_is_hostile_then_open_refuses_and_writes_nothing(world, tmp_path, case, message):
    vault, g, b, voice = _only_voice(world, tmp_path)
    path = tmp_path / "evil.twinpkg"
    good = ("assets/ast_0123456789abcdef/a.ply", b"hello", "file")
    members, over, compress = [good], None, False
    if case == "escape":
        members = [good, ("../../escaped.txt", b"owned", "file")]
    elif case == "escape-manifest":
        over = {"assets": [{"path": "../escaped.txt", "size": 5, "sha256": hashlib.sha256(b"hello").hexdigest()}]}
    elif case == "link":
        members = [("assets/ast_0123456789abcdef/a.ply", b"", "link")]
    elif case == "oversize":
        members = [("assets/ast_0123456789abcdef/a.ply", b"hello" * 200_000, "file")]
    elif case == "bomb":
        members, compress = [("assets/ast_0123456789abcdef/a.ply", b"\0" * 5_000_000, "file")], True
    elif case == "huge-manifest":
        over = {"padding": "x" * (mf_max() + 10)}
    elif case == "version":
        over = {"format_version": 3}
    _hostile(vault, path, members, over, compress)
    out = tmp_path / "opened"
    with pytest.raises(PackageRefused, match=message):
        open_package(path, b, studio_key(vault), out)
    assert not out.exists()
    assert not (tmp_path / "escaped.txt").exists()


def mf_max():
    from studio.core.package.container import MAX_MANIFEST

    return MAX_MANIFEST


def test_a_well_formed_hand_made_package_opens_so_the_hostile_cases_fail_for_their_own_reason(world, tmp_path):
    vault, g, b, voice = _only_voice(world, tmp_path)
    path = tmp_path / "fine.twinpkg"
    _hostile(vault, path, [("assets/ast_0123456789abcdef/a.ply", b"hello", "file")])
    result = open_package(path, b, studio_key(vault), tmp_path / "opened")
    assert (tmp_path / "opened" / "assets/ast_0123456789abcdef/a.ply").read_bytes() == b"hello"
    assert len(result.files) == 3


def test_when_a_delivered_file_leaks_re_saved_then_trace_names_its_package_and_brand(world, tmp_path):
    import soundfile
    import trimesh

    from studio.core.package.trace import trace_file

    vault, talent, key, (scan, voice) = world
    g = active_grant(vault, talent, key, [scan, voice])
    b = brand(vault)
    brand(vault, "Rival")
    rival = active_grant(vault, talent, key, [scan, voice], licensee="Rival")
    ours = export_package(vault, g.id, BRAND, tmp_path / "ours.twinpkg")
    export_package(vault, rival.id, "Rival", tmp_path / "theirs.twinpkg")  # the same assets, another mark
    open_package(tmp_path / "ours.twinpkg", b, studio_key(vault), tmp_path / "opened")
    by_asset = {a["asset"]: a for a in ours.manifest["assets"]}
    for a in by_asset.values():
        assert a["watermark"]["method"] != "none" and a["sha256"] != a["original_sha256"]

    mesh = trimesh.load(tmp_path / "opened" / by_asset[scan]["path"], process=False)
    mesh.export(tmp_path / "leak.obj")
    audio, rate = soundfile.read(tmp_path / "opened" / by_asset[voice]["path"], dtype="int16")
    soundfile.write(tmp_path / "leak.flac", audio, rate, subtype="PCM_16")

    for leaked, asset in ((tmp_path / "leak.obj", scan), (tmp_path / "leak.flac", voice)):
        result = trace_file(vault, leaked)
        assert result.found is not None, result.scores
        assert (result.found.package_id, result.found.brand, result.found.asset_id) == (ours.package_id, BRAND, asset)
        others = [s.score for s in result.scores if s.package_id != ours.package_id]
        assert others and all(abs(x) < 0.3 for x in others), others
    original = vault.blobs.read_bytes(by_asset[voice]["original_sha256"])
    (tmp_path / "clean.wav").write_bytes(original)
    assert trace_file(vault, tmp_path / "clean.wav").found is None


def test_when_a_grant_ends_today_or_ended_yesterday_in_its_zone_then_export_is_allowed_or_refused_at_every_hour(
        world, tmp_path, clock_at):
    """The last day is the grant's calendar day, not the UTC date: at 23:40 UTC Paris is already
    on the next day, at 22:40 UTC it is not."""
    import zoneinfo

    vault, talent, key, (scan, voice) = world
    today = clock_at.astimezone(zoneinfo.ZoneInfo("Europe/Paris")).date()  # worked out here, not by the core
    start = (today - dt.timedelta(days=30)).isoformat()
    last_day = active_grant(vault, talent, key, [voice], start=start, end=today.isoformat())
    ended = active_grant(vault, talent, key, [voice], start=start, end=(today - dt.timedelta(days=1)).isoformat())
    b = brand(vault)

    result = export_package(vault, last_day.id, BRAND, tmp_path / "last.twinpkg")
    with pytest.raises(ConsentError, match="ended on"):
        export_package(vault, ended.id, BRAND, tmp_path / "late.twinpkg")

    assert verify_package(tmp_path / "last.twinpkg", studio_key(vault)).package_id == result.package_id
    (entry,) = statement(vault, talent.id).entries
    assert entry.on == today.isoformat() and entry.timezone == "Europe/Paris"
    assert get_grant(vault, ended.id).uses == 0 and not (tmp_path / "late.twinpkg").exists()
