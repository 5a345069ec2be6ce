"""A script meets a busy vault: `twin-studio` says so in one line and exits non-zero, and the
ingest it was asked for does not happen."""

from __future__ import annotations

from tests.conftest import TESTDATA
from tests.core.test_vault_lock import busy_vault  # noqa: F401  (the fixture: another process holds the lock)

VOICE = TESTDATA / "voice" / "vctk_p225_001.wav"


def test_when_another_process_writes_then_the_cli_says_busy_in_one_line(busy_vault, talent, cli):  # noqa: F811
    assert cli.vault == busy_vault.root
    proc = cli("ingest", "--talent", talent.id, str(VOICE))
    assert proc.returncode == 75  # EX_TEMPFAIL: a script may retry
    assert "Traceback" not in proc.stderr
    [line] = proc.stderr.strip().splitlines()
    assert "the vault is busy with another operation" in line and "try again" in line
    from studio.core.assets import list_assets

    assert list_assets(busy_vault) == []
