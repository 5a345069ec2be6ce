"""``twin-studio approval request|import|list|decide|respond|apply``: the talent's approval of
each output a brand made (issue 14, DR047). ``request`` and ``apply`` run on the brand's machine
(no vault; the brand's keys, DR046); the rest in the studio."""

from __future__ import annotations

import sys
from pathlib import Path

from studio.cli.exits import EXIT_OK, EXIT_REFUSED
from studio.cli.options import brand_passphrase, created, open_vault, print_json, shown, talent_passphrase
from studio.core.errors import InvalidInput


def cmd_request(args) -> int:
    from studio.core.package.approval_brand import create_request, write_request
    from studio.core.package.brand_keys import load_identity

    if Path(args.out).exists():  # before the passphrase is asked and the keys unlocked
        raise InvalidInput(f"{args.out} already exists")
    identity = load_identity(Path(args.identity), brand_passphrase(args))
    request, warnings = create_request(Path(args.package), identity, [Path(p) for p in args.output],
                                       args.use_description, args.purpose, args.media, args.territory,
                                       composite=args.composite)
    write_request(request, Path(args.out))
    for w in warnings:
        print(f"twin-studio: warning: this use is outside the licence, the studio will refuse it: {w}",
              file=sys.stderr)
    created(args, request["request_id"], {"out": args.out, "outputs": [o["sha256"] for o in request["outputs"]],
                                          "outside_licence": warnings})
    return EXIT_OK


def _show(rec) -> None:
    print(shown(f"{rec.id}  talent {rec.talent_id}  {rec.brand}  package {rec.package_id}  {rec.created_at}"
                + (f"  answered {rec.responded_at}" if rec.responded_at else "")))
    u = rec.use
    print(shown(f"  use: {u['description']} ({u['purpose']}, {u['media']}, {u['territory']}"
                + (", composite" if u.get("composite") else "") + ")"))
    for o in rec.outputs:
        state = o.decision or "undecided"
        print(shown(f"  {o.sha256}  {o.media_type}  {o.name}  {state}" + (f" — {o.note}" if o.note else "")))


def cmd_import(args) -> int:
    from studio.core.package.approvals import import_request

    with open_vault(args) as vault:
        rec = import_request(vault, Path(args.file))
    if not args.json:
        _show(rec)
    created(args, rec.id, {"talent": rec.talent_id, "outputs": [o.sha256 for o in rec.outputs]})
    return EXIT_OK


def cmd_list(args) -> int:
    from studio.core.package.approvals import list_requests

    with open_vault(args) as vault:
        recs = list_requests(vault, args.talent)
    if args.json:
        print_json([r.to_json() for r in recs])
    else:
        for rec in recs:
            _show(rec)
    return EXIT_OK


def cmd_decide(args) -> int:
    from studio.core.consent.talent_keys import unlock_talent_key
    from studio.core.package.approvals import decide_outputs, get_request, own_device_refusal

    with open_vault(args) as vault:
        rec = get_request(vault, args.request)
        own_device_refusal(vault, rec.talent_id)  # before the talent is asked for anything
        if not args.approve and not args.reject:
            raise InvalidInput("say which outputs the talent approves or rejects (--approve / --reject SHA256)")
        key = unlock_talent_key(vault, rec.talent_id,
                                talent_passphrase(args.talent_passphrase_file, f"Passphrase of talent {rec.talent_id}"))
        rec = decide_outputs(vault, rec.id, key, approve=args.approve, reject=args.reject, note=args.note)
    if args.json:
        print_json(rec.to_json())
    else:
        _show(rec)
    return EXIT_OK


def cmd_respond(args) -> int:
    from studio.core.package.approvals import respond

    with open_vault(args) as vault:
        result = respond(vault, args.request, Path(args.out))
    if args.json:
        print_json(result.to_json())
    else:
        print(f"wrote {result.path}: {len(result.approved)} approved output(s) with content credentials "
              f"(root {result.root_fingerprint}), {len(result.rejected)} rejected")
    return EXIT_OK


def cmd_apply(args) -> int:
    from studio.core.package.approval_brand import apply_response
    from studio.core.package.brand_keys import load_identity

    if Path(args.out).exists():
        raise InvalidInput(f"{args.out} already exists")
    identity = load_identity(Path(args.identity), brand_passphrase(args))
    applied = apply_response(Path(args.file), identity, Path(args.output), Path(args.out))
    if args.json:
        print_json(applied.to_json())
    elif applied.approved:
        print(f"{args.output}: approved by the talent (key {applied.approved_by}); wrote {applied.path} with "
              f"content credentials (approval {applied.approval})")
    else:
        print(shown(f"{args.output}: REJECTED by the talent — " + (applied.note or "no reason given")
                    + "; nothing was written: do not publish it"))
    return EXIT_OK if applied.approved else EXIT_REFUSED


def register(commands) -> None:
    group = commands.group("approval", "the talent's approval of each output a brand made with a package")
    p = commands.add("request", cmd_request, "ask the talent to approve outputs made with a package (brand side, "
                     "signed with the brand's key; outputs encrypted to the studio)", group,
                     refuses=True, brand_keys=True)
    p.add_argument("--package", required=True, metavar="FILE.twinpkg")
    p.add_argument("--identity", required=True, metavar="DIR", help="the brand's keys from `brand keygen`")
    p.add_argument("--output", required=True, action="append", metavar="FILE",
                   help="a PNG, JPEG, WAV, FLAC or MP3 to approve (repeat for several)")
    p.add_argument("--use-description", required=True, metavar="TEXT")
    p.add_argument("--purpose", required=True)
    p.add_argument("--media", required=True)
    p.add_argument("--territory", required=True, metavar="CC")
    p.add_argument("--composite", action="store_true",
                   help="the outputs mix generated and captured media (compositeWithTrainedAlgorithmicMedia)")
    p.add_argument("--out", required=True, metavar="FILE.twinrequest")

    p = commands.add("import", cmd_import, "import a brand's approval request (checked against the grant)", group,
                     refuses=True)
    p.add_argument("file", metavar="FILE.twinrequest")

    p = commands.add("list", cmd_list, "list approval requests and the talent's decisions", group)
    p.add_argument("--talent", metavar="ID")

    p = commands.add("decide", cmd_decide, "the talent approves or rejects outputs, signing with the key the studio "
                     "holds for them (a talent with their own key decides on their device)", group, refuses=True)
    p.add_argument("request", metavar="REQUEST_ID")
    p.add_argument("--talent-passphrase-file", metavar="FILE", help="else the talent types it at the terminal")
    p.add_argument("--approve", action="append", default=[], metavar="SHA256")
    p.add_argument("--reject", action="append", default=[], metavar="SHA256")
    p.add_argument("--note", metavar="TEXT", help="the talent's note to the brand (one line)")

    p = commands.add("respond", cmd_respond, "write the answer for the brand: the talent's decisions, countersigned, "
                     "with content credentials on each approved output", group, refuses=True)
    p.add_argument("request", metavar="REQUEST_ID")
    p.add_argument("--out", required=True, metavar="FILE.twinapproval")

    p = commands.add("apply", cmd_apply, "check the studio's answer and write the credentialed copy of an approved "
                     "output (brand side; exit 1 when the talent rejected it)", group, refuses=True, brand_keys=True)
    p.add_argument("file", metavar="FILE.twinapproval")
    p.add_argument("--identity", required=True, metavar="DIR", help="the brand's keys from `brand keygen`")
    p.add_argument("--output", required=True, metavar="FILE", help="the output as sent for approval")
    p.add_argument("--out", required=True, metavar="CREDENTIALED_FILE")
