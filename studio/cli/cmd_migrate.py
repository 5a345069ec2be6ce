"""``twin-studio migrate``: move a folder vault to a shared vault (``--to-catalog``/``--to-store``)
or a shared vault to a folder (``--to-vault``); the same vault, checked on both ends, resumable
by running the same command again (DR028)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from studio.cli.exits import EXIT_CANCELLED, EXIT_OK, EXIT_REJECTED
from studio.cli.options import ctrl_c_cancels, open_vault, print_json, progress_bar
from studio.core.errors import InvalidInput


def target_location(args):
    """``--to-vault DIR``, or ``--to-catalog`` with ``--to-store`` (and the endpoint from
    ``--to-store-endpoint``, else ``$AWS_ENDPOINT_URL``). Never from ``$STUDIO_CATALOG``/``$STUDIO_STORE``:
    those name the source."""
    from studio.core.vault.location import ENDPOINT_ENV, SharedLocation, parse_catalog, parse_endpoint, parse_store

    shared = args.to_catalog is not None or args.to_store is not None
    if shared and args.to_vault is not None:
        raise InvalidInput("name either a target folder (--to-vault) or a target shared vault (--to-catalog and "
                           "--to-store), not both")
    if not shared:
        if args.to_vault is None:
            raise InvalidInput("name the target: --to-vault DIR, or --to-catalog URL and --to-store URL")
        return Path(args.to_vault).expanduser()
    if args.to_catalog is None or args.to_store is None:
        raise InvalidInput("a target shared vault needs both --to-catalog and --to-store")
    bucket, prefix = parse_store(args.to_store)
    endpoint = parse_endpoint(args.to_store_endpoint if args.to_store_endpoint is not None
                              else os.environ.get(ENDPOINT_ENV))
    return SharedLocation(parse_catalog(args.to_catalog), bucket, prefix, endpoint)


def _reopen_hint(where) -> str:
    from studio.core.vault.location import SharedLocation

    if isinstance(where, SharedLocation):
        endpoint = f" --store-endpoint {where.endpoint}" if where.endpoint else ""
        return f"--catalog {where.catalog} --store {where.store}{endpoint}"
    return f"--vault {where}"


def cmd_migrate(args) -> int:
    from studio.core.check import parse_subset
    from studio.core.errors import Cancelled
    from studio.core.migrate import migrate_vault
    from studio.core.progress import CancelToken

    where = target_location(args)  # a bad target fails before the passphrase is asked for
    subset = parse_subset(args.read_data_subset) if args.read_data_subset is not None else None
    token = CancelToken()
    with open_vault(args) as vault:
        bar, update = progress_bar(not args.json, unit="step")
        try:
            with ctrl_c_cancels(token):
                rep = migrate_vault(vault, where, subset=subset, progress=update, cancel=token)
        except Cancelled:
            if bar:
                bar.close()
                bar = None
            print("twin-studio: migration interrupted; the source is unchanged and the target is not a vault yet. "
                  "Run the same command again to resume", file=sys.stderr)
            return EXIT_CANCELLED
        finally:
            if bar:
                bar.close()
    if args.json:
        print_json(rep.to_json())
        return EXIT_OK if rep.ok else EXIT_REJECTED
    c = rep.copy
    print(f"blobs: {c.blobs_copied} copied ({c.bytes_copied} bytes of age files), {c.blobs_skipped} already there")
    print(f"catalog: {c.catalog}, " + ", ".join(f"{n} {t}" for t, n in c.rows.items()))
    for name, check in (("source", rep.source_check), ("copy", rep.target_check)):
        for p in check.problems:
            print(f"problem ({name}): {p}")
        for n in check.notes:
            print(f"note ({name}): {n}")
        read = (f"{check.blobs_checked} blobs verified" if check.subset_percent is None else
                f"{check.blobs_checked} of {check.blobs_total} blobs verified (a random {check.subset_percent:g}%)")
        state = "consistent" if check.ok else f"INCONSISTENT ({len(check.problems)} problems)"
        print(f"check of the {name}: {state}, {read}, {check.audit_events} audit events")
    if not rep.ok:
        print(f"twin-studio: the copy at {rep.target} did not check clean, so it was not made a vault (it has no "
              "header); the source is unchanged. Remove the copy and migrate again", file=sys.stderr)
        return EXIT_REJECTED
    print(f"migrated vault {rep.vault_id} to {rep.target}; open it with {_reopen_hint(where)}")
    print(f"the source ({rep.source}) is unchanged: archive or remove it once you have verified the new vault "
          "(stop using it: what is written there from now on is not in the new one)")
    return EXIT_OK


def register(commands) -> None:
    p = commands.add("migrate", cmd_migrate,
                     "copy the vault to a shared vault (--to-catalog, --to-store) or to a folder (--to-vault): the "
                     "same vault, checked on both ends; run it again to resume an interrupted migration")
    p.add_argument("--to-vault", metavar="DIR", default=None, help="a new or empty folder")
    p.add_argument("--to-catalog", metavar="URL", default=None,
                   help="an empty PostgreSQL database, postgresql://USER@HOST/DB (the password from ~/.pgpass or "
                        "PGPASSFILE/PGPASSWORD)")
    p.add_argument("--to-store", metavar="URL", default=None, help="an empty store prefix, s3://BUCKET/PREFIX")
    p.add_argument("--to-store-endpoint", metavar="URL", default=None,
                   help="the target store's endpoint, for a store that is not AWS (else $AWS_ENDPOINT_URL)")
    p.add_argument("--read-data-subset", metavar="PERCENT", default=None,
                   help="decrypt only a random PERCENT of the blobs in each check (such as 10%%). Default: every blob")
