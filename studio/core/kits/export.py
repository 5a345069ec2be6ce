"""``review-kit export``: what a talent who holds their own key needs to decide, in one file
encrypted to them and signed by the studio (DR049).

The kit is recorded in the audit chain (``review_kit.exported``: the kit id, the talent, the
chain head it carries and the hash of each asset and grant document it showed), so that a
decisions file is accepted only for a kit this vault made for that talent, and only while what
it decided on is unchanged.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from studio.core.assets import AssetRecord, list_assets
from studio.core.changes import Changes
from studio.core.clock import now_iso
from studio.core.consent.document import summary
from studio.core.consent.grants import list_grants
from studio.core.consent.pause import list_pauses
from studio.core.consent.history import history_for_talent
from studio.core.consent.signing import canonical
from studio.core.consent.talent_keys import talent_card_row
from studio.core.errors import InvalidInput
from studio.core.ids import new_id, parse_id
from studio.core.kits.kit_chain import CHAIN_KEY, KIT_EXPORTED, chain_excerpt
from studio.core.kits.kit_file import KIT_TYPE, MAX_PREVIEW, MAX_PREVIEWS, VERSION, seal_kit
from studio.core.ledger.statement import statement
from studio.core.package.approvals import list_requests
from studio.core.talents import get_talent
from studio.core.types import GrantState
from studio.core.vault import Vault, audit
from studio.core.vault.atomic import write_bytes_atomic
from studio.core.vault.catalog import ApprovalRequest
from studio.core.vault.keys import public_key_b64

EXPORTED = KIT_EXPORTED


@dataclass(frozen=True)
class ExportedKit:
    kit_id: str
    talent_id: str
    path: Path
    size: int
    assets: int
    grants_awaiting: int
    previews: int
    omitted: int
    head_seq: int
    outputs: int = 0  # a brand's outputs carried for the talent's decision (DR053)

    @property
    def changes(self) -> Changes:
        return Changes(talents={self.talent_id}, audit=True)


def _previews(vault: Vault, asset: AssetRecord, budget: list[int]) -> tuple[list[dict], list[dict], dict[str, bytes]]:
    """The asset's previews (a thumbnail; a voice take itself; a scan's smallest LOD, or the scan
    when it has none), each within :data:`MAX_PREVIEW` and the kit's remaining ``budget``."""
    wanted: list[tuple[str, str, int, object]] = []  # role, media type, size, reader
    thumb = asset.file("thumbnail")
    if thumb is not None:
        wanted.append(("thumbnail", thumb.media_type, thumb.size, lambda f=thumb: vault.derived.read_bytes(f.sha256)))
    if asset.kind == "voice":
        wanted.append(("take", asset.media_type, asset.size, lambda: vault.blobs.read_bytes(asset.sha256)))
    elif asset.kind == "mesh":
        level = asset.levels()[0]
        if level.file is not None:
            f = level.file
            wanted.append((level.role, f.media_type, f.size, lambda f=f: vault.derived.read_bytes(f.sha256)))
        else:
            wanted.append(("original", asset.media_type, asset.size, lambda: vault.blobs.read_bytes(asset.sha256)))
    shown, omitted, files = [], [], {}
    for role, media_type, size, read in wanted:
        if size > MAX_PREVIEW or size > budget[0]:
            omitted.append({"role": role, "size": size,
                            "reason": "larger than a kit carries" if size > MAX_PREVIEW else "the kit is full"})
            continue
        data = read()
        budget[0] -= len(data)
        name = f"previews/{asset.id}/{role}"
        files[name] = data
        shown.append({"role": role, "media_type": media_type, "file": name, "size": len(data)})
    return shown, omitted, files


def _approvals(vault: Vault, tid: str, grants: list[dict], budget: list[int]) -> tuple[list[dict], dict, dict]:
    """The brand's approval requests awaiting the talent (DR053): each output not decided yet, its
    bytes carried full size within the previews' budget (one that does not fit is listed under
    ``omitted`` and cannot be decided from this kit). Returns the kit's entries, the files and what
    the audit event records per request (its signature, the outputs carried)."""
    summaries = {g["id"]: g["summary"] for g in grants}
    with vault.session() as s:
        signatures = dict(s.execute(select(ApprovalRequest.id, ApprovalRequest.signature)
                                    .where(ApprovalRequest.talent_id == tid)).all())
    entries, files, recorded = [], {}, {}
    for rec in list_requests(vault, tid):
        waiting = [o for o in rec.outputs if o.decision is None]
        if not waiting:
            continue
        carried, omitted = [], []
        for o in waiting:
            entry = {"sha256": o.sha256, "name": o.name, "media_type": o.media_type, "size": o.size}
            if o.size > MAX_PREVIEW or o.size > budget[0]:
                omitted.append(dict(entry, reason="larger than a kit carries" if o.size > MAX_PREVIEW
                                    else "the kit is full"))
                continue
            data = vault.blobs.read_bytes(o.sha256)
            budget[0] -= len(data)
            name = f"outputs/{rec.id}/{o.sha256}"
            files[name] = data
            carried.append(dict(entry, file=name))
        entries.append({"id": rec.id, "brand": rec.brand, "brand_id": rec.brand_id, "package": rec.package_id,
                        "grant": rec.grant_id, "grant_summary": summaries.get(rec.grant_id, ""),
                        "created_at": rec.created_at, "use": rec.use, "outputs": carried, "omitted": omitted})
        recorded[rec.id] = {"signature": signatures[rec.id], "outputs": [o["sha256"] for o in carried]}
    return entries, files, recorded


def export_review_kit(vault: Vault, talent_id: str, out: Path) -> ExportedKit:
    """Write the talent's review kit to ``out`` (never overwritten, 0600). Refused for a talent
    who does not hold their own key: there is no one to encrypt it to."""
    tid = parse_id("talent", talent_id)
    talent = get_talent(vault, tid)
    card = talent_card_row(vault, tid)
    if card is None:
        raise InvalidInput(f"talent {tid} does not hold their own key: a review kit is encrypted to the key on "
                           "their card (`twin-studio talent keygen` on their device, then `talent link`)")
    out = Path(out)
    if out.exists():
        raise InvalidInput(f"{out} already exists; refusing to overwrite it")
    if not out.parent.is_dir():
        raise InvalidInput(f"folder {out.parent} does not exist")
    budget = [MAX_PREVIEWS]
    assets, files, omitted_count = [], {}, 0
    for a in list_assets(vault, tid):
        shown, omitted, data = _previews(vault, a, budget)
        files.update(data)
        omitted_count += len(omitted)
        assets.append({"id": a.id, "kind": a.kind, "format": a.format, "name": a.original_name, "sha256": a.sha256,
                       "size": a.size, "status": a.status, "metrics": a.metrics, "warnings": a.warnings,
                       "created_at": a.created_at, "previews": shown, "omitted": omitted})
    grants = []
    for g in list_grants(vault, tid):
        awaiting = g.state == GrantState.DRAFT
        entry = {"id": g.id, "state": g.status(), "stored_state": g.state, "sha256": g.sha256, "awaiting": awaiting,
                 "summary": summary(g.document), "document": g.document, "revocation": g.revocation,
                 "uses": g.uses}
        if awaiting:  # exactly what the talent's key signs: the draft with their key in it
            entry["to_sign_b64"] = base64.b64encode(canonical(dict(g.document,
                                                                   talent_public_key=card["public_key"]))).decode()
        grants.append(entry)
    approvals, output_files, approvals_recorded = _approvals(vault, tid, grants, budget)
    files.update(output_files)
    omitted_count += sum(len(a["omitted"]) for a in approvals)
    st = statement(vault, tid).to_json()
    history = history_for_talent(vault, tid)
    # the pauses in force: a resume made on the talent's device names the pause it lifts (DR050)
    pauses = [{"grant": p.grant_id, "since": p.paused_at, "statement_sha256": p.sha256}
              for p in list_pauses(vault, tid, active_only=True)]
    studio_key = vault.studio_signing_key()
    kid = new_id("kit")
    with vault.writer_lock(), vault.session() as s:
        head = audit.last_head(s)  # read after everything above: the kit's contents are no newer than it
        kit = {"type": KIT_TYPE, "version": VERSION, "kit": kid, "made_at": now_iso(),
               "studio": {"verify_key": public_key_b64(studio_key.public_key()),
                          "fingerprint": vault.studio_key_fingerprint},
               "talent": {"id": tid, "name": talent.name, "fingerprint": card["fingerprint"],
                          "verify_key": card["public_key"]},
               "chain_head": {"seq": head.seq, "hash": head.hash},
               # the links from the talent's last kit up to the head (DR056): the talent's side checks
               # that this head extends the heads it saw
               CHAIN_KEY: chain_excerpt(s, tid, head.seq),
               "assets": assets, "grants": grants, "pauses": pauses, "approvals": approvals, "statement": st, "history": history}
        data = seal_kit(kit, files, studio_key, card["recipient"])
        audit.append(s, EXPORTED, kid, {
            "talent": tid, "head": {"seq": head.seq, "hash": head.hash},
            "assets": {a["id"]: a["sha256"] for a in assets}, "grants": {g["id"]: g["sha256"] for g in grants},
            "approvals": approvals_recorded,
            "sha256": hashlib.sha256(data).hexdigest()})
        write_bytes_atomic(out, data)  # 0600; inside the transaction: a kit not written is not recorded
    return ExportedKit(kid, tid, out, len(data), len(assets), sum(g["awaiting"] for g in grants), len(files),
                       omitted_count, head.seq, sum(len(a["outputs"]) for a in approvals))
