"""``twin-studio credentials root|add|verify``: C2PA content credentials on approved outputs (DR044)."""

from __future__ import annotations

from pathlib import Path

from studio.cli.exits import EXIT_OK, EXIT_REFUSED
from studio.cli.options import open_vault, print_json, shown
from studio.core.errors import InvalidInput


def cmd_root(args) -> int:
    from studio.core.credentials import write_root_certificate

    with open_vault(args) as vault:
        fingerprint = write_root_certificate(vault, Path(args.out), overwrite=args.force)
    if args.json:
        print_json({"out": args.out, "fingerprint": fingerprint})
    else:
        print(f"wrote the studio's content-credentials root certificate to {args.out}")
        print(f"fingerprint {fingerprint} — read it out to whoever will trust it")
    return EXIT_OK


def cmd_add(args) -> int:
    from studio.core.credentials import CredentialFacts, add_credentials

    facts = CredentialFacts(talent=args.talent, grant=args.grant, note=args.note)
    with open_vault(args) as vault:
        result = add_credentials(vault, Path(args.source), Path(args.out), facts, overwrite=args.force)
    if args.json:
        print_json(result.to_json())
    else:
        whose = f"{result.facts.talent}" + (f" under grant {result.facts.grant} ({result.facts.brand})"
                                            if result.facts.grant else "")
        print(f"wrote {result.path}: content credentials (AI-generated, the likeness of {shown(whose)}), "
              f"signed by the studio root {result.root_fingerprint}")
    return EXIT_OK


def _read_trust_root(path: str | None) -> bytes | None:
    if path is None:
        return None
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read the trust root {path}: {exc.strerror or exc}") from exc


def cmd_verify(args) -> int:
    from studio.core.credentials import verify_credentials

    trust = _read_trust_root(args.trust_root)
    check = verify_credentials(Path(args.file), trust)
    if args.json:
        print_json(check.to_json())
    else:
        if not check.present:
            print(f"{args.file}: no content credentials")
        elif not check.valid:
            print(f"{args.file}: INVALID content credentials — the file or its manifest was changed after signing")
        elif check.trusted:
            print(f"{args.file}: valid content credentials, trusted (signed by {shown(check.signer)})")
        else:
            tail = ("not signed under the trust root given" if trust is not None
                    else "give --trust-root to check who signed")
            print(f"{args.file}: valid content credentials, untrusted ({tail}; signed by {shown(check.signer)})")
        if check.digital_source_type:
            print(f"  made by: {check.digital_source_type.rsplit('/', 1)[-1]}")
        if check.facts is not None:
            for name, value in check.facts.to_json().items():
                print(f"  {name}: {shown(value)}")
        for problem in check.problems:
            print(f"  problem: {shown(problem)}")
    ok = check.valid and (check.trusted or trust is None)
    return EXIT_OK if ok else EXIT_REFUSED


def register(commands) -> None:
    group = commands.group("credentials", "C2PA content credentials on approved outputs")
    p = commands.add("root", cmd_root, "write the studio's content-credentials root certificate (PEM) for brands "
                                       "and publishers to trust", group)
    p.add_argument("--out", required=True, metavar="FILE.pem")
    p.add_argument("--force", action="store_true", help="overwrite the file if it exists")

    p = commands.add("add", cmd_add, "write a copy of a PNG, JPEG, WAV, FLAC or MP3 carrying content credentials: "
                                     "AI-generated, whose likeness, under which grant", group, refuses=True)
    p.add_argument("source", metavar="SOURCE")
    p.add_argument("--out", required=True, metavar="FILE")
    p.add_argument("--talent", required=True, metavar="ID", help="whose likeness the file shows")
    p.add_argument("--grant", metavar="ID", help="the active grant it was made under (names the brand)")
    p.add_argument("--note", metavar="TEXT", help="one line kept in the credentials")
    p.add_argument("--force", action="store_true", help="overwrite FILE if it exists")

    p = commands.add("verify", cmd_verify, "check a file's content credentials: valid, trusted, and what they state "
                                           "(no vault needed); exit 1 when invalid, absent or untrusted", group)
    p.add_argument("file", metavar="FILE")
    p.add_argument("--trust-root", "--studio-root", dest="trust_root", metavar="FILE.pem",
                   help="the studio root certificate (`credentials root`) to trust")
