"""Fuzzing the brand's package opener (issue 17): ``verify`` and ``open`` either succeed or refuse
with a ``StudioError``, never another exception, and a refused ``open`` leaves the output folder
as it found it (absent).

Three targets, each on a real small package (a real voice take, encrypted with age to a brand
made by ``brand keygen``, the manifest signed with the vault's real studio key):
- the package file's bytes mutated (flips, cuts, insertions; biased to the ZIP framing, the age
  header and the manifest) — stopped by the signature, the byte layout or the decryption;
- the manifest mutated and **re-signed** — so the mutations reach the shape check and what
  follows; the seeds are the red team's manifests in ``corpus/package/`` plus the good one;
- the payload's tar mutated, re-encrypted to the brand and re-signed — so the tar reader and
  the member checks see hostile input.

Bounded (a fixed number of examples, ``derandomize=True``): a few seconds in the suite.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import tempfile
from pathlib import Path

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from studio.core.errors import PackageRefused, StudioError  # noqa: E402
from studio.core.package import manifest as mf  # noqa: E402
from studio.core.package.brand_keys import generate  # noqa: E402
from studio.core.package.unpack import open_package  # noqa: E402
from studio.core.package.verify import verify_package  # noqa: E402
from tests.conftest import TESTDATA  # noqa: E402
from tests.core import hostile  # noqa: E402

CORPUS = Path(__file__).parent / "corpus" / "package"
ON = dt.date(2030, 1, 1)
TAKE = TESTDATA / "voice" / "cmu_arctic_us_axb_a0005.wav"
FUZZ = settings(max_examples=40, derandomize=True, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


class Kit:
    def __init__(self, root: Path, signing_key, brand_keys, recipient: str) -> None:
        self.root, self.key, self.brand_keys, self.recipient = root, signing_key, brand_keys, recipient
        self.data = TAKE.read_bytes()
        self.path = f"assets/{hostile.ASSET}/{TAKE.name}"
        self.tar = hostile.tar_of([(self.path, self.data, "file")])
        self.payload = hostile.encrypt(self.tar, recipient)
        self.package = hostile.write(root / "seed.twinpkg", signing_key, self.manifest_bytes(self.payload), self.payload)
        self.bytes = self.package.read_bytes()

    def manifest(self, payload: bytes) -> dict:
        m = hostile.manifest(self.key, self.recipient, payload)
        m["assets"] = [hostile.asset_entry(self.path, self.data)]
        return m

    def manifest_bytes(self, payload: bytes) -> bytes:
        return mf.to_bytes(self.manifest(payload))

    def from_corpus(self, raw: bytes) -> bytes:
        """A seed manifest of the corpus with this kit's recipient, key and payload put in."""
        m = self.manifest(self.payload)
        for name, value in (("RECIPIENT", m["brand"]["recipient"]), ("FINGERPRINT", m["studio"]["key_fingerprint"]),
                            ("PAYLOAD_SHA256", m["payload"]["sha256"]), ("PAYLOAD_SIZE", str(m["payload"]["size"])),
                            ("ASSET_PATH", self.path), ("ASSET_SIZE", str(len(self.data))),
                            ("ASSET_SHA256", hashlib.sha256(self.data).hexdigest())):
            raw = raw.replace(f"@{name}@".encode(), value.encode())
        return raw

    def attempt(self, package_bytes: bytes) -> None:
        """verify and open: success, or a StudioError with nothing left in the output folder."""
        work = Path(tempfile.mkdtemp(dir=self.root))
        try:
            path = work / "p.twinpkg"
            path.write_bytes(package_bytes)
            try:
                verify_package(path, self.key.public_key(), on=ON).describe()
            except StudioError:
                pass
            out = work / "out"
            try:
                result = open_package(path, self.brand_keys, self.key.public_key(), out, on=ON)
            except StudioError:
                assert not out.exists() or not any(out.iterdir()), sorted(out.rglob("*"))
            else:
                assert all(f.is_file() and f.is_relative_to(out) for f in result.files)
            assert sorted(p.name for p in work.iterdir()) == sorted(["p.twinpkg"] + (["out"] if out.exists() else []))
        finally:
            shutil.rmtree(work, ignore_errors=True)


@pytest.fixture(scope="module")
def kit(tmp_path_factory, _vault_template):
    from studio.core.vault import Vault
    from studio.core.vault.header import read_header

    template, keys = _vault_template
    root = tmp_path_factory.mktemp("fuzz-package")
    shutil.copytree(template, root / "vault")
    with Vault(root / "vault", read_header(root / "vault"), keys) as vault:
        signing_key = vault.studio_signing_key()
    keys, card = generate("Maison Lumière")  # held in memory: the fuzzers judge packages, not key files
    return Kit(root, signing_key, keys, card.recipient)


def test_the_seed_package_opens_so_the_fuzzers_start_from_a_good_one(kit, tmp_path):
    result = open_package(kit.package, kit.brand_keys, kit.key.public_key(), tmp_path / "out", on=ON)
    assert (tmp_path / "out" / kit.path).read_bytes() == kit.data and len(result.files) == 3


@pytest.mark.parametrize("seed", sorted(p.name for p in CORPUS.glob("*.json")))
def test_the_red_teams_manifests_in_the_corpus_are_refused_and_the_good_one_opens(kit, tmp_path, seed):
    path = tmp_path / "p.twinpkg"
    path.write_bytes(_resigned(kit, kit.from_corpus((CORPUS / seed).read_bytes()), kit.payload))
    if seed == "good.json":
        assert len(open_package(path, kit.brand_keys, kit.key.public_key(), tmp_path / "out", on=ON).files) == 3
        return
    with pytest.raises(PackageRefused, match="manifest is|time zone|manifest is not JSON"):
        verify_package(path, kit.key.public_key(), on=ON)
    with pytest.raises(PackageRefused):
        open_package(path, kit.brand_keys, kit.key.public_key(), tmp_path / "out", on=ON)
    assert not (tmp_path / "out").exists()


def _positions(size: int):
    return st.one_of(st.integers(0, 400), st.integers(max(0, size - 6000), size - 1), st.integers(0, size - 1))


@st.composite
def _mutated(draw, data: bytes) -> bytes:
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "set", "cut", "insert", "delete"]))
        at = min(draw(_positions(len(data))), max(len(out) - 1, 0))
        if kind == "flip" and out:
            out[at] ^= 1 << draw(st.integers(0, 7))
        elif kind == "set" and out:
            out[at] = draw(st.integers(0, 255))
        elif kind == "cut":
            del out[at:]
        elif kind == "insert":
            out[at:at] = draw(st.binary(min_size=1, max_size=64))
        elif kind == "delete":
            del out[at:at + draw(st.integers(1, 64))]
    return bytes(out)


@FUZZ
@given(data=st.data())
def test_when_a_packages_bytes_are_mutated_then_open_succeeds_or_refuses_and_writes_nothing(kit, data):
    kit.attempt(data.draw(_mutated(kit.bytes)))


_json = st.recursive(st.none() | st.booleans() | st.integers(-(1 << 70), 1 << 70) | st.floats(allow_nan=False)
                     | st.text(max_size=20),
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                     max_leaves=8)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, prefix + (i,))


def _seeds() -> list[str]:
    return ["good"] + sorted(p.name for p in CORPUS.glob("*.json"))


@FUZZ
@given(seed=st.sampled_from(_seeds()), data=st.data())
@example(seed="missing-licence-summary.json", data=None)
@example(seed="nested-10000-deep.json", data=None)
@example(seed="labels-not-an-object.json", data=None)
def test_when_a_manifest_is_mutated_and_re_signed_then_open_succeeds_or_refuses_and_writes_nothing(kit, seed, data):
    raw = kit.manifest_bytes(kit.payload) if seed == "good" else kit.from_corpus((CORPUS / seed).read_bytes())
    if data is not None:
        try:
            m = json.loads(raw)
        except (ValueError, RecursionError):
            m = None
        how = data.draw(st.sampled_from(["bytes", "drop", "replace"] if isinstance(m, dict) else ["bytes"]))
        if how == "bytes":
            raw = data.draw(_mutated(raw))
        else:
            where = data.draw(st.sampled_from([p for p in _paths(m) if p]))
            node = m
            for k in where[:-1]:
                node = node[k]
            if how == "drop":
                del node[where[-1]]
            else:
                node[where[-1]] = data.draw(_json)
            raw = json.dumps(m, indent=2).encode()
    kit.attempt(_resigned(kit, raw, kit.payload))


def _resigned(kit, manifest_bytes: bytes, payload: bytes) -> bytes:
    path = kit.root / "resigned.twinpkg"
    hostile.write(path, kit.key, manifest_bytes, payload)
    return path.read_bytes()


@FUZZ
@given(data=st.data())
def test_when_the_payload_tar_is_mutated_re_encrypted_and_re_signed_then_open_refuses_cleanly(kit, data):
    tar = bytearray(kit.tar)
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.one_of(st.integers(0, 1535), st.integers(0, len(tar) - 1)))
        if data.draw(st.booleans()):
            tar[at] = data.draw(st.integers(0, 255))
        else:
            del tar[at:]
            break
    payload = hostile.encrypt(bytes(tar), kit.recipient)
    kit.attempt(_resigned(kit, kit.manifest_bytes(payload), payload))
