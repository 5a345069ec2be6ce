"""``receipt-links``: a decisions receipt carrying the chain's links since the talent's last kit
(DR056 amendment), at its bound. A folder vault, one talent holding their own key (in memory: no
scrypt): a review kit exported, opened and decided on the talent's side; then ``FILLER`` events
about someone else appended to the chain in one transaction (the chain's own ``append``: the
links of others' events are what grows a receipt), more than ``MAX_CHAIN_EVENTS``; then the
decisions imported. Timed: the receipt made (``decisions_receipt``: the links read and signed),
and verified on the talent's side (``verify_receipt`` with the talent's folder: signature, links,
seen heads); its size written.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.echoed_heads import _identity
from benchmarks.harness import PASSPHRASE

FILLER = 25_000


def bench(repeats: int = 3) -> dict:
    from studio.core.kits.decisions import import_decisions
    from studio.core.kits.export import export_review_kit
    from studio.core.kits.kit_chain import MAX_CHAIN_EVENTS
    from studio.core.kits.receipts import decisions_receipt, verify_receipt, write_decisions_receipt
    from studio.core.kits.talent_side import Choices, decide, show_kit
    from studio.core.talent_identity import link_talent_card
    from studio.core.talents import add_talent
    from studio.core.vault import Vault, audit

    with tempfile.TemporaryDirectory(prefix="studio-receipt-links-") as tmp:
        root = Path(tmp)
        vault = Vault.create(root / "vault", PASSPHRASE)
        talent = add_talent(vault, "Talent", "t@example.com")
        me = _identity("Talent")
        link_talent_card(vault, talent.id, me.card)
        side = root / "side"
        side.mkdir()
        export_review_kit(vault, talent.id, side / "k.twinreview")
        decide(show_kit(side / "k.twinreview", me, side), me, Choices(request_access=True), side / "d.twindecisions")
        with vault.session() as s:
            for i in range(FILLER):
                audit.append(s, "bench.filler", "talent_0000000000000000", {"n": i})
        did = import_decisions(vault, side / "d.twindecisions").decisions_id
        make, check = [], []
        for n in range(repeats):
            t0 = time.perf_counter()
            receipt = decisions_receipt(vault, did)
            make.append(time.perf_counter() - t0)
            path = side / f"receipt{n}.json"
            write_decisions_receipt(vault, did, path)
            t0 = time.perf_counter()
            checked = verify_receipt(path, vault.studio_signing_key().public_key(), side)
            check.append(time.perf_counter() - t0)
            assert checked.warnings == [], checked.warnings
        links = len(receipt["chain"]["events"])
        assert links == MAX_CHAIN_EVENTS, links
        size = path.stat().st_size
        vault.close()
    r = {"links": links, "receipt_bytes": size, "make_s": round(statistics.median(make), 3),
         "verify_s": round(statistics.median(check), 3)}
    print(f"receipt links: a decisions receipt at the bound ({links} links, {size / 1e6:.1f} MB): made in "
          f"{r['make_s']} s, verified with the talent's folder in {r['verify_s']} s (medians of {repeats})",
          flush=True)
    return r
