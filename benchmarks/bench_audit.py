"""The audit chain at the size of a city's year of recorded visits: events appended in batches
(``audit_record_many``, as ``visits_record`` appends them) then the whole chain verified
(``trail_verify``, what ``audit_verify`` runs), on a fresh PostgreSQL database (or SQLite with
``--sqlite``), migrated first.

    python benchmarks/bench_audit.py [--visits 100000] [--batch 2000] [--items 5] [--sqlite]

Each visit gives two events, as a recorded and completed visit does: its results (``items``
rows of item, result, method and follow-up) and its completion. Prints the seconds and the
CPU seconds of this process for the writing and for the verification, events per second,
and the load average (wall time follows the machine's load; the database server's share of
the work is not in the CPU figure).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from scratch import scratch_database  # noqa: E402


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _events(first: int, count: int, items: int) -> list[dict[str, Any]]:
    """The events of ``count`` visits from visit ``first`` on, shaped as ``_visits_write`` shapes them."""
    out: list[dict[str, Any]] = []
    for pk in range(first, first + count):
        kind = "inspections.jointinspection" if pk % 3 == 0 else "inspections.inspectiontask"
        out.append({"action": "inspections.results_record", "object_type": kind, "object_id": pk,
                    "summary": {"recorded": [{"item": f"{pk % 40:03d}-{i:02d}", "result": "1",
                                              "method": "实地检查", "follow_up": ""} for i in range(items)]}})
        out.append({"action": "inspections.visit_complete", "object_type": kind, "object_id": pk,
                    "summary": {"tasks": [pk * 2, pk * 2 + 1], "items": items, "publish_due": "2027-07-15"}})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--visits", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=2000, help="visits per call (one transaction)")
    parser.add_argument("--items", type=int, default=5, help="items recorded per visit")
    parser.add_argument("--sqlite", action="store_true")
    args = parser.parse_args()
    with scratch_database("bench_audit", sqlite=args.sqlite):
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection, transaction

        from spotcheck.audit.services import audit_record_many
        from spotcheck.audit.verification import trail_verify

        call_command("migrate", verbosity=0)
        print(f"{connection.vendor}, {args.visits:,} visits ({2 * args.visits:,} events), "
              f"{args.batch} visits a batch, {args.items} items a visit; load average {_load()}")
        written, build, build_cpu = 0, 0.0, 0.0
        t0, cpu0 = time.perf_counter(), _cpu_s()
        for first in range(0, args.visits, args.batch):
            b0, c0 = time.perf_counter(), _cpu_s()
            events = _events(first, min(args.batch, args.visits - first), args.items)
            build, build_cpu = build + time.perf_counter() - b0, build_cpu + _cpu_s() - c0
            with transaction.atomic():
                written += audit_record_many(events)
        seconds, cpu = time.perf_counter() - t0 - build, _cpu_s() - cpu0 - build_cpu
        print(f"write:  {written:,} events in {seconds:.1f} s ({written / seconds:,.0f}/s), "
              f"CPU {cpu:.1f} s (the events' own building left out)")
        t0, cpu0 = time.perf_counter(), _cpu_s()
        report = trail_verify()
        seconds, cpu = time.perf_counter() - t0, _cpu_s() - cpu0
        print(f"verify: {report.count:,} events in {seconds:.1f} s ({report.count / seconds:,.0f}/s), "
              f"CPU {cpu:.1f} s, {'OK' if report.ok else f'{len(report.problems)} problems'}")
        print(f"load average {_load()}")
        if not report.ok:
            raise SystemExit(1)


if __name__ == "__main__":
    main()
