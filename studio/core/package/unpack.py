"""The brand opens a package: verify, decrypt, check every file, and write only inside the
chosen folder.

The signature, manifest, expiry and recipient are checked before any payload byte is read.
Then one pass over the file compares every byte with the studio's layout and hashes the
payload while it is decrypted; nothing is moved into place unless all of that held. The payload
is decrypted as a stream and read as a tar stream; every member must be a regular
file the signed manifest names, of the size it names, and hash to the SHA-256 it names. Files
go to a hidden staging folder inside ``out`` first; only when every one has been checked are
they moved to their places, with ``LICENSE.txt`` and ``license.odrl.jsonld`` — all or none: every
target is checked before the first move, a file never replaces another without ``force``, and with
``force`` the originals are kept until every move succeeded (:func:`place_all`). On any refusal
the staging folder is removed and nothing is left behind.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import secrets
import shutil
import tarfile
from dataclasses import dataclass
from pathlib import Path

import pyrage
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from studio.core.errors import InvalidInput, PackageRefused
from studio.core.package.brand_keys import BrandIdentity
from studio.core.package.container import check_canonical
from studio.core.package.payload_files import UnsealJob, unseal
from studio.core.package.streams import produced
from studio.core.package.workers import run_in_order, worker_count
from studio.core.package.verify import Checked, PackageInfo, check_payload_hash, check_signed_manifest
from studio.core.progress import CancelToken, ProgressFn, check_cancel, report
from studio.core.package.publish import publish_new
from studio.core.testpoints import pause_point
from studio.core.vault.atomic import fsync_dir
from studio.core.vault.permissions import create_private_file

LICENSE_TXT = "LICENSE.txt"
LICENSE_ODRL = "license.odrl.jsonld"
CHUNK = 1 << 20


@dataclass(frozen=True)
class OpenResult:
    info: PackageInfo
    out: Path
    files: list[Path]


def licence_text(m: dict) -> str:
    labels = m["labels"]
    lines = [
        f"Licence for twin package {m['package_id']}",
        f"Licensee: {m['brand']['name']}",
        f"Grant: {m['grant']['id']} (signed by the talent and countersigned by the studio)",
        f"Valid until: {m['expires']} ({m['timezone']} time)",
        "",
        "What you may do (the terms of the grant the talent signed, as the studio states them to you):",
        *("  " + ln for ln in m["licence"]["summary"].splitlines()),
        "",
        "Every output made from these assets must carry:",
        f"  - IPTC Digital Source Type: {labels['iptc_digital_source_type']['ai_generated']} for AI-made media,",
        f"    {labels['iptc_digital_source_type']['ai_composite']} for composites with AI-made parts;",
        f"  - PLUS Model Release Status {labels['plus_model_release_status']} (limited release) and",
        f"    PLUS Model Release ID {labels['plus_model_release_id']};",
    ]
    if labels.get("ai_label_text"):
        lines.append(f"  - a visible label: \u201c{labels['ai_label_text']}\u201d.")
    lines += ["", "Report every use to the studio with `twin-studio report create`: each one counts against the",
              "grant's limit and is paid for as its fee above says.",
              "The files carry a mark that identifies this package if they are leaked."]
    return "\n".join(lines) + "\n"


def _target(out: Path, rel: str) -> Path:
    final = (out / rel).resolve()
    if not final.is_relative_to(out.resolve()):
        raise PackageRefused(f"{rel!r} would be written outside {out}")
    return final


def open_package(path: Path, identity: BrandIdentity, studio_key: Ed25519PublicKey, out: Path, force: bool = False,
                 on: dt.date | None = None, progress: ProgressFn | None = None,
                 cancel: CancelToken | None = None) -> OpenResult:
    """Verify, decrypt and write the package at ``path`` into ``out`` with the brand's unlocked
    keys (:func:`~studio.core.package.brand_keys.load_identity`; the signing key is not needed)."""
    checked = check_signed_manifest(path, studio_key, on=on)
    m = checked.manifest
    info = PackageInfo(Path(path), m, checked.entries.manifest, "", checked.fingerprint)
    if identity.recipient != m["brand"]["recipient"]:
        raise PackageRefused(f"this package is not addressed to you: it is for {m['brand']['name']} "
                             f"({m['brand']['recipient']}), and your identity is {identity.recipient}")
    out = Path(out).expanduser().absolute()
    if out.exists() and not out.is_dir():
        raise InvalidInput(f"{out} is not a folder")
    expected = {a["path"]: a for a in m["assets"]}
    names = list(expected) + [LICENSE_TXT, LICENSE_ODRL]
    targets = {rel: _target(out, rel) for rel in names}
    _check_targets(targets, out, force)  # early, before a byte is decrypted; again before the first move
    total = sum(a["size"] for a in m["assets"])
    created = [p for p in (out, *out.parents) if not p.exists()]  # removed again on a refusal
    out.mkdir(parents=True, exist_ok=True)
    if shutil.disk_usage(out).free < total + (16 << 20):
        _cleanup(None, created)
        raise InvalidInput(f"not enough free space in {out} for {total} bytes")
    staging = out / f".twinpkg-open-{secrets.token_hex(6)}"
    staging.mkdir()
    try:
        extract = _extract if checked.layout is None else _extract_files
        staged = extract(checked, Path(path), identity.identity, expected, staging, total, progress, cancel)
        check_cancel(cancel)
        staged[LICENSE_TXT] = _stage_bytes(staging, LICENSE_TXT, licence_text(m).encode())
        staged[LICENSE_ODRL] = _stage_bytes(staging, LICENSE_ODRL,
                                            (json.dumps(m["licence"]["odrl"], indent=2) + "\n").encode())
        files = place_all(staged, targets, out, staging, force)
    except BaseException:
        _cleanup(staging, created)
        raise
    shutil.rmtree(staging, ignore_errors=True)
    return OpenResult(info, out, files)


def _stage_bytes(staging: Path, name: str, data: bytes) -> Path:
    tmp = staging / f"{name}.part"
    with open(tmp, "xb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    return tmp


def _check_targets(targets: dict[str, Path], out: Path, force: bool) -> None:
    """Every target, before any file moves: none is a link or folder, no folder on its way is a
    file, and (without ``force``) none exists — including one that appeared since the first check."""
    clashes = []
    for rel, final in targets.items():
        if final.is_symlink() or final.is_dir():
            raise PackageRefused(f"{rel} exists in {out} as a link or folder; not replacing it")
        for folder in final.relative_to(out.resolve()).parents:
            where = out.resolve() / folder
            if where.is_symlink() or (where.exists() and not where.is_dir()):
                raise PackageRefused(f"{folder.as_posix()} exists in {out} and is not a folder; not writing {rel}")
        if final.exists():
            clashes.append(rel)
    if clashes and not force:
        raise InvalidInput(f"{len(clashes)} file(s) already exist in {out} (e.g. {clashes[0]}); "
                           "use --force to overwrite; nothing was written")


def place_all(staged: dict[str, Path], targets: dict[str, Path], out: Path, staging: Path,
              force: bool) -> list[Path]:
    """Move every staged file to its target — all or none (DR012). Every target is checked before
    the first move. Without ``force`` a file never replaces another (a hard link claims the name);
    with ``force`` the brand's originals are set aside in ``staging`` and put back if any move fails."""
    _check_targets({rel: targets[rel] for rel in staged}, out, force)
    placed: list[Path] = []
    kept: list[tuple[Path, Path]] = []  # (target, the original set aside)
    made: list[Path] = []
    try:
        for i, (rel, tmp) in enumerate(staged.items()):
            final = targets[rel]
            for folder in reversed(final.parents):
                if not folder.exists():
                    folder.mkdir()
                    made.append(folder)
            if force and final.exists():
                aside = staging / f"{i:05d}.original"
                os.replace(final, aside)
                kept.append((final, aside))
                os.replace(tmp, final)
            else:
                try:
                    publish_new(tmp, final)
                except FileExistsError:
                    raise InvalidInput(f"{rel} appeared in {out} while the package was opened; "
                                       "nothing was written") from None
            placed.append(final)
        for folder in {f.parent for f in placed}:
            fsync_dir(folder)
    except BaseException:
        for final in reversed(placed):
            with contextlib.suppress(OSError):
                final.unlink()
        for final, aside in reversed(kept):
            os.replace(aside, final)
        for folder in reversed(made):
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise
    return placed


def _cleanup(staging: Path | None, created: list[Path]) -> None:
    if staging is not None:
        shutil.rmtree(staging, ignore_errors=True)
    for folder in created:  # ``out`` and the folders made for it, deepest first, each only if still empty
        try:
            folder.rmdir()
        except OSError:
            break


def _extract(checked: Checked, path: Path, identity, expected: dict[str, dict], staging: Path, total: int,
             progress: ProgressFn | None, cancel: CancelToken | None) -> dict[str, Path]:
    """One pass over the package: its bytes are compared with the studio's layout and hashed
    while the payload is decrypted and its files are written to ``staging``; the caller moves
    them into place only if everything held."""
    staged: dict[str, Path] = {}
    hashes: dict[str, str] = {}
    done = 0

    def feed(w) -> None:  # the package's bytes, checked, and the payload passed on to be decrypted
        hashes["payload"] = check_canonical(path, checked.entries, w.write, hash_file=False)[0]

    def decrypt(ciphertext, w) -> None:
        try:
            pyrage.decrypt_io(ciphertext, w, [identity])
        except OSError as exc:
            if exc.errno is not None:  # our pipe or disk, not the age stream
                raise
            # age authenticates the payload chunk by chunk; the last one carries an end mark, so a
            # payload cut short (or a chunk altered) fails here — after the header opened
            raise PackageRefused("the payload is truncated or damaged: a chunk of it does not decrypt "
                                 "(the file was cut short or altered after the studio signed it)") from exc

    try:
        with produced(feed) as ciphertext, \
                produced(lambda w: decrypt(ciphertext, w)) as plain, \
                tarfile.open(fileobj=plain, mode="r|") as tar:
            for member in tar:
                pause_point("package.open.member")  # tests hold an open here to cancel it part-way
                check_cancel(cancel)
                entry = expected.get(member.name)
                if entry is None:
                    raise PackageRefused(f"the payload holds {member.name!r}, which the manifest does not list")
                if not member.isreg() or member.issparse():
                    raise PackageRefused(f"{member.name!r} is a link or special file; only plain files are opened")
                if member.name in staged:
                    raise PackageRefused(f"the payload holds {member.name!r} twice")
                if member.size != entry["size"]:
                    raise PackageRefused(f"{member.name!r} is {member.size} bytes; the manifest says {entry['size']}")
                tmp = staging / f"{len(staged):05d}.part"
                sha = hashlib.sha256()
                src = tar.extractfile(member)
                with open(tmp, "xb") as fh:
                    while chunk := src.read(CHUNK):
                        check_cancel(cancel)
                        sha.update(chunk)
                        fh.write(chunk)
                        done += len(chunk)
                        report(progress, done, total, "opening")
                    fh.flush()
                    os.fsync(fh.fileno())
                if sha.hexdigest() != entry["sha256"]:
                    raise PackageRefused(f"{member.name!r} does not match its SHA-256 in the manifest")
                staged[member.name] = tmp
            for _ in iter(lambda: plain.read(CHUNK), b""):
                pass  # the tar's end padding: let the decryptor finish (and authenticate) the stream
    except pyrage.DecryptError as exc:
        raise PackageRefused("the payload cannot be decrypted: it is damaged, or not encrypted to the "
                             "recipient the manifest names") from exc
    except (tarfile.TarError, EOFError, ValueError, UnicodeError) as exc:  # hostile tar headers
        raise PackageRefused(f"the payload is not a readable tar stream: {exc}") from exc
    check_payload_hash(checked, hashes["payload"])
    missing = [p for p in expected if p not in staged]
    if missing:
        raise PackageRefused(f"the payload lacks {', '.join(missing)}")
    return staged


def _extract_files(checked: Checked, path: Path, identity, expected: dict[str, dict], staging: Path, total: int,
                   progress: ProgressFn | None, cancel: CancelToken | None) -> dict[str, Path]:
    """Version 2 (DR058): the framing is checked already (:func:`check_signed_manifest`); each
    payload file is read at its place, hashed, decrypted, checked against the manifest and written
    to ``staging`` — side by side in worker processes for a big package. The caller moves them
    into place only if every one held."""
    assert checked.layout is not None
    done = [0]

    def tick(n: int) -> None:
        done[0] += n
        report(progress, done[0], total, "opening")

    staged: dict[str, Path] = {}
    jobs = []
    for i, ((at, size), a) in enumerate(zip(checked.layout.data, checked.manifest["assets"])):
        tmp = staging / f"{i:05d}.part"
        os.close(create_private_file(tmp))
        staged[a["path"]] = tmp
        jobs.append(UnsealJob(str(path), a["path"], at, size, a["stored"]["sha256"], a["size"], a["sha256"],
                              str(identity), str(tmp)))
    workers = worker_count(total, len(jobs))
    for _ in run_in_order(unseal, jobs, workers, cancel, tick):
        pause_point("package.open.member")  # tests hold an open here to cancel it part-way
        check_cancel(cancel)
    return staged
