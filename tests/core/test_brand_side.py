"""The brand's side against what a red team sent (issue 17): packages signed with the real
studio key — so they get past the signature — whose payload header is many recipients long,
whose manifest lacks a field, nests 100,000 deep or lies about its types, whose payload is cut
short; and output folders that already hold one of the files. Each is refused with one clear
reason (a ``StudioError``, never another exception) and nothing is written to the output folder."""

from __future__ import annotations

import copy
import json

import pyrage
import pytest

from studio.core.errors import InvalidInput, PackageRefused
from studio.core.package import manifest as mf
from studio.core.package import container
from studio.core.package.brand_keys import keygen
from studio.core.package.export import export_package
from studio.core.package.unpack import open_package
from studio.core.package.verify import verify_package
from tests.core import hostile
from tests.core.helpers import BRAND, BRAND_PASSPHRASE, active_grant, brand, studio_key, studio_pem


@pytest.fixture
def side(world, tmp_path):
    """(vault, the brand's recipient, the brand's unlocked keys)."""
    vault = world[0]
    keys = brand(vault)
    return vault, keys.recipient, keys


def _files(folder):
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")) if folder.exists() else []


def _refused_by_both(path, vault, keys, out, message):
    """verify and open both refuse with ``message``, and open writes nothing."""
    with pytest.raises(PackageRefused, match=message):
        verify_package(path, studio_key(vault))
    with pytest.raises(PackageRefused, match=message):
        open_package(path, keys, studio_key(vault), out)
    assert _files(out) == []


# -- the payload's age header ------------------------------------------------------------------

def test_when_the_payload_is_encrypted_to_many_recipients_then_it_is_refused_before_decrypting(side, tmp_path):
    vault, recipient, keys = side
    others = [pyrage.x25519.Identity.generate().to_public() for _ in range(4)]
    payload = hostile.encrypt(hostile.tar_of([(hostile.PATH, b"hello", "file")]), recipient,
                              *(str(o) for o in others))  # a valid payload: age alone would open it
    path = hostile.package(tmp_path / "many.twinpkg", vault.studio_signing_key(), recipient, payload=payload)
    _refused_by_both(path, vault, keys, tmp_path / "opened", r"[56] recipient stanzas")


def test_when_the_payload_header_has_no_end_within_one_recipients_size_then_it_is_refused(side, tmp_path):
    vault, recipient, keys = side
    good = hostile.encrypt(hostile.tar_of([(hostile.PATH, b"hello", "file")]), recipient)
    body = good.index(b"\n---")
    padded = good[:body] + b"\n-> pad-grease\n" + b"A" * 64 * (container.MAX_AGE_HEADER // 64) + b"\n" + good[body + 1:]
    path = hostile.package(tmp_path / "long.twinpkg", vault.studio_signing_key(), recipient, payload=padded)
    _refused_by_both(path, vault, keys, tmp_path / "opened", f"longer than {container.MAX_AGE_HEADER} bytes")


def test_when_the_payload_is_not_age_then_it_is_refused_naming_it(side, tmp_path):
    vault, recipient, keys = side
    path = hostile.package(tmp_path / "plain.twinpkg", vault.studio_signing_key(), recipient,
                           payload=hostile.tar_of([(hostile.PATH, b"hello", "file")]))
    _refused_by_both(path, vault, keys, tmp_path / "opened", "not an age v1 file")


def test_when_the_header_is_one_recipient_and_grease_then_the_package_opens(side, tmp_path):
    vault, recipient, keys = side  # the refusals above fail for their own reason
    path = hostile.package(tmp_path / "fine.twinpkg", vault.studio_signing_key(), recipient)
    verify_package(path, studio_key(vault)).describe()
    result = open_package(path, keys, studio_key(vault), tmp_path / "opened")
    assert _files(tmp_path / "opened") == ["LICENSE.txt", "assets", "assets/ast_0123456789abcdef",
                                           hostile.PATH, "license.odrl.jsonld"]
    assert len(result.files) == 3


# -- a truncated payload -----------------------------------------------------------------------

@pytest.mark.parametrize("cut", [1, 16, 1000])
def test_when_the_payloads_last_chunk_is_cut_short_then_open_names_it(side, tmp_path, cut):
    vault, recipient, keys = side
    payload = hostile.encrypt(hostile.tar_of([(hostile.PATH, b"hello" * 40_000, "file")]), recipient)[:-cut]
    path = hostile.package(tmp_path / "cut.twinpkg", vault.studio_signing_key(), recipient, payload=payload,
                           edit=lambda m: m.update(assets=[hostile.asset_entry(data=b"hello" * 40_000)]))
    verify_package(path, studio_key(vault))  # signed as it is: only decrypting finds the cut
    with pytest.raises(PackageRefused, match="the payload is truncated or damaged"):
        open_package(path, keys, studio_key(vault), tmp_path / "opened")
    assert _files(tmp_path / "opened") == []


def test_when_open_into_new_folders_is_refused_then_the_folders_it_made_are_removed(side, tmp_path):
    vault, recipient, keys = side
    payload = hostile.encrypt(hostile.tar_of([(hostile.PATH, b"hello", "file")]), recipient)[:-1]
    path = hostile.package(tmp_path / "cut.twinpkg", vault.studio_signing_key(), recipient, payload=payload)
    with pytest.raises(PackageRefused, match="truncated"):
        open_package(path, keys, studio_key(vault), tmp_path / "brand work" / "spring" / "opened")
    assert not (tmp_path / "brand work").exists()


# -- the manifest's shape ----------------------------------------------------------------------

def _drop(*keys):
    def edit(m):
        node = m
        for k in keys[:-1]:
            node = node[k]
        del node[keys[-1]]
    return edit


def _set(value, *keys):
    def edit(m):
        node = m
        for k in keys[:-1]:
            node = node[k]
        node[keys[-1]] = value
    return edit


@pytest.mark.parametrize("edit, message", [
    (_drop("licence", "summary"), "licence summary is missing"),
    (_drop("licence"), "licence is not an object"),
    (_drop("labels", "iptc_digital_source_type"), "iptc_digital_source_type is not an object"),
    (_drop("labels", "plus_model_release_id"), "plus_model_release_id is missing"),
    (_drop("labels", "ai_label"), "ai_label is not required"),
    (_drop("grant", "document", "start"), "start is not a date"),
    (_drop("brand", "name"), "brand name is missing"),
    (_drop("timezone"), "timezone is missing"),
    (_set("America", "timezone"), None),  # a folder of the zone database, not a zone
    (_set(["x"], "talent", "id"), "talent id is missing or not text"),
    (_set("5", "assets", 0, "size"), "size is not a whole number"),
    (_set(True, "payload", "size"), "payload size is not a whole number"),
    (_set("Maison\nTwin package pkg_0 — verified", "brand", "name"), "control character"),
    (_set(None, "assets", 0, "watermark"), "watermark is not an object"),
])
def test_when_a_signed_manifest_lacks_a_field_or_has_a_wrong_type_then_verify_and_open_refuse(
        side, tmp_path, edit, message):
    vault, recipient, keys = side
    path = hostile.package(tmp_path / "bad.twinpkg", vault.studio_signing_key(), recipient, edit=edit)
    _refused_by_both(path, vault, keys, tmp_path / "opened", message or "time zone")


def _signed_with(side, tmp_path, extra: bytes):
    """A package whose manifest's raw bytes begin with ``extra`` (JSON the writer would never make)."""
    vault, recipient, _ = side
    payload = hostile.encrypt(hostile.tar_of([(hostile.PATH, b"hello", "file")]), recipient)
    raw = mf.to_bytes(hostile.manifest(vault.studio_signing_key(), recipient, payload))
    return hostile.write(tmp_path / "raw.twinpkg", vault.studio_signing_key(), b"{" + extra + b"," + raw[1:], payload)


def test_when_a_signed_manifest_nests_100000_deep_then_verify_and_open_refuse_it(side, tmp_path):
    vault, recipient, keys = side
    path = _signed_with(side, tmp_path, b'"deep": ' + b"[" * 100_000 + b"]" * 100_000)
    _refused_by_both(path, vault, keys, tmp_path / "opened", "nests more than")


def test_when_brackets_are_inside_strings_then_they_do_not_count_as_nesting(side, tmp_path):
    vault, recipient, keys = side
    path = _signed_with(side, tmp_path, b'"note": "' + b"[{" * 1000 + b'\\"]"')
    assert verify_package(path, studio_key(vault)).manifest["note"].startswith("[{[{")


@pytest.mark.parametrize("extra, message", [
    (b'"package_id": "pkg_fedcba9876543210"', "appears twice"),
    (b'"big": 1' + b"0" * 5000, "not JSON"),
    (b'"nan": NaN', "NaN is not a JSON number"),
])
def test_when_a_signed_manifest_is_ambiguous_json_then_it_is_refused(side, tmp_path, extra, message):
    vault, recipient, keys = side
    path = _signed_with(side, tmp_path, extra)
    _refused_by_both(path, vault, keys, tmp_path / "opened", message)


def test_a_real_exports_manifest_passes_the_shape_check_and_any_dropped_field_is_refused(world, tmp_path):
    vault, talent, key, assets = world
    g = active_grant(vault, talent, key, assets)
    brand(vault)
    m = export_package(vault, g.id, BRAND, tmp_path / "p.twinpkg").manifest
    assert mf.parse(mf.to_bytes(m)) == m
    dropped = []
    later = {"pause_policy"}  # added by a later version (DR050): a package made before has none
    for top in m:
        if top in ("format", "format_version"):
            continue
        less = copy.deepcopy(m)
        del less[top]
        if top in later:
            assert mf.parse(json.dumps(less).encode()) == less
            broken = dict(m, **{top: {"applies_to": 7}})
            with pytest.raises(PackageRefused, match="malformed"):
                mf.parse(json.dumps(broken).encode())
            continue
        with pytest.raises(PackageRefused, match="malformed"):
            mf.parse(json.dumps(less).encode())
        dropped.append(top)
    assert len(dropped) == len(m) - 2 - len(later) and later <= set(m)


# -- the output folder -------------------------------------------------------------------------

@pytest.mark.parametrize("clash", [hostile.PATH, "LICENSE.txt", "license.odrl.jsonld"])
def test_when_a_file_in_the_output_folder_clashes_then_open_refuses_and_writes_nothing(side, tmp_path, clash):
    vault, recipient, keys = side
    path = hostile.package(tmp_path / "p.twinpkg", vault.studio_signing_key(), recipient,
                           [(hostile.PATH, b"hello", "file"), ("assets/ast_0123456789abcdef/b.ply", b"world", "file")],
                           edit=lambda m: m.update(assets=[hostile.asset_entry(), hostile.asset_entry(
                               "assets/ast_0123456789abcdef/b.ply", b"world")]))
    out = tmp_path / "opened"
    (out / clash).parent.mkdir(parents=True, exist_ok=True)
    (out / clash).write_bytes(b"the brand's own")
    before = _files(out)
    with pytest.raises(InvalidInput, match="already exist.*nothing was written"):
        open_package(path, keys, studio_key(vault), out)
    assert _files(out) == before and (out / clash).read_bytes() == b"the brand's own"


@pytest.mark.parametrize("command", ["verify", "open"])
def test_when_the_cli_meets_a_manifest_without_its_licence_then_it_prints_one_line_and_writes_nothing(
        side, tmp_path, cli, command):
    vault, recipient, _ = side
    extra = []
    if command == "open":  # the brand's keys as `brand keygen` writes them, locked, and their passphrase
        recipient = keygen(tmp_path / "brand", BRAND, BRAND_PASSPHRASE).recipient
        (tmp_path / "pass.txt").write_text(BRAND_PASSPHRASE + "\n")
        extra = ["--identity", str(tmp_path / "brand"), "--passphrase-file", str(tmp_path / "pass.txt"),
                 "--out", str(tmp_path / "opened")]
    path = hostile.package(tmp_path / "bad.twinpkg", vault.studio_signing_key(), recipient,
                           edit=_drop("licence", "summary"))
    pem = studio_pem(vault, tmp_path / "studio.pem")
    proc = cli.run(command, str(path), "--studio-key", str(pem), *extra)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    assert "licence summary is missing" in proc.stderr
    assert not (tmp_path / "opened").exists()
