"""A province-size draw, simulated: 50,000,000 entities in 100 counties x 3 risk classes.

The population is generated as a stream into population.csv (valid USCCs in byte order, the
file a freeze writes; it is never held whole in memory). Then, each in a fresh process so
that its peak memory (VmHWM) is its own:

- plain:    the baseline, a loop of ``hashlib.sha256(K + uscc).digest()`` over the same ids,
            streamed from the same file (run before and after the others; the mean is used);
- announce: the announcement (the check of the whole file, its digest, the stratum sizes);
- draw:     the platform's own draw core, ``spotcheck.draws.domain.execution.execute``
            (the verifier's selection: 10 % of class A, 3 % of B, 1 % of C in every county),
            and the bundle written (result.json);
- verify:   the citizen's verifier on that bundle (``verify_draw.main``, as its command line).

Targets: draw and verify each in at most 2.5x the plain loop, with peak memory that follows
the selection, not the population (compare a run with ``--n`` ten times smaller: the peak
per selected entity stays, the population grows tenfold).

    python benchmarks/bench_province.py [--n 50000000] [--keep DIR]

Needs about 25 bytes of disk per entity (1.2 GB at full size). No Django, no database.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import bench_draw_core as core  # noqa: E402  (population_lines: 100 counties x 3 classes)

from spotcheck.draws.domain.execution import execute  # noqa: E402
from verifier import verify_draw as vd  # noqa: E402

HASH = "sha256"
K = core.K


def generate(d: Path, n: int) -> dict[str, Any]:
    """population.csv, streamed from the generator a block at a time."""
    start = time.perf_counter()
    core.write_population(d / "population.csv", n)
    return {"seconds": time.perf_counter() - start, "bytes": (d / "population.csv").stat().st_size}


def plain(d: Path) -> dict[str, Any]:
    return core.phase_plain_file(d)


def announce(d: Path) -> dict[str, Any]:
    start = time.perf_counter()
    pop = d / "population.csv"
    sizes = vd.scan_population(pop, HASH).strata
    quota = {"kind": "rates", "rounding": "ceil", "rates_bp": {s: core.RATES_BP[s[0]] for s in sizes}}
    a = vd.make_announcement(
        draw_id="PROVINCE-1", hash_name=HASH, published_at="2027-05-20T10:00:00+08:00",
        population=pop, quota=quota,
        commitments=[{"name": n, "commit": vd.commitment(HASH, v)} for n, v in core.SECRETS],
        beacon={"kind": "lottery", "description": "福彩3D"},
    )
    reveals = [{"name": n, "value_hex": v.hex()} for n, v in core.SECRETS + [core.BEACON]]
    vd.write_bundle(d, {"announcement.json": vd.pretty_json(a), "reveals.json": vd.pretty_json(reveals)})
    return {"seconds": time.perf_counter() - start, "strata": len(sizes), "size": a["population"]["size"]}


def draw(d: Path) -> dict[str, Any]:
    a = json.loads((d / "announcement.json").read_bytes())
    reveals = json.loads((d / "reveals.json").read_bytes())
    start = time.perf_counter()
    done = execute(announcement=a, reveals=reveals, population=d / "population.csv")
    drawn = time.perf_counter()
    vd.write_bundle(d, {"result.json": vd.pretty_json(done.result)})
    end = time.perf_counter()
    return {"seconds": end - start, "execute": drawn - start, "write": end - drawn,
            "selected": len(done.result["selected"])}


def verify(d: Path) -> dict[str, Any]:
    start = time.perf_counter()
    code = vd.main([str(d)])
    return {"seconds": time.perf_counter() - start, "exit": code}


PHASES: dict[str, Callable[[Path], dict[str, Any]]] = {
    "plain": plain, "announce": announce, "draw": draw, "verify": verify,
}


def run_phase(name: str, d: Path) -> dict[str, Any]:
    """One phase in a fresh interpreter: its result, its own peak RSS, its CPU seconds."""
    out = subprocess.run([sys.executable, __file__, "--phase", name, str(d)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def child(name: str, d: Path) -> None:
    cpu = time.process_time()
    result = PHASES[name](d)
    result["cpu"] = time.process_time() - cpu
    result["peak_mb"] = core.peak_rss_mb()
    sys.stdout.flush()
    print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=50_000_000, help="entities (default 50,000,000)")
    parser.add_argument("--keep", type=Path, help="build the bundle in this new directory and keep it")
    parser.add_argument("--phase", choices=PHASES, help=argparse.SUPPRESS)
    parser.add_argument("dir", nargs="?", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        child(args.phase, args.dir)
        return
    with tempfile.TemporaryDirectory(prefix="bench-province-", dir=args.keep and args.keep.parent) as tmp:
        d = args.keep or Path(tmp)
        d.mkdir(parents=True, exist_ok=True)
        gen = generate(d, args.n)
        print(f"generated {args.n:,} entities in {gen['seconds']:.0f} s ({gen['bytes'] / 2**20:,.0f} MiB)", flush=True)
        r: dict[str, dict[str, Any]] = {}
        loads: dict[str, float] = {}
        for name in ("plain", "announce", "draw", "verify", "plain"):
            res = run_phase(name, d)
            loads[name] = os.getloadavg()[0]
            if name == "plain" and name in r:
                first = r[name]
                res = {k: (first[k] + res[k]) / 2 for k in ("seconds", "cpu", "peak_mb")}
            r[name] = res
            print(f"  {name}: {res['seconds']:.1f} s", flush=True)
        report(args.n, r, loads)


def report(n: int, r: dict[str, dict[str, Any]], loads: dict[str, float]) -> None:
    base, base_cpu = r["plain"]["seconds"], r["plain"]["cpu"]
    selected = r["draw"]["selected"]
    print(f"\nprovince draw, {n:,} entities in {r['announce']['strata']} strata, {selected:,} selected, "
          f"{HASH}, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    print(f"{'phase':34} {'time s':>7} {'x plain':>7} {'cpu s':>7} {'x cpu':>6} {'peak MB':>8} "
          f"{'B/selected':>10} {'load':>5}  target")
    rows = [
        ("plain loop sha256(K+uscc), file", r["plain"], ""),
        ("announce (check, digest, count)", r["announce"], ""),
        ("draw: execute + write result.json", r["draw"], "<= 2.5x"),
        ("verify: verify_draw.py", r["verify"], "<= 2.5x"),
    ]
    for label, res, target in rows:
        s, c, peak = res["seconds"], res["cpu"], res["peak_mb"]
        print(f"{label:34} {s:7.1f} {s / base:7.2f} {c:7.1f} {c / base_cpu:6.2f} {peak:8.0f} "
              f"{peak * 2**20 / max(selected, 1):10.0f} {loads.get(label.split()[0].rstrip(':'), 0):5.1f}  {target}")
    print(f"  (draw: execute {r['draw']['execute']:.1f} s, writing result.json {r['draw']['write']:.1f} s; "
          f"verifier exit {r['verify']['exit']})")


if __name__ == "__main__":
    main()
