"""``package``: ~1 GB of generated assets (four ~246 MB binary PLY body scans, three 16-bit WAV
voice takes) ingested, approved and covered by an active grant (setup, not measured); then our
``export_package`` and the brand's ``open_package``, each in its own process, next to the peer on
the original files — ``tar -c | age -r`` and ``age -d -i | tar -x``: wall time, CPU time and peak
memory; again at a quarter of the size (is memory flat?); then each step alone. Our side runs in
``package_children``."""

from __future__ import annotations

import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from benchmarks.harness import MB, machine, run_child, timed_pipeline
from benchmarks.package_children import (child_package_export, child_package_open, PEER_IDENTITY, child_package_phases,
                                         child_package_setup)
from tests.generators import big_body_ply, voice_wav

PKG_MESHES = 4  # big scans per asset set
PKG_TAKES = 3  # voice takes per asset set
PKG_VOICE_SHARE = 0.04  # of the total size: ~41 MB of voice at 1024 MB
PKG_SMALL_DIVISOR = 4  # the second, smaller size that shows whether memory stays flat
PKG_TARGET_RATIO = 1.3
PKG_TARGET_PEAK_MB = 300.0


def make_package_assets(folder: Path, size_mb: float) -> list[Path]:
    total = int(size_mb * MB)
    voice = int(total * PKG_VOICE_SHARE)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(PKG_MESHES):
        p = folder / f"body_scan_{i + 1}.ply"
        big_body_ply(p, (total - voice) // PKG_MESHES, seed=100 + i)
        paths.append(p)
    for i in range(PKG_TAKES):
        p = folder / f"voice_take_{i + 1}.wav"
        voice_wav(p, voice // PKG_TAKES, seed=200 + i)
        paths.append(p)
    return paths


def _peer(kind: str, src: Path, names: list[str], recipient: str, identity: Path, pkg: Path, out_dir: Path) -> dict:
    """The peer: ``tar -c | age -r`` (export) or ``age -d -i | tar -x`` (open), on the original files."""
    env = {"SRC": str(src), "RECIPIENT": recipient, "IDENTITY": str(identity), "PKG": str(pkg), "OUTDIR": str(out_dir)}
    files = " ".join(f"'{n}'" for n in names)  # generated names: no quotes in them
    timed = '/usr/bin/time -o "$TIMES/{}" -f "%M %U %S" '
    if kind == "export":
        script = (timed.format("tar") + f'tar -c -C "$SRC" {files} | '
                  + timed.format("age") + 'age -r "$RECIPIENT" > "$PKG"')
    elif kind == "open":
        script = (timed.format("age") + 'age -d -i "$IDENTITY" "$PKG" | '
                  + timed.format("tar") + 'tar -x -C "$OUTDIR"')
    # the peer's steps alone, for "where the time goes" (PKG is then a finished tar.age)
    elif kind == "tar-c":
        # through cat: GNU tar writing to /dev/null itself skips reading the files
        script = timed.format("tar") + f'tar -c -C "$SRC" {files} | cat > /dev/null'
    elif kind == "age-r":
        script = timed.format("age") + 'age -r "$RECIPIENT" < "$PKG" > /dev/null'
    elif kind == "age-d":
        script = timed.format("age") + 'age -d -i "$IDENTITY" "$PKG" > /dev/null'
    else:
        raise ValueError(kind)
    return timed_pipeline(script, env)


def _package_round(side: str, folder: Path, setup: dict, names: list[str]) -> dict:
    """One export and one open by ``side`` ("ours" or "peer"); their outputs are removed after."""
    import shutil

    app = folder / "app"
    pkg, out = folder / f"{side}.out", folder / f"{side}-opened"
    try:
        os.sync()  # the previous step's writeback is not this one's
        if side == "ours":
            export = run_child(child_package_export, str(app / "vault"), setup["grant_id"], str(pkg))
            os.sync()
            opened = run_child(child_package_open, str(pkg), str(app / "brand"), str(app / "studio.pem"), str(out))
        else:
            identity = app / "brand" / PEER_IDENTITY
            export = _peer("export", folder / "assets", names, setup["recipient"], identity, pkg, out)
            export["bytes"] = pkg.stat().st_size
            os.sync()
            out.mkdir()
            opened = _peer("open", folder / "assets", names, setup["recipient"], identity, pkg, out)
        return {"export": export, "open": opened}
    finally:
        pkg.unlink(missing_ok=True)
        shutil.rmtree(out, ignore_errors=True)


def _package_phases(folder: Path, setup: dict, names: list[str]) -> dict:
    """Each step alone, ours (in one child) and the peer's (tar to nowhere, age on a finished file)."""
    app = folder / "app"
    os.sync()
    ours = run_child(child_package_phases, str(app / "vault"), setup["grant_id"], str(folder), str(app / "studio.pem"),
                      str(app / "brand"))
    identity, pkg = app / "brand" / PEER_IDENTITY, folder / "peer-phases.tar.age"
    peer = {}
    try:
        _peer("export", folder / "assets", names, setup["recipient"], identity, pkg, folder)
        os.sync()
        for kind in ("tar-c", "age-r", "age-d"):
            peer[kind] = _peer(kind, folder / "assets", names, setup["recipient"], identity, pkg, folder)
    finally:
        pkg.unlink(missing_ok=True)
    return {"ours": ours, "peer": peer}


def _package_at(tmp: Path, size_mb: float, repeats: int, phases: bool) -> dict:
    import shutil

    folder = tmp / f"size-{size_mb:g}"
    t = time.perf_counter()
    paths = make_package_assets(folder / "assets", size_mb)
    generate_s = time.perf_counter() - t
    setup = run_child(child_package_setup, str(folder / "app"), *map(str, paths))
    names = [p.name for p in paths]
    files = [{"name": p.name, "bytes": p.stat().st_size} for p in paths]
    runs: dict[str, list] = {"ours": [], "peer": []}
    for i in range(-1, repeats):  # round -1: a warm-up of both sides, not counted
        order = ("ours", "peer") if i % 2 == 0 or i < 0 else ("peer", "ours")  # alternate who goes first
        for side in order:
            r = _package_round(side, folder, setup, names)
            if i >= 0:
                runs[side].append(r)
    steps = _package_phases(folder, setup, names) if phases else None
    shutil.rmtree(folder, ignore_errors=True)
    res = {"size_mb": size_mb, "files": files, "total_bytes": sum(f["bytes"] for f in files),
           "generate_s": generate_s, "ingest_s": setup["ingest_s"], "runs": runs,
           "marks": runs["ours"][0]["export"]["marks"], "steps": steps}
    for side in ("ours", "peer"):
        for step in ("export", "open"):
            walls = [r[step]["wall_s"] for r in runs[side]]
            res[f"{side}_{step}"] = {"best_s": min(walls), "median_s": statistics.median(walls),
                                     "walls_s": walls, "cpu_s": min(r[step]["cpu_s"] for r in runs[side]),
                                     "peak_mb": max(r[step]["peak_kib"] for r in runs[side]) * 1024 / MB}
    for step in ("export", "open"):
        o, p = res[f"ours_{step}"], res[f"peer_{step}"]
        res[f"{step}_ratio"] = o["best_s"] / p["best_s"]
        res[f"{step}_ratio_median"] = o["median_s"] / p["median_s"]
    return res


def bench(repeats: int, size_mb: float = 1024) -> dict:
    sizes = [size_mb, size_mb / PKG_SMALL_DIVISOR]
    with tempfile.TemporaryDirectory(prefix="twin-bench-package-") as tmp:
        at = [_package_at(Path(tmp), s, repeats, phases=s == size_mb) for s in sizes]
    res = {"machine": machine(), "repeats": repeats, "sizes": at,
           "age": subprocess.run(["age", "--version"], capture_output=True, text=True).stdout.strip(),
           "tar": subprocess.run(["tar", "--version"], capture_output=True, text=True).stdout.splitlines()[0]}
    big = at[0]
    res["ratio_met"] = all(big[f"{s}_ratio"] <= PKG_TARGET_RATIO for s in ("export", "open"))
    res["memory_met"] = all(x[f"ours_{s}"]["peak_mb"] < PKG_TARGET_PEAK_MB for x in at for s in ("export", "open"))
    print_table(res)
    return res


def print_table(res: dict) -> None:
    m = res["machine"]
    print(f"\npackage: export and open, twin-studio next to tar | age on the same files, best of "
          f"{res['repeats']} (median), after one warm-up round; order alternates")
    print(f"  {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB; {res['age']}, {res['tar']}")
    for x in res["sizes"]:
        meshes = [f for f in x["files"] if f["name"].endswith(".ply")]
        voice = [f for f in x["files"] if f["name"].endswith(".wav")]
        print(f"  {x['size_mb']:g} MB set: {x['total_bytes'] / MB:.0f} MB = {len(meshes)} binary PLY scans of "
              f"~{meshes[0]['bytes'] / MB:.0f} MB + {len(voice)} WAV takes ({sum(f['bytes'] for f in voice) / MB:.0f} MB); "
              f"marks: {', '.join(x['marks'])}; setup ingest {x['ingest_s']:.0f} s")
    print(f"  {'wall s: best (median)':22}{'ours':>16}{'peer':>16}{'ratio':>14}{'ours MB':>10}{'peer MB':>10}"
          f"{'CPU s ours':>12}{'peer':>7}")
    for x in res["sizes"]:
        for step in ("export", "open"):
            o, p = x[f"ours_{step}"], x[f"peer_{step}"]
            print(f"  {step + ' ' + format(x['size_mb'], 'g') + ' MB':22}"
                  f"{o['best_s']:>8.2f} ({o['median_s']:5.2f})"
                  f"{p['best_s']:>8.2f} ({p['median_s']:5.2f})"
                  f"{x[step + '_ratio']:>6.2f}x ({x[step + '_ratio_median']:.2f})"
                  f"{o['peak_mb']:>10.0f}{p['peak_mb']:>10.0f}{o['cpu_s']:>12.2f}{p['cpu_s']:>7.2f}")
    big, small = res["sizes"]
    print(f"  peak memory (ours; the process's VmHWM growth during the call, worst run; peer: the larger of "
          f"its two processes): export {small['ours_export']['peak_mb']:.0f} MB at {small['size_mb']:g} MB, "
          f"{big['ours_export']['peak_mb']:.0f} MB at {big['size_mb']:g} MB; open "
          f"{small['ours_open']['peak_mb']:.0f} / {big['ours_open']['peak_mb']:.0f} MB")
    print(f"  targets: ratio <= {PKG_TARGET_RATIO}x: {'met' if res['ratio_met'] else 'NOT met'}; peak memory < "
          f"{PKG_TARGET_PEAK_MB:.0f} MB at both sizes: {'met' if res['memory_met'] else 'NOT met'}")
    steps = big.get("steps")
    if steps:
        o, p = steps["ours"], steps["peer"]
        gb = o["package_bytes"] / MB
        print(f"  where the time goes at {big['size_mb']:g} MB (each step alone, one process, output to nowhere "
              f"unless said; wall s / CPU s):")
        rows = [
            ("ours: decrypt every blob from the vault (age + SHA-256 check)", o["decrypt_blobs"]),
            ("ours: read the heads to choose marks (_decide)", o["decide_heads"]),
            ("ours: decrypt + mark + SHA-256 of each file", o["decrypt_mark_sha"]),
            ("ours: the whole tar stream (the above + tar headers)", o["tar_stream"]),
            ("ours: tar stream -> pipe -> pyrage encrypt", o["tar_stream_age"]),
            ("ours: export_package (the above + zip, 2 more SHA-256, file, fsync)", o["export"]),
            (f"  pyrage encrypt of the {gb:.0f} MB package file", o["age_encrypt_file"]),
            (f"  read the package file ({gb:.0f} MB, cached)", o["read_file"]),
            ("  read + SHA-256", o["read_sha256"]),
            ("  read + CRC-32", o["read_crc32"]),
            ("  copy to a new file (no fsync)", o["write_copy"]),
            ("  fsync of that copy", o["fsync_copy"]),
            ("ours: verify_package", o["verify"]),
            ("ours: decrypt the payload (zip entry -> pyrage)", o["payload_decrypt"]),
            ("ours: open_package (verify + decrypt + untar + SHA-256 + write + fsync)", o["open"]),
            ("peer: tar -c of the originals (| cat > /dev/null)", p["tar-c"]),
            ("peer: age -r of the tar.age file", p["age-r"]),
            ("peer: age -d of the tar.age file", p["age-d"]),
        ]
        for label, r in rows:
            print(f"    {label:76}{r['wall_s']:>8.2f}{r['cpu_s']:>8.2f}")
