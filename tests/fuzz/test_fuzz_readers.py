"""Fuzz targets for every format reader (issue 17, DR017): bytes in, and the reader either
parses them or raises InvalidFile / UnsupportedFormat — never another exception.

Each target replays its seed corpus (``corpus/<format>/``, written by ``make_corpus.py``) and
then runs a bounded, derandomised number of hypothesis examples: seeds mutated (bytes flipped,
inserted, deleted, cut short, numbers made huge) and plain random bytes. Deterministic, so a
failure here is a failure every time; run more examples by hand with ``FUZZ_EXAMPLES=5000``.
"""

from __future__ import annotations

import io
import os
import tempfile
from pathlib import Path

import pytest

hypothesis = pytest.importorskip("hypothesis")  # the suite's test extra installs it
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from studio.core.errors import InvalidFile, UnsupportedFormat  # noqa: E402
from studio.core.formats import gltf, obj, off, pcd, ply, stl, wav, xyz  # noqa: E402
from studio.core.formats.probe import probe  # noqa: E402

CORPUS = Path(__file__).parent / "corpus"
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "100"))
REFUSALS = (InvalidFile, UnsupportedFormat)
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None, print_blob=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def seeds(fmt: str) -> list[bytes]:
    return [p.read_bytes() for p in sorted((CORPUS / fmt).iterdir())]


_EDITS = st.lists(st.tuples(st.sampled_from(["flip", "insert", "delete", "cut", "number"]),
                            st.integers(0, 1 << 16), st.binary(min_size=1, max_size=16)), min_size=1, max_size=6)


def _mutate(data: bytes, edits: list[tuple[str, int, bytes]]) -> bytes:
    for op, at, chunk in edits:
        at = at % (len(data) + 1)
        if op == "flip" and data:
            at = min(at, len(data) - 1)
            data = data[:at] + bytes([data[at] ^ chunk[0]]) + data[at + 1:]
        elif op == "insert":
            data = data[:at] + chunk + data[at:]
        elif op == "delete":
            data = data[:at] + data[at + len(chunk):]
        elif op == "cut":
            data = data[:at]
        elif op == "number":  # the next digit becomes a huge or negative number
            digit = next((i for i in range(at, len(data)) if 48 <= data[i] <= 57), None)
            if digit is not None:
                data = data[:digit] + (b"-" if chunk[0] & 1 else b"") + b"4294967295" + data[digit + 1:]
    return data


def inputs(fmt: str) -> st.SearchStrategy[bytes]:
    corpus = seeds(fmt)
    return st.one_of(st.builds(_mutate, st.sampled_from(corpus), _EDITS), st.binary(max_size=256))


def in_file(data: bytes, name: str, check) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        check(path)


def refuses_cleanly(read, data) -> None:
    """The only outcomes allowed: a result, or a typed refusal with a reason."""
    try:
        read(data)
    except REFUSALS as exc:
        assert str(exc).strip(), f"{type(exc).__name__} without a reason"


# -- the readers, bytes in ------------------------------------------------------------------


def read_ply(data: bytes) -> None:
    refuses_cleanly(ply.read, data)  # in memory, as the preview reads a decrypted scan
    in_file(data, "f.ply", lambda p: refuses_cleanly(ply.read, p))  # from a file, as ingest reads it


def read_pcd(data: bytes) -> None:
    refuses_cleanly(lambda d: pcd.read_points(d, pcd.parse_header(d, len(d))), data)


def read_xyz(data: bytes) -> None:
    refuses_cleanly(xyz.read, data)


def read_off(data: bytes) -> None:
    refuses_cleanly(lambda d: off.parse_header(d, len(d)), data)


def read_stl(data: bytes) -> None:
    refuses_cleanly(lambda d: stl.parse_header(d, len(d)), data)


def read_obj(data: bytes) -> None:
    in_file(data, "f.obj", lambda p: refuses_cleanly(obj.scan, p))


def read_gltf(data: bytes) -> None:
    fmt = "glb" if data[:4] == b"glTF" else "gltf"
    in_file(data, f"f.{fmt}", lambda p: refuses_cleanly(lambda q: gltf.inspect(q, len(data), fmt), p))


def read_wav(data: bytes) -> None:
    header = wav.read_header(io.BytesIO(data))  # lenient: it reports, never raises
    if header is not None:
        header.truncated_frames(len(data))
    kept = wav.read_header(io.BytesIO(data), keep_raw=True)
    assert (kept is None) == (header is None)


READERS = {"ply": read_ply, "pcd": read_pcd, "xyz": read_xyz, "off": read_off, "stl": read_stl, "obj": read_obj,
           "gltf": read_gltf, "wav": read_wav}


@pytest.mark.parametrize("fmt", sorted(READERS))
def test_when_the_seed_corpus_is_replayed_then_each_file_is_read_or_refused_with_a_reason(fmt):
    for data in seeds(fmt):
        READERS[fmt](data)
        in_file(data, f"f.{fmt}", lambda p: refuses_cleanly(lambda q: probe(q, len(data)), p))


def _fuzz(fmt: str):
    @FUZZ
    @given(inputs(fmt))
    def target(data: bytes) -> None:
        READERS[fmt](data)
    return target


@pytest.mark.parametrize("fmt", sorted(READERS))
def test_when_seeds_are_mutated_then_the_reader_parses_or_refuses_never_crashes(fmt):
    _fuzz(fmt)()


@FUZZ
@given(st.sampled_from(sorted(READERS)).flatmap(lambda fmt: st.tuples(st.just(fmt), inputs(fmt))))
def test_when_mutated_files_are_probed_then_they_are_recognised_or_refused(case):
    fmt, data = case
    in_file(data, f"f.{fmt}", lambda p: refuses_cleanly(lambda q: probe(q, len(data)), p))


@settings(FUZZ, max_examples=max(1, EXAMPLES // 3))
@given(st.sampled_from(sorted(READERS)).flatmap(lambda fmt: st.tuples(st.just(fmt), inputs(fmt))))
def test_when_mutated_files_are_ingested_then_analyse_accepts_or_refuses_them(case):
    """The whole chain behind ingest (probe, the reader, trimesh / soundfile, measuring)."""
    from studio.core.ingest import analyse

    fmt, data = case
    in_file(data, f"f.{fmt}", lambda p: refuses_cleanly(analyse, p))
