"""``twin-studio review-kit export`` and ``decisions import`` (the studio's vault), ``kit show`` and
``kit decide`` (the talent's own device, no vault): deciding offline from a review kit (DR049).
"""

from __future__ import annotations

import sys
from pathlib import Path

from studio.cli.exits import EXIT_OK
from studio.cli.options import open_vault, print_json, shown, talent_passphrase
from studio.core.errors import InvalidInput


def cmd_review_kit_export(args) -> int:
    from studio.core.kits.export import export_review_kit

    with open_vault(args) as vault:
        done = export_review_kit(vault, args.talent, Path(args.out))
    info = {"kit": done.kit_id, "talent": done.talent_id, "path": str(done.path), "size": done.size,
            "assets": done.assets, "grants_awaiting": done.grants_awaiting, "previews": done.previews,
            "omitted": done.omitted, "chain_head": done.head_seq, "outputs": done.outputs}
    if args.json:
        print_json(info)
    else:
        omitted = f", {done.omitted} too large to carry" if done.omitted else ""
        print(f"review kit for talent {done.talent_id}: {done.assets} asset(s), {done.grants_awaiting} grant(s) "
              f"awaiting them, {done.outputs} brand output(s) to approve, {done.previews} file(s){omitted}; encrypted to their key ({done.size} bytes)",
              file=sys.stderr)
        print(done.kit_id)
    return EXIT_OK


def _identity(args):
    from studio.core.talent_identity import load_talent_identity

    passphrase = talent_passphrase(args.talent_passphrase_file, "Your passphrase")
    return load_talent_identity(Path(args.identity), passphrase)


def _print_kit(kit: dict) -> None:
    print(shown(f"review kit {kit['kit']} for {kit['talent']['name']} ({kit['talent']['id']}), made "
                f"{kit['made_at']} by the studio with key {kit['studio']['fingerprint']}"))
    print(f"history: up to event {kit['chain_head']['seq']} ({kit['chain_head']['hash'][:16]}…)")
    print(f"\nassets ({len(kit['assets'])}):")
    for a in kit["assets"]:
        previews = ", ".join(p["role"] for p in a["previews"]) or "none"
        print(shown(f"  {a['id']}  {a['kind']}  {a['name']}  {a['status']}  sha256 {a['sha256'][:16]}…  "
                    f"previews: {previews}"))
        for w in a["warnings"]:
            print(shown(f"      QA: {w}"))
    print(f"\ngrants ({len(kit['grants'])}):")
    for g in kit["grants"]:
        print(shown(f"  {g['id']}  {g['state']}" + ("  — awaiting your decision" if g["awaiting"] else "")))
        for line in g["summary"].splitlines():
            print(shown(f"      {line}"))
    approvals = kit.get("approvals") or []
    print(f"\noutputs to approve ({sum(len(r['outputs']) for r in approvals)} in {len(approvals)} request(s)):")
    for r in approvals:
        use = r["use"]
        print(shown(f"  request {r['id']} from {r['brand']} under grant {r['grant']}, {r['created_at'][:10]}"))
        print(shown(f"      use: {use.get('description', '')} — {use.get('purpose', '')}, {use.get('media', '')}, "
                    f"{use.get('territory', '')}" + (" (composite)" if use.get("composite") else "")))
        for o in r["outputs"]:
            print(shown(f"      {o['sha256']}  {o['media_type']}  {o['size']} bytes  {o['name']}"))
        for o in r["omitted"]:
            print(shown(f"      {o['sha256']}  {o['media_type']}  {o['size']} bytes  {o['name']}  NOT IN THIS KIT "
                        f"({o['reason']}): it cannot be decided from this kit"))
    st = kit["statement"]
    totals = ", ".join(f"{v} {c}" for c, v in st["totals"].items()) or "nothing yet"
    print(f"\nstatement: {len(st['entries'])} entr(y/ies), {st['uses']} use(s), {st['violations']} violation(s); "
          f"fees: {totals}")
    print(f"history: {len(kit['history'])} event(s) about you")


def cmd_kit_show(args) -> int:
    from studio.core.kits.talent_side import show_kit

    me = _identity(args)
    seen = show_kit(Path(args.file), me, Path(args.identity))
    for w in seen.warnings:
        print(shown(w), file=sys.stderr)
    if args.json:
        print_json({"verified": True, "warnings": seen.warnings, "kit": seen.kit})
    else:
        _print_kit(seen.kit)
    return EXIT_OK


def cmd_kit_decide(args) -> int:
    from studio.core.kits.talent_side import Choices, decide, show_kit

    me = _identity(args)
    seen = show_kit(Path(args.file), me, Path(args.identity))
    for w in seen.warnings:
        print(shown(w), file=sys.stderr)
    choices = Choices(tuple(args.approve), tuple(args.reject), tuple(args.sign), tuple(args.decline),
                      tuple(args.revoke), args.reason, tuple(p or None for p in args.pause),
                      tuple(r or None for r in args.resume), args.request_access, args.request_erasure,
                      tuple(args.approve_output), tuple(args.reject_output))
    doc = decide(seen, me, choices, Path(args.out))
    print(f"{len(doc['decisions'])} decision(s) signed with your key into {args.out}: give it to the studio",
          file=sys.stderr)
    if args.json:
        print_json({"id": doc["decisions_id"], "kit": doc["kit"], "decisions": [d["kind"] for d in doc["decisions"]]})
    else:
        print(doc["decisions_id"])
    return EXIT_OK


def cmd_decisions_import(args) -> int:
    from studio.core.kits.decisions import import_decisions

    receipt = Path(args.receipt) if args.receipt else None
    if receipt is not None and receipt.exists():  # before anything is applied
        raise InvalidInput(f"{receipt} already exists; refusing to overwrite it")
    with open_vault(args) as vault:
        done = import_decisions(vault, Path(args.file))
        if receipt is not None:
            from studio.core.kits.receipts import write_decisions_receipt

            write_decisions_receipt(vault, done.decisions_id, receipt)
    if args.json:
        print_json({"id": done.decisions_id, "kit": done.kit_id, "talent": done.talent_id,
                    "applied": [{"kind": k, "subject": i} for k, i in done.applied]})
    else:
        for kind, subject in done.applied:
            print(f"{kind} {subject}".rstrip())
        print(f"talent {done.talent_id}'s decisions {done.decisions_id} imported (kit {done.kit_id})",
              file=sys.stderr)
    return EXIT_OK


def cmd_decisions_receipt(args) -> int:
    from studio.core.kits.receipts import write_decisions_receipt

    with open_vault(args) as vault:
        receipt = write_decisions_receipt(vault, args.decisions_id, Path(args.out))
    if args.json:
        print_json({k: v for k, v in receipt.items() if k != "signature"})
    else:
        print(f"receipt of decisions {receipt['decisions_id']} written to {args.out} "
              f"(history head: event {receipt['chain_head']['seq']})")
    return EXIT_OK


def cmd_receipt_verify(args) -> int:
    from studio.core.kits.receipts import ERASURE_TYPE, verify_receipt
    from studio.core.package.verify import load_studio_key

    checked = verify_receipt(Path(args.file), load_studio_key(Path(args.studio_key)),
                             Path(args.identity) if args.identity else None)
    r = checked.receipt
    if args.json:
        print_json(checked.to_json())
    else:
        print(f"valid: signed by the studio key {r['studio']['fingerprint']}")
        if r["type"] == ERASURE_TYPE:
            destroyed = sum(len(v) for v in r["destroyed"].values())
            legacy = sum(len(v) for v in r["legacy_in_backups"].values())
            print(f"erasure of talent {r['talent']} at {r['erased_at']}: likeness key {r['likeness_key']} destroyed, "
                  f"{destroyed} file(s) destroyed, {legacy} older file(s) decryptable from backups until they expire")
            print(r["backups"])
            for p in r["packages"]:
                print(f"delivered before: package {p['package']} to {p['brand_name']} on {p['delivered_at']} "
                      f"(file SHA-256 {p['file_sha256']})")
            print(f"the studio's history after the erasure: event {r['chain_head']['seq']} ({r['chain_head']['hash']})")
            _print_links(r)
            for warning in checked.warnings:
                print(warning, file=sys.stderr)
            return EXIT_OK
        print(f"decisions {r['decisions_id']} (file SHA-256 {r['decisions_sha256']}) of talent {r['talent']}, "
              f"made on kit {r['kit']}, imported {r['imported_at']}")
        print(f"applied: {', '.join(r['applied']) or 'nothing'}")
        print(f"the studio's history after the import: event {r['chain_head']['seq']} ({r['chain_head']['hash']})")
        _print_links(r)
    for warning in checked.warnings:
        print(warning, file=sys.stderr)
    return EXIT_OK


def _print_links(receipt: dict) -> None:
    """The receipt's links since the talent's last kit (DR056), when it carries them."""
    chain = receipt.get("chain")
    if isinstance(chain, dict) and isinstance(chain.get("events"), list):
        about = sum(1 for e in chain["events"] if isinstance(e, dict) and "action" in e)
        print(f"links since your last kit: from event {chain.get('from')}, {len(chain['events'])} event(s), "
              f"{about} about you")


def register(commands) -> None:
    kit = commands.group("review-kit", "make a talent's review kit, to decide on their own device")
    p = commands.add("export", cmd_review_kit_export, "write the talent's review kit: encrypted to their own key, "
                     "signed by the studio", kit)
    p.add_argument("--talent", required=True, metavar="ID")
    p.add_argument("--out", required=True, metavar="FILE.twinreview")
    talent_side = commands.group("kit", "on the talent's own device: open a review kit and sign decisions (no vault)")
    p = commands.add("show", cmd_kit_show, "decrypt a review kit, verify the studio's signature, print it", talent_side,
                     brand=True)  # the talent's device: no vault options
    p.add_argument("file", metavar="FILE")
    p.add_argument("--identity", required=True, metavar="DIR", help="your keys' folder (from `talent keygen`)")
    p.add_argument("--talent-passphrase-file", metavar="FILE", help="your passphrase (default: typed)")
    p = commands.add("decide", cmd_kit_decide, "sign your decisions on a review kit into a decisions file",
                     talent_side, refuses=True, brand=True)
    p.add_argument("file", metavar="FILE")
    p.add_argument("--identity", required=True, metavar="DIR", help="your keys' folder (from `talent keygen`)")
    p.add_argument("--talent-passphrase-file", metavar="FILE", help="your passphrase (default: typed)")
    for option, metavar, help_ in (("--approve", "ASSET", "approve these assets"),
                                   ("--reject", "ASSET", "reject these assets (--reason: why)"),
                                   ("--sign", "GRANT", "sign these draft grants"),
                                   ("--decline", "GRANT", "decline these draft grants"),
                                   ("--revoke", "GRANT", "revoke these grants (--reason required)"),
                                   ("--approve-output", "SHA256", "approve these outputs of a brand (as `kit show` "
                                    "lists them)"),
                                   ("--reject-output", "SHA256", "reject these outputs of a brand (--reason: the "
                                    "note the brand reads, one line of at most 500 characters)")):
        p.add_argument(option, nargs="+", action="extend", default=[], metavar=metavar, help=help_)
    p.add_argument("--reason", metavar="TEXT", help="why: kept with a rejection, a decline, a revocation, a rejected "
                   "output")
    p.add_argument("--pause", action="append", nargs="?", const="", default=[], metavar="GRANT",
                   help="pause new exports (under one grant, or all of them)")
    p.add_argument("--resume", action="append", nargs="?", const="", default=[], metavar="GRANT",
                   help="resume exports the kit shows paused (under one grant, or all of them)")
    p.add_argument("--request-access", action="store_true", help="ask for a copy of everything held about you")
    p.add_argument("--request-erasure", action="store_true", help="ask for your likeness to be erased")
    p.add_argument("--out", required=True, metavar="FILE.twindecisions")
    decisions = commands.group("decisions", "import a talent's signed decisions")
    p = commands.add("import", cmd_decisions_import, "verify and apply a decisions file in one transaction, the "
                     "talent as the actor", decisions, refuses=True)
    p.add_argument("file", metavar="FILE")
    p.add_argument("--receipt", metavar="FILE.json", help="write the studio's signed receipt for the talent here")
    p = commands.add("receipt", cmd_decisions_receipt, "write the studio's signed receipt of imported decisions",
                     decisions)
    p.add_argument("decisions_id", metavar="DECISIONS_ID")
    p.add_argument("--out", required=True, metavar="FILE.json")
    receipts = commands.group("receipt", "check a receipt the studio signed (no vault)")
    p = commands.add("verify", cmd_receipt_verify, "verify a receipt (of decisions, or of an erasure) with the studio's public key; with --identity, "
                     "remember its history head beside your kits'", receipts, brand=True)
    p.add_argument("file", metavar="FILE")
    p.add_argument("--studio-key", required=True, metavar="PEM",
                   help="the studio's public key (from `twin-studio studio-key export`)")
    p.add_argument("--identity", metavar="DIR", help="your keys' folder (from `talent keygen`): the receipt's "
                   "history head joins the kits' heads seen there")
