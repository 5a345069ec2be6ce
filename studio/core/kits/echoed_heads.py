"""``check``'s comparison of the audit chain with the heads the talents hold (DR056).

The chain and its head file are kept by the vault, so whoever holds the vault key can rewrite the
chain consistently (recompute every hash and the head's MAC) and the plain chain check passes.
What they cannot rewrite is a decisions file: the talent signed it on their own device, and it
echoes the head of the kit it was made from. ``decisions import`` keeps each file, encrypted, in
the blob store (its SHA-256 in the ``decisions.imported`` event); here every kept file is read
back, its signature checked once with the talent's registered keys, and the chain must still
hold, at the echoed head's number, an event with the echoed hash. A kept file that no event
references any more (the chain cut below its import) is found among the blobs nothing else uses.

What this cannot see: an insider who also deletes the kept files (blob and row). Then only the
talent's own copies (their seen heads, kits and receipts) show the rewrite.
"""

from __future__ import annotations

import json

from sqlalchemy import func, select

from studio.core.consent.talent_keys import Keyring, keyrings
from studio.core.errors import IntegrityError
from studio.core.kits.decisions import IMPORTED, KEPT
from studio.core.kits.kit_file import DECISIONS_TYPE, MAX_DECISIONS_FILE, signed_by
from studio.core.vault import Vault
from studio.core.vault.catalog import ApprovalOutput, Asset, AssetFile, AuditEvent, Blob


def _read(vault: Vault, sha: str, where: str) -> tuple[dict | None, str | None]:
    try:
        doc = json.loads(vault.blobs.read_bytes(sha))
    except IntegrityError as exc:
        return None, f"{where} cannot be read back: {exc}"
    except (ValueError, UnicodeDecodeError):
        return None, f"{where} is kept damaged (not JSON)"
    return doc, None


def _signed(doc: dict, ring: Keyring | None) -> bool:
    """One signature check: the key the file names must be one of the talent's registered keys."""
    key = doc.get("verify_key")
    return ring is not None and isinstance(key, str) and key in ring.keys_for(doc.get("made_at")) \
        and signed_by(doc, key)


def _kept_files(vault: Vault, s) -> tuple[list[tuple[int | None, dict, dict]], list[str]]:
    """Every kept decisions file: (the seq of its import event or None, the event's details, the
    file), and the problems of those the chain references but that cannot be read back. A file
    kept but referenced by no event (the chain cut or rewritten from before its import) is found
    among the blobs nothing else references."""
    problems: list[str] = []
    found: list[tuple[int | None, dict, dict]] = []
    referenced: set[str] = set()
    import_seq: dict[str, int] = {}  # decisions id -> the seq of its import event
    blobs = dict(s.execute(select(Blob.sha256, Blob.size).where(Blob.store == "blobs")).all())
    for seq, did, raw in s.execute(select(AuditEvent.seq, AuditEvent.subject, AuditEvent.details)
                                   .where(AuditEvent.action == IMPORTED).order_by(AuditEvent.seq)).all():
        details = json.loads(raw)
        sha = details.get("sha256")
        import_seq[did] = seq
        if not details.get(KEPT):
            continue  # imported before the files were kept
        where = f"the decisions file {did} imported at audit event {seq}"
        if not isinstance(sha, str) or sha not in blobs:
            problems.append(f"{where} is not kept in the vault any more (the chain references it; its blob is "
                            "missing)")
            continue
        referenced.add(sha)
        doc, problem = _read(vault, sha, where)
        if problem is None and (not isinstance(doc, dict) or doc.get("type") != DECISIONS_TYPE
                                or doc.get("decisions_id") != did or doc.get("talent") != details.get("talent")):
            problem = f"{where} is kept, but the file kept is not that talent's decisions file"
        if problem is not None:
            problems.append(problem)
        else:
            found.append((seq, details, doc))
    used = set(s.execute(select(Asset.sha256)).scalars()) | set(s.execute(select(AssetFile.sha256)).scalars()) \
        | set(s.execute(select(ApprovalOutput.sha256)).scalars()) | referenced
    for sha, size in sorted(blobs.items()):
        if sha in used or size > MAX_DECISIONS_FILE:
            continue
        doc, problem = _read(vault, sha, f"blob {sha[:16]}…")
        if problem is None and isinstance(doc, dict) and doc.get("type") == DECISIONS_TYPE:
            seq = import_seq.get(doc.get("decisions_id"))
            if seq is not None:
                problems.append(f"audit event {seq} names another file than the decisions file "
                                f"{doc.get('decisions_id')} kept for talent {doc.get('talent')}: the event was "
                                "rewritten")
            found.append((None, {"talent": doc.get("talent"), "import_seq": seq}, doc))
    return found, problems


def verify_echoed_heads(vault: Vault) -> list[str]:
    with vault.session() as s:
        rings = keyrings(s)
        files, problems = _kept_files(vault, s)
        if not files:
            return problems
        heads = [doc.get("chain_head") if isinstance(doc.get("chain_head"), dict) else {} for *_, doc in files]
        seqs = {h.get("seq") for h in heads if isinstance(h.get("seq"), int)}
        hashes = dict(s.execute(select(AuditEvent.seq, AuditEvent.hash).where(AuditEvent.seq.in_(seqs))).all())
        last = s.execute(select(func.max(AuditEvent.seq))).scalar_one() or 0
    for (seq, details, doc), head in zip(files, heads):
        tid, did = details.get("talent"), doc.get("decisions_id")
        if not _signed(doc, rings.get(tid)):
            problems.append(f"the decisions file {did} kept for talent {tid} is not signed by the talent's registered "
                            "key: it was altered after the import")
            continue
        echoed_seq, echoed_hash = head.get("seq"), head.get("hash")
        if not isinstance(echoed_seq, int) or not isinstance(echoed_hash, str):
            problems.append(f"the decisions file {did} kept for talent {tid} echoes no head of the audit chain")
            continue
        held = hashes.get(echoed_seq)
        if echoed_seq > 0 and held != echoed_hash:
            vault_has = f"event {echoed_seq} with hash {held[:16]}…" if held else \
                f"no event {echoed_seq} (the chain ends at event {last})"
            problems.append(
                f"the audit chain was rewritten or cut at or before event {echoed_seq}: talent {tid}'s decisions "
                f"file of {str(doc.get('made_at'))[:10]} (signed by key {doc.get('fingerprint')}) holds head "
                f"{echoed_seq}:{echoed_hash[:16]}…, the vault has {vault_has}")
        elif seq is None and details.get("import_seq") is None:
            problems.append(f"the decisions file {did} of talent {tid} is kept in the vault, but no audit event "
                            "records its import: the chain was cut or rewritten after its head")
        elif seq is not None and details.get("head") != {"seq": echoed_seq, "hash": echoed_hash}:
            problems.append(f"audit event {seq} records another head than talent {tid}'s decisions file {did} "
                            "echoes: the event was rewritten")
    return problems
