"""``twin-studio check`` (every blob, the catalog and the audit chain) and ``audit list``."""

from __future__ import annotations

from studio.cli.exits import EXIT_OK, EXIT_REJECTED
from studio.cli.options import open_vault, print_json, progress_bar


def cmd_check(args) -> int:
    from studio.core.check import check_vault

    with open_vault(args) as vault:
        bar, update = progress_bar(not args.json, unit="blob")
        try:
            rep = check_vault(vault, update)
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
        print(f"vault {state}: {rep.blobs_checked} blobs ({rep.bytes_checked} bytes) verified, "
              f"{rep.audit_events} audit events in an unbroken chain" if rep.ok else f"vault {state}")
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
    commands.add("check", cmd_check, "verify every blob, the catalog and the audit chain")
    audit = commands.group("audit", "the audit chain")
    commands.add("list", cmd_audit_list, "list audit events", audit)
