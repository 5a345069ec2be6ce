"""`twin-studio` commands for packages, on both sides.

Studio (with the vault): ``brand add|list``, ``studio-key export``, ``export``, ``packages list``,
``ledger import|statement``, ``trace``. Brand (offline, no vault): ``brand keygen``, ``verify``,
``open``, ``report create``.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

from studio.core.errors import ConsentError, InvalidInput, PackageRefused

EXIT_OK, EXIT_REFUSED = 0, 1


def _bar(args):
    from studio.cli import _progress_bar

    return _progress_bar(not getattr(args, "json", False), unit="B")


@contextlib.contextmanager
def _refusal(args):
    """A refusal (a package that must not be trusted, a use the grant does not allow) is exit 1."""
    try:
        yield
    except (PackageRefused, ConsentError) as exc:
        if getattr(args, "debug", False):
            raise
        print(f"twin-studio: refused: {exc}", file=sys.stderr)
        raise SystemExit(EXIT_REFUSED) from None


# -- brand side (no vault) ----------------------------------------------------------------------

def cmd_brand_keygen(args) -> int:
    from studio.cli import _print_json
    from studio.core.package.brand_keys import CARD_FILE, keygen

    card = keygen(Path(args.out), args.name)
    if args.json:
        _print_json(card.to_json())
    else:
        print(f"brand keys for {card.name} written to {args.out}", file=sys.stderr)
        print(f"give the studio {Path(args.out) / CARD_FILE}; keep identity.txt and signing-key.pem private",
              file=sys.stderr)
        print(card.recipient)
    return EXIT_OK


def cmd_verify(args) -> int:
    from studio.cli import _print_json
    from studio.core.package.verify import load_studio_key, verify_package

    bar, update = _bar(args)
    with _refusal(args):
        info = verify_package(Path(args.package), load_studio_key(Path(args.studio_key)), progress=update)
    if bar is not None:
        bar.close()
    if args.json:
        _print_json({"verified": True, "file_sha256": info.file_sha256, "manifest": info.manifest})
    else:
        print(info.describe())
    return EXIT_OK


def cmd_open(args) -> int:
    from studio.cli import _print_json
    from studio.core.package.unpack import open_package
    from studio.core.package.verify import load_studio_key

    bar, update = _bar(args)
    with _refusal(args):
        result = open_package(Path(args.package), Path(args.identity), load_studio_key(Path(args.studio_key)),
                              Path(args.out), force=args.force, progress=update)
    if bar is not None:
        bar.close()
    if args.json:
        _print_json({"package": result.info.package_id, "out": str(result.out), "files": [str(f) for f in result.files]})
    else:
        print(f"package {result.info.package_id} verified and opened into {result.out}:")
        for f in result.files:
            print(f"  {f.relative_to(result.out)}")
        print("read LICENSE.txt before using the files")
    return EXIT_OK


def cmd_report_create(args) -> int:
    from studio.cli import _created
    from studio.core.package.reports import create_report, write_report

    with _refusal(args):
        report, warnings = create_report(Path(args.package), Path(args.identity), args.use_description, args.purpose,
                                         args.media, args.territory, args.date, args.count)
    write_report(report, Path(args.out))
    for w in warnings:
        print(f"twin-studio: warning: this use is outside the licence: {w}", file=sys.stderr)
    _created(args, report["report_id"], {"out": args.out, "outside_licence": warnings})
    return EXIT_OK


# -- studio side (the vault) --------------------------------------------------------------------

def cmd_brand_add(args) -> int:
    from studio.cli import _created, _open
    from studio.core.package.brand_keys import read_card
    from studio.core.package.brands import add_brand, add_card

    if args.card and (args.recipient or args.verify_key):
        raise InvalidInput("give either --card or --recipient with --verify-key, not both")
    if not args.card and not (args.recipient and args.verify_key):
        raise InvalidInput("give --card FILE, or both --recipient age1… and --verify-key (PEM file or base64)")
    with _open(args) as vault:
        if args.card:
            card = read_card(Path(args.card))
            if args.name and " ".join(args.name.split()).casefold() != card.name.casefold():
                raise InvalidInput(f"the card is for {card.name!r}, not {args.name!r}")
            rec = add_card(vault, card)
        else:
            if not args.name:
                raise InvalidInput("--name is required with --recipient")
            key = args.verify_key
            if Path(key).is_file():
                key = Path(key).read_text(encoding="utf-8")
            rec = add_brand(vault, args.name, args.recipient, key)
    _created(args, rec.id, {"name": rec.name})
    return EXIT_OK


def cmd_brand_list(args) -> int:
    from studio.cli import _open, _print_json
    from studio.core.package.brands import list_brands

    with _open(args) as vault:
        brands = list_brands(vault)
    if args.json:
        _print_json([b.to_json() for b in brands])
    else:
        for b in brands:
            print(f"{b.id}  {b.name}  {b.recipient}")
    return EXIT_OK


def cmd_studio_key_export(args) -> int:
    from studio.cli import _open
    from studio.core.package.studio_key import write_studio_key

    with _open(args) as vault:
        fingerprint = write_studio_key(vault, Path(args.out), overwrite=args.force)
    print(f"studio public key {fingerprint} written to {args.out}", file=sys.stderr)
    print(fingerprint)
    return EXIT_OK


def cmd_export(args) -> int:
    from studio.cli import _created, _open
    from studio.core.package.export import export_package

    assets = [a for a in (args.assets or "").split(",") if a.strip()] or None
    with _open(args) as vault:
        bar, update = _bar(args)
        with _refusal(args):
            result = export_package(vault, args.grant, args.to, Path(args.out), assets, args.purpose, args.media,
                                    args.territory, progress=update)
        if bar is not None:
            bar.close()
    if not args.json:
        print(f"package {result.package_id} written to {result.path}", file=sys.stderr)
        print(f"file SHA-256 {result.file_sha256}", file=sys.stderr)
    _created(args, result.package_id, {"path": str(result.path), "file_sha256": result.file_sha256})
    return EXIT_OK


def cmd_packages_list(args) -> int:
    from studio.cli import _open, _print_json
    from studio.core.package.packages import list_packages

    with _open(args) as vault:
        packages = list_packages(vault, args.talent)
    if args.json:
        _print_json([p.to_json() for p in packages])
    else:
        for p in packages:
            print(f"{p.id}  {p.created_at[:10]}  {p.brand}  grant {p.grant_id}  talent {p.talent_id}  "
                  f"{len(p.manifest['assets'])} file(s)  sha256 {p.file_sha256[:16]}…")
    return EXIT_OK


def cmd_ledger_import(args) -> int:
    from studio.cli import _open, _print_json
    from studio.core.ledger.entries import import_report

    with _open(args) as vault:
        result = import_report(vault, Path(args.report))
    e = result.entry
    if args.json:
        _print_json(e.to_json())
    elif result.violation:
        print(f"VIOLATION recorded ({e.id}): {e.brand} reported a use grant {e.grant_id} does not allow:")
        for r in e.reasons:
            print(f"  - {r}")
    else:
        print(f"use recorded ({e.id}): {e.brand}, {e.count} × {e.purpose}/{e.media} in {e.territory} on {e.on}, "
              f"fee {e.fee:.2f} {e.currency}")
    return EXIT_REFUSED if result.violation else EXIT_OK


def cmd_ledger_statement(args) -> int:
    from studio.cli import _open, _print_json
    from studio.core.ledger.statement import statement, write_csv

    with _open(args) as vault:
        st = statement(vault, args.talent, args.start, args.end)
    if args.csv:
        write_csv(st, Path(args.csv))
    if args.json:
        _print_json(st.to_json())
        return EXIT_OK
    print(f"Statement for talent {st.talent_id}" + (f" from {st.start}" if st.start else "")
          + (f" to {st.end}" if st.end else ""))
    for e in st.entries:
        fee = "—" if e.kind == "violation" else f"{e.fee:.2f} {e.currency}"
        print(f"  {e.on}  {e.kind:9}  {e.brand:24.24}  {e.package_id}  {e.purpose or '':12.12}  {e.media or '':8.8}  "
              f"{e.territory or '':3}  ×{e.count:<3}  {fee}")
        for r in e.reasons:
            print(f"      violation: {r}")
    print(f"  uses: {st.uses}   violations: {len(st.violations)}")
    for currency, total in st.totals.items():
        print(f"  total {total:.2f} {currency}")
    if not st.entries:
        print("  (no exports or uses yet)")
    if args.csv:
        print(f"written to {args.csv}", file=sys.stderr)
    return EXIT_OK


def cmd_trace(args) -> int:
    from studio.cli import _open, _print_json
    from studio.core.package.trace import trace_file

    with _open(args) as vault:
        result = trace_file(vault, Path(args.file))
    if args.json:
        _print_json(result.to_json())
    elif result.found:
        f = result.found
        print(f"{args.file} carries the mark of package {f.package_id}, made {f.created_at[:10]} for {f.brand} "
              f"({f.brand_id}); asset {f.asset_id}, score {f.score:.2f}")
    else:
        best = f" (best score {result.scores[0].score:.2f})" if result.scores else ""
        print(f"{args.file}: no package mark found{best}")
    return EXIT_OK if result.found else EXIT_REFUSED


def register(sub, add) -> None:
    brand = sub.add_parser("brand", help="brands: their keys (keygen, on the brand's machine) and the studio's "
                           "registry (add, list)").add_subparsers(dest="sub", metavar="ACTION", required=True)
    p = add("keygen", cmd_brand_keygen, "make a brand's keys (age identity + report signing key) and its card", brand)
    p.add_argument("--out", required=True, metavar="DIR")
    p.add_argument("--name", required=True, help="the brand's name as grants name it")
    p = add("add", cmd_brand_add, "register a brand from its card (or its recipient and verify key)", brand)
    p.add_argument("--name")
    p.add_argument("--card", metavar="FILE", help="brand-card.json from `brand keygen`")
    p.add_argument("--recipient", metavar="age1…")
    p.add_argument("--verify-key", metavar="PEM-FILE|BASE64")
    add("list", cmd_brand_list, "list registered brands", brand)

    key = sub.add_parser("studio-key", help="the studio's signing key").add_subparsers(dest="sub", metavar="ACTION",
                                                                                      required=True)
    p = add("export", cmd_studio_key_export, "write the studio's Ed25519 public key (PEM) for brands to pin", key)
    p.add_argument("--out", required=True, metavar="FILE.pem")
    p.add_argument("--force", action="store_true")

    p = add("export", cmd_export, "export a locked twin package to a brand (counts one use of the grant)")
    p.add_argument("--grant", required=True, metavar="GRANT")
    p.add_argument("--to", required=True, metavar="BRAND", help="brand name or id")
    p.add_argument("--assets", metavar="ID[,ID…]", help="default: every asset the grant covers")
    p.add_argument("--purpose")
    p.add_argument("--media")
    p.add_argument("--territory", metavar="CC")
    p.add_argument("--out", required=True, metavar="FILE.twinpkg")

    packages = sub.add_parser("packages", help="packages the vault exported").add_subparsers(
        dest="sub", metavar="ACTION", required=True)
    p = add("list", cmd_packages_list, "list exported packages", packages)
    p.add_argument("--talent", metavar="ID")

    p = add("verify", cmd_verify, "check a package is the studio's, unaltered and unexpired (no vault needed)")
    p.add_argument("package", metavar="FILE.twinpkg")
    p.add_argument("--studio-key", required=True, metavar="FILE.pem")
    p = add("open", cmd_open, "verify, decrypt and write a package's files into a folder (no vault needed)")
    p.add_argument("package", metavar="FILE.twinpkg")
    p.add_argument("--identity", required=True, metavar="DIR",
                   help="the brand's keys from `brand keygen` (or just its age identity file)")
    p.add_argument("--studio-key", required=True, metavar="FILE.pem")
    p.add_argument("--out", required=True, metavar="DIR")
    p.add_argument("--force", action="store_true", help="overwrite files that exist")

    report = sub.add_parser("report", help="usage reports a brand signs").add_subparsers(
        dest="sub", metavar="ACTION", required=True)
    p = add("create", cmd_report_create, "write a usage report signed with the brand's key", report)
    p.add_argument("package", metavar="FILE.twinpkg")
    p.add_argument("--identity", required=True, metavar="DIR")
    p.add_argument("--use-description", required=True, metavar="TEXT")
    p.add_argument("--purpose", required=True)
    p.add_argument("--media", required=True)
    p.add_argument("--territory", required=True, metavar="CC")
    p.add_argument("--date", required=True, metavar="YYYY-MM-DD")
    p.add_argument("--count", type=int, default=1)
    p.add_argument("--out", required=True, metavar="REPORT.json")

    ledger = sub.add_parser("ledger", help="uses, fees and statements").add_subparsers(
        dest="sub", metavar="ACTION", required=True)
    p = add("import", cmd_ledger_import, "import a brand's signed usage report (exit 1: recorded as a violation)",
            ledger)
    p.add_argument("report", metavar="REPORT.json")
    p = add("statement", cmd_ledger_statement, "a talent's exports, uses, fees and violations", ledger)
    p.add_argument("--talent", required=True, metavar="ID")
    p.add_argument("--from", dest="start", metavar="YYYY-MM-DD")
    p.add_argument("--to", dest="end", metavar="YYYY-MM-DD")
    p.add_argument("--csv", metavar="FILE")

    p = add("trace", cmd_trace, "name the package (and brand) a leaked mesh or voice file came from")
    p.add_argument("file", metavar="FILE")
