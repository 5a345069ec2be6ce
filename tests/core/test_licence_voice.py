"""Each party reads the grant in its own voice: the talent, who signs it, reads "Maison Lumière may
use your face scan … You can withdraw this consent"; the brand, who verifies and opens the package,
reads "You (Maison Lumière) may use the talent's face scan … The talent can withdraw this consent".
Only the text shown changes: the document the talent signed, and its signatures, stay as they were."""

from __future__ import annotations

import hashlib

from studio.core.consent.document import brand_summary, summary
from studio.core.consent.grants import draft_grant
from studio.core.consent.signing import canonical, verify
from studio.core.package.export import export_package
from studio.core.package.unpack import open_package
from studio.core.package.verify import verify_package
from tests.core.helpers import BRAND, active_grant, brand, fields, studio_key
from tests.vaults import BOTH_VAULTS

pytestmark = BOTH_VAULTS

TALENT_VOICE = """\
Maison Lumière may use your face scan and voice (2 assets) for: advertising campaigns, product pages and online shops.
Where: social media, websites; in BE, FR.
When: from 2027-01-01 to 2027-03-31 inclusive (Europe/Paris time), at most 2 uses.
Pay: 1500.00 EUR per use.
What it is for: Spring lookbook, web shop
AI-made images or audio must be labelled as such.
Training AI models on your likeness is not allowed.
Never for: political or campaign content, tobacco and vaping.
You can withdraw this consent at any time; it then ends after 14 days' notice."""

BRAND_VOICE = """\
You (Maison Lumière) may use {talent}'s face scan and voice (2 assets) for: advertising campaigns, \
product pages and online shops.
Where: social media, websites; in BE, FR.
When: from 2027-01-01 to 2027-03-31 inclusive (Europe/Paris time), at most 2 uses.
Fee: 1500.00 EUR per use.
What it is for: Spring lookbook, web shop
AI-made images or audio must be labelled as such.
Training AI models on {talent}'s likeness is not allowed.
Never for: political or campaign content, tobacco and vaping.
{Talent} can withdraw this consent at any time; it then ends after 14 days' notice."""

TALENT_WORDS = ("your face", "your likeness", "You can withdraw", "Pay:")


def test_the_talent_reads_the_grant_addressed_to_them_and_the_brand_reads_it_addressed_to_the_brand(world):
    vault, talent, _, assets = world
    doc = draft_grant(vault, talent.id, fields(assets)).document

    assert summary(doc) == TALENT_VOICE  # word for word what the talent has always read and signed
    assert brand_summary(doc) == BRAND_VOICE.format(talent="the talent", Talent="The talent")
    assert brand_summary(doc, talent.name) == BRAND_VOICE.format(talent=talent.name, Talent=talent.name)
    assert brand_summary(doc, "  ") == brand_summary(doc)  # no name to give: "the talent"
    exclusive = draft_grant(vault, talent.id, fields(assets, exclusive=True)).document
    for text in (summary(exclusive), brand_summary(exclusive)):
        assert text.endswith("\nIt is exclusive: no one else may be granted the same use meanwhile.")


def test_when_the_brand_verifies_and_opens_a_package_then_the_licence_speaks_to_the_brand(world, tmp_path):
    vault, talent, key, assets = world
    g = active_grant(vault, talent, key, assets)
    keys = brand(vault)
    result = export_package(vault, g.id, BRAND, tmp_path / "p.twinpkg")

    shown = verify_package(result.path, studio_key(vault)).describe()
    open_package(result.path, keys, studio_key(vault), tmp_path / "opened")
    licence = (tmp_path / "opened" / "LICENSE.txt").read_text()

    for text in (shown, licence):
        assert "You (Maison Lumière) may use the talent's face scan and voice (2 assets)" in text
        assert "Training AI models on the talent's likeness is not allowed." in text
        assert "The talent can withdraw this consent at any time; it then ends after 0 days' notice." in text
        assert not [w for w in TALENT_WORDS if w in text], text
    # the signed document travels unchanged: its hash and both signatures still hold
    grant = result.manifest["grant"]
    assert grant["document"] == g.document and grant["sha256"] == hashlib.sha256(canonical(g.document)).hexdigest()
    assert verify(g.document["talent_public_key"], grant["document"], grant["talent_signature"])
    assert result.manifest["licence"]["summary"] == brand_summary(g.document)
    assert summary(g.document).startswith("Maison Lumière may use your face scan and voice")
