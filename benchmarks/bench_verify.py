"""The citizen's verifier (verifier/verify_draw.py) at provincial scale, against a plain hashing
loop measured in the same run (DRAW.md section 7).

A population of 5,000,000 valid USCCs is generated twice: in 3 strata (risk classes) and in
300 strata (100 counties x 3 classes). For each, bundles selecting 1 %, 5 % and 10 % of every
stratum are written through the verifier's own helpers, and ``python3 verify_draw.py BUNDLE``
is timed as a whole process (start to exit), next to a plain loop of
``hashlib.sha256(K + uscc).digest()`` over the same file run just before and just after it.
Target: the verifier in at most 2x the plain loop. Wall time follows the machine's load, so
CPU time (user + system of the process) is printed too, with the load average.

    python benchmarks/bench_verify.py [--n 5000000] [--rates 100,500,1000]

Imports only the standard library and the verifier module.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_draw_core as core

from verifier import verify_draw as vd

VERIFIER = Path(vd.__file__).resolve()
PLAIN = """
import hashlib, sys
K = hashlib.sha256(b"bench key").digest()
sha = hashlib.sha256
with open(sys.argv[1], "rb") as f:
    for line in f:
        sha(K + line[:18]).digest()
"""


def write_population(path: Path, n: int, few: bool) -> None:
    """population.csv in 300 strata "A.361100" ..., or in 3 ("A", "B", "C") when ``few``."""
    with open(path, "w", encoding="ascii", newline="\n") as f:
        batch: list[str] = []
        for line in core.population_lines(n):
            batch.append(line[:20] + "\n" if few else line)
            if len(batch) == 100_000:
                f.write("".join(batch))
                batch.clear()
        f.write("".join(batch))


def write_bundle(d: Path, population: Path, rate_bp: int) -> int:
    """A bundle selecting ``rate_bp`` of every stratum; returns how many are selected."""
    sizes = vd.scan_population(population, "sha256").strata
    quota = {"kind": "rates", "rounding": "ceil", "rates_bp": {s: rate_bp for s in sizes}}
    a = vd.make_announcement(
        draw_id=f"BENCH-{rate_bp}",
        hash_name="sha256",
        published_at="2027-05-20T10:00:00+08:00",
        population=population,
        quota=quota,
        commitments=[{"name": n, "commit": vd.commitment("sha256", v)} for n, v in core.SECRETS],
    )
    reveals = [{"name": n, "value_hex": v.hex()} for n, v in core.SECRETS]
    result = vd.compute_result(vd.DrawInputs(a, reveals, population))
    d.mkdir()
    (d / "population.csv").symlink_to(population)
    files = {"announcement.json": vd.pretty_json(a), "reveals.json": vd.pretty_json(reveals),
             "result.json": vd.pretty_json(result)}
    vd.write_bundle(d, files)
    return len(result["selected"])


def timed(argv: list[str]) -> dict[str, Any]:
    """Run a process to its exit: wall seconds, CPU seconds (user + system), exit code, output."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    out = subprocess.run(argv, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall": wall, "cpu": cpu, "code": out.returncode, "out": (out.stdout + out.stderr).strip()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=5_000_000, help="entities (default 5,000,000)")
    parser.add_argument("--rates", default="100,500,1000", help="selection rates in basis points")
    args = parser.parse_args()
    rates = [int(r) for r in args.rates.split(",")]
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-verify-") as tmp:
        root = Path(tmp)
        for few in (True, False):
            pop = root / f"population-{'few' if few else 'many'}.csv"
            write_population(pop, args.n, few)
            for rate in rates:
                d = root / f"bundle-{'few' if few else 'many'}-{rate}"
                selected = write_bundle(d, pop, rate)
                before = timed([sys.executable, "-c", PLAIN, str(pop)])
                verify = timed([sys.executable, str(VERIFIER), str(d)])
                after = timed([sys.executable, "-c", PLAIN, str(pop)])
                load = os.getloadavg()[0]
                wall = (before["wall"] + after["wall"]) / 2
                cpu = (before["cpu"] + after["cpu"]) / 2
                strata = len(vd.scan_population(pop, "sha256").strata)
                rows.append((strata, rate, selected, wall, cpu, verify, load))
                print(f"  {strata} strata, {rate / 100:g} %: verifier {verify['wall']:.2f} s, "
                      f"plain loop {wall:.2f} s, exit {verify['code']}", flush=True)
    print(f"\nverify_draw.py on {args.n:,} entities, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    print(f"{'strata':>6} {'rate':>5} {'selected':>9} {'plain s':>8} {'verify s':>9} {'x wall':>7} "
          f"{'plain cpu':>9} {'verify cpu':>10} {'x cpu':>6} {'load':>5} exit  target <= 2x")
    ok = True
    for strata, rate, selected, wall, cpu, v, load in rows:
        ok = ok and v["code"] == 0
        print(f"{strata:6} {rate / 100:4g}% {selected:9,} {wall:8.2f} {v['wall']:9.2f} {v['wall'] / wall:7.2f} "
              f"{cpu:9.2f} {v['cpu']:10.2f} {v['cpu'] / cpu:6.2f} {load:5.1f} {v['code']:4}")
    print(f"\nall bundles verified OK: {ok}")


if __name__ == "__main__":
    main()
