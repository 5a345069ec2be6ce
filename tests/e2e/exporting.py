"""A vault ready to export from, for the crash tests: one talent, one approved scan, an active
grant with many uses, a registered brand — and what to compare after a kill."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from studio.core.vault import Vault
from studio.core.vault.catalog import Package
from tests.conftest import PASSPHRASE, REPO
from tests.core.helpers import BRAND


@dataclass
class ExportSetup:
    root: Path
    keys: object
    grant_id: str
    asset_sha256: dict[str, str]
    cmd: list[str]

    def open(self) -> Vault:
        """The vault, opened with its already-unwrapped key (no KDF per round)."""
        from studio.core.vault.header import read_header

        header = read_header(self.root)
        header.verify(self.keys)
        return Vault(self.root, header, self.keys)

    def export(self, out: Path, env: dict | None = None, **kw) -> subprocess.Popen:
        import os

        return subprocess.Popen([*self.cmd, "--out", str(out)], cwd=REPO, env={**os.environ, **(env or {})},
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kw)


def make_export_setup(tmp_path: Path, passphrase_file: Path, vertices: int = 20_000) -> ExportSetup:
    from studio.core.consent.review import review_asset
    from studio.core.consent.talent_keys import set_talent_passphrase, unlock_talent_key
    from studio.core.intake import ingest_paths
    from studio.core.talents import add_talent
    from tests.core.helpers import active_grant, brand
    from tests.generators import random_ply

    scan = tmp_path / "body.ply"
    random_ply(scan, vertices, vertices * 2, scale=1.8)
    root = tmp_path / "vault"
    with Vault.create(root, PASSPHRASE) as v:
        keys = v._keys
        t = add_talent(v, "Crash Window")
        set_talent_passphrase(v, t.id, "the talent's phrase")
        key = unlock_talent_key(v, t.id, "the talent's phrase")
        (r,) = ingest_paths(v, t.id, [scan])
        review_asset(v, r.asset_id, "approve", key)
        gid = active_grant(v, t, key, [r.asset_id], max_uses=200).id
        brand(v)
    cmd = [sys.executable, "-m", "studio.cli", "--vault", str(root), "--passphrase-file", str(passphrase_file),
           "export", "--grant", gid, "--to", BRAND]
    return ExportSetup(root, keys, gid, {r.asset_id: hashlib.sha256(scan.read_bytes()).hexdigest()}, cmd)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def counted_packages(vault: Vault) -> dict[str, str]:
    """package id → the SHA-256 of its file, for every package whose use was counted."""
    with vault.session() as s:
        return {p.id: p.file_sha256 for p in s.execute(select(Package)).scalars()}


def visible_packages(out: Path) -> dict[str, Path]:
    """SHA-256 → path of every package file a brand could be sent (not the hidden temp files)."""
    return {sha256(p): p for p in sorted(out.glob("*.twinpkg")) if not p.name.startswith(".")}
