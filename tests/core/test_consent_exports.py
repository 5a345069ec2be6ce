"""A grant as ODRL 2.2 and as a DPV consent record: both expanded to RDF offline (pyld, with a
document loader that serves only the vendored W3C context and refuses every other URL), then
checked triple by triple against the signed document and the grant's state."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import socket
from urllib.parse import urlsplit

import pytest

from pyld import jsonld  # the test extra (pyproject.toml) installs it

from studio.core.consent.exports import to_dpv, to_odrl
from studio.core.consent.grants import activate_grant, decline_grant, draft_grant, revoke_grant, sign_grant
from studio.core.consent.signing import canonical
from studio.resources import ODRL_CONTEXT_URLS, odrl_context, odrl_context_file, resource
from tests.conftest import REPO
from tests.core.helpers import fields
from tests.vaults import BOTH_VAULTS

pytestmark = BOTH_VAULTS

ODRL_CONTEXT_SHA256 = "ea7cac6dfbf25ec0d29e48ba695d5c7d9d3a0258e84d788641258c1ccbbe8b70"
KNOWN_URLS = {url: odrl_context for url in ODRL_CONTEXT_URLS}  # the package's vendored context (DR038)

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDF_VALUE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#value"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
XSD = "http://www.w3.org/2001/XMLSchema#"
ODRL = "http://www.w3.org/ns/odrl/2/"
DPV = "https://w3id.org/dpv#"
PD = "https://w3id.org/dpv/pd#"
LOC = "https://w3id.org/dpv/loc#"
SPDX = "http://spdx.org/rdf/terms#"
DCT = "http://purl.org/dc/terms/"
VCARD = "http://www.w3.org/2006/vcard/ns#"
PROV = "http://www.w3.org/ns/prov#"
TIME = "http://www.w3.org/2006/time#"
URN = "urn:twin-studio:"
NAMESPACES = (ODRL, DPV, PD, LOC, SPDX, DCT, VCARD, PROV, TIME, XSD, URN, "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
              "http://www.w3.org/2000/01/rdf-schema#", "http://www.w3.org/2004/02/skos/core#",
              "http://qudt.org/vocab/unit/CCY_")
# ODRL 2.2 vocabulary, "Deprecated Terms" collection (https://www.w3.org/TR/odrl-vocab/#deprecatedTerms)
ODRL_DEPRECATED = {"device", "system", "proximity", "append", "appendTo", "copy", "export", "lease", "license",
                   "lend", "pay", "payeeParty", "preview", "secondaryUse", "write", "writeTo", "adHocShare",
                   "extractChar", "extractPage", "extractWord", "timedCount", "inheritRelation", "inheritAllowed",
                   "UndefinedTerm", "undefined", "ignore", "support", "AssetScope", "PartyScope", "scope", "Group",
                   "Individual", "All", "AllConnections", "All2ndConnections", "AllGroups", "attachPolicy",
                   "attachSource", "shareAlike", "commercialize", "share"}


def grant(world, state="active", **over):
    vault, talent, key, assets = world
    g = draft_grant(vault, talent.id, fields(assets, **over))
    if state == "declined":
        g = decline_grant(vault, g.id, key, reason="not this campaign")
    if state in ("signed", "active"):
        g = sign_grant(vault, g.id, key)
    if state == "active":
        g = activate_grant(vault, g.id)
    return g


@pytest.fixture(autouse=True)
def _no_network(request, monkeypatch):
    """Nothing here may reach the network: any connection attempt fails the test — but a shared
    vault's own object store, the session's test server on this machine, started before the guard
    (its catalog is reached through libpq, below Python's sockets)."""
    allowed = set()
    callspec = getattr(request.node, "callspec", None)
    if callspec is not None and callspec.params.get("vault_kind") == "shared":
        endpoint = urlsplit(request.getfixturevalue("shared_vaults").seaweed.endpoint)
        allowed.add((endpoint.hostname, endpoint.port))
    real_connect, real_create = socket.socket.connect, socket.create_connection

    def connect(sock, address, *args, **kwargs):
        if isinstance(address, tuple) and tuple(address[:2]) in allowed:
            return real_connect(sock, address, *args, **kwargs)
        raise AssertionError(f"network access attempted: {(sock, address)!r}")

    def create_connection(address, *args, **kwargs):
        if tuple(address[:2]) in allowed:
            return real_create(address, *args, **kwargs)
        raise AssertionError(f"network access attempted: {address!r}")

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "create_connection", create_connection)


class Loader:
    """A pyld document loader that serves the vendored contexts and fails for any other URL."""

    def __init__(self):
        self.requested: list[str] = []

    def __call__(self, url, options=None):
        self.requested.append(url)
        context = KNOWN_URLS.get(url)
        if context is None:
            raise jsonld.JsonLdError(f"offline: {url} is not a vendored context", "jsonld.LoadDocumentError",
                                     code="loading remote context failed")
        return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url,
                "document": context()}


class Graph:
    """The RDF triples of a JSON-LD document, with the few look-ups the tests need."""

    def __init__(self, doc: dict):
        loader = Loader()
        dropped = []
        jsonld.expand(doc, {"documentLoader": loader}, on_property_dropped=dropped.append)
        assert not dropped, f"JSON-LD keys that map to no IRI (silently dropped): {dropped}"
        dataset = jsonld.to_rdf(doc, {"documentLoader": loader})
        assert set(dataset) == {"@default"}
        self.loaded = set(loader.requested)
        self.triples = [(self._term(t["subject"]), t["predicate"]["value"], self._term(t["object"]))
                        for t in dataset["@default"]]
        assert self.triples

    @staticmethod
    def _term(t: dict):
        if t["type"] == "literal":
            return Lit(t["value"], t.get("datatype"), t.get("language"))
        return t["value"]  # an IRI or a blank node label (_:b…)

    def objects(self, s, p) -> list:
        return [o for (s2, p2, o) in self.triples if s2 == s and p2 == p]

    def one(self, s, p):
        found = self.objects(s, p)
        assert len(found) == 1, f"{s} {p}: {found}"
        return found[0]

    def subjects(self, p, o) -> list:
        return [s for (s, p2, o2) in self.triples if p2 == p and o2 == o]

    def of_type(self, cls) -> list:
        return self.subjects(RDF_TYPE, cls)

    def iris(self) -> set[str]:
        out = set()
        for s, p, o in self.triples:
            out.add(p)
            out.update(x for x in (s, o) if isinstance(x, str) and not x.startswith("_:"))
            if isinstance(o, Lit):
                out.add(o.datatype)
        return out

    def constraints(self, rule) -> dict[str, list[tuple[str, list]]]:
        """leftOperand local name → [(operator local name, right operands)]."""
        out: dict[str, list] = {}
        for c in self.objects(rule, ODRL + "constraint"):
            left = self.one(c, ODRL + "leftOperand").removeprefix(ODRL)
            op = self.one(c, ODRL + "operator").removeprefix(ODRL)
            out.setdefault(left, []).append((op, self.objects(c, ODRL + "rightOperand")))
        return out


class Lit(tuple):
    """An RDF literal: plain text is xsd:string, language-tagged text rdf:langString (RDF 1.1)."""

    def __new__(cls, value, datatype=None, language=None):
        datatype = datatype or (RDF_LANGSTRING if language else XSD + "string")
        return super().__new__(cls, (value, datatype, language))

    value = property(lambda self: self[0])
    datatype = property(lambda self: self[1])


def typed(value, xsd_type):
    return Lit(str(value), XSD + xsd_type)


def only_known_terms(g: Graph) -> None:
    """Every IRI is in a namespace the mapping documents, every ODRL IRI is an ODRL 2.2 term of
    the W3C context and none is deprecated."""
    context = odrl_context()["@context"]
    odrl_terms = {(v if isinstance(v, str) else v["@id"]).removeprefix("odrl:") for v in context.values()
                  if (v if isinstance(v, str) else v["@id"]).startswith("odrl:")}
    odrl_terms -= {"neg", "industry:"}  # typos in the published context; never ours to use
    for iri in g.iris():
        assert iri.startswith(NAMESPACES), f"IRI outside the documented namespaces: {iri}"
        if iri.startswith(ODRL):
            name = iri.removeprefix(ODRL)
            assert name in odrl_terms and name not in ODRL_DEPRECATED, f"not a current ODRL 2.2 term: {iri}"


# --- the offline loader ------------------------------------------------------------------------

def test_the_vendored_odrl_context_is_the_pinned_w3c_file_and_documented():
    assert hashlib.sha256(odrl_context_file().read_bytes()).hexdigest() == ODRL_CONTEXT_SHA256
    readme = resource("jsonld", "README.md").read_text()
    assert "https://www.w3.org/ns/odrl.jsonld" in readme and "W3C Document License" in readme
    assert ODRL_CONTEXT_SHA256 in readme


def test_when_a_document_names_an_unknown_context_then_the_loader_refuses_it():
    doc = {"@context": "https://example.org/context.jsonld", "@id": "urn:x", "name": "x"}
    with pytest.raises(jsonld.JsonLdError):
        jsonld.to_rdf(doc, {"documentLoader": Loader()})


def test_when_a_key_has_no_mapping_then_the_graph_check_fails():
    doc = {"@context": "http://www.w3.org/ns/odrl.jsonld", "@type": "Agreement", "uid": "urn:x:1",
           "notAnOdrlTerm": "x"}
    with pytest.raises(AssertionError, match="notAnOdrlTerm"):
        Graph(doc)


# --- ODRL ---------------------------------------------------------------------------------------

def test_when_an_active_grant_is_exported_then_the_odrl_agreement_states_every_term(world):
    g = grant(world)
    doc = g.document
    out = to_odrl(g)
    assert out["@context"][0] == "http://www.w3.org/ns/odrl.jsonld"
    json.dumps(out)  # the CLI prints it
    graph = Graph(out)
    assert graph.loaded == {"http://www.w3.org/ns/odrl.jsonld"}
    only_known_terms(graph)

    policy = f"urn:twin-studio:grant:{g.id}"
    talent, licensee = f"urn:twin-studio:talent:{g.talent_id}", f"urn:twin-studio:grant:{g.id}:licensee"
    assets = {f"urn:twin-studio:asset:{a['id']}" for a in doc["assets"]}
    assert graph.of_type(ODRL + "Agreement") == [policy]
    assert graph.one(policy, ODRL + "conflict") == ODRL + "prohibit"
    assert graph.one(policy, ODRL + "assigner") == talent and graph.one(policy, ODRL + "assignee") == licensee
    assert graph.one(licensee, VCARD + "fn") == Lit("Maison Lumière")
    assert ODRL + "Party" in graph.objects(talent, RDF_TYPE) and ODRL + "Party" in graph.objects(licensee, RDF_TYPE)
    for a in doc["assets"]:  # each asset is bound by its SHA-256, as in the signed document
        iri = f"urn:twin-studio:asset:{a['id']}"
        assert ODRL + "Asset" in graph.objects(iri, RDF_TYPE)
        checksum = graph.one(iri, SPDX + "checksum")
        assert graph.one(checksum, SPDX + "algorithm") == SPDX + "checksumAlgorithm_sha256"
        assert graph.one(checksum, SPDX + "checksumValue") == typed(a["sha256"], "hexBinary")

    (permission,) = graph.objects(policy, ODRL + "permission")
    assert graph.one(permission, ODRL + "action") == ODRL + "use"
    assert set(graph.objects(permission, ODRL + "target")) == assets
    assert graph.one(permission, ODRL + "assigner") == talent and graph.one(permission, ODRL + "assignee") == licensee
    c = graph.constraints(permission)
    assert len(c["purpose"]) == 1 and c["purpose"][0][0] == "isAnyOf" and sorted(c["purpose"][0][1]) == [
        "urn:twin-studio:purpose:advertising", "urn:twin-studio:purpose:e-commerce"]
    assert c["media"][0][0] == "isAnyOf" and sorted(c["media"][0][1]) == [
        "urn:twin-studio:medium:social", "urn:twin-studio:medium:web"]
    assert c["spatial"][0][0] == "isAnyOf" and sorted(c["spatial"][0][1]) == [LOC + "BE", LOC + "FR"]
    assert sorted(c["dateTime"]) == [("gteq", [typed("2027-01-01", "date")]), ("lteq", [typed("2027-03-31", "date")])]
    assert c["count"] == [("lteq", [typed(2, "integer")])]
    assert graph.objects("urn:twin-studio:purpose:advertising",
                         "http://www.w3.org/2004/02/skos/core#prefLabel") == [Lit("advertising campaigns", None, "en")]

    duties = graph.objects(permission, ODRL + "duty")
    actions = {}
    for d in duties:
        for a in graph.objects(d, ODRL + "action"):
            actions[graph.objects(a, RDF_VALUE)[0] if a.startswith("_:") else a] = (d, a)
    assert set(actions) == {ODRL + "compensate", ODRL + "watermark"}
    duty, action = actions[ODRL + "compensate"]
    (refinement,) = graph.objects(action, ODRL + "refinement")
    assert graph.one(refinement, ODRL + "leftOperand") == ODRL + "payAmount"
    assert graph.one(refinement, ODRL + "operator") == ODRL + "eq"
    assert graph.one(refinement, ODRL + "rightOperand") == typed("1500.00", "decimal")
    assert graph.one(refinement, ODRL + "unit") == "http://qudt.org/vocab/unit/CCY_EUR"
    assert graph.one(duty, ODRL + "compensatedParty") == talent
    assert graph.one(duty, ODRL + "compensatingParty") == licensee

    prohibitions = graph.objects(policy, ODRL + "prohibition")
    purposes = {}
    for p in prohibitions:
        assert graph.one(p, ODRL + "action") == ODRL + "use"
        assert set(graph.objects(p, ODRL + "target")) == assets and graph.one(p, ODRL + "assignee") == licensee
        ((op, values),) = graph.constraints(p)["purpose"]
        assert op == "isAnyOf"
        purposes[frozenset(values)] = p
    assert set(purposes) == {frozenset({"urn:twin-studio:category:political", "urn:twin-studio:category:tobacco"}),
                             frozenset({"urn:twin-studio:purpose:ai-training"})}
    assert graph.objects(policy, ODRL + "obligation") == []  # not exclusive


def test_when_labelling_is_not_required_and_training_allowed_then_no_such_duty_or_prohibition(world):
    g = grant(world, ai_label="not-required", training="allowed", exclude="")
    graph = Graph(to_odrl(g))
    only_known_terms(graph)
    policy = f"urn:twin-studio:grant:{g.id}"
    assert graph.objects(policy, ODRL + "prohibition") == []
    assert not graph.subjects(ODRL + "action", ODRL + "watermark")
    assert ODRL + "watermark" not in graph.iris() and "urn:twin-studio:purpose:ai-training" not in graph.iris()
    (permission,) = graph.objects(policy, ODRL + "permission")
    assert len(graph.objects(permission, ODRL + "duty")) == 1  # compensate only


@pytest.mark.parametrize("over, prohibited", [
    ({"training": "prohibited", "exclude": ""}, {"urn:twin-studio:purpose:ai-training"}),
    ({"training": "allowed", "exclude": "adult"}, {"urn:twin-studio:category:adult"}),
])
def test_when_only_one_kind_of_prohibition_applies_then_only_it_is_stated(world, over, prohibited):
    g = grant(world, **over)
    graph = Graph(to_odrl(g))
    (p,) = graph.objects(f"urn:twin-studio:grant:{g.id}", ODRL + "prohibition")
    assert set(graph.constraints(p)["purpose"][0][1]) == prohibited


def test_when_a_grant_is_exclusive_or_free_then_the_duties_say_so(world):
    g = grant(world, exclusive=True, fee="0", currency="USD")
    graph = Graph(to_odrl(g))
    only_known_terms(graph)
    policy, talent = f"urn:twin-studio:grant:{g.id}", f"urn:twin-studio:talent:{g.talent_id}"
    assert not graph.subjects(RDF_VALUE, ODRL + "compensate")  # nothing to pay: no compensation duty
    (obligation,) = graph.objects(policy, ODRL + "obligation")
    assert graph.one(obligation, ODRL + "action") == ODRL + "ensureExclusivity"
    assert graph.one(obligation, ODRL + "assignee") == talent


@pytest.mark.parametrize("state", ["draft", "signed", "declined"])
def test_when_a_grant_is_not_countersigned_then_it_is_an_offer_not_an_agreement(world, state):
    g = grant(world, state=state)
    assert g.state == state
    graph = Graph(to_odrl(g))
    only_known_terms(graph)
    policy = f"urn:twin-studio:grant:{g.id}"
    assert graph.of_type(ODRL + "Offer") == [policy]
    assert graph.of_type(ODRL + "Agreement") == []
    (permission,) = graph.objects(policy, ODRL + "permission")
    assert [op for op, _ in graph.constraints(permission)["dateTime"]] == ["gteq", "lteq"]  # a decline is no end date


def test_when_a_grant_is_revoked_then_the_permission_ends_on_the_effective_day(world):
    vault, _, key, _ = world
    g = grant(world, start="2020-01-01", end="2099-12-31", notice_days=10)
    g = revoke_grant(vault, g.id, key)
    graph = Graph(to_odrl(g))
    (permission,) = graph.objects(f"urn:twin-studio:grant:{g.id}", ODRL + "permission")
    assert ("lt", [typed(g.revocation["effective"], "date")]) in graph.constraints(permission)["dateTime"]


# --- DPV ----------------------------------------------------------------------------------------

def status_of(world, case):
    vault, _, key, _ = world
    today = dt.date.today()
    if case == "draft":
        return grant(world, state="draft"), "ConsentRequested"
    if case == "declined":
        return grant(world, state="declined"), "ConsentRefused"
    if case == "signed":
        return grant(world, state="signed", start="2020-01-01", end="2099-12-31"), "ConsentGiven"
    if case == "active":
        return grant(world, start="2020-01-01", end="2099-12-31"), "ConsentGiven"
    if case == "revoked, within notice":
        g = grant(world, start="2020-01-01", end="2099-12-31", notice_days=30)
        return revoke_grant(vault, g.id, key), "ConsentGiven"
    if case == "revoked":
        g = grant(world, start="2020-01-01", end="2099-12-31", notice_days=0)
        return revoke_grant(vault, g.id, key), "ConsentWithdrawn"
    if case == "expired":
        end = (today - dt.timedelta(days=30)).isoformat()
        return grant(world, start="2020-01-01", end=end), "ConsentExpired"
    raise AssertionError(case)


@pytest.mark.parametrize("case", ["draft", "declined", "signed", "active", "revoked, within notice", "revoked",
                                  "expired"])
def test_when_a_grant_is_in_each_state_then_the_dpv_consent_status_follows(world, case):
    g, expected = status_of(world, case)
    out = to_dpv(g)
    json.dumps(out)
    graph = Graph(out)
    assert graph.loaded == set()  # the DPV record carries its context inline
    only_known_terms(graph)
    record = f"urn:twin-studio:grant:{g.id}:consent-record"
    assert graph.of_type(DPV + "ConsentRecord") == [record]
    assert graph.one(record, DPV + "hasConsentStatus") == DPV + expected
    assert graph.one(record, DCT + "date") == typed(g.today().isoformat(), "date")


def test_when_the_status_is_asked_for_another_day_then_the_record_is_as_of_that_day(world):
    vault, _, key, _ = world
    g = grant(world, start="2020-01-01", end="2099-12-31", notice_days=10)
    g = revoke_grant(vault, g.id, key)
    effective = dt.date.fromisoformat(g.revocation["effective"])
    record = f"urn:twin-studio:grant:{g.id}:consent-record"
    before = Graph(to_dpv(g, on=effective - dt.timedelta(days=1)))
    after = Graph(to_dpv(g, on=effective))
    ended = Graph(to_dpv(g, on=dt.date(2100, 1, 1)))
    assert before.one(record, DPV + "hasConsentStatus") == DPV + "ConsentGiven"
    assert after.one(record, DPV + "hasConsentStatus") == DPV + "ConsentWithdrawn"
    assert ended.one(record, DPV + "hasConsentStatus") == DPV + "ConsentWithdrawn"  # withdrawn before it ended
    revocation = f"urn:twin-studio:grant:{g.id}:revocation"
    assert after.one(revocation, DCT + "valid") == typed(effective.isoformat(), "date")
    assert after.one(revocation, PROV + "wasAttributedTo") == f"urn:twin-studio:talent:{g.talent_id}"


def test_when_an_active_grant_is_exported_then_the_dpv_record_names_parties_data_purposes_and_proofs(world):
    g = grant(world)
    doc = g.document
    graph = Graph(to_dpv(g))
    record, talent = f"urn:twin-studio:grant:{g.id}:consent-record", f"urn:twin-studio:talent:{g.talent_id}"
    licensee = f"urn:twin-studio:grant:{g.id}:licensee"
    assert graph.one(record, DPV + "hasDataSubject") == talent
    assert DPV + "DataSubject" in graph.objects(talent, RDF_TYPE)
    controller = graph.one(record, DPV + "hasDataController")
    assert DPV + "DataController" in graph.objects(controller, RDF_TYPE)
    assert graph.one(record, DPV + "hasRecipient") == licensee
    assert graph.one(licensee, "http://www.w3.org/2000/01/rdf-schema#label") == Lit("Maison Lumière")
    assert sorted(graph.objects(record, DPV + "hasPurpose")) == [
        "urn:twin-studio:purpose:advertising", "urn:twin-studio:purpose:e-commerce"]
    assert graph.objects("urn:twin-studio:purpose:advertising", "http://www.w3.org/2004/02/skos/core#broader") == [
        DPV + "Advertising"]
    assert doc["modalities"] == ["face", "voice"]
    assert sorted(graph.objects(record, DPV + "hasPersonalData")) == [PD + "Biometric", PD + "FacialPrint"]
    assert graph.one(record, DPV + "hasLegalBasis") == DPV + "ExplicitlyExpressedConsent"
    assert graph.one(record, DPV + "hasJurisdiction") == LOC + "FR"
    assert sorted(graph.objects(record, DPV + "hasCountry")) == [LOC + "BE", LOC + "FR"]
    assert graph.one(record, DPV + "isIndicatedBy") == talent
    duration = graph.one(record, DPV + "hasDuration")
    assert DPV + "UntilTimeDuration" in graph.objects(duration, RDF_TYPE)
    begin, end = graph.one(duration, TIME + "hasBeginning"), graph.one(duration, TIME + "hasEnd")
    assert graph.one(begin, TIME + "inXSDDate") == typed("2027-01-01", "date")
    assert graph.one(end, TIME + "inXSDDate") == typed("2027-03-31", "date")
    prohibited = {graph.one(p, DPV + "hasPurpose") for p in graph.objects(record, DPV + "hasProhibition")}
    assert prohibited == {"urn:twin-studio:category:political", "urn:twin-studio:category:tobacco",
                          "urn:twin-studio:purpose:ai-training"}

    def checksum(entity):
        return graph.one(graph.one(entity, SPDX + "checksum"), SPDX + "checksumValue").value

    sources = set(graph.objects(record, PROV + "wasDerivedFrom"))
    base = f"urn:twin-studio:grant:{g.id}"
    assert sources == {f"{base}:document", f"{base}:talent-signature", f"{base}:studio-countersignature"}
    assert checksum(f"{base}:document") == g.sha256
    assert checksum(f"{base}:talent-signature") == hashlib.sha256(base64.b64decode(g.talent_signature)).hexdigest()
    assert checksum(f"{base}:studio-countersignature") == \
        hashlib.sha256(base64.b64decode(g.studio_signature)).hexdigest()
    assert graph.one(f"{base}:talent-signature", PROV + "wasAttributedTo") == talent


def test_when_a_draft_is_exported_then_it_carries_no_signature_or_indication(world):
    g = grant(world, state="draft", training="allowed", exclude="")
    graph = Graph(to_dpv(g))
    record = f"urn:twin-studio:grant:{g.id}:consent-record"
    assert graph.objects(record, PROV + "wasDerivedFrom") == [f"urn:twin-studio:grant:{g.id}:document"]
    assert graph.objects(record, DPV + "isIndicatedBy") == []
    assert graph.objects(record, DPV + "hasProhibition") == []


def test_when_a_draft_is_declined_then_the_record_keeps_the_talents_signed_refusal(world):
    g = grant(world, state="declined")
    graph = Graph(to_dpv(g))
    base = f"urn:twin-studio:grant:{g.id}"
    assert set(graph.objects(f"{base}:consent-record", PROV + "wasDerivedFrom")) == {f"{base}:document",
                                                                                      f"{base}:decline"}
    assert graph.one(f"{base}:decline", PROV + "wasAttributedTo") == f"urn:twin-studio:talent:{g.talent_id}"
    checksum = graph.one(graph.one(f"{base}:decline", SPDX + "checksum"), SPDX + "checksumValue")
    assert checksum == typed(hashlib.sha256(canonical(g.revocation)).hexdigest(), "hexBinary")


def test_the_exports_module_imports_nothing_that_fetches():
    import ast

    source = REPO / "studio" / "core" / "consent" / "exports.py"
    imported = set()
    for node in ast.walk(ast.parse(source.read_text())):
        if isinstance(node, ast.Import):
            imported.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            imported.add((node.module or "").split(".")[0])
    assert imported <= {"__future__", "base64", "datetime", "hashlib", "studio"}, imported


@pytest.mark.parametrize("modalities, expected", [
    (["body"], [PD + "Biometric", PD + "PhysicalCharacteristic"]),
    (["voice"], [PD + "Biometric"]),
    (["body", "face", "voice"], [PD + "Biometric", PD + "FacialPrint", PD + "PhysicalCharacteristic"]),
])
def test_each_modality_is_recorded_as_its_personal_data_category(world, modalities, expected):
    import dataclasses

    g = grant(world, state="draft")
    g = dataclasses.replace(g, document={**g.document, "modalities": modalities})  # exports do not re-verify
    graph = Graph(to_dpv(g))
    assert sorted(graph.objects(f"urn:twin-studio:grant:{g.id}:consent-record", DPV + "hasPersonalData")) == expected
