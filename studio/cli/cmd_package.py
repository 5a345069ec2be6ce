"""``twin-studio export``, ``packages list`` (the studio's side) and ``verify``, ``open`` (the
brand's side, no vault). A package that must not be trusted, or a use the grant does not allow,
is a refusal: exit 1 (``refuses=True``)."""

from __future__ import annotations

import sys
from pathlib import Path

from studio.cli.exits import EXIT_OK
from studio.cli.options import brand_passphrase, created, open_vault, print_json, progress_bar


def _bar(args):
    return progress_bar(not getattr(args, "json", False), unit="B")


def cmd_export(args) -> int:
    from studio.core.package.export import export_package

    assets = [a for a in (args.assets or "").split(",") if a.strip()] or None
    with open_vault(args) as vault:
        bar, update = _bar(args)
        result = export_package(vault, args.grant, args.to, Path(args.out), assets, args.purpose, args.media,
                                args.territory, progress=update)
        if bar is not None:
            bar.close()
    if not args.json:
        print(f"package {result.package_id} written to {result.path}", file=sys.stderr)
        print(f"file SHA-256 {result.file_sha256}", file=sys.stderr)
    created(args, result.package_id, {"path": str(result.path), "file_sha256": result.file_sha256})
    return EXIT_OK


def cmd_packages_list(args) -> int:
    from studio.core.package.packages import list_packages

    with open_vault(args) as vault:
        packages = list_packages(vault, args.talent)
    if args.json:
        print_json([p.to_json() for p in packages])
    else:
        for p in packages:
            print(f"{p.id}  {p.created_at[:10]}  {p.brand}  grant {p.grant_id}  talent {p.talent_id}  "
                  f"{len(p.manifest['assets'])} file(s)  sha256 {p.file_sha256[:16]}…")
    return EXIT_OK


def cmd_verify(args) -> int:
    from studio.core.package.verify import load_studio_key, verify_package

    bar, update = _bar(args)
    info = verify_package(Path(args.package), load_studio_key(Path(args.studio_key)), progress=update)
    if bar is not None:
        bar.close()
    if args.json:
        print_json({"verified": True, "file_sha256": info.file_sha256, "manifest": info.manifest})
    else:
        print(info.describe())
    return EXIT_OK


def cmd_open(args) -> int:
    from studio.core.package.brand_keys import load_identity
    from studio.core.package.unpack import open_package
    from studio.core.package.verify import load_studio_key

    studio_key = load_studio_key(Path(args.studio_key))  # a wrong key file fails before the passphrase is asked
    identity = load_identity(Path(args.identity), brand_passphrase(args), signing=False)
    bar, update = _bar(args)
    result = open_package(Path(args.package), identity, studio_key,
                          Path(args.out), force=args.force, progress=update)
    if bar is not None:
        bar.close()
    if args.json:
        print_json({"package": result.info.package_id, "out": str(result.out), "files": [str(f) for f in result.files]})
    else:
        print(f"package {result.info.package_id} verified and opened into {result.out}:")
        for f in result.files:
            print(f"  {f.relative_to(result.out)}")
        print("read LICENSE.txt before using the files")
    return EXIT_OK


def register(commands) -> None:
    p = commands.add("export", cmd_export, "export a locked twin package to a brand (counts one use of the grant)",
                     refuses=True)
    p.add_argument("--grant", required=True, metavar="GRANT")
    p.add_argument("--to", required=True, metavar="BRAND", help="brand name or id")
    p.add_argument("--assets", metavar="ID[,ID…]", help="default: every asset the grant covers")
    p.add_argument("--purpose")
    p.add_argument("--media")
    p.add_argument("--territory", metavar="CC")
    p.add_argument("--out", required=True, metavar="FILE.twinpkg")

    packages = commands.group("packages", "packages the vault exported")
    p = commands.add("list", cmd_packages_list, "list exported packages", packages)
    p.add_argument("--talent", metavar="ID")

    p = commands.add("verify", cmd_verify,
                     "check a package is the studio's, unaltered and unexpired (no vault needed)", refuses=True,
                     brand=True)
    p.add_argument("package", metavar="FILE.twinpkg")
    p.add_argument("--studio-key", required=True, metavar="FILE.pem")
    p = commands.add("open", cmd_open, "verify, decrypt and write a package's files into a folder (no vault needed)",
                     refuses=True, brand_keys=True)
    p.add_argument("package", metavar="FILE.twinpkg")
    p.add_argument("--identity", required=True, metavar="DIR",
                   help="the brand's keys from `brand keygen` (or just its locked age identity file)")
    p.add_argument("--studio-key", required=True, metavar="FILE.pem")
    p.add_argument("--out", required=True, metavar="DIR")
    p.add_argument("--force", action="store_true", help="overwrite files that exist")
