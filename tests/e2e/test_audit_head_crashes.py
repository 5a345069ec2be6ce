"""Two crashes in a row around the audit chain's anchored head (DR016): a write killed after its
commit but before its head was anchored, then the next write killed after recording its own head
as pending but before its commit. The chain then ends at the first write's event, which must still
be anchored: ``check`` passes, and the next write leaves the head at the chain's end. (Found by the
crash tests in CI: the second write used to replace the first's pending head, and ``check`` then
reported the first write's event as added outside Twin Studio.)"""

from __future__ import annotations

import os
import signal

import pytest

from studio.core.check import check_vault
from studio.core.talents import list_talents
from studio.core.vault.audit import last_head

pytestmark = pytest.mark.skipif(os.name == "nt", reason="the writes are stopped with SIGKILL")


def killed_at(cli, point: str, name: str) -> None:
    proc = cli("talent", "add", "--name", name, env={"STUDIO_TEST_KILL_AT": point})
    assert proc.returncode == -signal.SIGKILL, (proc.returncode, proc.stderr)


def chain_end(vault):
    with vault.session() as s:
        return last_head(s)


def test_when_a_write_dies_after_its_commit_and_the_next_before_its_commit_then_check_passes_and_the_next_write_anchors_all(
        new_vault, cli):
    killed_at(cli, "audit.committed", "Committed Unanchored")
    rep = check_vault(new_vault)
    assert rep.ok, rep.problems
    assert any("interrupted before its head was anchored" in n for n in rep.notes), rep.notes
    first = chain_end(new_vault)
    assert new_vault.audit_anchor().head.seq < first.seq  # the crash left it pending

    killed_at(cli, "audit.prepared", "Never Committed")
    assert chain_end(new_vault) == first  # nothing of the second write committed
    rep = check_vault(new_vault)
    assert rep.ok, rep.problems
    assert new_vault.audit_anchor().head == first  # anchored by the second write before it died
    assert [t.name for t in list_talents(new_vault)] == ["Committed Unanchored"]

    cli("talent", "add", "--name", "Third", check=True)
    rep = check_vault(new_vault)
    assert rep.ok and not rep.notes, (rep.problems, rep.notes)
    anchor = new_vault.audit_anchor()
    assert anchor.head == chain_end(new_vault) and anchor.head.seq == first.seq + 1 and anchor.pending is None
