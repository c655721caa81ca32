"""Overlap detection at scale: 33 departments each drawing 5 % of 1,000,000 entities in one
window (R-B3). Prints the merge time and peak memory against a baseline measured in the
same run: building the set of all drawn ids.

    python benchmarks/bench_overlap.py [--entities 1000000] [--departments 33] [--share 0.05]
"""

from __future__ import annotations

import argparse
import gc
import random
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from spotcheck.inspections.domain.overlap import Selection, merge


def selections(entities: int, departments: int, share: float, seed: int) -> list[Selection]:
    rng = random.Random(seed)
    ids = [f"9136110{i:010d}X" for i in range(entities)]
    k = int(entities * share)
    return [Selection(f"D{d:02d}", f"plan-{d}", (f"D{d:02d}-I1", f"D{d:02d}-I2")[: 1 + d % 2],
                      rng.sample(ids, k)) for d in range(departments)]


def measure(label: str, func, *args):  # type: ignore[no-untyped-def]
    gc.collect()
    tracemalloc.start()
    start = time.perf_counter()
    result = func(*args)
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return result, elapsed, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entities", type=int, default=1_000_000)
    parser.add_argument("--departments", type=int, default=33)
    parser.add_argument("--share", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=2027)
    args = parser.parse_args()
    sels = selections(args.entities, args.departments, args.share, args.seed)
    drawn = sum(len(s.entities) for s in sels)

    def baseline(sels: list[Selection]) -> set[str]:
        ids: set[str] = set()
        for sel in sels:
            ids.update(sel.entities)
        return ids

    # tracemalloc slows both sides alike; time without it too for the headline figure.
    ids, _base_t, base_mem = measure("baseline", baseline, sels)
    result, _merge_t, merge_mem = measure("merge", merge, sels)
    start = time.perf_counter()
    baseline(sels)
    base_plain = time.perf_counter() - start
    start = time.perf_counter()
    merged = merge(sels)
    merge_plain = time.perf_counter() - start
    start = time.perf_counter()
    built = sum(1 for _ in merged.visits())
    build_t = time.perf_counter() - start
    assert built == merged.visits_after
    print(f"entities {args.entities:,}, departments {args.departments}, drawn entries {drawn:,}, "
          f"distinct entities {len(ids):,}")
    joint = sum(1 for _ in result.joint())
    print(f"joint inspections {joint:,}, visits {result.visits_before:,} -> "
          f"{result.visits_after:,} (saved {result.visits_saved:,})")
    print(f"{'':24}{'time s':>10}{'peak MiB':>12}")
    print(f"{'baseline: set of ids':24}{base_plain:>10.3f}{base_mem / 2**20:>12.1f}")
    print(f"{'merge':24}{merge_plain:>10.3f}{merge_mem / 2**20:>12.1f}")
    print(f"{'building visit records':24}{build_t:>10.3f}{'':>12}  (when they are written)")
    print(f"ratio merge/baseline: time {merge_plain / base_plain:.2f}x, "
          f"memory {merge_mem / max(base_mem, 1):.2f}x")


if __name__ == "__main__":
    main()
