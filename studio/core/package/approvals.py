"""The approval of each output, the studio's side (issue 14, DR047).

A brand sends a signed request (:mod:`studio.core.package.approval_brand`) with the outputs it
made from a package, encrypted to the studio. :func:`import_request` checks it — the brand's
signature against the registered brand the package was made for, the package as exported, each
output against its hash, the intended use against the grant through the one consent policy
(:func:`studio.core.consent.policy.check_use`) — and keeps the outputs as encrypted blobs. The
talent decides on each output with their own key: :func:`decide_outputs` with a key the studio
holds (under the talent's passphrase), :func:`apply_output_decisions` with statements the
talent signed elsewhere (a decisions file, their own device). :func:`respond` writes the
answer for the brand: the talent's signed decisions, countersigned by the studio, and for each
approved output a copy carrying C2PA content credentials, encrypted to the brand.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import pyrage
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import select

from studio.core import clock
from studio.core.changes import Changes
from studio.core.clock import now_iso
from studio.core.consent.grants import get_grant
from studio.core.consent.policy import check_use
from studio.core.consent.signing import canonical, sign, verify
from studio.core.consent.talent_keys import TalentKey, keyring, refuse_if_own_device, require_studio_held
from studio.core.credentials.authority import content_authority
from studio.core.credentials.content import (
    CredentialFacts, check_signed_bytes, checked_facts, manifest_definition, media_of_bytes, sign_bytes,
)
from studio.core.errors import ConsentError, IntegrityError, InvalidInput, NotFound, TalentSignsOnOwnDevice
from studio.core.ids import parse_id
from studio.core.ledger.report_file import check_use_fields
from studio.core.package.approval_files import (
    APPROVED, DECISION_TYPE, DECISIONS, NOTE_LIMIT, REJECTED, RESPONSE_TYPE, VERSION, body_of, check_sha, decode,
    encode, output_decision_statement, read_request, request_signed_by, sha256,
)
from studio.core.package.publish import publish_new
from studio.core.text import check_name
from studio.core.vault import Vault, audit
from studio.core.vault.atomic import finish_temp, temp_file
from studio.core.vault.catalog import ApprovalOutput, ApprovalRequest, Brand, Package
from studio.core.vault.keys import public_key_b64, public_key_fingerprint
from studio.core.vault.writes import add_blob_rows, clear_intent, publish_with_intent

APPROVAL_LABEL = "io.twinstudio.approval"
PLUS_MR_LMR = "http://ns.useplus.org/ldf/vocab/MR-LMR"
CAWG_ENTRIES = ("cawg.ai_inference", "cawg.ai_generative_training", "cawg.ai_training", "cawg.data_mining")

__all__ = ["ApprovalRecord", "OutputRecord", "Responded", "apply_output_decisions", "apply_output_decisions_in",
           "decide_outputs", "decision_statement", "get_request", "import_request", "list_requests", "own_device_refusal", "respond",
           "verify_approvals"]


@dataclass(frozen=True)
class OutputRecord:
    sha256: str
    name: str
    media_type: str
    size: int
    decision: str | None = None
    note: str | None = None
    decided_at: str | None = None

    def to_json(self) -> dict:
        return dict(self.__dict__)


@dataclass(frozen=True)
class ApprovalRecord:
    id: str
    package_id: str
    grant_id: str
    talent_id: str
    brand_id: str
    brand: str
    created_at: str
    responded_at: str | None
    use: dict
    outputs: list[OutputRecord] = field(default_factory=list)

    @property
    def changes(self) -> Changes:
        """What the call that returned this record changed (DR013): the talent's statement lists
        the outputs they approved (``ledger``), and the audit chain grew."""
        return Changes(ledger={self.talent_id}, audit=True)

    @property
    def undecided(self) -> list[str]:
        return [o.sha256 for o in self.outputs if o.decision is None]

    def to_json(self) -> dict:
        return {"id": self.id, "package": self.package_id, "grant": self.grant_id, "talent": self.talent_id,
                "brand": self.brand, "brand_id": self.brand_id, "created_at": self.created_at,
                "responded_at": self.responded_at, "use": self.use, "outputs": [o.to_json() for o in self.outputs]}


def _request_doc(vault: Vault, row: ApprovalRequest) -> dict:
    return json.loads(vault.fields.open(row.request_sealed, f"approval_requests.request:{row.id}"))


def _statement(vault: Vault, o: ApprovalOutput) -> dict | None:
    if o.statement_sealed is None:
        return None
    return json.loads(vault.fields.open(o.statement_sealed, f"approval_outputs.statement:{o.request_id}:{o.sha256}"))


def _record(vault: Vault, s, row: ApprovalRequest) -> ApprovalRecord:
    doc = _request_doc(vault, row)
    names = {o["sha256"]: o["name"] for o in doc["outputs"]}
    order = [o["sha256"] for o in doc["outputs"]]
    rows = {o.sha256: o for o in s.execute(select(ApprovalOutput).where(ApprovalOutput.request_id == row.id)).scalars()}
    outputs = []
    for sha in order:
        o = rows[sha]
        st = _statement(vault, o) or {}
        outputs.append(OutputRecord(sha, names[sha], o.media_type, o.size, o.decision, st.get("note"), o.decided_at))
    brand = s.get(Brand, row.brand_id)
    return ApprovalRecord(row.id, row.package_id, row.grant_id, row.talent_id, row.brand_id, brand.name,
                          row.created_at, row.responded_at, doc["use"], outputs)


def get_request(vault: Vault, request_id: str) -> ApprovalRecord:
    rid = parse_id("approval", request_id)
    with vault.session() as s:
        row = s.get(ApprovalRequest, rid)
        if row is None:
            raise NotFound(f"no approval request {rid} in this vault (see `twin-studio approval list`)")
        return _record(vault, s, row)


def list_requests(vault: Vault, talent_id: str | None = None) -> list[ApprovalRecord]:
    q = select(ApprovalRequest).order_by(ApprovalRequest.created_at)
    if talent_id is not None:
        q = q.where(ApprovalRequest.talent_id == parse_id("talent", talent_id))
    with vault.session() as s:
        return [_record(vault, s, row) for row in s.execute(q).scalars()]


# -- import -------------------------------------------------------------------------------------

def _refuse(message: str) -> None:
    raise IntegrityError(message + "; nothing was imported")


def import_request(vault: Vault, path: Path) -> ApprovalRecord:
    """Verify a brand's approval request and keep it, its outputs encrypted in the vault's blob
    store, for the talent to decide on. Refused, changing nothing: a request not signed by the
    brand the package was made for, for a package this vault did not export (or not as
    exported), an output that does not match its hash, a use outside the grant (the consent
    policy's reasons), a request imported before."""
    r = read_request(Path(path))
    rid = r["request_id"]
    with vault.session() as s:
        pkg = s.get(Package, r["package"])
        if pkg is None:
            raise NotFound(f"the request is for package {r['package']}, which this vault did not export; "
                           "nothing was imported")
        brand = s.get(Brand, pkg.brand_id)
        brand_name, verify_key, brand_id = brand.name, brand.verify_key, brand.id
        pkg_id, grant_id, talent_id, manifest_sha = pkg.id, pkg.grant_id, pkg.talent_id, pkg.manifest_sha256
        if s.get(ApprovalRequest, rid) is not None:
            raise InvalidInput(f"approval request {rid} was already imported; nothing was imported")
    if r["brand"]["verify_key"] != verify_key or not request_signed_by(r, verify_key):
        _refuse(f"the request is not signed by {brand_name}, the brand package {pkg_id} was made for")
    if r["manifest_sha256"] != manifest_sha or r["grant"] != grant_id or r["brand"]["id"] != brand_id:
        _refuse(f"the request does not match package {pkg_id} as it was exported")
    studio_key = vault.studio_signing_key().public_key()
    if r["studio"]["recipient"] != vault.header.recipient or r["studio"]["public_key"] != public_key_b64(studio_key):
        _refuse("the request is addressed to another studio")
    u = r["use"]
    use = check_use_fields(u.get("description", ""), u.get("purpose", ""), u.get("media", ""),
                           u.get("territory", ""), clock.now().date().isoformat(), 1)
    decision = check_use(vault, grant_id, use["purpose"], use["media"], use["territory"])
    if not decision.permitted:
        raise ConsentError(f"request {rid} is outside grant {grant_id}: {'; '.join(decision.reasons)}; "
                           "nothing was imported")
    outputs = []
    for o in r["outputs"]:
        sha = o["sha256"]
        ct = decode(r, sha, f"output {sha[:16]}…")
        if sha256(ct) != o["encrypted_sha256"]:
            _refuse(f"output {sha[:16]}… was changed after the brand signed the request")
        plain = vault.decrypt_addressed(ct, f"output {sha[:16]}…")
        if sha256(plain) != sha or len(plain) != o["size"]:
            _refuse(f"output {sha[:16]}… does not match the hash the brand signed")
        media = media_of_bytes(plain[:16], o["name"])
        if media.mime != o["media_type"]:
            _refuse(f"output {sha[:16]}… is a {media.name}, not the {o['media_type']} the request says")
        outputs.append((o, plain))
    kept = {**body_of(r), "signature": r["signature"]}  # the brand's signed request, without the ciphertexts
    with vault.staging() as area:
        staged = [("blobs", vault.blobs.stage_bytes(plain, area.folder, talent_id)) for _, plain in outputs]
        vault.upload_staged(area, staged)
        with vault.writer_lock():
            with vault.session() as s:
                if s.get(ApprovalRequest, rid) is not None:  # imported by another station meanwhile
                    raise InvalidInput(f"approval request {rid} was already imported; nothing was imported")
            now = now_iso()
            fresh = publish_with_intent(vault, staged, now)
            with vault.session() as s:
                add_blob_rows(s, fresh, now)
                s.add(ApprovalRequest(id=rid, package_id=pkg_id, grant_id=grant_id, talent_id=talent_id,
                                      brand_id=brand_id, signature=r["signature"], created_at=now,
                                      request_sealed=vault.fields.seal(json.dumps(kept),
                                                                       f"approval_requests.request:{rid}")))
                s.flush()
                for o, _ in outputs:
                    s.add(ApprovalOutput(request_id=rid, sha256=o["sha256"], media_type=o["media_type"],
                                         size=o["size"]))
                clear_intent(s, fresh)
                audit.append(s, "approval.imported", rid,
                             {"package": pkg_id, "grant": grant_id, "brand": brand_id, "signature": r["signature"],
                              "outputs": [o["sha256"] for o, _ in outputs]}, actor=brand_id)
                s.flush()
                return _record(vault, s, s.get(ApprovalRequest, rid))


# -- the talent's decisions ---------------------------------------------------------------------

def decision_statement(record: ApprovalRecord, output_sha256: str, decision: str, note: str | None = None,
                       at: str | None = None) -> dict:
    """The statement the talent signs for one output (with any of their keys: here, or on their
    own device for a decisions file: :func:`~studio.core.package.approval_files.output_decision_statement`)."""
    return output_decision_statement(record.id, record.package_id, record.grant_id, record.talent_id, output_sha256,
                                     decision, note, at or now_iso())


def own_device_refusal(vault: Vault, talent_id: str) -> None:
    """:class:`~studio.core.errors.TalentSignsOnOwnDevice` when the talent holds their own key:
    the studio cannot decide for them; their decisions come in a decisions file."""
    try:
        refuse_if_own_device(vault, talent_id)
    except TalentSignsOnOwnDevice as exc:
        raise TalentSignsOnOwnDevice(
            f"talent {talent_id} holds their own key: the studio cannot decide for them — their decisions come "
            "back signed on their device, in a decisions file") from exc


def decide_outputs(vault: Vault, request_id: str, key: TalentKey, approve: Iterable[str] = (),
                   reject: Iterable[str] = (), note: str | None = None) -> ApprovalRecord:
    """The talent's decisions on outputs of a request, signed with their studio-held key
    (unlocked by their passphrase). A talent who holds their own key is refused
    (:class:`~studio.core.errors.TalentSignsOnOwnDevice`)."""
    rec = get_request(vault, request_id)
    own_device_refusal(vault, rec.talent_id)
    if key.talent_id != rec.talent_id:
        raise InvalidInput(f"request {rec.id} is for talent {rec.talent_id}'s likeness, not {key.talent_id}'s")
    approve, reject = [a.strip().lower() for a in approve], [r.strip().lower() for r in reject]
    if not approve and not reject:
        raise InvalidInput("say which outputs the talent approves or rejects (--approve / --reject SHA256)")
    both = set(approve) & set(reject)
    if both:
        raise InvalidInput(f"output {sorted(both)[0][:16]}… is both approved and rejected")
    at = now_iso()
    statements = [decision_statement(rec, sha, APPROVED, note, at) for sha in approve] + \
                 [decision_statement(rec, sha, REJECTED, note, at) for sha in reject]
    return apply_output_decisions(vault, rec.id, [(st, sign(key.private, st)) for st in statements],
                                  studio_held=True)


def apply_output_decisions(vault: Vault, request_id: str, decisions: Iterable[tuple[dict, str]], *,
                           studio_held: bool = False) -> ApprovalRecord:
    """Record the talent's signed decisions ``[(statement, signature)]`` on outputs of a request
    (:func:`decision_statement`; signed with the talent's current key, or one retired after the
    statement's date). All or none: a signature that does not verify, an output not in the
    request or decided before, a statement about another request is refused, nothing recorded."""
    rid = parse_id("approval", request_id)
    decisions = list(decisions)
    if not decisions:
        raise InvalidInput("no decisions given")
    with vault.writer_lock(), vault.session() as s:
        row = apply_output_decisions_in(s, vault, rid, decisions, studio_held=studio_held)
        return _record(vault, s, row)


def apply_output_decisions_in(s, vault: Vault, request_id: str, decisions: list[tuple[dict, str]], *,
                              studio_held: bool = False, decisions_id: str | None = None) -> ApprovalRequest:
    """:func:`apply_output_decisions` inside the caller's transaction (under the writer lock): the
    import of a decisions file applies the talent's output decisions with its other decisions, all
    or none (DR053; ``decisions_id`` names the file in the audit event). Raises before changing
    anything; returns the request's row."""
    rid = parse_id("approval", request_id)
    if not decisions:
        raise InvalidInput("no decisions given")
    row = s.get(ApprovalRequest, rid)
    if row is None:
        raise NotFound(f"no approval request {rid} in this vault")
    if studio_held:
        require_studio_held(s, row.talent_id)
    ring = keyring(s, row.talent_id)
    outputs = {o.sha256: o for o in s.execute(select(ApprovalOutput)
                                               .where(ApprovalOutput.request_id == rid)).scalars()}
    seen = set()
    for st, sig in decisions:
        if not isinstance(st, dict) or not isinstance(sig, str):
            raise InvalidInput("a decision is a statement and its signature")
        expected = {"type": DECISION_TYPE, "version": VERSION, "request": rid, "package": row.package_id,
                    "grant": row.grant_id, "talent": row.talent_id}
        if any(st.get(k) != v for k, v in expected.items()):
            raise InvalidInput(f"a decision is not about request {rid} (another request, package or talent)")
        sha = str(st.get("output"))
        if sha not in outputs:
            raise InvalidInput(f"output {sha[:16]}… is not in request {rid}")
        if outputs[sha].decision is not None or sha in seen:
            raise InvalidInput(f"output {sha[:16]}… of request {rid} was decided already "
                               f"({outputs[sha].decision or 'twice in these decisions'})")
        seen.add(sha)
        if st.get("decision") not in DECISIONS:
            raise InvalidInput(f"a decision is {' or '.join(DECISIONS)}, not {st.get('decision')!r}")
        check_name(st.get("note"), "the note", NOTE_LIMIT, required=False)
        if not isinstance(st.get("at"), str) or not ring.verifies(st, sig, st["at"]):
            raise IntegrityError(f"the decision on output {sha[:16]}… is not signed by talent "
                                 f"{row.talent_id}'s key; nothing was recorded")
    for st, sig in decisions:
        o = outputs[st["output"]]
        o.decision, o.signature, o.decided_at = st["decision"], sig, st["at"]
        o.statement_sealed = vault.fields.seal(canonical(st).decode(),
                                               f"approval_outputs.statement:{rid}:{o.sha256}")
        details = {"output": o.sha256, "decision": o.decision, "signature": sig, "at": o.decided_at}
        audit.append(s, "approval.decided", rid, details if decisions_id is None else dict(details, decisions=decisions_id),
                     actor=row.talent_id)
    s.flush()
    return row


# -- the answer ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Responded:
    path: Path
    request_id: str
    approved: list[str]
    rejected: list[str]
    root_fingerprint: str

    @property
    def changes(self) -> Changes:
        return Changes(audit=True)

    def to_json(self) -> dict:
        return {"path": str(self.path), "request": self.request_id, "approved": self.approved,
                "rejected": self.rejected, "root_fingerprint": self.root_fingerprint}


def approval_assertions(facts: CredentialFacts, training: str, grant_id: str, output_sha256: str) -> list[dict]:
    """What an approved output's credentials state beyond DR044's: the grant's training terms
    (``cawg.training-mining``), the PLUS model release (``MR-LMR``, the grant as its id), and
    the talent's approval of this output."""
    use = "allowed" if training == "allowed" else "notAllowed"
    return [
        {"label": "cawg.training-mining", "data": {"entries": {e: {"use": use} for e in CAWG_ENTRIES}}},
        {"label": "stds.iptc.photo-metadata",
         "data": {"@context": {"plus": "http://ns.useplus.org/ldf/xmp/1.0/"},
                  "plus:ModelReleaseStatus": PLUS_MR_LMR, "plus:ModelReleaseID": [grant_id]}},
        {"label": APPROVAL_LABEL, "data": {"version": 1, "approval": facts.approval, "output": output_sha256,
                                           "talent_key_fingerprint": facts.approved_by,
                                           "approved_at": facts.approved_at}},
    ]


def _signing_key(ring, statements: list[tuple[dict, str]]) -> str:
    keys = set()
    for st, sig in statements:
        found = [k for k in ring.keys_for(st["at"]) if verify(k, st, sig)]
        if not found:
            raise IntegrityError(f"the decision on output {st['output'][:16]}… no longer verifies (altered?)")
        keys.add(found[0])
    if len(keys) != 1:
        raise InvalidInput("the decisions on this request were signed with different keys of the talent; "
                           "one answer carries one key")
    return keys.pop()


def respond(vault: Vault, request_id: str, out: Path) -> Responded:
    """Write the answer to a request whose outputs are all decided: the talent's signed
    decisions, countersigned by the studio, and for each approved output a copy with content
    credentials (checked against the studio root before it is sent), encrypted to the brand."""
    rec = get_request(vault, request_id)
    out = Path(out)
    if out.exists():
        raise InvalidInput(f"{out} already exists")
    if rec.undecided:
        raise InvalidInput(f"request {rec.id}: the talent has not decided on {len(rec.undecided)} output(s) yet "
                           f"({', '.join(sha[:16] + '…' for sha in rec.undecided)})")
    with vault.session() as s:
        row = s.get(ApprovalRequest, rec.id)
        kept = _request_doc(vault, row)
        rows = {o.sha256: o for o in s.execute(select(ApprovalOutput)
                                                .where(ApprovalOutput.request_id == rec.id)).scalars()}
        signed = [(_statement(vault, rows[o.sha256]), rows[o.sha256].signature) for o in rec.outputs]
        ring = keyring(s, rec.talent_id)
        recipient = s.get(Brand, rec.brand_id).recipient
    for o, (st, _) in zip(rec.outputs, signed):  # the catalog's column must say what the talent signed
        if (st or {}).get("decision") != o.decision or st.get("output") != o.sha256:
            raise IntegrityError(f"request {rec.id}: the decision on output {o.sha256[:16]}… in the catalog is not "
                                 "the one the talent signed (altered); nothing was written — run `twin-studio check`")
    talent_key = _signing_key(ring, signed)
    fingerprint = public_key_fingerprint(Ed25519PublicKey.from_public_bytes(base64.b64decode(talent_key)))
    grant = get_grant(vault, rec.grant_id)
    authority = content_authority(vault)
    to_brand = pyrage.x25519.Recipient.from_str(recipient)
    encrypted, listed, approved, rejected = {}, [], [], []
    for o, (st, _) in zip(rec.outputs, signed):
        entry = {"sha256": o.sha256, "decision": o.decision, "note": st.get("note"), "credentialed": None}
        if o.decision == APPROVED:
            data = vault.blobs.read_bytes(o.sha256)
            media = media_of_bytes(data[:16], o.name)
            facts = checked_facts(vault, CredentialFacts(
                talent=rec.talent_id, package=rec.package_id, approval=rec.id, approved_by=fingerprint,
                approved_at=st["at"], composite=bool(rec.use.get("composite"))))
            manifest = manifest_definition(facts, o.name, media,
                                           approval_assertions(facts, grant.document.get("training", "prohibited"),
                                                               rec.grant_id, o.sha256))
            credentialed = sign_bytes(authority, data, media, manifest)
            check = check_signed_bytes(credentialed, media, Path(o.name), [authority.root_pem])
            if not check.trusted:
                raise IntegrityError(f"the credentials made for output {o.sha256[:16]}… did not verify "
                                     f"({'; '.join(check.problems)})")
            ct = pyrage.encrypt(credentialed, [to_brand])
            csha = sha256(credentialed)
            encrypted[csha] = encode(ct)
            entry["credentialed"] = {"sha256": csha, "media_type": media.mime, "encrypted_sha256": sha256(ct)}
            approved.append(o.sha256)
        else:
            rejected.append(o.sha256)
        listed.append(entry)
    studio_key = vault.studio_signing_key()
    body = {"type": RESPONSE_TYPE, "version": VERSION, "request": body_of(kept, "signature"),
            "request_signature": kept["signature"],
            "talent": {"id": rec.talent_id, "public_key": talent_key, "fingerprint": fingerprint},
            "decisions": [{"statement": st, "signature": sig} for st, sig in signed],
            "outputs": listed, "root_certificate": authority.root_pem.decode(), "responded_at": now_iso(),
            "studio": {"key_fingerprint": public_key_fingerprint(studio_key.public_key())}}
    doc = {**body, "studio_signature": sign(studio_key, body), "encrypted": encrypted}
    data = (json.dumps(doc, indent=1, ensure_ascii=False) + "\n").encode()
    with vault.session() as s:
        row = s.get(ApprovalRequest, rec.id)
        row.responded_at = body["responded_at"]
        audit.append(s, "approval.responded", rec.id,
                     {"sha256": sha256(data), "approved": approved, "rejected": rejected,
                      "credentialed": sorted(encrypted), "root": authority.root_fingerprint})
        with temp_file(out.parent, suffix="-" + out.name) as (tmp, fh):  # inside: a failed write records nothing
            fh.write(data)
            finish_temp(fh)
            try:
                publish_new(tmp, out, mode=0o600)
            except FileExistsError:
                tmp.unlink(missing_ok=True)
                raise InvalidInput(f"{out} already exists (it appeared meanwhile); nothing was written") from None
    return Responded(out, rec.id, approved, rejected, authority.root_fingerprint)


# -- check --------------------------------------------------------------------------------------

def verify_approvals(vault: Vault) -> list[str]:
    """For ``check``: every approval request and every decision matches the audit event that
    recorded it, none was removed, each sealed field opens, and each decision is still signed by
    the talent (their current key, or one retired after the decision)."""
    from studio.core.vault.catalog import AuditEvent

    problems = []
    with vault.session() as s:
        imported, decided = {}, {}
        for e in s.execute(select(AuditEvent).where(AuditEvent.action.in_(("approval.imported", "approval.decided")))
                           ).scalars():
            details = json.loads(e.details)
            if e.action == "approval.imported":
                imported[e.subject] = details
            else:
                decided[(e.subject, details.get("output"))] = details
        rows = {r.id: r for r in s.execute(select(ApprovalRequest)).scalars()}
        rings = {}
        for rid, row in rows.items():
            ev = imported.get(rid)
            if ev is None:
                problems.append(f"approval request {rid} has no audit event (added outside Twin Studio)")
            elif (ev.get("signature"), ev.get("package"), ev.get("grant"), ev.get("brand")) != (
                    row.signature, row.package_id, row.grant_id, row.brand_id):
                problems.append(f"approval request {rid} differs from what its audit event recorded (altered)")
            try:
                _request_doc(vault, row)
            except IntegrityError:
                problems.append(f"approval request {rid}: its sealed request was altered")
        for rid in sorted(set(imported) - set(rows)):
            problems.append(f"approval request {rid} is in the audit chain but missing from the catalog (removed)")
        for o in s.execute(select(ApprovalOutput)).scalars():
            key = (o.request_id, o.sha256)
            ev = decided.get(key)
            if o.decision is None:
                if ev is not None:
                    problems.append(f"approval request {o.request_id}: the decision on output {o.sha256[:16]}… "
                                    "is in the audit chain but missing from the catalog (removed)")
                continue
            if ev is None or (ev.get("decision"), ev.get("signature")) != (o.decision, o.signature):
                problems.append(f"approval request {o.request_id}: the decision on output {o.sha256[:16]}… differs "
                                "from what its audit event recorded (altered)")
                continue
            try:
                st = _statement(vault, o)
            except (IntegrityError, ValueError):
                problems.append(f"approval request {o.request_id}: the decision on output {o.sha256[:16]}… "
                                "was altered (its sealed statement does not open)")
                continue
            row = rows.get(o.request_id)
            if row is None:
                continue
            ring = rings.get(row.talent_id) or rings.setdefault(row.talent_id, keyring(s, row.talent_id))
            if (st or {}).get("decision") != o.decision or not ring.verifies(st, o.signature, st.get("at")):
                problems.append(f"approval request {o.request_id}: the decision on output {o.sha256[:16]}… is not "
                                f"signed by talent {row.talent_id}")
    return problems
