"""A grant as linked data: an ODRL 2.2 policy and a DPV consent record (see docs/consent.md).

Both are plain JSON-LD dicts built from the signed document and the grant's state; nothing here
fetches anything. The ODRL policy names the W3C context by URL (``http://www.w3.org/ns/odrl.jsonld``,
vendored in the package as ``studio/resources/jsonld/odrl.jsonld`` for offline validation); the
DPV record carries its whole context inline.

Identifiers: the grant, talent, assets and licensee get ``urn:twin-studio:…`` IRIs; purposes, media
and excluded categories (studio.core.consent.vocab) get ``urn:twin-studio:purpose:…``,
``urn:twin-studio:medium:…`` and ``urn:twin-studio:category:…``; countries are the DPV location
concepts ``https://w3id.org/dpv/loc#<ISO 3166-1 alpha-2>``; currencies QUDT units
``http://qudt.org/vocab/unit/CCY_<ISO 4217>``.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib

from studio.core.consent import fees, vocab
from studio.core.consent.grants import GrantRecord
from studio.core.consent.signing import canonical
from studio.core.types import GrantState

ODRL_CONTEXT = "http://www.w3.org/ns/odrl.jsonld"
URN = "urn:twin-studio:"
LOC = "https://w3id.org/dpv/loc#"
QUDT_UNIT = "http://qudt.org/vocab/unit/"
STUDIO = URN + "studio"
# No ODRL or DPV term names training an AI model; this purpose IRI is ours (docs/consent.md).
AI_TRAINING = URN + "purpose:ai-training"
AI_TRAINING_LABEL = "training or fine-tuning AI models on the talent's likeness or voice"

# DPV consent status per grant status (GrantRecord.status): the talent's signature gives consent,
# the talent's signed decline refuses it, their signed revocation withdraws it, the end date
# expires it. A state this table does not know reads as unknown, never as given.
DPV_STATUS = {"draft": "dpv:ConsentRequested", "signed": "dpv:ConsentGiven", "active": "dpv:ConsentGiven",
              "declined": "dpv:ConsentRefused", "revoked": "dpv:ConsentWithdrawn", "expired": "dpv:ConsentExpired"}
REVOCATION = "twin-studio/grant-revocation"
# DPV-PD has no voice-print concept (w3c/dpv#135); every modality is likeness data that can single
# the talent out, so each is recorded as biometric, with the closer PD concept where there is one.
_PERSONAL_DATA = {"face": ("pd:Biometric", "pd:FacialPrint"), "body": ("pd:Biometric", "pd:PhysicalCharacteristic"),
                  "voice": ("pd:Biometric",)}
# Our purposes that have a DPV purpose concept above them.
_DPV_BROADER = {"advertising": "dpv:Advertising"}
_MODALITY_LABEL = {"face": "face/head scan", "body": "body scan", "voice": "voice recording"}


def grant_iri(grant_id: str) -> str:
    return f"{URN}grant:{grant_id}"


def talent_iri(talent_id: str) -> str:
    return f"{URN}talent:{talent_id}"


def asset_iri(asset_id: str) -> str:
    return f"{URN}asset:{asset_id}"


def licensee_iri(grant_id: str) -> str:
    return f"{grant_iri(grant_id)}:licensee"


def purpose_iri(code: str) -> str:
    return f"{URN}purpose:{code}"


def medium_iri(code: str) -> str:
    return f"{URN}medium:{code}"


def category_iri(code: str) -> str:
    return f"{URN}category:{code}"


def country_iri(code: str) -> str:
    return LOC + code


def currency_iri(code: str) -> str:
    return f"{QUDT_UNIT}CCY_{code}"


def _concept(iri: str, label: str) -> dict:
    return {"@id": iri, "skos:prefLabel": {"@value": label, "@language": "en"}}


def _sha256(hexdigest: str) -> dict:
    """An SPDX checksum node (SPDX 2.x RDF terms)."""
    return {"@type": "spdx:Checksum", "spdx:algorithm": {"@id": "spdx:checksumAlgorithm_sha256"},
            "spdx:checksumValue": {"@value": hexdigest, "@type": "xsd:hexBinary"}}


def _date(value: str) -> dict:
    return {"@value": value, "@type": "xsd:date"}


def _constraint(left: str, operator: str, right) -> dict:
    return {"@type": "Constraint", "leftOperand": left, "operator": operator, "rightOperand": right}


# --- ODRL 2.2 ---------------------------------------------------------------------------------

def _money(amount: str, currency: str) -> dict:
    """A ``payAmount`` constraint's right operand and its currency unit (DR033)."""
    return {"rightOperand": {"@value": amount, "@type": "xsd:decimal"},
            "unit": {"@id": currency_iri(currency), "skos:notation": currency}}


def _compensation(doc: dict, talent: str, licensee: str) -> dict:
    """The fee as the permission's ``compensate`` duty (DR033). The action's refinement
    ``payAmount eq`` is one payment; a permission's duty goes with each exercise of its action,
    so on its own it is a payment per use. A flat fee limits the duty to one execution (duty
    constraint ``count eq 1``); a cap bounds what the duty pays in all (duty constraint
    ``payAmount lteq`` cap). ``dct:description`` says it in words."""
    fee = fees.fee_of(doc)
    currency = fee.currency
    duty = {
        "@type": "Duty",
        "action": [{"rdf:value": {"@id": "odrl:compensate"}, "refinement": [{
            "@type": "Constraint", "leftOperand": "payAmount", "operator": "eq",
            **_money(doc["fee"]["amount"], currency)}]}],
        "compensatingParty": licensee, "compensatedParty": talent,
        "dct:description": fees.words(doc),
    }
    if fee.basis == fees.FLAT:
        duty["constraint"] = [_constraint("count", "eq", {"@value": 1, "@type": "xsd:integer"})]
    elif fee.basis == fees.CAPPED:
        duty["constraint"] = [{"@type": "Constraint", "leftOperand": "payAmount", "operator": "lteq",
                               **_money(doc["fee"]["cap"], currency),
                               "rdfs:comment": "the total of every payment this duty asks for"}]
    return duty


def to_odrl(rec: GrantRecord) -> dict:
    """The grant as an ODRL 2.2 policy: an ``Agreement`` once the studio has countersigned it (and
    still one when revoked or expired: its constraints say until when), an ``Offer`` before that —
    a draft, or the talent's signed offer."""
    doc, gid = rec.document, rec.id
    policy_iri, assigner, assignee = grant_iri(gid), talent_iri(rec.talent_id), licensee_iri(gid)
    targets = [asset_iri(a["id"]) for a in doc["assets"]]

    def rule(kind: str, **body) -> dict:  # every rule names its own target and parties (no compact form)
        return {"@type": kind, "target": targets, "assigner": assigner, "assignee": assignee, **body}

    constraints = [
        _constraint("purpose", "isAnyOf", [_concept(purpose_iri(p), vocab.PURPOSES[p]) for p in doc["purposes"]]),
        _constraint("media", "isAnyOf", [_concept(medium_iri(m), vocab.MEDIA[m]) for m in doc["media"]]),
        _constraint("spatial", "isAnyOf", [{"@id": country_iri(t)} for t in doc["territories"]]),
        _constraint("dateTime", "gteq", _date(doc["start"])),
        _constraint("dateTime", "lteq", _date(doc["end"])),
        _constraint("count", "lteq", {"@value": doc["max_uses"], "@type": "xsd:integer"}),
    ]
    if (rec.revocation or {}).get("type") == REVOCATION:  # the talent withdrew: no use from the effective day on
        constraints.append(_constraint("dateTime", "lt", _date(rec.revocation["effective"])))

    duties = []
    if doc["fee"]["amount"] != "0.00":
        duties.append(_compensation(doc, assigner, assignee))
    if doc["ai_label"] == "required":
        duties.append({
            "@type": "Duty", "action": "watermark",
            "target": {"@id": f"{policy_iri}:outputs", "@type": "Asset",
                       "dct:description": "every image, video or audio made from the licensed assets"},
            "dct:description": "Label the output as AI-generated: a machine-readable mark in the file "
                               "and a visible or audible notice where it is shown or played.",
        })

    permission = rule("Permission", action="use", constraint=constraints)
    if duties:
        permission["duty"] = duties
    prohibitions = []
    if doc["excluded"]:
        prohibitions.append(rule("Prohibition", action="use", constraint=[_constraint(
            "purpose", "isAnyOf", [_concept(category_iri(c), vocab.EXCLUDED[c]) for c in doc["excluded"]])]))
    if doc["training"] == "prohibited":
        prohibitions.append(rule("Prohibition", action="use", constraint=[_constraint(
            "purpose", "isAnyOf", [_concept(AI_TRAINING, AI_TRAINING_LABEL)])]))

    policy = {
        "@context": [ODRL_CONTEXT, {"spdx": "http://spdx.org/rdf/terms#"}],
        "@type": "Agreement" if rec.state == GrantState.ACTIVE else "Offer",
        "uid": policy_iri,
        "conflict": "prohibit",
        "dct:identifier": gid,
        "dct:created": {"@value": doc["created_at"], "@type": "xsd:dateTime"},
        "dct:description": doc["use_description"],
        "rdfs:comment": f"Dates are inclusive calendar dates in the {doc['timezone']} time zone "
                        f"(jurisdiction {doc['jurisdiction']}).",
        "assigner": {"@type": "Party", "uid": assigner},
        "assignee": {"@type": "Party", "uid": assignee, "vcard:fn": doc["licensee"]},
        "target": [{"@type": "Asset", "uid": asset_iri(a["id"]), "dct:identifier": a["id"],
                    "dct:description": _MODALITY_LABEL[a["modality"]], "spdx:checksum": _sha256(a["sha256"])}
                   for a in doc["assets"]],
        "permission": [permission],
    }
    if prohibitions:
        policy["prohibition"] = prohibitions
    if doc["exclusive"]:  # the talent's own duty, not a condition of the licensee's permission
        policy["obligation"] = [{
            "@type": "Duty", "action": "ensureExclusivity", "target": targets, "assigner": assignee,
            "assignee": assigner, "dct:description": "No one else is granted the same use while this grant runs.",
        }]
    return policy


# --- DPV consent record --------------------------------------------------------------------------

DPV_CONTEXT = {
    "dpv": "https://w3id.org/dpv#",
    "pd": "https://w3id.org/dpv/pd#",
    "loc": "https://w3id.org/dpv/loc#",
    "dct": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "time": "http://www.w3.org/2006/time#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "spdx": "http://spdx.org/rdf/terms#",
}


def _signature_sha256(signature_b64: str) -> str:
    return hashlib.sha256(base64.b64decode(signature_b64)).hexdigest()


def to_dpv(rec: GrantRecord, *, on: dt.date | None = None) -> dict:
    """The grant as an ISO/IEC TS 27560-style consent record in DPV 2.x terms, its consent status
    as of ``on`` (a calendar day in the grant's time zone; today by default)."""
    doc, gid = rec.document, rec.id
    on = on or rec.today()
    status = rec.status(on)
    talent = {"@id": talent_iri(rec.talent_id), "@type": "dpv:DataSubject"}
    studio = {"@id": STUDIO, "@type": "dpv:DataController", "rdfs:label": "the studio that keeps this vault"}

    purposes = []
    for p in doc["purposes"]:
        node = {"@id": purpose_iri(p), "@type": "dpv:Purpose", "skos:prefLabel": vocab.PURPOSES[p]}
        if p in _DPV_BROADER:
            node["skos:broader"] = {"@id": _DPV_BROADER[p]}
        purposes.append(node)
    personal_data = sorted({pd for m in doc["modalities"] for pd in _PERSONAL_DATA[m]})
    prohibitions = [{"@type": "dpv:Prohibition", "dpv:hasPurpose": {
        "@id": category_iri(c), "@type": "dpv:Purpose", "skos:prefLabel": vocab.EXCLUDED[c]}}
        for c in doc["excluded"]]
    if doc["training"] == "prohibited":
        prohibitions.append({"@type": "dpv:Prohibition", "dpv:hasPurpose": {
            "@id": AI_TRAINING, "@type": "dpv:Purpose", "skos:prefLabel": AI_TRAINING_LABEL}})

    provenance = [{
        "@id": f"{grant_iri(gid)}:document", "@type": "prov:Entity",
        "rdfs:comment": "the grant document as signed: RFC 8785 canonical JSON",
        "spdx:checksum": _sha256(rec.sha256),
    }]
    if rec.talent_signature:
        provenance.append({
            "@id": f"{grant_iri(gid)}:talent-signature", "@type": "prov:Entity",
            "rdfs:comment": "the talent's Ed25519 signature over the canonical document (SHA-256 of its bytes)",
            "prov:wasAttributedTo": {"@id": talent["@id"]},
            "spdx:checksum": _sha256(_signature_sha256(rec.talent_signature)),
        })
    if rec.studio_signature:
        provenance.append({
            "@id": f"{grant_iri(gid)}:studio-countersignature", "@type": "prov:Entity",
            "rdfs:comment": "the studio's Ed25519 countersignature over the document hash and the talent's "
                            "signature (SHA-256 of its bytes)",
            "prov:wasAttributedTo": {"@id": STUDIO},
            "spdx:checksum": _sha256(_signature_sha256(rec.studio_signature)),
        })
    if rec.revocation is not None:
        withdrawal = rec.revocation.get("type") == REVOCATION
        provenance.append({
            "@id": f"{grant_iri(gid)}:{'revocation' if withdrawal else 'decline'}", "@type": "prov:Entity",
            "rdfs:comment": "the talent's signed withdrawal (RFC 8785 canonical JSON); effective after the "
                            "notice period" if withdrawal else
                            "the talent's signed refusal of the draft (RFC 8785 canonical JSON)",
            "prov:wasAttributedTo": {"@id": talent["@id"]},
            "dct:date": _date(rec.revocation["revoked_on"]),
            "dct:valid": _date(rec.revocation["effective"]),
            "spdx:checksum": _sha256(hashlib.sha256(canonical(rec.revocation)).hexdigest()),
        })

    record = {
        "@context": DPV_CONTEXT,
        "@id": f"{grant_iri(gid)}:consent-record",
        "@type": "dpv:ConsentRecord",
        "dpv:hasIdentifier": gid,
        "dct:created": {"@value": doc["created_at"], "@type": "xsd:dateTime"},
        "dct:date": _date(on.isoformat()),
        "dct:description": doc["use_description"],
        "dpv:hasConsentStatus": {"@id": DPV_STATUS.get(status, "dpv:ConsentUnknown")},
        "dpv:hasLegalBasis": {"@id": "dpv:ExplicitlyExpressedConsent"},
        "dpv:hasDataSubject": talent,
        "dpv:hasDataController": studio,
        "dpv:hasRecipient": {"@id": licensee_iri(gid), "@type": "dpv:Recipient", "rdfs:label": doc["licensee"]},
        "dpv:hasPurpose": purposes,
        "dpv:hasPersonalData": [{"@id": pd} for pd in personal_data],
        "dpv:hasJurisdiction": {"@id": "loc:" + doc["jurisdiction"]},
        "dpv:hasCountry": [{"@id": "loc:" + t} for t in doc["territories"]],
        "dpv:hasDuration": {
            "@type": "dpv:UntilTimeDuration",
            "time:hasBeginning": {"@type": "time:Instant", "time:inXSDDate": _date(doc["start"])},
            "time:hasEnd": {"@type": "time:Instant", "time:inXSDDate": _date(doc["end"])},
            "rdfs:comment": f"inclusive calendar dates in the {doc['timezone']} time zone",
        },
        "prov:wasDerivedFrom": provenance,
    }
    if rec.talent_signature:
        record["dpv:isIndicatedBy"] = {"@id": talent["@id"]}
    if prohibitions:
        record["dpv:hasProhibition"] = prohibitions
    return record
