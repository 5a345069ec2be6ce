"""``credentials``: content credentials on an output (DR044) — ``add_credentials`` (the facts
checked against the vault, the manifest signed with the studio's certificate, the result
validated against the studio root before it is written, the file written atomically, the audit
event) and ``verify_credentials`` — next to the same job with c2pa-python alone: ``Builder.sign``
with a signer made from the same certificate chain and key (``Signer.from_info``), and a
``Reader`` asked for its validation state with the same trust anchor. Files generated here: a
1024² and a 2048² PNG of noise (no compression helps), a 60 s 48 kHz 16-bit mono WAV. In one
process, the vault opened and the libraries imported before anything is measured.
"""

from __future__ import annotations

import io
import tempfile
import time
from pathlib import Path

from benchmarks.harness import PASSPHRASE


def _files(folder: Path) -> dict[str, Path]:
    import numpy as np
    import soundfile as sf
    from PIL import Image

    rng = np.random.default_rng(7)
    out = {}
    for side in (1024, 2048):
        out[f"png {side}²"] = folder / f"noise{side}.png"
        Image.fromarray(rng.integers(0, 256, (side, side, 3), dtype=np.uint8)).save(out[f"png {side}²"])
    t = np.arange(60 * 48000) / 48000
    out["wav 60 s"] = folder / "voice60.wav"
    sf.write(out["wav 60 s"], (np.sin(2 * np.pi * 180 * t) * 8000 + rng.normal(0, 300, t.size)).astype(np.int16),
             48000, subtype="PCM_16")
    return out


def _peer(authority, source: Path, out: Path, mime: str, manifest: dict) -> float:
    import c2pa
    from cryptography.hazmat.primitives import serialization

    t = time.perf_counter()
    key = authority.signing_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                              serialization.NoEncryption())
    info = c2pa.C2paSignerInfo(b"es256", authority.chain_pem, key, None)
    with c2pa.Context.from_dict({"builder": {"thumbnail": {"enabled": False}},
                                 "verify": {"verify_after_sign": False}}) as ctx, \
            c2pa.Builder(manifest, context=ctx) as builder, open(source, "rb") as src, open(out, "w+b") as dst:
        builder.sign(c2pa.Signer.from_info(info), mime, src, dst)
    return time.perf_counter() - t


def _peer_read(path: Path, mime: str, root_pem: bytes) -> float:
    import c2pa

    t = time.perf_counter()
    with c2pa.Context.from_dict({"verify": {"verify_trust": True}, "trust": {"trust_anchors": root_pem.decode()}}) \
            as ctx, c2pa.Reader(mime, io.BytesIO(path.read_bytes()), context=ctx) as reader:
        assert reader.get_validation_state() == "Trusted"
    return time.perf_counter() - t


def bench(repeats: int = 3) -> dict:
    from studio.core.credentials import CredentialFacts, add_credentials, content_authority, verify_credentials
    from studio.core.credentials.content import manifest_definition, media_type
    from studio.core.talents import add_talent
    from studio.core.vault import Vault

    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        vault = Vault.create(folder / "vault", PASSPHRASE)
        talent = add_talent(vault, "Bench").id
        t = time.perf_counter()
        authority = content_authority(vault)
        results["authority made (first use)_ms"] = (time.perf_counter() - t) * 1000
        for name, source in _files(folder).items():
            media = media_type(source)
            rows = {"add": [], "verify": [], "peer sign": [], "peer read": []}
            for i in range(repeats):
                out = folder / f"ours-{source.stem}-{i}{source.suffix}"
                t = time.perf_counter()
                added = add_credentials(vault, source, out, CredentialFacts(talent=talent, note="bench"))
                rows["add"].append(time.perf_counter() - t)
                t = time.perf_counter()
                assert verify_credentials(out, authority.root_pem).trusted
                rows["verify"].append(time.perf_counter() - t)
                peer = folder / f"peer-{source.stem}-{i}{source.suffix}"
                manifest = manifest_definition(added.facts, peer.name, media)
                rows["peer sign"].append(_peer(authority, source, peer, media.mime, manifest))
                rows["peer read"].append(_peer_read(peer, media.mime, authority.root_pem))
            med = {k: sorted(v)[len(v) // 2] * 1000 for k, v in rows.items()}
            results[name] = {"source_bytes": source.stat().st_size,
                             "added_bytes": out.stat().st_size - source.stat().st_size,
                             **{f"{k}_ms": round(v, 1) for k, v in med.items()},
                             "add/peer sign": round(med["add"] / med["peer sign"], 2),
                             "verify/peer read": round(med["verify"] / med["peer read"], 2)}
        vault.close()
    for name, row in results.items():
        print(f"{name}: {row}")
    return results
