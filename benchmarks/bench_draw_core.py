"""The SCD-1 draw core at provincial scale (DRAW.md section 7): selection, verification and
inspector assignment, each against a baseline measured in the same run.

Baseline: a plain loop of ``hashlib.sha256(K + uscc).digest()`` over the same USCCs, both
streamed from the population file (the same reading the verifier does) and over ids already
in memory. Targets: selection <= 1.5x, full verification <= 2.5x, assignment of 50,000
entities < 10 s. Every phase runs in a fresh subprocess so that its peak RSS (VmHWM) is
its own.

    python benchmarks/bench_draw_core.py [--n 5000000] [--keep DIR]

Imports only the standard library and the verifier module.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from verifier import verify_draw as vd

K = hashlib.sha256(b"bench key").digest()
REGIONS = [f"36{i:04d}" for i in range(1100, 1200)]  # 100 county codes
CLASSES = (("A", 5), ("B", 35), ("C", 60))  # risk classes, percent of entities
RATES_BP = {"A": 1000, "B": 300, "C": 100}  # sample 10 % / 3 % / 1 %: about 50,000 of 5 million
SECRETS = [("市市场监管局", b"office secret"), ("市司法局", b"justice secret")]
BEACON = ("beacon:lottery", b"21070")


# --- synthetic data ---------------------------------------------------------------------


def _digit_groups() -> list[list[tuple[str, int]]]:
    """For positions 8-10, 11-13, 14-16: every 3-character group with its weighted sum mod 31."""
    chars = vd.USCC_CHARS
    groups = []
    for start in (8, 11, 14):
        w = vd.USCC_WEIGHTS[start : start + 3]
        groups.append(
            [
                (a + b + c, (w[0] * chars.index(a) + w[1] * chars.index(b) + w[2] * chars.index(c)) % 31)
                for a in chars
                for b in chars
                for c in chars
            ]
        )
    return groups


def population_lines(n: int, seed: int = 2027) -> Iterator[str]:
    """n valid USCC lines in byte order: "91" + county + increasing organisation codes.

    Codes are base-31 counters in GB 32100's alphabet, which is in ASCII order, so counting up
    is sorting; the check character is assembled from precomputed group sums.
    """
    rng = random.Random(seed)
    g1, g2, g3 = _digit_groups()
    size = 31**3
    per_region = -(-n // len(REGIONS))
    gap = size**3 // per_region // 2
    made = 0
    for region in REGIONS:
        prefix = "91" + region
        base = sum(w * vd.USCC_CHARS.index(c) for w, c in zip(vd.USCC_WEIGHTS, prefix))
        counter = 0
        strata = [f"{cls}.{region}" for cls, pct in CLASSES for _ in range(pct)]
        for _ in range(min(per_region, n - made)):
            counter += rng.randrange(1, 2 * gap)
            hi, rest = divmod(counter, size * size)
            mid, lo = divmod(rest, size)
            (c1, s1), (c2, s2), (c3, s3) = g1[hi], g2[mid], g3[lo]
            check = vd.USCC_CHARS[-(base + s1 + s2 + s3) % 31]
            yield f"{prefix}{c1}{c2}{c3}{check},{strata[rng.randrange(100)]}\n"
        made += min(per_region, n - made)


def write_population(path: Path, n: int) -> None:
    with open(path, "w", encoding="ascii", newline="\n") as f:
        batch: list[str] = []
        for line in population_lines(n):
            batch.append(line)
            if len(batch) == 100_000:
                f.write("".join(batch))
                batch.clear()
        f.write("".join(batch))


def write_bundle(
    d: Path,
    population: Path,
    team: dict[str, Any] | None,
    roster: list[vd.Inspector],
    conflicts: list[tuple[str, str]],
) -> None:
    """A complete bundle over an existing population.csv, through the platform's own helpers."""
    hash_name = "sha256"
    sizes = vd.scan_population(population, hash_name).strata
    quota = {"kind": "rates", "rounding": "ceil", "rates_bp": {s: RATES_BP[s[0]] for s in sizes}}
    ros, con = (vd.roster_csv(roster), vd.conflicts_csv(conflicts)) if team else (None, None)
    a = vd.make_announcement(
        draw_id="BENCH-1",
        hash_name=hash_name,
        published_at="2027-05-20T10:00:00+08:00",
        population=population,
        quota=quota,
        commitments=[{"name": n, "commit": vd.commitment(hash_name, v)} for n, v in SECRETS],
        team=team,
        roster=ros,
        conflicts=con,
        beacon={"kind": "lottery", "description": "福彩3D"},
    )
    reveals = [{"name": n, "value_hex": v.hex()} for n, v in SECRETS + [BEACON]]
    inputs = vd.DrawInputs(a, reveals, population, roster if team else None, conflicts if team else None)
    d.mkdir(exist_ok=True)
    if population.parent != d:
        (d / "population.csv").symlink_to(population)
    files = {"announcement.json": vd.pretty_json(a), "reveals.json": vd.pretty_json(reveals)}
    if ros is not None and con is not None:
        files.update({"roster.csv": ros, "conflicts.csv": con})
    files["result.json"] = vd.pretty_json(vd.compute_result(inputs))
    vd.write_bundle(d, files)


def department(size: int = 200, seed: int = 7) -> list[vd.Inspector]:
    rng = random.Random(seed)
    tags = ["drug", "fire", "food", "price", "special-equipment"]
    return [
        vd.Inspector(f"D01-{i:04d}", "D01", tuple(sorted(rng.sample(tags, rng.randrange(3)))))
        for i in range(size)
    ]


def declared_conflicts(
    usccs: list[str], roster: list[vd.Inspector], share: float = 0.10, seed: int = 8
) -> list[tuple[str, str]]:
    """Conflicts declared for ``share`` of the entities, one to three inspectors each."""
    rng = random.Random(seed)
    ids = [i.id for i in roster]
    return sorted(
        {
            (u, i)
            for u in rng.sample(usccs, int(len(usccs) * share))
            for i in rng.sample(ids, rng.randint(1, 3))
        }
    )


TWO_SLOTS = {"slots": [{"dept": "D01", "tag": "*"}, {"dept": "D01", "tag": "*"}], "cap_slack": 1}


# --- phases (each in its own process) ---------------------------------------------------


def phase_plain_file(d: Path) -> dict[str, Any]:
    sha = hashlib.sha256
    start = time.perf_counter()
    with open(d / "population.csv", "rb") as f:
        for line in f:
            sha(K + line[:18]).digest()
    return {"seconds": time.perf_counter() - start}


def phase_plain_memory(d: Path) -> dict[str, Any]:
    with open(d / "population.csv", "rb") as f:
        ids = [line[:18] for line in f]
    sha = hashlib.sha256
    start = time.perf_counter()
    for u in ids:
        sha(K + u).digest()
    return {"seconds": time.perf_counter() - start}


def phase_select(d: Path) -> dict[str, Any]:
    """The selection: the scan that checks the file and counts strata, then the ranking pass."""
    pop = d / "population.csv"
    start = time.perf_counter()
    stats = vd.scan_population(pop, "sha256")
    scanned = time.perf_counter()
    quota = vd.allocate_quota(
        {"kind": "rates", "rounding": "ceil", "rates_bp": {s: RATES_BP[s[0]] for s in stats.strata}},
        stats.strata,
    )
    selected = vd.selection_entries(
        vd.rank_population(pop, "sha256", K, quota, stats.strata, stats.digest), quota
    )
    end = time.perf_counter()
    return {
        "seconds": end - start,
        "scan": scanned - start,
        "rank": end - scanned,
        "selected": len(selected),
        "strata": len(quota),
    }


def phase_verify(d: Path) -> dict[str, Any]:
    start = time.perf_counter()
    ok, messages = vd.verify_bundle(d)
    return {"seconds": time.perf_counter() - start, "ok": ok, "summary": messages[0]}


def phase_assign(d: Path) -> dict[str, Any]:
    usccs = json.loads((d / "selected.json").read_bytes())
    roster = department()
    conflicts = declared_conflicts(usccs, roster)
    start = time.perf_counter()
    teams, escalated, relaxed = vd.assign("sha256", K, usccs, roster, conflicts, TWO_SLOTS)
    return {
        "seconds": time.perf_counter() - start,
        "teams": len(teams),
        "escalated": len(escalated),
        "cap_relaxed": len(relaxed),
        "conflicts": len(conflicts),
    }


PHASES: dict[str, Callable[[Path], dict[str, Any]]] = {
    "plain-file": phase_plain_file,
    "plain-memory": phase_plain_memory,
    "select": phase_select,
    "verify": phase_verify,
    "verify-team": phase_verify,
    "assign": phase_assign,
}


def run_phase(name: str, d: Path) -> dict[str, Any]:
    """Run one phase in a fresh interpreter; its result plus its own peak RSS."""
    out = subprocess.run(
        [sys.executable, __file__, "--phase", name, str(d)], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


def peak_rss_mb() -> float:
    """This process's peak RSS. VmHWM belongs to the address space exec created; ru_maxrss
    would also carry the high-water mark of the (large) parent this process was forked from."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def child(name: str, d: Path) -> None:
    result = PHASES[name](d)
    result["peak_mb"] = peak_rss_mb()
    print(json.dumps(result, ensure_ascii=False))


# --- the run ----------------------------------------------------------------------------


def prepare(root: Path, n: int) -> dict[str, Path]:
    """The population file, a bundle without team, one with a team, and a 50,000-entity selection."""
    plain, team = root / "bundle", root / "bundle-team"
    plain.mkdir()
    t = time.perf_counter()
    write_population(plain / "population.csv", n)
    print(
        f"generated {n:,} USCCs in {time.perf_counter() - t:.1f} s ({(plain / 'population.csv').stat().st_size / 2**20:.0f} MiB)",
        flush=True,
    )
    write_bundle(plain, plain / "population.csv", None, [], [])
    selected = [e["uscc"] for e in json.loads((plain / "result.json").read_bytes())["selected"]]
    roster = department()
    write_bundle(team, plain / "population.csv", TWO_SLOTS, roster, declared_conflicts(selected, roster))
    rng = random.Random(9)
    with open(plain / "population.csv") as f:
        sample = [line[:18] for line in f]
    (plain / "selected.json").write_text(json.dumps(sorted(rng.sample(sample, min(50_000, len(sample))))))
    return {"plain": plain, "team": team}


def report(n: int, r: dict[str, dict[str, Any]]) -> None:
    base, mem = r["plain-file"]["seconds"], r["plain-memory"]["seconds"]
    rows = [
        ("plain loop sha256(K+uscc), file streamed", r["plain-file"], "", ""),
        ("plain loop sha256(K+uscc), ids in memory", r["plain-memory"], "", ""),
        ("(a) selection: ranking pass", {**r["select"], "seconds": r["select"]["rank"]}, "<= 1.5x", ""),
        ("(a) selection: check+count pass", {**r["select"], "seconds": r["select"]["scan"]}, "", ""),
        (
            "(a) selection: both passes",
            r["select"],
            "",
            f"{r['select']['selected']:,} selected in {r['select']['strata']} strata",
        ),
        ("(c) verify_bundle, no team", r["verify"], "<= 2.5x", r["verify"]["summary"].split(": ", 1)[1]),
        ("(c') verify_bundle with team", r["verify-team"], "", "incl. assignment of the selection"),
        (
            "(d) assign 50,000 x 2 slots / 200 inspectors",
            r["assign"],
            "< 10 s",
            f"{r['assign']['conflicts']:,} conflicts, {r['assign']['cap_relaxed']} cap relaxed, {r['assign']['escalated']} escalated",
        ),
    ]
    print(f"\nSCD-1 draw core, {n:,} entities, sha256, Python {sys.version.split()[0]}")
    print(f"{'phase':48} {'time s':>8} {'x file':>7} {'x mem':>7} {'peak MB':>8}  target   notes")
    for label, res, target, note in rows:
        s = res["seconds"]
        print(f"{label:48} {s:8.2f} {s / base:7.2f} {s / mem:7.2f} {res['peak_mb']:8.0f}  {target:8} {note}")
    ok = all(res.get("ok", True) for res in r.values())
    print(f"\nall verifications OK: {ok}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--n", type=int, default=5_000_000, help="entities in the population (default 5,000,000)"
    )
    parser.add_argument("--keep", type=Path, help="build the files in this new directory and keep them")
    parser.add_argument("--phase", choices=PHASES, help=argparse.SUPPRESS)
    parser.add_argument("dir", nargs="?", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        child(args.phase, args.dir)
        return
    with tempfile.TemporaryDirectory(prefix="bench-draw-") as tmp:
        root = args.keep or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        dirs = prepare(root, args.n)
        results = {}
        for name in PHASES:
            d = dirs["team"] if name == "verify-team" else dirs["plain"]
            results[name] = run_phase(name, d)
            print(f"  {name}: {results[name]['seconds']:.2f} s", flush=True)
        report(args.n, results)


if __name__ == "__main__":
    main()
