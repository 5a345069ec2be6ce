"""``twin-studio consent …``: draft, sign, activate, revoke, check, show and list grants."""

from __future__ import annotations

import json
from pathlib import Path

from studio.cli.exits import EXIT_OK, EXIT_REFUSED
from studio.cli.options import created, open_vault, print_json, shown, talent_passphrase
from studio.core.errors import InvalidInput

OPTIONS = [  # (flag, field, help)
    ("--licensee", "licensee", "who may use the likeness (the brand)"),
    ("--assets", "assets", "ID[,ID…] of approved assets"),
    ("--use-description", "use_description", "what the use is, in words the talent reads"),
    ("--purpose", "purposes", "P[,P…]: advertising, e-commerce, editorial, catalogue, virtual-try-on, "
                              "voice-synthesis, internal-preview"),
    ("--media", "media", "M[,M…]: web, social, print, out-of-home, video, broadcast, in-store, app, audio"),
    ("--territory", "territories", "CC[,CC…]: ISO 3166-1 alpha-2 codes"),
    ("--start", "start", "first day, YYYY-MM-DD (inclusive, in the jurisdiction's time zone)"),
    ("--end", "end", "last day, YYYY-MM-DD (inclusive)"),
    ("--max-uses", "max_uses", "how many uses at most"),
    ("--fee", "fee", "the fee, e.g. 1500 or 1500.50"),
    ("--currency", "currency", "ISO 4217, e.g. EUR"),
    ("--fee-basis", "fee_basis", "per-use (default: the fee for each use), flat (the fee once, for up to --max-uses) "
                                 "or per-use-capped (the fee for each use, at most --fee-cap in total)"),
    ("--fee-cap", "fee_cap", "with --fee-basis per-use-capped: the most paid in total, e.g. 20000"),
    ("--ai-label", "ai_label", "required (default) or not-required"),
    ("--training", "training", "prohibited (default) or allowed"),
    ("--exclude", "exclude", "CATEGORY[,…]: political, adult, tobacco, alcohol, gambling, health-claims, "
                             "weapons, religious, financial-products"),
    ("--notice-days", "notice_days", "days a revocation takes to take effect (default 30)"),
    ("--represented-by", "represented_by", "the talent's agent or agency, if any"),
    ("--jurisdiction", "jurisdiction", "CC whose law and time zone apply (default: the first territory)"),
    ("--timezone", "timezone", "IANA time zone for the dates (default: the jurisdiction's)"),
    ("--language", "language", "ISO 639-1 language of the grant (default en)"),
]


def _fields(args) -> dict:
    fields = {}
    if args.from_file:
        try:
            loaded = json.loads(Path(args.from_file).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InvalidInput(f"cannot read grant file {args.from_file}: {exc}") from exc
        if not isinstance(loaded, dict):
            raise InvalidInput(f"{args.from_file} must hold one JSON object of grant fields")
        fields.update(loaded)
    for _, name, _ in OPTIONS:
        value = getattr(args, name, None)
        if value is not None:
            fields[name] = value
    if args.exclusive:
        fields["exclusive"] = True
    return fields


def _talent_key(vault, talent_id: str, path: str | None):
    from studio.core.consent.talent_keys import refuse_if_own_device, unlock_talent_key

    refuse_if_own_device(vault, talent_id)  # before the talent is asked for anything
    return unlock_talent_key(vault, talent_id, talent_passphrase(path, f"Passphrase of talent {talent_id}"))


def _show(args, rec) -> None:
    from studio.core.consent.document import summary
    from studio.core.consent.fees import words as fee_words

    if args.json:
        print_json(rec.to_json())
    else:
        d = rec.document
        print(f"{rec.id}  {rec.status()}  {shown(d['licensee'])}  {d['start']}..{d['end']}  "
              f"{rec.uses_left}/{d['max_uses']} uses left  {fee_words(d)}")
        print(summary(d))


def cmd_draft(args) -> int:
    from studio.core.consent.grants import draft_grant

    with open_vault(args) as vault:
        rec = draft_grant(vault, args.talent, _fields(args))
    created(args, rec.id)
    return EXIT_OK


def cmd_edit(args) -> int:
    from studio.core.consent.grants import edit_draft

    changes = _fields(args)
    if not changes:
        raise InvalidInput("nothing to change: give the fields to change, as in `consent draft`")
    with open_vault(args) as vault:
        rec = edit_draft(vault, args.grant, changes)
    _show(args, rec)
    return EXIT_OK


def cmd_sign(args) -> int:
    from studio.core.consent.grants import get_grant, sign_grant

    with open_vault(args) as vault:
        rec = get_grant(vault, args.grant)
        rec = sign_grant(vault, rec.id, _talent_key(vault, rec.talent_id, args.talent_passphrase_file))
    print(f"{rec.id} signed by {rec.talent_id}")
    return EXIT_OK


def cmd_activate(args) -> int:
    from studio.core.consent.grants import activate_grant

    with open_vault(args) as vault:
        rec = activate_grant(vault, args.grant)
    print(f"{rec.id} active (countersigned by the studio)")
    return EXIT_OK


def cmd_revoke(args) -> int:
    from studio.core.consent.grants import get_grant, revoke_grant

    with open_vault(args) as vault:
        rec = get_grant(vault, args.grant)
        rec = revoke_grant(vault, rec.id, _talent_key(vault, rec.talent_id, args.talent_passphrase_file), args.reason)
    print(f"{rec.id} revoked by {rec.talent_id}: no use from {rec.revocation['effective']} on")
    return EXIT_OK


def cmd_check(args) -> int:
    from studio.core.consent.policy import check_use

    with open_vault(args) as vault:
        decision = check_use(vault, args.grant, args.purpose, args.media, args.territory, args.date)
    if args.json:
        print_json(decision.to_json())
    else:
        print("permitted" if decision.permitted else "refused")
        for reason in decision.reasons:
            print(f"  - {reason}")
    return EXIT_OK if decision.permitted else EXIT_REFUSED


def cmd_show(args) -> int:
    from studio.core.consent.grants import get_grant

    with open_vault(args) as vault:
        rec = get_grant(vault, args.grant)
        if args.format == "odrl":
            from studio.core.consent.exports import to_odrl

            print_json(to_odrl(rec))
        elif args.format == "dpv":
            from studio.core.consent.exports import to_dpv

            print_json(to_dpv(rec))
        else:
            args.json = args.json or args.format == "json"
            _show(args, rec)
    return EXIT_OK


def cmd_list(args) -> int:
    from studio.core.consent.grants import list_grants

    from studio.core.consent.pause import list_pauses

    with open_vault(args) as vault:
        grants = list_grants(vault, args.talent)
        pauses = list_pauses(vault, args.talent, active_only=True)

    def paused_since(g) -> str | None:  # the talent's pause of all their exports, or of this grant (DR050)
        return next((p.paused_at for p in pauses if p.talent_id == g.talent_id and p.grant_id in (None, g.id)), None)

    if args.json:
        print_json([{**g.to_json(), "paused_since": paused_since(g)} for g in grants])
    else:
        for g in grants:
            d = g.document
            since = paused_since(g)
            print(f"{g.id}  {g.talent_id}  {g.status():8}  {shown(d['licensee'])}  {d['start']}..{d['end']}  "
                  f"{g.uses_left}/{d['max_uses']} uses left" + (f"  paused since {since}" if since else ""))
    return EXIT_OK


def _grant_options(p) -> None:
    p.add_argument("--from-file", metavar="grant.json", help="the same fields as JSON (options override it)")
    for flag, name, help_ in OPTIONS:
        p.add_argument(flag, dest=name, help=help_)
    p.add_argument("--exclusive", action="store_true", help="no one else may get the same use meanwhile")


def register(commands) -> None:
    consent = commands.group("consent", "grants the talent signs: draft, sign, activate, revoke, check")
    p = commands.add("draft", cmd_draft, "write a grant for the talent to sign; prints its id", consent)
    p.add_argument("--talent", required=True, metavar="ID")
    _grant_options(p)
    p = commands.add("edit", cmd_edit, "change fields of a draft (a signed grant cannot change)", consent)
    p.add_argument("grant", metavar="GRANT")
    _grant_options(p)
    for name, fn, help_ in (("sign", cmd_sign, "the talent signs the grant with their own key"),
                            ("revoke", cmd_revoke, "the talent withdraws the grant (after the notice period)")):
        p = commands.add(name, fn, help_, consent)
        p.add_argument("grant", metavar="GRANT")
        p.add_argument("--talent-passphrase-file", metavar="FILE", help="default: the talent types it")
        if name == "revoke":
            p.add_argument("--reason", metavar="TEXT")
    p = commands.add("activate", cmd_activate, "the studio countersigns a signed grant", consent)
    p.add_argument("grant", metavar="GRANT")
    p = commands.add("check", cmd_check, "may the grant be used so? permitted (exit 0) or refused (exit 1) with reasons",
            consent)
    p.add_argument("grant", metavar="GRANT")
    p.add_argument("--purpose", required=True)
    p.add_argument("--media", required=True)
    p.add_argument("--territory", required=True)
    p.add_argument("--date", metavar="YYYY-MM-DD", help="default: today in the grant's time zone")
    p = commands.add("show", cmd_show, "show a grant (verified): text, json, ODRL 2.2 or DPV", consent)
    p.add_argument("grant", metavar="GRANT")
    p.add_argument("--format", choices=["text", "json", "odrl", "dpv"], default="text")
    p = commands.add("list", cmd_list, "list grants", consent)
    p.add_argument("--talent", metavar="ID")
