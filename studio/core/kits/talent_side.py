"""The talent's side, on their own device with no vault: open a review kit (``kit show``) and sign
decisions on it (``kit decide``), DR049.

The talent's folder (``talent keygen``'s) keeps ``seen-kits.json`` (0600): the studio key pinned
from the first kit, and the audit-chain heads of the kits seen. A kit whose head goes back (a
lower sequence) or differs at the same sequence is shown with a clear warning: the studio's
history was cut or rewritten since the last kit (a Certificate-Transparency-like consistency
check); the kit's excerpt of the chain (:mod:`kit_chain`) shows that its head extends the heads
seen before, or why not.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from pathlib import Path

from studio.core.clock import now_iso
from studio.core.consent.review import review_statement
from studio.core.consent.signing import canonical, sign
from studio.core.errors import IntegrityError, InvalidInput, NotFound
from studio.core.ids import new_id
from studio.core.consent.pause import RESUME, pause_statement
from studio.core.kits.kit_chain import excerpt_warnings
from studio.core.kits.kit_file import (DECISIONS_TYPE, REQUEST_TYPE, VERSION, OpenedKit, envelope_body,
                                       open_kit_bytes)
from studio.core.package.approval_files import (APPROVED, NOTE_LIMIT, REJECTED, check_sha,
                                                output_decision_statement)
from studio.core.talent_identity import TalentIdentity
from studio.core.vault.atomic import write_bytes_atomic
from studio.core.vault.keys import public_key_fingerprint

SEEN_FILE = "seen-kits.json"
SEEN_TYPE = "twin-studio/seen-kits"
KEEP_HEADS = 50
MAX_REASON = 2000


@dataclass(frozen=True)
class ShownKit:
    """A kit as the talent's side read it: ``opened`` (verified), and the ``warnings`` to show
    first (the chain going back, a studio key seen for the first time)."""

    opened: OpenedKit
    warnings: list[str] = field(default_factory=list)
    first_kit: bool = False

    @property
    def kit(self) -> dict:
        return self.opened.kit


def read_seen(folder: Path) -> dict:
    """The talent folder's ``seen-kits.json``: the pinned studio key and the heads seen."""
    path = folder / SEEN_FILE
    if not path.is_file():
        return {"type": SEEN_TYPE, "version": 1, "studio_verify_key": None, "heads": []}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise IntegrityError(f"{path} is damaged: it cannot be read (it keeps the kits you have seen)") from exc
    if not isinstance(data, dict) or data.get("type") != SEEN_TYPE or not isinstance(data.get("heads"), list):
        raise IntegrityError(f"{path} is not the list of kits you have seen")
    return data


def chain_warnings(heads: list[dict], seq: int, hash_: str) -> list[str]:
    """Why a kit whose chain head is (``seq``, ``hash_``) does not extend the heads seen before."""
    warnings = []
    last = max(heads, key=lambda h: h.get("seq", -1), default=None)
    if last is not None and seq < last["seq"]:
        warnings.append(f"WARNING: this kit's history ends at event {seq}, but a kit you saw before "
                        f"({last.get('kit')}, {last.get('made_at')}) ended at event {last['seq']}: the studio's "
                        "history went backwards (events were cut or rewritten). Keep both kits and ask why.")
    for h in heads:
        if h.get("seq") == seq and h.get("hash") != hash_:
            warnings.append(f"WARNING: event {seq} of the studio's history is not the one a kit you saw before "
                            f"({h.get('kit')}) showed: the history was rewritten. Keep both kits and ask why.")
            break
    return warnings


def show_kit(path: Path, identity: TalentIdentity, folder: Path) -> ShownKit:
    """Decrypt and verify the kit at ``path``; check the studio's key against the one pinned in
    ``folder`` (the first kit pins it) and its chain head against the heads seen; remember it."""
    path, folder = Path(path), Path(folder)
    if not path.is_file():
        raise NotFound(f"no review kit at {path}")
    opened = open_kit_bytes(path.read_bytes(), identity.identity, str(path))
    kit = opened.kit
    if kit.get("talent", {}).get("verify_key") != identity.card.verify_key:
        raise IntegrityError(f"{path} was made for another talent's key, not yours")
    seen = read_seen(folder)
    first = seen.get("studio_verify_key") is None
    if not first and seen["studio_verify_key"] != opened.studio_key:
        raise IntegrityError(f"{path} is signed by another studio key ({kit['studio'].get('fingerprint')}) than the "
                             "kits you opened before: it is not from your studio, or the studio changed its key — "
                             "ask them before you trust it")
    head = kit.get("chain_head") or {}
    seq, hash_ = head.get("seq"), head.get("hash")
    if not isinstance(seq, int) or not isinstance(hash_, str):
        raise IntegrityError(f"{path} carries no head of the studio's history")
    warnings = chain_warnings(seen["heads"], seq, hash_) + excerpt_warnings(kit, seen["heads"])
    if first:
        warnings.append(f"This is the first kit you opened: the studio key {kit['studio'].get('fingerprint')} is "
                        "now remembered. Check with the studio that it is theirs.")
    if not any(h.get("kit") == opened.id for h in seen["heads"]):
        seen["heads"] = (seen["heads"] + [{"kit": opened.id, "seq": seq, "hash": hash_,
                                           "made_at": kit.get("made_at"), "seen_at": now_iso()}])[-KEEP_HEADS:]
    seen["studio_verify_key"] = opened.studio_key
    write_bytes_atomic(folder / SEEN_FILE, (json.dumps(seen, indent=1) + "\n").encode(), overwrite=True)
    return ShownKit(opened, warnings, first)


@dataclass(frozen=True)
class Choices:
    """What the talent decided (``kit decide``'s options)."""

    approve: tuple[str, ...] = ()
    reject: tuple[str, ...] = ()
    sign: tuple[str, ...] = ()
    decline: tuple[str, ...] = ()
    revoke: tuple[str, ...] = ()
    reason: str | None = None
    pause: tuple[str | None, ...] = ()     # None: all new exports of the talent's likeness
    resume: tuple[str | None, ...] = ()
    request_access: bool = False
    request_erasure: bool = False
    approve_output: tuple[str, ...] = ()  # a brand's outputs, by SHA-256 (DR053)
    reject_output: tuple[str, ...] = ()   # the file's one reason is each rejection's note


def _reason(text: str | None) -> str | None:
    text = (text or "").strip() or None
    if text is not None and len(text) > MAX_REASON:
        raise InvalidInput(f"the reason is longer than {MAX_REASON} characters")
    return text


def _revocation_days(grant: dict) -> tuple[str, str]:
    import datetime as dt

    from studio.core.clock import today_in

    today = today_in(grant["document"]["timezone"])
    return today.isoformat(), (today + dt.timedelta(days=grant["document"]["notice_days"])).isoformat()


def _output_items(kit: dict, tid: str, choices: Choices, reason: str | None, now: str, signed) -> list[dict]:
    """One signed ``twin-studio/output-decision`` per output chosen (the statement the studio's own
    path signs, :func:`output_decision_statement`), for each request of the kit carrying it."""
    approve = [s.strip().lower() for s in choices.approve_output]
    reject = [s.strip().lower() for s in choices.reject_output]
    both = set(approve) & set(reject)
    if both:
        raise InvalidInput(f"output {sorted(both)[0][:16]}… cannot be both approved and rejected")
    note = None
    if reject and reason is not None:
        if len(reason) > NOTE_LIMIT or "\n" in reason or "\r" in reason:
            raise InvalidInput(f"the reason is the note of each rejected output: one line of at most {NOTE_LIMIT} "
                               "characters")
        note = reason
    requests = kit.get("approvals") or []
    items = []
    for kind, shas in (("approve_output", approve), ("reject_output", reject)):
        for sha in dict.fromkeys(shas):
            check_sha(sha, "the output")
            found = [(r, o) for r in requests for o in r.get("outputs", ()) if o["sha256"] == sha]
            if not found:
                left_out = next((o for r in requests for o in r.get("omitted", ()) if o["sha256"] == sha), None)
                if left_out is not None:
                    raise InvalidInput(f"output {sha[:16]}… ({left_out['name']}) is not in this kit "
                                       f"({left_out['reason']}): it cannot be decided from this kit")
                raise InvalidInput(f"output {sha[:16]}… is not awaiting you in this kit")
            for r, o in found:
                statement = output_decision_statement(r["id"], r["package"], r["grant"], tid, sha,
                                                      APPROVED if kind == "approve_output" else REJECTED,
                                                      note if kind == "reject_output" else None, now)
                items.append(signed({"kind": kind, "request": r["id"], "output": sha}, statement))
    return items


def decide(shown: ShownKit, identity: TalentIdentity, choices: Choices, out: Path) -> dict:
    """Sign each decision with the talent's key, and the whole file too; write it to ``out``
    (never overwritten, 0600). Every asset and grant named must be in the kit, in a state the
    decision applies to; nothing is written otherwise."""
    kit, me = shown.kit, identity.card
    out = Path(out)
    if out.exists():
        raise InvalidInput(f"{out} already exists; refusing to overwrite it")
    assets = {a["id"]: a for a in kit["assets"]}
    grants = {g["id"]: g for g in kit["grants"]}
    tid, kid = kit["talent"]["id"], kit["kit"]
    reason = _reason(choices.reason)
    both = set(choices.approve) & set(choices.reject)
    if both:
        raise InvalidInput(f"asset {sorted(both)[0]} cannot be both approved and rejected")
    for a, b in (("sign", "decline"), ("sign", "revoke"), ("decline", "revoke")):
        both = set(getattr(choices, a)) & set(getattr(choices, b))
        if both:
            raise InvalidInput(f"grant {sorted(both)[0]}: give only one of --{a} and --{b}")
    if choices.revoke and reason is None:
        raise InvalidInput("say why you revoke (--reason TEXT)")
    items: list[dict] = []
    now = now_iso()

    def signed(entry: dict, statement: dict) -> dict:
        return {**entry, "kit": kid, "statement": statement, "signature": sign(identity.signing_key, statement)}

    for kind, ids in (("approve", choices.approve), ("reject", choices.reject)):
        for aid in dict.fromkeys(ids):
            asset = assets.get(aid)
            if asset is None:
                raise InvalidInput(f"asset {aid} is not in this kit")
            decision = "approved" if kind == "approve" else "rejected"
            statement = review_statement(new_id("review"), aid, asset["sha256"], tid, decision,
                                         reason if kind == "reject" else None, now)
            items.append(signed({"kind": kind, "asset": aid, "sha256": asset["sha256"]}, statement))

    def grant(gid: str) -> dict:
        g = grants.get(gid)
        if g is None:
            raise InvalidInput(f"grant {gid} is not in this kit")
        return g

    for gid in dict.fromkeys(choices.sign):
        g = grant(gid)
        if not g["awaiting"]:
            raise InvalidInput(f"grant {gid} is {g['state']}: only a draft awaiting you can be signed")
        document = dict(g["document"], talent_public_key=me.verify_key)
        if canonical(document) != base64.b64decode(g["to_sign_b64"]):
            raise IntegrityError(f"grant {gid}: the document to sign is not the one the kit shows")
        items.append({"kind": "sign", "kit": kid, "grant": gid, "grant_sha256": g["sha256"], "document": document,
                      "signature": sign(identity.signing_key, document)})
    for gid in dict.fromkeys(choices.decline):
        g = grant(gid)
        if not g["awaiting"]:
            raise InvalidInput(f"grant {gid} is {g['state']}: only a draft awaiting you can be declined")
        today = _revocation_days(g)[0]
        statement = {"type": "twin-studio/grant-decline", "grant": gid, "grant_sha256": g["sha256"],
                     "reason": reason, "at": now, "revoked_on": today, "effective": today}
        items.append(signed({"kind": "decline", "grant": gid, "grant_sha256": g["sha256"]}, statement))
    for gid in dict.fromkeys(choices.revoke):
        g = grant(gid)
        if g["stored_state"] not in ("signed", "active") or g.get("revocation") is not None:
            raise InvalidInput(f"grant {gid} is {g['state']}: only a signed or active grant can be revoked")
        revoked_on, effective = _revocation_days(g)
        statement = {"type": "twin-studio/grant-revocation", "grant": gid, "grant_sha256": g["sha256"],
                     "revoked_on": revoked_on, "effective": effective, "reason": reason, "at": now}
        items.append(signed({"kind": "revoke", "grant": gid, "grant_sha256": g["sha256"]}, statement))
    for gid in dict.fromkeys(choices.pause):  # the pause statement the studio's own path signs (DR050)
        if gid is not None:
            grant(gid)
        items.append(signed({"kind": "pause", "grant": gid}, pause_statement(tid, gid, at=now)))
    in_force = {p.get("grant"): p for p in kit.get("pauses", [])}
    for gid in dict.fromkeys(choices.resume):
        if gid is not None:
            grant(gid)
        pause = in_force.get(gid)
        if pause is None:
            raise InvalidInput(("exports under grant " + gid if gid else "your exports")
                               + " were not paused when this kit was made: there is nothing to resume")
        statement = {"type": RESUME, "talent": tid, "grant": gid, "pause_sha256": pause["statement_sha256"],
                     "at": now}
        items.append(signed({"kind": "resume", "grant": gid}, statement))
    items += _output_items(kit, tid, choices, reason, now, signed)
    requests = ([("request_access", None)] if choices.request_access else []) + \
               ([("request_erasure", None)] if choices.request_erasure else [])
    for kind, gid in requests:
        statement = {"type": REQUEST_TYPE, "version": VERSION, "request": kind, "kit": kid, "talent": tid,
                     "grant": gid, "at": now}
        items.append(signed({"kind": kind, "grant": gid}, statement))
    if not items:
        raise InvalidInput("no decision given (--approve, --reject, --sign, --decline, --revoke, --pause, --resume, "
                           "--request-access, --request-erasure, --approve-output, --reject-output)")
    body = {"type": DECISIONS_TYPE, "version": VERSION, "decisions_id": new_id("decisions"), "kit": kid,
            "talent": tid, "verify_key": me.verify_key, "fingerprint": public_key_fingerprint(
                identity.signing_key.public_key()), "made_at": now, "chain_head": kit["chain_head"],
            "decisions": items}
    doc = dict(body, signature=sign(identity.signing_key, envelope_body(body)))
    write_bytes_atomic(out, (json.dumps(doc, indent=1, ensure_ascii=False) + "\n").encode())
    return doc
