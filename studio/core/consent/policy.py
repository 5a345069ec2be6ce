"""The one policy function: may this grant be used for this purpose, medium, territory and
day? Every export goes through it. It answers with every reason, not the first — after it has
verified what it relies on (:mod:`studio.core.consent.evidence`): a vault whose records disagree
raises :class:`IntegrityError` instead of an answer."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from studio.core.assets import get_asset
from studio.core.consent import vocab
from studio.core.consent.evidence import require_export_basis
from studio.core.consent.grants import get_grant
from studio.core.consent.pause import pause_message, paused_by
from studio.core.errors import IntegrityError, InvalidInput
from studio.core.types import AssetStatus
from studio.core.vault import Vault


@dataclass(frozen=True)
class Decision:
    permitted: bool
    reasons: list[str] = field(default_factory=list)
    grant_id: str = ""

    def to_json(self) -> dict:
        return {"grant": self.grant_id, "decision": "permitted" if self.permitted else "refused",
                "reasons": self.reasons}


def check_use(vault: Vault, grant_id: str, purpose: str, medium: str, territory: str,
              on: dt.date | str | None = None) -> Decision:
    purpose_ok = vocab.purposes([purpose])[0]
    medium_ok = vocab.media([medium])[0]
    territory_ok = vocab.territory(territory)
    try:
        rec = get_grant(vault, grant_id)
    except IntegrityError as exc:
        return Decision(False, [f"signature invalid: {exc}"], grant_id)
    if isinstance(on, str):
        try:
            on = dt.date.fromisoformat(on)
        except ValueError as exc:
            raise InvalidInput(f"date {on!r} is not YYYY-MM-DD") from exc
    day = on or rec.today()
    doc, reasons = rec.document, []
    status = rec.status(day)
    not_active = {  # only "active" permits; "expired" is said by the end date below
        "revoked": f"revoked by the talent (effective {(rec.revocation or {}).get('effective')})",
        "declined": "declined by the talent",
        "draft": "not active: still a draft the talent has not signed",
        "signed": "not active: signed by the talent but not yet activated by the studio",
    }
    from studio.core.erasure import erasure_refusal

    erased = erasure_refusal(vault, rec.talent_id)
    if erased is not None:  # the grant is void: its assets are gone (DR055)
        return Decision(False, [erased], rec.id)
    paused = paused_by(vault, rec.talent_id, rec.id)
    if paused is not None:
        reasons.append(pause_message(paused))
    if status not in ("active", "expired"):
        reasons.append(not_active.get(status, f"not active ({status})"))
    reasons += scope_reasons(doc, purpose_ok, medium_ok, territory_ok, day)
    # uses, revocation and approvals as the audit chain and the talent's signatures establish
    # them, not as the catalog's columns say: an edited catalog raises IntegrityError (DR016)
    decided = require_export_basis(vault, rec.id, [a["id"] for a in doc["assets"]])
    if rec.uses_left <= 0:
        reasons.append(f"no uses left (all {doc['max_uses']} used)")
    for a in doc["assets"]:
        asset = get_asset(vault, a["id"])
        if asset.sha256 != a["sha256"]:
            reasons.append(f"asset {a['id']} is not the one the talent signed for")
        elif decided[a["id"]] != AssetStatus.APPROVED:
            reasons.append(f"asset {a['id']} not approved by the talent ({decided[a['id']].replace('_', ' ')})")
    return Decision(not reasons, reasons, rec.id)


def scope_reasons(doc: dict, purpose: str, medium: str, territory: str, day: dt.date) -> list[str]:
    """Why a use on ``day`` falls outside a grant document's dates and scope (empty: inside)."""
    reasons = []
    if day < dt.date.fromisoformat(doc["start"]):
        reasons.append(f"not yet started (starts {doc['start']})")
    if day > dt.date.fromisoformat(doc["end"]):
        reasons.append(f"ended on {doc['end']}")
    if territory not in doc["territories"]:
        reasons.append(f"territory {territory} not granted (granted: {', '.join(doc['territories'])})")
    if purpose not in doc["purposes"]:
        reasons.append(f"purpose {purpose} not granted (granted: {', '.join(doc['purposes'])})")
    if medium not in doc["media"]:
        reasons.append(f"medium {medium} not granted (granted: {', '.join(doc['media'])})")
    return reasons
