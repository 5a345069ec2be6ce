"""The grant document: exactly what the talent reads and signs, as plain data.

``build_document`` validates every field and names what is wrong. Assets are bound by id and
SHA-256; modalities follow from them (a scan under 0.5 m tall is a face/head scan, a taller one
a body scan; a voice take is voice).
"""

from __future__ import annotations

import datetime as dt

from studio.core.assets import AssetRecord
from studio.core.consent import fees, vocab
from studio.core.errors import InvalidInput
from studio.core.text import check_name

VERSION = 1
FIELDS = ("licensee", "assets", "use_description", "purposes", "media", "territories", "start", "end",
          "max_uses", "fee", "currency", "fee_basis", "fee_cap", "ai_label", "training", "exclude", "notice_days",
          "exclusive", "represented_by", "jurisdiction", "timezone", "language")
FACE_MAX_HEIGHT_M = 0.5


def _text(value, what: str, limit: int, required: bool = True) -> str | None:
    text = (value or "").strip() if isinstance(value, (str, type(None))) else None
    if text is None:
        raise InvalidInput(f"{what} must be text")
    if not text:
        if required:
            raise InvalidInput(f"{what} is required")
        return None
    if len(text) > limit or any(ord(c) < 32 and c not in "\n\t" for c in text):
        raise InvalidInput(f"{what} is longer than {limit} characters or holds control characters")
    return text


def _list(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [v for v in value.split(",")]
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return list(value)
    raise InvalidInput(f"expected a list of words, got {value!r}")


def _date(value, what: str) -> str:
    try:
        return dt.date.fromisoformat(str(value).strip()).isoformat()
    except ValueError as exc:
        raise InvalidInput(f"{what} {value!r} is not a date (YYYY-MM-DD)") from exc


def modality(asset: AssetRecord) -> str:
    if asset.kind == "voice":
        return "voice"
    height = asset.metrics.get("height_m") or 0
    return "face" if 0 < height < FACE_MAX_HEIGHT_M else "body"


def build_document(grant_id: str, talent_id: str, talent_public_key: str | None, assets: list[AssetRecord],
                   fields: dict, created_at: str) -> dict:
    unknown = sorted(set(fields) - set(FIELDS))
    if unknown:
        raise InvalidInput(f"unknown grant field(s): {', '.join(unknown)}")
    if not assets:
        raise InvalidInput("a grant names at least one asset")
    others = [a.id for a in assets if a.talent_id != talent_id]
    if others:
        raise InvalidInput(f"asset(s) {', '.join(others)} show another talent, not {talent_id}")
    purposes = vocab.purposes(_list(fields.get("purposes")))
    media = vocab.media(_list(fields.get("media")))
    territories = vocab.territories(_list(fields.get("territories")))
    for what, values in (("purpose", purposes), ("medium", media), ("territory", territories)):
        if not values:
            raise InvalidInput(f"a grant names at least one {what}")
    start, end = _date(fields.get("start"), "start date"), _date(fields.get("end"), "end date")
    if end < start:
        raise InvalidInput(f"the end date {end} is before the start date {start}")
    try:
        max_uses = int(fields.get("max_uses"))
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"max uses {fields.get('max_uses')!r} is not a whole number") from exc
    if not 1 <= max_uses <= 1_000_000:
        raise InvalidInput("max uses must be between 1 and 1,000,000")
    fee = fees.build_fee(fields, max_uses)
    ai_label = (fields.get("ai_label") or "required").strip()
    if ai_label not in ("required", "not-required"):
        raise InvalidInput("AI labelling is 'required' or 'not-required'")
    training = (fields.get("training") or "prohibited").strip()
    if training not in ("prohibited", "allowed"):
        raise InvalidInput("training is 'prohibited' or 'allowed'")
    notice = fields.get("notice_days", 30)
    try:
        notice = int(notice)
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"notice days {notice!r} is not a whole number") from exc
    if not 0 <= notice <= 365:
        raise InvalidInput("the notice period is 0 to 365 days")
    jurisdiction = vocab.territory(fields.get("jurisdiction") or territories[0])
    timezone = (fields.get("timezone") or vocab.JURISDICTION_TZ.get(jurisdiction) or "UTC").strip()
    try:
        import zoneinfo

        zoneinfo.ZoneInfo(timezone)
    except Exception as exc:
        raise InvalidInput(f"{timezone!r} is not a time zone name (e.g. Europe/Paris)") from exc
    return {
        "type": "twin-studio/grant", "version": VERSION, "grant": grant_id, "created_at": created_at,
        "talent": talent_id, "talent_public_key": talent_public_key,
        "licensee": check_name(fields.get("licensee"), "the licensee", 200),
        "represented_by": check_name(fields.get("represented_by"), "the representative", 200, required=False),
        "assets": [{"id": a.id, "sha256": a.sha256, "kind": a.kind, "modality": modality(a)}
                   for a in sorted(assets, key=lambda a: a.id)],
        "modalities": sorted({modality(a) for a in assets}),
        "use_description": _text(fields.get("use_description"), "the description of the use", 2000),
        "purposes": purposes, "media": media, "territories": territories,
        "start": start, "end": end, "timezone": timezone, "jurisdiction": jurisdiction,
        "max_uses": max_uses, "fee": fee,
        "ai_label": ai_label, "training": training,
        "excluded": vocab.excluded(_list(fields.get("exclude"))),
        "notice_days": notice, "exclusive": bool(fields.get("exclusive", False)),
        "language": vocab.language(fields.get("language") or "en"),
    }


_KINDS = {"body": "body scan", "face": "face scan", "voice": "voice"}


def _terms(doc: dict) -> list[str]:
    """Where and when: the same in both voices."""
    return [
        f"Where: {', '.join(vocab.MEDIA[m] for m in doc['media'])}; in {', '.join(doc['territories'])}.",
        f"When: from {doc['start']} to {doc['end']} inclusive ({doc['timezone']} time), at most "
        f"{doc['max_uses']} use{'s' if doc['max_uses'] != 1 else ''}.",
    ]


def _scope(doc: dict) -> str:
    what = " and ".join(_KINDS[m] for m in doc["modalities"])
    n = len(doc["assets"])
    return f"{what} ({n} asset{'s' if n != 1 else ''}) for: {', '.join(vocab.PURPOSES[p] for p in doc['purposes'])}."


def _rules(doc: dict, likeness: str) -> list[str]:
    """Labelling, training (``likeness``: whose, in the voice's words) and what is never allowed."""
    lines = [
        "AI-made images or audio must be labelled as such." if doc["ai_label"] == "required"
        else "AI labelling is not required.",
        f"Training AI models on {likeness} is not allowed." if doc["training"] == "prohibited"
        else f"Training AI models on {likeness} is allowed.",
    ]
    if doc["excluded"]:
        lines.append(f"Never for: {', '.join(vocab.EXCLUDED[e] for e in doc['excluded'])}.")
    return lines


EXCLUSIVE = "It is exclusive: no one else may be granted the same use meanwhile."


def summary(doc: dict) -> str:
    """The grant in plain words, in the talent's voice: what the talent reads before signing (and
    wherever the talent or the studio reads it). The brand reads :func:`brand_summary`."""
    lines = [f"{doc['licensee']} may use your {_scope(doc)}", *_terms(doc),
             f"Pay: {fees.words(doc)}.",
             f"What it is for: {doc['use_description']}", *_rules(doc, "your likeness"),
             f"You can withdraw this consent at any time; it then ends after {doc['notice_days']} days' notice."]
    if doc["exclusive"]:
        lines.append(EXCLUSIVE)
    return "\n".join(lines)


def _days(n: int) -> str:
    return f"{n} day's" if n == 1 else f"{n} days'"


def _reason_line(reason: str | None) -> str:
    return f"Your reason: {reason}" if reason else "You give no reason."


def revocation_summary(doc: dict, revoked_on: dt.date, effective: dt.date, reason: str | None) -> str:
    """The revocation in plain words, in the talent's voice: what the talent reads before signing
    it (the days are those the signed statement will name)."""
    lines = [f"You withdraw the consent you gave {doc['licensee']} to use your {_scope(doc)}",
             f"What it was for: {doc['use_description']}"]
    if effective > revoked_on:
        lines.append(f"After the {_days(doc['notice_days'])} notice you agreed to, no use is allowed from "
                     f"{effective.isoformat()} on ({doc['timezone']} time); until then the grant still holds.")
    else:
        lines.append(f"No use is allowed from today, {effective.isoformat()} ({doc['timezone']} time), on.")
    lines.append(_reason_line(reason))
    return "\n".join(lines)


def decline_summary(doc: dict, reason: str | None) -> str:
    """Declining a draft in plain words, in the talent's voice: what the talent reads before signing it."""
    return "\n".join([f"You decline the draft in which {doc['licensee']} would use your {_scope(doc)}",
                      f"What it is for: {doc['use_description']}",
                      "Nothing in it is allowed, and it can never be signed.", _reason_line(reason)])


def brand_summary(doc: dict, talent_name: str | None = None) -> str:
    """The same terms in the brand's voice, naming the talent (``talent_name``, or "the talent"
    where the name is not to be given): the licence text a package carries. Derived for display
    only; the signed document is unchanged."""
    talent = talent_name.strip() if talent_name and talent_name.strip() else "the talent"
    whose = f"{talent}'s"
    lines = [f"You ({doc['licensee']}) may use {whose} {_scope(doc)}", *_terms(doc),
             f"Fee: {fees.words(doc)}.",
             f"What it is for: {doc['use_description']}", *_rules(doc, f"{whose} likeness"),
             f"{talent[0].upper()}{talent[1:]} can withdraw this consent at any time; it then ends after "
             f"{doc['notice_days']} days' notice."]
    if doc["exclusive"]:
        lines.append(EXCLUSIVE)
    return "\n".join(lines)
