"""``echoed-heads``: ``check`` comparing the audit chain with the heads the talents' kept
decisions files echo (DR056). A folder vault with 10 talents holding their own keys (in memory:
no scrypt) and ``DECISIONS`` rounds in all — each a review kit exported, opened and decided on
the talent's side (an access request: it needs no asset) and the decisions file imported, kept
encrypted — then, timed: the comparison alone (``verify_echoed_heads``: every kept file read back,
one signature check each, one query for the echoed heads), the whole ``check_vault`` and, for
scale, one round's export (its kit now carries the chain's links since the talent's last kit).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from benchmarks.harness import PASSPHRASE

DECISIONS = 200
TALENTS = 10


def _identity(name: str):
    import pyrage
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from studio.core.talent_identity import TalentCard, TalentIdentity
    from studio.core.vault.keys import public_key_b64

    signing, identity = Ed25519PrivateKey.generate(), pyrage.x25519.Identity.generate()
    return TalentIdentity(TalentCard(name, public_key_b64(signing.public_key()), str(identity.to_public())),
                          signing, identity)


def bench(repeats: int = 3) -> dict:
    from studio.core.check import check_vault
    from studio.core.kits.decisions import import_decisions
    from studio.core.kits.echoed_heads import verify_echoed_heads
    from studio.core.kits.export import export_review_kit
    from studio.core.kits.talent_side import Choices, decide, show_kit
    from studio.core.talent_identity import link_talent_card
    from studio.core.talents import add_talent
    from studio.core.vault import Vault

    with tempfile.TemporaryDirectory(prefix="studio-heads-") as tmp:
        root = Path(tmp)
        vault = Vault.create(root / "vault", PASSPHRASE)
        people = []
        for i in range(TALENTS):
            name = f"Talent {i}"
            talent = add_talent(vault, name, f"t{i}@example.com")
            me = _identity(name)
            link_talent_card(vault, talent.id, me.card)
            side = root / f"side{i}"
            side.mkdir()
            people.append((talent.id, me, side))
        t = time.perf_counter()
        exports = []
        for n in range(DECISIONS):
            tid, me, side = people[n % TALENTS]
            kit = side / f"k{n}.twinreview"
            t0 = time.perf_counter()
            export_review_kit(vault, tid, kit)
            exports.append(time.perf_counter() - t0)
            out = side / f"d{n}.twindecisions"
            decide(show_kit(kit, me, side), me, Choices(request_access=True), out)
            import_decisions(vault, out)
        build_s = time.perf_counter() - t
        compare, full = [], []
        for _ in range(repeats):
            t0 = time.perf_counter()
            problems = verify_echoed_heads(vault)
            compare.append(time.perf_counter() - t0)
            assert problems == [], problems[:3]
            t0 = time.perf_counter()
            rep = check_vault(vault)
            full.append(time.perf_counter() - t0)
            assert rep.ok, rep.problems[:3]
        events = rep.audit_events
        vault.close()
    r = {"decisions_files": DECISIONS, "talents": TALENTS, "audit_events": events, "build_s": round(build_s, 1),
         "compare_s": round(statistics.median(compare), 3), "check_s": round(statistics.median(full), 3),
         "export_ms_median": round(statistics.median(exports) * 1000, 1)}
    print(f"echoed heads: {DECISIONS} kept decisions files of {TALENTS} talents, {events} audit events (built in "
          f"{r['build_s']} s): comparison {r['compare_s']} s, whole check {r['check_s']} s (medians of {repeats}); "
          f"a kit's export {r['export_ms_median']} ms (median)", flush=True)
    return r
