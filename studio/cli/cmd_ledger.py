"""``twin-studio report create`` (the brand signs a usage report, no vault) and ``ledger
import|statement`` (the studio records it; a talent's exports, uses, fees and violations)."""

from __future__ import annotations

import sys
from pathlib import Path

from studio.cli.exits import EXIT_OK, EXIT_REFUSED
from studio.core.errors import InvalidInput
from studio.cli.options import brand_passphrase, created, open_vault, print_json, shown


def cmd_report_create(args) -> int:
    from studio.core.package.brand_keys import load_identity
    from studio.core.package.reports import create_report, write_report

    if Path(args.out).exists():  # before the passphrase is asked and the keys unlocked
        raise InvalidInput(f"{args.out} already exists")
    identity = load_identity(Path(args.identity), brand_passphrase(args))
    report, warnings = create_report(Path(args.package), identity, args.use_description, args.purpose,
                                     args.media, args.territory, args.date, args.count,
                                     [Path(o) for o in args.outputs or ()])
    write_report(report, Path(args.out))
    for w in warnings:
        print(f"twin-studio: warning: this use is outside the licence: {w}", file=sys.stderr)
    created(args, report["report_id"], {"out": args.out, "outside_licence": warnings})
    return EXIT_OK


def cmd_ledger_import(args) -> int:
    from studio.core.clock import day_text
    from studio.core.ledger.entries import import_report

    with open_vault(args) as vault:
        result = import_report(vault, Path(args.report))
    e = result.entry
    if args.json:
        print_json(e.to_json())
    elif result.violation:
        print(f"VIOLATION recorded ({e.id}): {e.brand} reported a use grant {e.grant_id} does not allow:")
        for r in e.reasons:
            print(f"  - {r}")
    else:
        print(f"use recorded ({e.id}): {e.brand}, {e.count} × {e.purpose}/{e.media} in {e.territory} "
              f"on {day_text(e.on, e.timezone)}, "
              f"fee {e.fee:.2f} {e.currency}")
    return EXIT_REFUSED if result.violation else EXIT_OK


def cmd_ledger_statement(args) -> int:
    from studio.core.clock import day_text, instant_text
    from studio.core.ledger.statement import statement, write_csv

    with open_vault(args) as vault:
        st = statement(vault, args.talent, args.start, args.end)
    if args.csv:
        write_csv(st, Path(args.csv))
    if args.json:
        print_json(st.to_json())
        return EXIT_OK
    print(f"Statement for talent {st.talent_id}" + (f" from {st.start}" if st.start else "")
          + (f" to {st.end}" if st.end else ""))
    for grant_id, terms in st.fee_terms.items():
        print(f"  grant {grant_id}: {terms or 'fee terms unreadable'}")
    if st.entries:
        print("  (in the order recorded; each date is a calendar day in its grant's time zone)")
    for e in st.entries:
        fee = "—" if e.kind == "violation" else f"{e.fee:.2f} {e.currency}"
        print(f"  {day_text(e.on, e.timezone)}  {e.kind:9}  {e.brand:24.24}  {e.package_id}  "
              f"{e.purpose or '':12.12}  {e.media or '':8.8}  {e.territory or '':3}  ×{e.count:<3}  {fee}  recorded {instant_text(e.at)}")
        for r in e.reasons:
            print(f"      violation: {r}")
        for o in e.outputs:
            if o.get("reason"):
                print(f"      output {o['sha256']}  {o['media_type']}  {o['state']}")
    if st.approved_outputs:
        print("  outputs the talent approved:")
    for o in st.approved_outputs:
        print(shown(f"  {day_text(o.on, o.timezone)}  approved  {o.brand:24.24}  {o.request_id}  {o.media_type:10.10}  "
                    f"{o.sha256[:16]}…  {o.description}"))
    print(f"  uses: {st.uses}   violations: {len(st.violations)}")
    for currency, total in st.totals.items():
        print(f"  total {total:.2f} {currency}")
    if not st.entries:
        print("  (no exports or uses yet)")
    if args.csv:
        print(f"written to {args.csv}", file=sys.stderr)
    return EXIT_OK


def register(commands) -> None:
    report = commands.group("report", "usage reports a brand signs")
    p = commands.add("create", cmd_report_create, "write a usage report signed with the brand's key", report,
                     refuses=True, brand_keys=True)
    p.add_argument("package", metavar="FILE.twinpkg")
    p.add_argument("--identity", required=True, metavar="DIR", help="the brand's keys from `brand keygen`")
    p.add_argument("--use-description", required=True, metavar="TEXT")
    p.add_argument("--purpose", required=True)
    p.add_argument("--media", required=True)
    p.add_argument("--territory", required=True, metavar="CC")
    p.add_argument("--date", required=True, metavar="YYYY-MM-DD",
                   help="the day of the use, a calendar day in the grant's time zone (the package names it)")
    p.add_argument("--count", type=int, default=1)
    p.add_argument("--output", dest="outputs", action="append", metavar="FILE",
                   help="an output the use published (repeat): its SHA-256 and media type go in the signed "
                        "report, the file does not; one the talent did not approve for this package is a violation")
    p.add_argument("--out", required=True, metavar="REPORT.json")

    ledger = commands.group("ledger", "uses, fees and statements")
    p = commands.add("import", cmd_ledger_import,
                     "import a brand's signed usage report (exit 1: recorded as a violation)", ledger)
    p.add_argument("report", metavar="REPORT.json")
    p = commands.add("statement", cmd_ledger_statement, "a talent's exports, uses, fees and violations", ledger)
    p.add_argument("--talent", required=True, metavar="ID")
    p.add_argument("--from", dest="start", metavar="YYYY-MM-DD", help="first day (each grant's calendar day)")
    p.add_argument("--to", dest="end", metavar="YYYY-MM-DD", help="last day (each grant's calendar day)")
    p.add_argument("--csv", metavar="FILE")
