"""``twin-studio check`` (every blob, or a random share of them, the catalog and the audit chain)
and ``audit list``."""

from __future__ import annotations

import contextlib
import signal
import sys
import threading

from studio.cli.exits import EXIT_CANCELLED, EXIT_OK, EXIT_REJECTED
from studio.cli.options import open_vault, print_json, progress_bar


@contextlib.contextmanager
def _ctrl_c_cancels(token):
    """The first Ctrl-C sets ``token`` (the check stops at its next step, cleanly); a second one
    interrupts at once."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_sigint(signum, frame) -> None:
        signal.signal(signal.SIGINT, previous)
        token.cancel()

    previous = signal.signal(signal.SIGINT, on_sigint)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def cmd_check(args) -> int:
    from studio.core.check import check_vault, parse_subset
    from studio.core.errors import Cancelled
    from studio.core.progress import CancelToken

    subset = parse_subset(args.read_data_subset) if args.read_data_subset is not None else None
    token = CancelToken()
    with open_vault(args) as vault:
        bar, update = progress_bar(not args.json, unit="blob")
        seen = [0, 0]

        def on_progress(p) -> None:
            seen[0], seen[1] = int(p.done), int(p.total or 0)
            update(p)

        try:
            with _ctrl_c_cancels(token):
                rep = check_vault(vault, on_progress, token, subset)
        except Cancelled:
            if bar:
                bar.close()
                bar = None
            print(f"twin-studio: check cancelled after {seen[0]} of {seen[1]} blobs; nothing was changed and "
                  "nothing was concluded", file=sys.stderr)
            return EXIT_CANCELLED
        finally:
            if bar:
                bar.close()
    if args.json:
        print_json(rep.to_json())
    else:
        for p in rep.problems:
            print(f"problem: {p}")
        for n in rep.notes:
            print(f"note: {n}")
        state = "consistent" if rep.ok else f"INCONSISTENT ({len(rep.problems)} problems)"
        read = (f"{rep.blobs_checked} blobs ({rep.bytes_checked} bytes) verified" if rep.subset_percent is None else
                f"{rep.blobs_checked} of {rep.blobs_total} blobs ({rep.bytes_checked} bytes, a random "
                f"{rep.subset_percent:g}%) verified, the others found on disk")
        print(f"vault {state}: {read}, {rep.audit_events} audit events in an unbroken chain"
              if rep.ok else f"vault {state}")
    return EXIT_OK if rep.ok else EXIT_REJECTED


def cmd_audit_list(args) -> int:
    from studio.core.vault.audit import list_events

    with open_vault(args) as vault:
        events = list_events(vault)
    if args.json:
        print_json(events)
    else:
        for e in events:
            print(f"{e['seq']:>5}  {e['at']}  {e['actor']:<20} {e['action']:<18} {e['subject']}  {e['details']}")
    return EXIT_OK


def register(commands) -> None:
    p = commands.add("check", cmd_check, "verify every blob, the catalog and the audit chain")
    p.add_argument("--read-data-subset", metavar="PERCENT", default=None,
                   help="decrypt and re-hash only a random PERCENT of the blobs (such as 10%%); the others are "
                        "only looked for on disk. Default: every blob")
    audit = commands.group("audit", "the audit chain")
    commands.add("list", cmd_audit_list, "list audit events", audit)
