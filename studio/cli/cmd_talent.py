"""``twin-studio talent keygen|add|link|export-kit|list|pause|resume|access-export|request-erasure|erase|
erasure-receipt|rekey|set-passphrase|export-key``: talents, their own keys, their pauses of exports, their
access copy (DR050) and the erasure of their likeness (DR055).

``talent keygen`` runs on the talent's own device (no vault); ``add --card`` and ``link`` register
what it made, after which the studio holds no private key of that talent (DR045).
"""

from __future__ import annotations

import sys
from pathlib import Path

from studio.cli.exits import EXIT_OK
from studio.cli.options import (created, ctrl_c_cancels, open_vault, print_json, progress_bar, read_passphrase_file,
                                shown, talent_passphrase)
from studio.core.errors import InvalidInput


def cmd_talent_keygen(args) -> int:
    from studio.core.talent_identity import CARD_FILE, keygen_talent

    passphrase = talent_passphrase(args.talent_passphrase_file, "Your passphrase (it locks your keys)", confirm=True)
    card = keygen_talent(Path(args.out), args.name, passphrase)
    if args.json:
        print_json(card.to_json())
    else:
        print(f"your keys are in {args.out}, locked by your passphrase; give the studio "
              f"{Path(args.out) / CARD_FILE} and check they read back this fingerprint:", file=sys.stderr)
        print(card.fingerprint)
    return EXIT_OK


def _card(args):
    from studio.core.talent_identity import read_talent_card

    return read_talent_card(Path(args.card))


def cmd_talent_add(args) -> int:
    from studio.core.talents import add_talent

    if args.card:
        if args.talent_passphrase_file:
            raise InvalidInput("a talent who brings their card holds their own key: give --card or "
                               "--talent-passphrase-file, not both")
        card = _card(args)  # read and checked before anything is written
        if args.name and " ".join(args.name.split()).casefold() != card.name.casefold():
            raise InvalidInput(f"the card is for {card.name!r}, not {args.name!r}")
        from studio.core.talent_identity import add_talent_with_card

        with open_vault(args) as vault:
            t = add_talent_with_card(vault, card, args.email, args.agency)
        print(f"talent {t.id} holds their own key {card.fingerprint}: check it with them", file=sys.stderr)
        created(args, t.id, {"fingerprint": card.fingerprint})
        return EXIT_OK
    if not args.name:
        raise InvalidInput("give --name, or --card FILE (the talent-card.json from `twin-studio talent keygen`)")
    new_passphrase = None
    if args.talent_passphrase_file:
        from studio.core.consent.talent_keys import check_talent_passphrase

        new_passphrase = read_passphrase_file(args.talent_passphrase_file)
        check_talent_passphrase(new_passphrase)  # before anything is written
    with open_vault(args) as vault:
        t = add_talent(vault, args.name, args.email, args.agency)
        if new_passphrase is not None:
            from studio.core.consent.talent_keys import set_talent_passphrase

            set_talent_passphrase(vault, t.id, new_passphrase)
    created(args, t.id)
    return EXIT_OK


def cmd_talent_link(args) -> int:
    from studio.core.talent_identity import link_talent_card

    card = _card(args)
    with open_vault(args) as vault:
        linked = link_talent_card(vault, args.talent, card)
    gone = "; the studio's copy of their key was destroyed" if linked.destroyed_studio_key else ""
    print(f"talent {linked.talent_id} now holds their own key {linked.fingerprint}{gone}; "
          "signatures made with their earlier key stay valid", file=sys.stderr)
    if args.json:
        print_json({"id": linked.talent_id, "fingerprint": linked.fingerprint, "retired": list(linked.retired),
                    "studio_key_destroyed": linked.destroyed_studio_key})
    else:
        print(linked.fingerprint)
    return EXIT_OK


def cmd_talent_export_kit(args) -> int:
    from studio.core.talent_identity import CARD_FILE, export_kit

    with open_vault(args) as vault:
        passphrase = talent_passphrase(args.talent_passphrase_file, "The talent's passphrase")
        done = export_kit(vault, args.talent, passphrase, Path(args.out))
    print(f"talent {done.linked.talent_id}'s keys are in {args.out}, locked by their passphrase, with "
          f"{CARD_FILE}; the studio's copy was destroyed: they hold their own key now", file=sys.stderr)
    if args.json:
        print_json(done.card.to_json())
    else:
        print(done.card.fingerprint)
    return EXIT_OK


HOLDERS = {"talent": "key: own device", "studio": "key: studio", None: "key: none yet"}


def paused_words(pauses) -> str:
    """``exports paused since …`` / ``grant … paused since …`` for a talent's pauses in force."""
    return "; ".join(("exports paused" if p.grant_id is None else f"grant {p.grant_id} paused") + f" since {p.paused_at}"
                     for p in pauses)


def cmd_talent_list(args) -> int:
    from studio.core.consent.pause import list_pauses
    from studio.core.talents import list_talents

    with open_vault(args) as vault:
        talents = list_talents(vault)
        pauses = list_pauses(vault, active_only=True)
    paused = {t.id: [p for p in pauses if p.talent_id == t.id] for t in talents}
    if args.json:  # key_holder: "talent" (their own device), "studio", or null (no key yet)
        # exports_paused: the pauses in force, grant null for all of the talent's exports (DR050)
        print_json([{**t.to_json(), "exports_paused": [{"grant": p.grant_id, "since": p.paused_at}
                                                       for p in paused[t.id]]} for t in talents])
    else:
        for t in talents:
            extra = ", ".join(x for x in (t.email, t.agency) if x)
            print(shown(f"{t.id}  {t.name}" + (f"  ({extra})" if extra else "") + f"  {t.asset_count} assets"
                        + f"  {HOLDERS[t.key_holder]}" + (f"  {paused_words(paused[t.id])}" if paused[t.id] else "")))
    return EXIT_OK


def _pause_or_resume(args, resume: bool) -> int:
    from studio.core.consent.pause import active_pause, pause_with_key, resume_with_key
    from studio.core.consent.talent_keys import refuse_if_own_device, unlock_talent_key
    from studio.core.errors import ConsentError

    with open_vault(args) as vault:
        refuse_if_own_device(vault, args.talent)  # before the talent is asked for anything
        current = active_pause(vault, args.talent, args.grant)
        scope = f"exports under grant {args.grant}" if args.grant else f"exports of talent {args.talent}"
        if resume and current is None:
            raise ConsentError(f"{scope} are not paused")
        if not resume and current is not None:
            raise ConsentError(f"{scope} are already paused, since {current.paused_at}")
        passphrase = talent_passphrase(args.talent_passphrase_file, f"Passphrase of talent {args.talent}")
        key = unlock_talent_key(vault, args.talent, passphrase)
        rec = (resume_with_key if resume else pause_with_key)(vault, args.talent, args.grant, key)
    if resume:
        print(f"{scope} resumed by the talent", file=sys.stderr)
    else:
        print(f"{scope} paused by the talent since {rec.paused_at}: packages already delivered are not affected; "
              "only the talent's signed resume lifts it", file=sys.stderr)
    if args.json:
        print_json(rec.to_json())
    return EXIT_OK


def cmd_talent_pause(args) -> int:
    return _pause_or_resume(args, resume=False)


def cmd_talent_resume(args) -> int:
    return _pause_or_resume(args, resume=True)


def cmd_talent_access_export(args) -> int:
    from studio.core.access import export_access_copy
    from studio.core.progress import CancelToken

    token = CancelToken()
    with open_vault(args) as vault:
        bar, update = progress_bar(not args.json, unit="B")
        try:
            with ctrl_c_cancels(token):  # Ctrl-C stops it cleanly: nothing is left behind
                copy = export_access_copy(vault, args.talent, Path(args.out), args.recipient, progress=update,
                                          cancel=token)
        finally:
            if bar is not None:
                bar.close()
    print(f"talent {copy.talent_id}'s access copy ({len(copy.files)} files, {copy.events} audit events) written to "
          f"{copy.path}, encrypted to {copy.recipient}: only the talent's age identity opens it", file=sys.stderr)
    if args.json:
        print_json({"talent": copy.talent_id, "path": str(copy.path), "recipient": copy.recipient,
                    "file_sha256": copy.file_sha256, "files": copy.files, "events": copy.events})
    else:
        print(copy.path)
    return EXIT_OK


def cmd_talent_request_erasure(args) -> int:
    from studio.core.consent.talent_keys import refuse_if_own_device, unlock_talent_key
    from studio.core.erasure import request_erasure_with_key

    with open_vault(args) as vault:
        refuse_if_own_device(vault, args.talent)  # they ask from their own device: a decisions file
        passphrase = talent_passphrase(args.talent_passphrase_file, f"Passphrase of talent {args.talent}")
        key = unlock_talent_key(vault, args.talent, passphrase)
        seq = request_erasure_with_key(vault, args.talent, key)
    print(f"talent {args.talent} asked for the erasure of their likeness (signed, audit event {seq}); the studio "
          f"erases it with `twin-studio talent erase {args.talent}`", file=sys.stderr)
    if args.json:
        print_json({"talent": args.talent, "request_seq": seq})
    return EXIT_OK


def _erasure_words(plan) -> list[str]:
    legacy = sum(len(v) for v in plan.legacy.values())
    lines = [f"erasing talent {plan.talent_id} (signed request: audit event {plan.request_seq}) destroys:",
             f"  their likeness key {plan.key or '(none yet)'}: every copy of their files, backups included, "
             "becomes undecryptable",
             f"  {len(plan.assets)} asset(s) and {plan.files} stored file(s) "
             f"({len(plan.destroyed.get('blobs', []))} original/companion, {len(plan.destroyed.get('derived', []))} "
             "derived, listed by hash in the receipt)",
             "  their name, e-mail and agency, their reviews, the manifests of their packages"]
    if legacy:
        lines.append(f"  {legacy} file(s) stored before per-talent keys: deleted here, but copies in backups stay "
                     "decryptable with the vault key until those backups expire (the receipt lists them)")
    shared = len(plan.handed) + len(plan.kept)
    if shared:
        lines.append(f"  kept: {shared} file(s) another talent has too (the same bytes), now under that talent's key")
    if plan.packages:
        brands = sorted({p["brand_name"] for p in plan.packages})
        lines.append(f"  already delivered: {len(plan.packages)} package(s) to {', '.join(brands)} (ask them to "
                     "delete; the receipt lists them)")
    lines.append("  the ledger keeps amounts, dates and brands; the audit history keeps a tombstone with hashes only")
    return lines


def cmd_talent_erase(args) -> int:
    from studio.core.erasure import backup_retention_days, erase_talent, plan_erasure
    from studio.core.kits.receipts import check_out, write_erasure_receipt
    from studio.core.vault.catalog import Talent

    receipt = check_out(Path(args.receipt)) if args.receipt else None  # before anything is destroyed
    retention = args.backup_retention_days if args.backup_retention_days is not None else backup_retention_days()
    if args.talent_passphrase_file and not args.yes and not sys.stdin.isatty():
        raise InvalidInput("erasure cannot be undone: add --yes to confirm, or run it at a terminal")
    with open_vault(args) as vault:
        with vault.session() as s:
            row = s.get(Talent, args.talent)
            erased_before = row is not None and row.erased_at is not None
        if not erased_before and args.talent_passphrase_file:  # review mode: the talent asks, here and now
            from studio.core.consent.talent_keys import refuse_if_own_device, unlock_talent_key
            from studio.core.erasure import request_erasure_with_key

            refuse_if_own_device(vault, args.talent)
            key = unlock_talent_key(vault, args.talent, talent_passphrase(args.talent_passphrase_file, ""))
            request_erasure_with_key(vault, args.talent, key)
        if not erased_before:
            plan = plan_erasure(vault, args.talent)  # refuses without the talent's signed request
            for line in _erasure_words(plan):
                print(line, file=sys.stderr)
            if not args.yes:
                if not sys.stdin.isatty():
                    raise InvalidInput("erasure cannot be undone: add --yes to confirm, or run it at a terminal")
                typed = input(f"Type the talent's id ({plan.talent_id}) to erase them for good: ").strip()
                if typed != plan.talent_id:
                    raise InvalidInput("not confirmed: nothing was erased")
        bar, update = progress_bar(not args.json)
        try:
            done = erase_talent(vault, args.talent, progress=update, retention_days=retention)
        finally:
            if bar is not None:
                bar.close()
        if receipt is not None:
            write_erasure_receipt(vault, args.talent, receipt)
    if done.already:
        print(f"talent {done.talent_id} was erased at {done.erased_at}; {done.removed} leftover file(s) removed now",
              file=sys.stderr)
    else:
        print(f"talent {done.talent_id} erased at {done.erased_at}: their key is destroyed, {done.removed} file(s) "
              "deleted" + (f"; the signed receipt is in {receipt}" if receipt else ""), file=sys.stderr)
    if args.json:
        print_json({"talent": done.talent_id, "erased_at": done.erased_at, "already": done.already,
                    "removed": done.removed, "receipt": str(receipt) if receipt else None})
    return EXIT_OK


def cmd_talent_erasure_receipt(args) -> int:
    from studio.core.kits.receipts import write_erasure_receipt

    with open_vault(args) as vault:
        receipt = write_erasure_receipt(vault, args.talent, Path(args.out))
    if args.json:
        print_json({k: v for k, v in receipt.items() if k != "signature"})
    else:
        print(f"erasure receipt of talent {receipt['talent']} written to {args.out} "
              f"(history head: event {receipt['chain_head']['seq']})")
    return EXIT_OK


def cmd_talent_rekey(args) -> int:
    from studio.core.progress import CancelToken
    from studio.core.rekey import rekey_talent_files

    token = CancelToken()
    with open_vault(args) as vault:
        bar, update = progress_bar(not args.json)
        try:
            with ctrl_c_cancels(token):  # each file is moved whole or not at all
                done = rekey_talent_files(vault, args.talent, progress=update, cancel=token)
        finally:
            if bar is not None:
                bar.close()
    print(f"{done.rekeyed} file(s) moved from the vault key to their talent's key, {done.finished} finished from an "
          f"interrupted run; {done.shared} file(s) that several talents share stay under the vault key",
          file=sys.stderr)
    if args.json:
        print_json(done.to_json())
    return EXIT_OK


def cmd_set_passphrase(args) -> int:
    from studio.core.consent.talent_keys import has_key, refuse_if_own_device, set_talent_passphrase

    with open_vault(args) as vault:
        refuse_if_own_device(vault, args.talent)  # before the talent is asked for anything
        old = None
        if has_key(vault, args.talent):
            old = talent_passphrase(args.old_talent_passphrase_file, "The talent's current passphrase")
        new = talent_passphrase(args.talent_passphrase_file, "The talent's new passphrase", confirm=True)
        fingerprint = set_talent_passphrase(vault, args.talent, new, old)
    print(f"talent key {fingerprint}", file=sys.stderr)
    return EXIT_OK


def cmd_export_key(args) -> int:
    from studio.core.consent.talent_keys import export_public_key
    from studio.core.vault.atomic import write_bytes_atomic

    with open_vault(args) as vault:
        pem = export_public_key(vault, args.talent)
    if args.out:
        out = Path(args.out)
        if out.exists() and not args.force:
            raise InvalidInput(f"{out} already exists (use --force to overwrite)")
        write_bytes_atomic(out, pem.encode(), overwrite=True)
    else:
        print(pem, end="")
    return EXIT_OK


def register(commands) -> None:
    talent = commands.group("talent", "register and list talents, and their own keys")
    p = commands.add("keygen", cmd_talent_keygen, "on the talent's own device: make their signing key and age "
                     "identity, locked by their passphrase, and their card (no vault)", talent)
    p.add_argument("--out", required=True, metavar="DIR", help="a new folder (made 0700)")
    p.add_argument("--name", required=True, help="the talent's name, as the studio knows them")
    p.add_argument("--talent-passphrase-file", metavar="FILE", help="the passphrase (default: typed twice)")
    p = commands.add("add", cmd_talent_add, "register a talent; prints the new id", talent)
    p.add_argument("--name", help="required unless --card gives it")
    p.add_argument("--card", metavar="FILE", help="talent-card.json from `talent keygen`: the talent holds their own key")
    p.add_argument("--email")
    p.add_argument("--agency")
    p.add_argument("--talent-passphrase-file", metavar="FILE",
                   help="also create the talent's signing key here, locked by this passphrase (the studio holds it)")
    p = commands.add("link", cmd_talent_link, "switch a talent to the key on their card; the studio's copy of their "
                     "key is destroyed", talent)
    p.add_argument("talent", metavar="ID")
    p.add_argument("--card", required=True, metavar="FILE", help="talent-card.json from `talent keygen`")
    p = commands.add("export-kit", cmd_talent_export_kit, "hand a talent the key the studio holds for them "
                     "(locked by their passphrase, with their card), then destroy the studio's copy", talent)
    p.add_argument("talent", metavar="ID")
    p.add_argument("--out", required=True, metavar="DIR", help="a new folder (made 0700)")
    p.add_argument("--talent-passphrase-file", metavar="FILE", help="the talent's passphrase (default: they type it)")
    commands.add("list", cmd_talent_list, "list talents, with who holds each one's key "
                 "(their own device, the studio, or no key yet)", talent)
    for name, fn, help_ in (
            ("pause", cmd_talent_pause, "the talent pauses new exports of their likeness (all, or under one grant), "
                                        "signed with their key; delivered packages are not affected"),
            ("resume", cmd_talent_resume, "the talent lifts their pause, signed with their key")):
        p = commands.add(name, fn, help_, talent)
        p.add_argument("talent", metavar="ID")
        p.add_argument("--grant", metavar="G", help="only exports under this grant of theirs (default: all)")
        p.add_argument("--talent-passphrase-file", metavar="FILE", help="default: the talent types it")
    p = commands.add("access-export", cmd_talent_access_export, "everything the vault holds about the talent, in open "
                     "formats with a README, as a tar encrypted to the talent's age recipient", talent)
    p.add_argument("talent", metavar="ID")
    p.add_argument("--out", required=True, metavar="FILE", help="a new file (e.g. NAME-access.tar.age), made 0600")
    p.add_argument("--recipient", metavar="AGE_PUBKEY",
                   help="the talent's age recipient (age1…): required when the studio holds their key; a talent "
                        "who holds their own key gets the copy encrypted to the one on their card")
    p = commands.add("request-erasure", cmd_talent_request_erasure, "review mode: the talent (whose key the studio "
                     "holds) asks for the erasure of their likeness, signed with their passphrase", talent)
    p.add_argument("talent", metavar="ID")
    p.add_argument("--talent-passphrase-file", metavar="FILE", help="default: the talent types it")
    p = commands.add("erase", cmd_talent_erase, "on the talent's signed request: destroy their likeness key (every "
                     "copy of their files, backups included, becomes undecryptable), then their files; says what "
                     "it destroys first. Run again to remove files an interrupted erasure left", talent, refuses=True)
    p.add_argument("talent", metavar="ID")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation (erasure cannot be undone)")
    p.add_argument("--receipt", metavar="FILE.json", help="write the studio's signed erasure receipt here")
    p.add_argument("--talent-passphrase-file", metavar="FILE",
                   help="review mode: the talent (whose key the studio holds) signs their erasure request with "
                        "their passphrase first, as `talent request-erasure` does")
    p.add_argument("--backup-retention-days", type=int, metavar="DAYS",
                   help="how long the studio keeps catalog backups, stated in the receipt (default: "
                        "$STUDIO_BACKUP_RETENTION_DAYS, else 35)")
    p = commands.add("erasure-receipt", cmd_talent_erasure_receipt, "write the studio's signed receipt of an "
                     "erasure again", talent)
    p.add_argument("talent", metavar="ID")
    p.add_argument("--out", required=True, metavar="FILE.json")
    p = commands.add("rekey", cmd_talent_rekey, "re-encrypt files stored before talents had their own likeness "
                     "keys to their talent's key, so that an erasure shreds them too (crash-safe; run again to finish)",
                     talent)
    p.add_argument("talent", metavar="ID", nargs="?", help="only this talent's files (default: every talent's)")
    p = commands.add("set-passphrase", cmd_set_passphrase,
                     "create the talent's own signing key under their passphrase, or change that passphrase", talent)
    p.add_argument("talent", metavar="ID")
    p.add_argument("--talent-passphrase-file", metavar="FILE", help="the new passphrase (default: the talent types it)")
    p.add_argument("--old-talent-passphrase-file", metavar="FILE", help="the current one, when changing it")
    p = commands.add("export-key", cmd_export_key, "print (or write) the talent's public key as PEM", talent)
    p.add_argument("talent", metavar="ID")
    p.add_argument("--out", metavar="FILE")
    p.add_argument("--force", action="store_true", help="overwrite FILE if it exists")
