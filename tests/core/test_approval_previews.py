"""What review mode shows of an output to approve (DR054): the output read from the vault in
memory, the same bytes the brand signed, a voice line measured without a file; an output that is
not in the request, or audio that does not decode, is refused by name."""

from __future__ import annotations

import json

import pytest

from studio.core.errors import InvalidFile, NotFound
from studio.core.ingest.voice import analyse_voice, measure_audio_bytes
from studio.core.package.approval_files import sha256
from studio.core.package.approval_previews import output_preview
from studio.core.package.approvals import import_request
from tests.conftest import snapshot
from tests.core.test_approvals import _request, made  # noqa: F401 (fixture)


def test_when_the_talent_looks_at_outputs_then_they_are_the_signed_bytes_and_audio_is_measured_in_memory(
        made, tmp_path):
    vault, talent, key, keys, package, (png, wav, other), _ = made
    path, _, _ = _request(made, tmp_path)
    rec = import_request(vault, path)
    before = snapshot(vault.root)
    image = output_preview(vault, rec.id, rec.outputs[0].sha256)
    assert (image.name, image.media_type, image.is_audio) == ("look4.png", "image/png", False)
    assert image.data == png.read_bytes() and sha256(image.data) == rec.outputs[0].sha256
    assert (image.waveform, image.metrics) == ({}, {})
    voice = output_preview(vault, rec.id, rec.outputs[1].sha256.upper())  # a hash is a hash, in any case
    assert voice.is_audio and voice.data == wav.read_bytes()
    metrics, _, wave = analyse_voice(wav, "wav", wav.name)  # what ingest measures from the file
    assert voice.metrics["duration_s"] == metrics["duration_s"] == 0.5
    assert (voice.metrics["sample_rate"], voice.metrics["channels"]) == (48000, 1)
    assert voice.waveform["max"] == json.loads(wave)["max"]
    assert snapshot(vault.root) == before, "nothing written: the plaintext stays in memory"


def test_when_an_output_is_not_in_the_request_or_does_not_decode_then_it_is_refused_by_name(made, tmp_path):
    vault, *_ = made
    path, _, _ = _request(made, tmp_path)
    rec = import_request(vault, path)
    with pytest.raises(NotFound, match=f"is not in approval request {rec.id}"):
        output_preview(vault, rec.id, "0" * 64)
    with pytest.raises(InvalidFile, match="line.wav could not be decoded"):
        measure_audio_bytes(b"RIFF\x10\x00\x00\x00WAVEfmt " + b"\x00" * 40, "line.wav")
