"""What the CLI prints stays one line per item whatever the names hold (issue 17), and a bad
``render --size`` is one line, not the usage."""

from __future__ import annotations

import os
import shutil

import pytest

from tests.conftest import TESTDATA


@pytest.mark.skipif(os.name != "posix", reason="file names with a newline are POSIX")
def test_when_a_file_name_holds_a_newline_then_ingest_prints_one_line_for_it(tmp_path, _vault_template, cli):
    shutil.copytree(_vault_template[0], cli.vault)
    tid = cli("talent", "add", "--name", "Ada Lovelace", check=True).stdout.split()[-1]
    folder = tmp_path / "session"
    folder.mkdir()
    forged = "take.wav\ningested  ast_0000000000000000 forged-line.wav"
    shutil.copy(TESTDATA / "voice" / "cmu_arctic_us_aew_a0001.wav", folder / forged)
    proc = cli("ingest", "--talent", tid, str(folder))
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == 1, proc.stdout
    assert lines[0].startswith("ingested") and "take.wav\\x0aingested" in lines[0]
    listed = cli("assets", "list", check=True).stdout.splitlines()
    assert len(listed) == 1 and "\\x0a" in listed[0]


def test_when_render_is_given_a_negative_size_then_it_says_so_in_one_line(cli):
    proc = cli.run("render", "ast_0000000000000000", "--out", "x.png", "--size", "-5x10")
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == ["twin-studio: error: size -5x10 is outside 16..8192 pixels a side"]
    assert "usage:" not in proc.stderr
