"""Tasks from draws and the window merge on a database, against a baseline measured in the same
run: reading the window's task rows (what any merge must at least do).

    python benchmarks/bench_window_merge.py [--entities 200000] [--departments 12] [--share 0.05]
                                            [--sqlite]

A fresh PostgreSQL database is created on the server of BENCH_PG_URL (default
postgres://postgres@127.0.0.1:5432) and dropped afterwards; ``--sqlite`` uses a temporary
SQLite file instead. Each department gets one executed class-B draw of the June window selecting
``share`` of the entities (rows written as the draw service stores them), with a two-person
team; then ``tasks_from_draw`` runs for every draw and ``window_merge`` over June, twice (the
second run is the idempotent re-run). Peak Python memory of the merge is traced.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from scratch import scratch_database  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entities", type=int, default=200_000)
    parser.add_argument("--departments", type=int, default=12)
    parser.add_argument("--share", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=2027)
    parser.add_argument("--sqlite", action="store_true")
    args = parser.parse_args()

    with scratch_database("bench_merge", sqlite=args.sqlite):
        run(args)


def run(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from spotcheck.accounts.models import Department
    from spotcheck.accounts.services import reference_load
    from spotcheck.core.domain.uscc import uscc_with_check
    from spotcheck.draws.models import Assignment, Draw, DrawStatus, Selection
    from spotcheck.inspections import services
    from spotcheck.inspections.models import InspectionTask
    from spotcheck.registry.models import EntityKind, MarketEntity
    from spotcheck.roster.models import Inspector, InspectorKind

    reference_load()
    rng = random.Random(args.seed)
    start = time.perf_counter()
    batch = []
    for i in range(args.entities):
        batch.append(MarketEntity(uscc=uscc_with_check(f"91361100MA{i:07d}"), name=f"企业{i}",
                                  kind=EntityKind.COMPANY, legal_rep_name="张三", division_id="361102",
                                  industry="F"))
        if len(batch) == 10_000:
            MarketEntity.objects.bulk_create(batch)
            batch = []
    MarketEntity.objects.bulk_create(batch)
    ids = list(MarketEntity.objects.values_list("pk", "uscc"))
    print(f"entities {len(ids):,} written in {time.perf_counter() - start:.1f} s")

    departments = list(Department.objects.filter(division_id="361100").order_by("seq")[: args.departments])
    k = int(args.entities * args.share)
    for n, dept in enumerate(departments):
        team = [Inspector.objects.create(certificate_no=f"B{n:02d}-{j}", name=f"检查员{n}-{j}",
                                         department=dept, kind=InspectorKind.CIVIL_SERVANT,
                                         valid_until="2099-12-31") for j in range(2)]
        draw = Draw.objects.create(code=f"361100-2027-B{n:04d}", title=f"bench {n}", department=dept,
                                   division_id="361100", year=2027, classes="B", spec={},
                                   window_start="2027-06-01", window_end="2027-06-30",
                                   status=DrawStatus.EXECUTED, files_path=f"b{n}")
        chosen = rng.sample(ids, k)
        sels = Selection.objects.bulk_create(
            [Selection(draw=draw, position=p, uscc=u, entity_id=pk, stratum="B")
             for p, (pk, u) in enumerate(chosen)], batch_size=5000)
        Assignment.objects.bulk_create(
            [Assignment(selection=s, slot=j, inspector=i, inspector_code=i.certificate_no, dept=dept.code)
             for s in sels for j, i in enumerate(team)], batch_size=5000)
    drawn = k * len(departments)
    print(f"departments {len(departments)}, drawn entries {drawn:,} ({args.share:.0%} each)")

    start = time.perf_counter()
    for draw in Draw.objects.order_by("pk"):
        services.tasks_from_draw(draw=draw)
    tasks_t = time.perf_counter() - start

    start = time.perf_counter()
    rows = list(InspectionTask.objects.filter(division_id="361100", year=2027).values_list(
        "id", "uscc", "entity_id", "department_id", "draw_id", "window_start", "window_end").iterator(
        chunk_size=5000))
    seen = {r[1] for r in rows}
    base_t = time.perf_counter() - start

    tracemalloc.start()
    start = time.perf_counter()
    summary = services.window_merge(division="361100", year=2027, window=6)
    merge_t = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    start = time.perf_counter()
    again = services.window_merge(division="361100", year=2027, window=6)
    rerun_t = time.perf_counter() - start
    assert again.visits_saved == summary.visits_saved and again.notices == 0

    print(f"tasks {summary.tasks:,} over {len(seen):,} entities; joint inspections "
          f"{summary.joint_inspections:,}; visits {summary.visits_before:,} -> {summary.visits_after:,} "
          f"(saved {summary.visits_saved:,}); notices {summary.notices:,}")
    print(f"{'':34}{'time s':>9}{'rows/s':>12}")
    print(f"{'baseline: read the window tasks':34}{base_t:>9.2f}{len(rows) / base_t:>12,.0f}")
    print(f"{'tasks_from_draw (all draws)':34}{tasks_t:>9.2f}{drawn / tasks_t:>12,.0f}")
    print(f"{'window_merge':34}{merge_t:>9.2f}{summary.tasks / merge_t:>12,.0f}")
    print(f"{'window_merge again (no change)':34}{rerun_t:>9.2f}{summary.tasks / rerun_t:>12,.0f}")
    print(f"ratio merge/baseline {merge_t / base_t:.1f}x; merge peak Python memory {peak / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
