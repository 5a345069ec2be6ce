"""``report-outputs``: what naming the outputs a use published costs (DR057) — the brand's
``output_fingerprint`` (media type by content, SHA-256 read in 1 MiB pieces) of a 2048² PNG, and
the studio's ``import_report`` of a report naming 0, 1, 50 and 200 outputs, every one approved for
the package (the worst case: each approval's sealed statement opened and its signature checked
against the talent's keyring). One process; the vault open, the talent's key unlocked and the
brand's keys in memory before anything is timed; the approvals (200 small PNGs in four requests
of 50, all approved) are made first, not timed.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.harness import PASSPHRASE

TALENT_PASS = "the talent's bench phrase"
COUNTS = (0, 1, 50, 200)


def bench(repeats: int = 3) -> dict:
    import datetime as dt
    import zoneinfo

    import numpy as np
    from PIL import Image

    from studio.core import clock
    from studio.core.consent.review import review_asset
    from studio.core.consent.talent_keys import set_talent_passphrase, unlock_talent_key
    from studio.core.intake import ingest_paths
    from studio.core.ledger.entries import import_report
    from studio.core.package.approval_brand import create_request, write_request
    from studio.core.package.approvals import decide_outputs, import_request
    from studio.core.package.export import export_package
    from studio.core.package.reports import create_report, output_fingerprint, write_report
    from studio.core.talents import add_talent
    from studio.core.vault import Vault
    from tests.conftest import TESTDATA
    from tests.core.helpers import BRAND, active_grant, brand

    results: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        rng = np.random.default_rng(7)
        big = folder / "noise2048.png"
        Image.fromarray(rng.integers(0, 256, (2048, 2048, 3), dtype=np.uint8)).save(big)
        times = []
        for _ in range(repeats):
            t = time.perf_counter()
            output_fingerprint(big)
            times.append(time.perf_counter() - t)
        results["output_fingerprint png 2048² (12.6 MB)_ms"] = statistics.median(times) * 1000

        vault = Vault.create(folder / "vault", PASSPHRASE)
        talent = add_talent(vault, "Bench")
        set_talent_passphrase(vault, talent.id, TALENT_PASS)
        key = unlock_talent_key(vault, talent.id, TALENT_PASS)
        (voice,) = ingest_paths(vault, talent.id, [TESTDATA / "voice" / "vctk_p225_001.wav"])
        review_asset(vault, voice.asset_id, "approve", key)
        grant = active_grant(vault, talent, key, [voice.asset_id], max_uses=10_000)
        keys = brand(vault)
        package = folder / "p.twinpkg"
        export_package(vault, grant.id, BRAND, package)
        use = dict(description="bench", purpose="advertising", media="web", territory="FR")
        outputs = []
        for i in range(max(COUNTS)):
            p = folder / f"out{i:03}.png"
            Image.fromarray(rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)).save(p)
            outputs.append(p)
        for start in range(0, len(outputs), 50):
            request, _ = create_request(package, keys, outputs[start:start + 50], **use)
            ask = folder / f"ask{start}.twinrequest"
            write_request(request, ask)
            rec = import_request(vault, ask)
            decide_outputs(vault, rec.id, key, approve=[o.sha256 for o in rec.outputs])
        today = clock.now().astimezone(zoneinfo.ZoneInfo(grant.document["timezone"])).date().isoformat()
        assert today <= (dt.date.today() + dt.timedelta(days=1)).isoformat()
        for n in COUNTS:
            times = []
            for r in range(repeats):
                report, _ = create_report(package, keys, "bench", "advertising", "web", "FR", today, 1, outputs[:n])
                path = folder / f"r{n}-{r}.json"
                write_report(report, path)
                t = time.perf_counter()
                result = import_report(vault, path)
                times.append(time.perf_counter() - t)
                assert not result.violation, result.entry.reasons
            results[f"import_report naming {n} approved output(s)_ms"] = statistics.median(times) * 1000
        vault.close()
    for name, value in results.items():
        print(f"{name}: {value:.1f}")
    return results
