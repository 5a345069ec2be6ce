"""``approvals``: the approval of one output, each step (DR047) — the brand's ``create_request``
(read the package's manifest, encrypt the output to the studio, sign), the studio's
``import_request`` (verify, decrypt, the consent policy, the blob written), the talent's
``output_preview`` (what review mode shows: the output read whole from the vault, and for audio
its waveform measured in memory, DR054), ``decide_outputs`` (sign, record), ``respond`` (content credentials made and checked, encrypted
to the brand, countersigned, written) and the brand's ``apply_response`` (verify, decrypt,
check the credentials, write) — next to ``add_credentials`` on the same file (DR044's figure).
Files generated here: a 2048² PNG of noise and a 60 s 48 kHz 16-bit mono WAV. One process; the
vault is open, the talent's key unlocked and the brand's keys in memory before anything is timed.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.harness import PASSPHRASE

TALENT_PASS = "the talent's bench phrase"


def _files(folder: Path) -> dict[str, Path]:
    import numpy as np
    import soundfile as sf
    from PIL import Image

    rng = np.random.default_rng(7)
    png = folder / "noise2048.png"
    Image.fromarray(rng.integers(0, 256, (2048, 2048, 3), dtype=np.uint8)).save(png)
    t = np.arange(60 * 48000) / 48000
    wav = folder / "voice60.wav"
    sf.write(wav, (np.sin(2 * np.pi * 180 * t) * 8000 + rng.normal(0, 300, t.size)).astype(np.int16), 48000,
             subtype="PCM_16")
    return {"png 2048²": png, "wav 60 s": wav}


def bench(repeats: int = 3) -> dict:
    from studio.core.consent.review import review_asset
    from studio.core.consent.talent_keys import set_talent_passphrase, unlock_talent_key
    from studio.core.credentials import CredentialFacts, add_credentials
    from studio.core.intake import ingest_paths
    from studio.core.package.approval_brand import apply_response, create_request, write_request
    from studio.core.package.approval_previews import output_preview
    from studio.core.package.approvals import decide_outputs, import_request, respond
    from studio.core.package.export import export_package
    from studio.core.talents import add_talent
    from studio.core.vault import Vault
    from tests.conftest import TESTDATA
    from tests.core.helpers import BRAND, active_grant, brand

    results: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        vault = Vault.create(folder / "vault", PASSPHRASE)
        talent = add_talent(vault, "Bench")
        set_talent_passphrase(vault, talent.id, TALENT_PASS)
        key = unlock_talent_key(vault, talent.id, TALENT_PASS)
        (voice,) = ingest_paths(vault, talent.id, [TESTDATA / "voice" / "vctk_p225_001.wav"])
        review_asset(vault, voice.asset_id, "approve", key)
        grant = active_grant(vault, talent, key, [voice.asset_id], max_uses=100)
        keys = brand(vault)
        package = folder / "p.twinpkg"
        export_package(vault, grant.id, BRAND, package)
        use = dict(description="bench", purpose="advertising", media="web", territory="FR")
        for name, source in _files(folder).items():
            rows: dict[str, list[float]] = {k: [] for k in ("request", "import", "preview", "decide", "respond", "apply",
                                                            "credentials add alone")}
            sizes = {}
            for i in range(repeats):
                t = time.perf_counter()
                request, _ = create_request(package, keys, [source], **use)
                ask = folder / f"{i}-{source.stem}.twinrequest"
                write_request(request, ask)
                rows["request"].append(time.perf_counter() - t)
                t = time.perf_counter()
                rec = import_request(vault, ask)
                rows["import"].append(time.perf_counter() - t)
                t = time.perf_counter()
                output_preview(vault, rec.id, rec.outputs[0].sha256)
                rows["preview"].append(time.perf_counter() - t)
                t = time.perf_counter()
                decide_outputs(vault, rec.id, key, approve=[rec.outputs[0].sha256])
                rows["decide"].append(time.perf_counter() - t)
                t = time.perf_counter()
                answer = respond(vault, rec.id, folder / f"{i}-{source.stem}.twinapproval")
                rows["respond"].append(time.perf_counter() - t)
                t = time.perf_counter()
                apply_response(answer.path, keys, source, folder / f"{i}-c-{source.name}")
                rows["apply"].append(time.perf_counter() - t)
                t = time.perf_counter()
                add_credentials(vault, source, folder / f"{i}-alone-{source.name}", CredentialFacts(talent=talent.id))
                rows["credentials add alone"].append(time.perf_counter() - t)
                sizes = {"output_MB": source.stat().st_size / 1e6, "request_MB": ask.stat().st_size / 1e6,
                         "answer_MB": answer.path.stat().st_size / 1e6}
            for k, v in rows.items():
                results[f"{name}: {k}_ms"] = statistics.median(v) * 1000
            for k, v in sizes.items():
                results[f"{name}: {k}"] = v
        vault.close()
    for name, value in results.items():
        print(f"{name}: {value:.1f}")
    return results
