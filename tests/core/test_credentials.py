"""C2PA content credentials on approved outputs (issue 14, DR044): real files made here, real
c2pa-python (c2pa-rs) to sign and to validate, the studio's keys in a real vault on disk."""

from __future__ import annotations

import datetime as dt
import io
import stat
import struct
import zlib

import c2pa
import numpy as np
import pytest
import soundfile as sf
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from PIL import Image

from studio.core import clock
from studio.core.credentials import (
    CredentialFacts, add_credentials, content_authority, root_certificate_pem, verify_credentials,
    write_root_certificate,
)
from studio.core.credentials.authority import AUTHORITY_FILE, RENEW_BEFORE, SIGNING_YEARS
from studio.core.credentials.content import COMPOSITE, TRAINED
from studio.core.errors import ConsentError, InvalidInput, NotFound, UnsupportedFormat
from studio.core.vault.audit import list_events
from tests.core.helpers import BRAND, active_grant, brand
from tests.vaults import BOTH_VAULTS

# -- files made here ----------------------------------------------------------------------------


def make_png(path, seed=1, size=(96, 64)):
    rng = np.random.default_rng(seed)
    Image.fromarray(rng.integers(0, 256, (size[1], size[0], 3), dtype=np.uint8)).save(path)
    return path


def make_wav(path, seconds=0.5, rate=48000):
    t = np.arange(int(seconds * rate)) / rate
    sf.write(path, (np.sin(2 * np.pi * 220 * t) * 9000).astype(np.int16), rate, subtype="PCM_16")
    return path


def make_jpeg(path):
    Image.open(make_png(path.with_suffix(".src.png"))).save(path, quality=92)
    return path


def make_flac(path):
    data, rate = sf.read(make_wav(path.with_suffix(".src.wav")), dtype="int16")
    sf.write(path, data, rate)
    return path


def make_mp3(path):
    data, rate = sf.read(make_wav(path.with_suffix(".src.wav")), dtype="float32")
    sf.write(path, data, rate, format="MP3")
    return path


def png_chunks(data: bytes) -> list[tuple[bytes, bytes]]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    chunks, at = [], 8
    while at < len(data):
        (length,), kind = struct.unpack(">I", data[at:at + 4]), data[at + 4:at + 8]
        chunks.append((kind, data[at + 8:at + 8 + length]))
        at += 12 + length
    return chunks


def png_with_one_pixel_changed(data: bytes) -> bytes:
    """The same PNG — every chunk kept, the C2PA one included — but one pixel one step brighter:
    the image data re-encoded (filter 0), with a correct CRC, so that the file is a good PNG."""
    pixels = np.array(Image.open(io.BytesIO(data)).convert("RGB"))
    pixels[10, 20, 0] = (int(pixels[10, 20, 0]) + 1) % 256
    raw = b"".join(b"\x00" + row.tobytes() for row in pixels)
    idat = zlib.compress(raw)
    out, done = [data[:8]], False
    for kind, body in png_chunks(data):
        if kind == b"IDAT":
            if done:
                continue
            kind, body, done = b"IDAT", idat, True
        out.append(struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body)))
    return b"".join(out)


def wav_with_one_sample_changed(data: bytes, index: int = 1000) -> bytes:
    """The same WAV, every chunk kept, with one 16-bit sample one step higher."""
    at = 12
    while at < len(data):
        kind, (size,) = data[at:at + 4], struct.unpack("<I", data[at + 4:at + 8])
        if kind == b"data":
            pos = at + 8 + 2 * index
            (sample,) = struct.unpack("<h", data[pos:pos + 2])
            return data[:pos] + struct.pack("<h", sample + 1) + data[pos + 2:]
        at += 8 + size + (size & 1)
    raise AssertionError("no data chunk")


def c2pa_state(path, root_pem: bytes | None = None) -> str:
    """c2pa-python's own verdict on a file, asked directly (not through our verify)."""
    settings: dict = {"verify": {"verify_trust": True}}
    if root_pem is not None:
        settings["trust"] = {"trust_anchors": root_pem.decode()}
    with c2pa.Context.from_dict(settings) as ctx, c2pa.Reader(str(path), context=ctx) as reader:
        return reader.get_validation_state()


def foreign_root() -> bytes:
    """Another authority's self-signed CA certificate (not the studio's)."""
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Another studio")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True).sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM)


# -- the tests ----------------------------------------------------------------------------------


@pytest.mark.parametrize("make, change", [(make_png, png_with_one_pixel_changed),
                                          (make_wav, wav_with_one_sample_changed)], ids=["png", "wav"])
def test_when_an_output_gets_credentials_then_c2pa_trusts_them_with_the_studio_root_only_and_not_after_a_change(
        new_vault, talent, tmp_path, make, change):
    source = make(tmp_path / f"output{'.png' if make is make_png else '.wav'}")
    out = tmp_path / f"credentialed{source.suffix}"
    root = root_certificate_pem(new_vault)

    add_credentials(new_vault, source, out, CredentialFacts(talent=talent.id, note="spring campaign, line 3"))

    assert c2pa_state(out, root) == "Trusted"
    assert c2pa_state(out) != "Trusted"  # no trust root given: c2pa knows no studio
    assert c2pa_state(out, foreign_root()) != "Trusted"
    ours = verify_credentials(out, root)
    assert (ours.valid, ours.trusted) == (True, True)
    untrusted = verify_credentials(out)
    assert (untrusted.valid, untrusted.trusted) == (True, False)
    assert any("untrusted" in p for p in untrusted.problems)
    # the same content: the credentials add a manifest, the picture or the sound is unchanged
    if make is make_png:
        assert np.array_equal(np.array(Image.open(out)), np.array(Image.open(source)))
    else:
        assert np.array_equal(sf.read(out, dtype="int16")[0], sf.read(source, dtype="int16")[0])

    tampered = tmp_path / f"tampered{source.suffix}"
    tampered.write_bytes(change(out.read_bytes()))
    if make is make_png:  # one pixel differs, and only one
        assert (np.array(Image.open(tampered)) != np.array(Image.open(out))).any(axis=2).sum() == 1
    else:
        assert (sf.read(tampered, dtype="int16")[0] != sf.read(out, dtype="int16")[0]).sum() == 1

    assert c2pa_state(tampered, root) == "Invalid"
    check = verify_credentials(tampered, root)
    assert (check.present, check.valid, check.trusted) == (True, False, False)
    assert check.problems and not any("untrusted" in p for p in check.problems)


@pytest.mark.parametrize("make, suffix", [(make_jpeg, ".jpg"), (make_flac, ".flac"), (make_mp3, ".mp3")],
                         ids=["jpeg", "flac", "mp3"])
def test_when_a_jpeg_flac_or_mp3_gets_credentials_then_they_verify_as_trusted(new_vault, talent, tmp_path,
                                                                              make, suffix):
    source = make(tmp_path / f"output{suffix}")
    out = tmp_path / f"credentialed{suffix}"

    add_credentials(new_vault, source, out, CredentialFacts(talent=talent.id))

    check = verify_credentials(out, root_certificate_pem(new_vault))
    assert (check.valid, check.trusted, check.facts.talent) == (True, True, talent.id)
    assert c2pa_state(out, root_certificate_pem(new_vault)) == "Trusted"


def test_when_credentials_are_read_then_they_state_ai_generated_and_whose_likeness_under_which_grant(
        world, tmp_path):
    from studio.core.package.export import export_package

    vault, talent, key, (scan, voice) = world
    grant = active_grant(vault, talent, key, [voice])
    brand(vault)
    package = export_package(vault, grant.id, BRAND, tmp_path / "p.twinpkg").package_id
    out = tmp_path / "credentialed.png"

    added = add_credentials(vault, make_png(tmp_path / "output.png"), out,
                            CredentialFacts(talent=talent.id, package=package,  # the package names its grant
                                            approval="apr-2027-0042", approved_by="SHA256:ab12",
                                            approved_at="2027-01-05", note="lookbook, look 4"))

    check = verify_credentials(out, root_certificate_pem(vault))
    assert check.trusted and check.digital_source_type == TRAINED
    assert check.facts == added.facts
    assert check.facts == CredentialFacts(talent=talent.id, grant=grant.id, package=package,
                                          brand=BRAND, approval="apr-2027-0042", approved_by="SHA256:ab12",
                                          approved_at="2027-01-05", note="lookbook, look 4")
    with c2pa.Reader(str(out)) as reader:  # what any C2PA reader shows: the actions assertion as the spec has it
        manifest = reader.get_active_manifest()
    actions = next(a for a in manifest["assertions"] if a["label"] == "c2pa.actions.v2")["data"]["actions"]
    assert actions[0]["action"] == "c2pa.created" and actions[0]["digitalSourceType"] == TRAINED
    event = [e for e in list_events(vault) if e["action"] == "credentials.added"][-1]
    assert event["subject"] == talent.id and event["details"]["grant"] == grant.id
    assert event["details"]["sha256"] == added.sha256


def test_when_the_output_is_a_composite_then_the_credentials_say_so(new_vault, talent, tmp_path):
    out = tmp_path / "credentialed.png"
    add_credentials(new_vault, make_png(tmp_path / "output.png"), out,
                    CredentialFacts(talent=talent.id, composite=True))
    assert verify_credentials(out).digital_source_type == COMPOSITE


def test_when_the_grant_is_not_the_talents_or_not_active_then_nothing_is_written(world, tmp_path):
    from studio.core.consent.grants import draft_grant
    from studio.core.talents import add_talent
    from tests.core.helpers import grant_fields

    vault, talent, key, assets = world
    other = add_talent(vault, "Someone Else", "else@example.com")
    active = active_grant(vault, talent, key, assets)
    draft = draft_grant(vault, talent.id, grant_fields(assets))
    source, out = make_png(tmp_path / "output.png"), tmp_path / "credentialed.png"

    with pytest.raises(ConsentError, match=f"grant {active.id} is not {other.id}'s"):
        add_credentials(vault, source, out, CredentialFacts(talent=other.id, grant=active.id))
    with pytest.raises(ConsentError, match=f"grant {draft.id} is draft, not active"):
        add_credentials(vault, source, out, CredentialFacts(talent=talent.id, grant=draft.id))
    with pytest.raises(InvalidInput, match="is not grant .* licensee"):
        add_credentials(vault, source, out, CredentialFacts(talent=talent.id, grant=active.id, brand="Other Brand"))
    with pytest.raises(NotFound, match="no package pkg_0123456789abcdef"):
        add_credentials(vault, source, out, CredentialFacts(talent=talent.id, package="pkg_0123456789abcdef"))
    assert not out.exists()
    assert not [e for e in list_events(vault) if e["action"] == "credentials.added"]


def test_when_the_file_is_not_an_image_or_voice_then_it_is_refused_by_content_and_nothing_is_written(
        new_vault, talent, tmp_path, testdata):
    out = tmp_path / "credentialed.png"
    disguised = tmp_path / "scan.png"  # a PLY scan named .png: judged by its bytes, not its name
    disguised.write_bytes((testdata / "scans" / "stanford-bunny_zipper_res2.ply").read_bytes()[:4096])

    with pytest.raises(UnsupportedFormat, match=r"scan\.png: not a PNG, JPEG, WAV, FLAC or MP3 file"):
        add_credentials(new_vault, disguised, out, CredentialFacts(talent=talent.id))
    with pytest.raises(UnsupportedFormat, match="not a PNG, JPEG, WAV, FLAC or MP3 file"):
        verify_credentials(disguised)
    assert not out.exists()
    assert not [e for e in list_events(new_vault) if e["action"] == "credentials.added"]


def test_when_the_out_file_exists_then_it_is_kept_unless_overwrite_is_asked(new_vault, talent, tmp_path):
    source, out = make_png(tmp_path / "output.png"), tmp_path / "credentialed.png"
    out.write_bytes(b"someone's file")

    with pytest.raises(InvalidInput, match="already exists"):
        add_credentials(new_vault, source, out, CredentialFacts(talent=talent.id))
    assert out.read_bytes() == b"someone's file"
    with pytest.raises(InvalidInput, match="is the source itself"):
        add_credentials(new_vault, source, source, CredentialFacts(talent=talent.id), overwrite=True)
    with pytest.raises(InvalidInput, match=r"ends in \.wav but the file is a PNG"):
        add_credentials(new_vault, source, tmp_path / "x.wav", CredentialFacts(talent=talent.id))

    add_credentials(new_vault, source, out, CredentialFacts(talent=talent.id), overwrite=True)
    assert verify_credentials(out).valid
    assert stat.S_IMODE(out.stat().st_mode) == 0o600  # it shows a likeness: owner-only until handed over


def test_when_the_talent_is_unknown_then_nothing_is_written(new_vault, tmp_path):
    out = tmp_path / "credentialed.png"
    with pytest.raises(NotFound, match="no talent tal_0123456789abcdef"):
        add_credentials(new_vault, make_png(tmp_path / "output.png"), out,
                        CredentialFacts(talent="tal_0123456789abcdef"))
    with pytest.raises(InvalidInput, match="is not a talent id"):
        add_credentials(new_vault, make_png(tmp_path / "output.png"), out, CredentialFacts(talent="ada"))
    assert not out.exists()


def test_when_the_root_is_made_then_its_private_keys_are_nowhere_in_the_vault_folder_in_clear(new_vault, talent,
                                                                                            tmp_path):
    authority = content_authority(new_vault)
    add_credentials(new_vault, make_png(tmp_path / "output.png"), tmp_path / "c.png", CredentialFacts(talent=talent.id))
    exported = tmp_path / "root.pem"
    write_root_certificate(new_vault, exported)

    keys = (authority.root_key, authority.signing_key)
    raw_keys = [k.private_numbers().private_value.to_bytes(32, "big") for k in keys]
    der_keys = [k.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()) for k in keys]
    stored = new_vault.root / AUTHORITY_FILE
    assert stored.is_file() and stat.S_IMODE(stored.stat().st_mode) == 0o600
    for path in [p for p in new_vault.root.rglob("*") if p.is_file()]:
        data = path.read_bytes()
        assert b"PRIVATE KEY" not in data and b"-----BEGIN" not in data, path
        assert not any(k in data for k in raw_keys + der_keys), path
    assert stored.read_bytes().startswith(b"age-encryption.org/v1")
    assert b"PRIVATE KEY" not in exported.read_bytes()
    assert x509.load_pem_x509_certificate(exported.read_bytes()) == authority.root


@BOTH_VAULTS
def test_when_the_authority_is_asked_for_again_then_it_is_the_same_made_once(new_vault):
    first = content_authority(new_vault)
    again = content_authority(new_vault)

    assert again.root == first.root and again.signing == first.signing
    assert first.root.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert first.signing.issuer == first.root.subject
    assert [e["action"] for e in list_events(new_vault)].count("credentials.authority_created") == 1


def test_when_the_signing_certificate_nears_its_end_then_a_new_one_is_issued_under_the_same_root(new_vault):
    first = content_authority(new_vault)
    later = first.signing.not_valid_after_utc - RENEW_BEFORE + dt.timedelta(days=1)

    with clock.fixed_at(later):
        renewed = content_authority(new_vault)

    assert renewed.root == first.root and renewed.signing != first.signing
    assert renewed.signing.not_valid_after_utc > first.signing.not_valid_after_utc
    assert renewed.signing.not_valid_after_utc - later <= dt.timedelta(days=365 * SIGNING_YEARS)
    assert [e["action"] for e in list_events(new_vault)].count("credentials.signing_renewed") == 1


def test_when_the_trust_root_is_not_a_certificate_then_verify_says_so(new_vault, talent, tmp_path):
    out = tmp_path / "credentialed.png"
    add_credentials(new_vault, make_png(tmp_path / "output.png"), out, CredentialFacts(talent=talent.id))

    with pytest.raises(InvalidInput, match="the trust root is not a PEM certificate file"):
        verify_credentials(out, b"not a certificate")
    check = verify_credentials(out, foreign_root())
    assert (check.valid, check.trusted) == (True, False)


def test_when_a_file_carries_no_credentials_then_verify_reports_it_absent(tmp_path):
    check = verify_credentials(make_wav(tmp_path / "plain.wav"))
    assert (check.present, check.valid, check.trusted, check.state) == (False, False, False, "absent")


def test_when_the_vault_is_migrated_then_its_content_credentials_root_comes_along(world, tmp_path):
    from studio.core.migrate import migrate_vault
    from studio.core.vault import Vault
    from tests.conftest import PASSPHRASE

    vault, talent, key, assets = world
    root = root_certificate_pem(vault)
    out = tmp_path / "credentialed.wav"
    add_credentials(vault, make_wav(tmp_path / "output.wav"), out, CredentialFacts(talent=talent.id))

    assert migrate_vault(vault, tmp_path / "copy").ok

    with Vault.open(tmp_path / "copy", PASSPHRASE) as copy:
        assert root_certificate_pem(copy) == root  # brands keep trusting the same root
        again = tmp_path / "again.wav"
        add_credentials(copy, make_wav(tmp_path / "output.wav"), again, CredentialFacts(talent=talent.id))
    assert verify_credentials(again, root).trusted and verify_credentials(out, root).trusted


def test_when_the_manifest_is_edited_or_damaged_then_verify_says_invalid_and_does_not_raise(new_vault, talent,
                                                                                          tmp_path):
    out = tmp_path / "credentialed.png"
    add_credentials(new_vault, make_png(tmp_path / "output.png"), out, CredentialFacts(talent=talent.id))
    data = out.read_bytes()
    root = root_certificate_pem(new_vault)
    # the facts forged: another talent's id written over this one's inside the manifest
    assert talent.id.encode() in data
    forged = tmp_path / "forged.png"
    forged.write_bytes(data.replace(talent.id.encode(), b"tal_0123456789abcdef"))
    # the manifest store's own structure broken: the first bytes of its PNG chunk (caBX)
    body = next(b for kind, b in png_chunks(data) if kind == b"caBX")
    at = data.index(body)
    broken = tmp_path / "broken.png"
    broken.write_bytes(data[:at] + bytes(b ^ 0x55 for b in data[at:at + 16]) + data[at + 16:])

    assert c2pa_state(forged, root) == "Invalid"
    for damaged in (forged, broken):
        check = verify_credentials(damaged, root)
        assert (check.valid, check.trusted) == (False, False) and check.problems, damaged.name


def test_when_the_file_is_broken_behind_a_good_signature_then_it_is_refused_and_nothing_is_written(
        new_vault, talent, tmp_path):
    from studio.core.errors import InvalidFile

    broken = tmp_path / "broken.png"
    broken.write_bytes(make_png(tmp_path / "output.png").read_bytes()[:200])  # cut off inside its image data
    out = tmp_path / "credentialed.png"

    with pytest.raises(InvalidFile, match="c2pa could not add credentials to this PNG file"):
        add_credentials(new_vault, broken, out, CredentialFacts(talent=talent.id))
    assert not out.exists() and not list(tmp_path.glob(".tmp-*"))
    assert not [e for e in list_events(new_vault) if e["action"] == "credentials.added"]
