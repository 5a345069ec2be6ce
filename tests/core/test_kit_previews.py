"""What the talent's window shows of a review kit, read from the kit in memory (DR052): each
asset as a record, the voice take itself, a scan's 3D preview scene from the kit's own bytes;
what the kit does not carry is said, not guessed."""

from __future__ import annotations

import hashlib

import pyrage
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from studio.core.consent.grants import draft_grant
from studio.core.errors import InvalidInput, NotFound
from studio.core.kits.export import export_review_kit
from studio.core.kits.kit_file import OpenedKit
from studio.core.kits.kit_previews import KitScenes, asset_record, document_text
from studio.core.kits.talent_side import show_kit
from studio.core.talent_identity import TalentCard, TalentIdentity, link_talent_card
from studio.core.vault.keys import public_key_b64
from tests.core.helpers import grant_fields


@pytest.fixture
def opened(world, tmp_path):
    vault, talent, key, assets = world
    signing, identity = Ed25519PrivateKey.generate(), pyrage.x25519.Identity.generate()
    me = TalentIdentity(TalentCard(talent.name, public_key_b64(signing.public_key()), str(identity.to_public())),
                        signing, identity)
    draft_grant(vault, talent.id, grant_fields(assets, use_description="Autumn campaign"))
    link_talent_card(vault, talent.id, me.card)
    export_review_kit(vault, talent.id, tmp_path / "kit.twinreview")
    return show_kit(tmp_path / "kit.twinreview", me, tmp_path), assets, me


def test_when_a_kit_is_opened_then_its_scan_turns_from_the_kits_bytes_and_its_take_is_the_take(opened):
    shown, (scan, voice), me = opened
    scenes = KitScenes(shown.opened)
    scene = scenes.open_scene(scan)
    assert scene.full is not None and scene.full.count > 0 and scene.is_mesh  # whole: nothing read from a vault
    entry = scenes.assets[scan]
    record = asset_record(entry)
    assert (record.id, record.sha256, record.original_name) == (scan, entry["sha256"], entry["name"])
    assert record.metrics == entry["metrics"] and record.warnings == entry["warnings"]
    take = scenes.take(voice)
    assert hashlib.sha256(take).hexdigest() == scenes.assets[voice]["sha256"]
    assert asset_record(scenes.assets[voice]).media_type.startswith("audio/")
    with pytest.raises(InvalidInput, match="voice recording"):
        scenes.open_scene(voice)
    with pytest.raises(InvalidInput, match="not a voice take"):
        scenes.take(scan)
    with pytest.raises(NotFound, match="not in this kit"):
        scenes.open_scene("ast_0000000000000000")


def test_when_a_grant_awaits_the_talent_then_its_document_is_the_bytes_their_key_signs(opened):
    shown, _assets, me = opened
    draft = next(g for g in shown.kit["grants"] if g["awaiting"])
    text = document_text(draft)
    assert me.card.verify_key in text and "Autumn campaign" in text


def test_when_the_kit_does_not_carry_a_scans_preview_then_the_scene_says_so(opened):
    shown, (scan, _voice), _me = opened
    entry = next(a for a in shown.kit["assets"] if a["id"] == scan)
    files = {k: v for k, v in shown.opened.files.items() if not k.startswith(f"previews/{scan}/")}
    kit = dict(shown.kit, assets=[dict(entry, previews=[p for p in entry["previews"] if p["role"] == "thumbnail"])])
    with pytest.raises(NotFound, match="no 3D preview"):
        KitScenes(OpenedKit(kit, files)).open_scene(scan)
