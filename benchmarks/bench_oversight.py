"""The oversight dashboard, the supervision report and the accountability record: queries and
time per whole page (through the test client: middleware, template and all), the
accountability export read whole, and time and peak Python memory of a report's generation,
against baselines measured in the same run: the planning coverage page (R-P1), and the
dashboard's selector alone counting every figure (what the report must at least compute).

Two modes:

- on the demo database (``make run`` builds it: 20,000 entities and a simulated year)::

    SPOTCHECK_VAR_DIR=var SPOTCHECK_DEMO=1 python benchmarks/bench_oversight.py [--repeat 5]

- at scale, on a fresh PostgreSQL database (BENCH_PG_URL, default the local server; dropped
  afterwards) seeded with ``--entities`` market entities and ``--tasks`` inspection tasks of
  the city's departments over the year (windows month by month, 60 % completed, the rest
  overdue once their window closed), two team members each, their burden ledger, filings and
  a class-A draw::

    python benchmarks/bench_oversight.py --scale [--entities 1000000] [--tasks 100000] [--repeat 3]

  The goal: each dashboard answers within 1 s. Seeding 1M entities takes minutes on a busy
  machine; ``--entities 200000 --tasks 20000`` is the quick run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from scratch import scratch_database  # noqa: E402

GOAL_S = 1.0


def timed(client: Any, url: str, repeat: int) -> tuple[float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm caches of the first request
    times = []
    queries = 0
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - start)
        assert response.status_code == 200, (url, response.status_code)
        queries = len(ctx)
    return statistics.median(times), queries


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def exported(client: Any, url: str) -> tuple[float, int]:
    """Time to read a streamed export whole, and its lines."""
    start = time.perf_counter()
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    lines = sum(chunk.count(b"\n") for chunk in response.streaming_content)
    return time.perf_counter() - start, lines


def traced(fn: Callable[[], Any]) -> tuple[float, int, Any]:
    """Wall time and peak traced Python memory (bytes) of ``fn()``."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        out = fn()
    finally:
        elapsed = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return elapsed, peak, out


def _batches(n: int, size: int = 20_000) -> Iterator[range]:
    for start in range(0, n, size):
        yield range(start, min(start + size, n))


def _insert_select(model: Any, exprs: dict[str, str], source: str, params: list[Any] | None = None) -> None:
    """``INSERT INTO model (every column) SELECT ...``: the columns in ``exprs`` from SQL over
    ``source``, every other column its model default (PostgreSQL: millions of rows in seconds,
    where ORM batches take minutes)."""
    from django.db import connection

    columns, values, args = [], [], []
    for f in model._meta.concrete_fields:
        if f.primary_key:
            continue
        columns.append(connection.ops.quote_name(f.column))
        if f.column in exprs:
            values.append(exprs[f.column])
        else:
            values.append("%s")
            args.append(f.get_db_prep_save(f.get_default(), connection))
    sql = (f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({', '.join(columns)}) "
           f"SELECT {', '.join(values)} FROM {source}")
    with connection.cursor() as cursor:
        cursor.execute(sql, args + (params or []))


def _seed_sql(entities: int, tasks: int, year: int, departments: list[int]) -> None:
    """Rows as the platform stores them, written by SQL (USCCs are unique 18-character codes;
    their check digit is not computed here: nothing measured reads it)."""
    from spotcheck.inspections.models import EntityBurden, InspectionTask, TaskMember
    from spotcheck.registry.models import MarketEntity

    _insert_select(MarketEntity, {
        "uscc": "'91361100MA' || lpad(i::text, 7, '0') || 'X'", "name": "'企业' || i", "kind": "'company'",
        "legal_rep_name": "'张三'", "division_id": "CASE WHEN i %% 2 = 1 THEN '361100' ELSE '361102' END",
        "industry": "'F'", "library_class": "CASE WHEN i %% 100 = 0 THEN 'A' WHEN i %% 10 = 1 THEN 'C' ELSE 'B' END",
        "created_at": "now()", "updated_at": "now()",
    }, "generate_series(0, %s - 1) AS i", [entities])
    print(f"  entities {entities:,} written", flush=True)
    month = "(1 + rn %% 12)::int"
    start = f"make_date({year}, {month}, 1)"
    _insert_select(InspectionTask, {
        "department_id": f"(ARRAY{departments})[1 + rn %% {len(departments)}]", "division_id": "'361100'",
        "year": str(year), "entity_id": "id", "uscc": "uscc", "source": "'draw'",
        "window_start": start, "window_end": f"({start} + interval '1 month' - interval '1 day')::date",
        "status": "CASE WHEN rn %% 5 < 3 THEN 'completed' ELSE 'pending' END",
        "completed_at": f"CASE WHEN rn %% 5 < 3 THEN ({start} + interval '9 days')::timestamptz END",
        "created_at": "now()", "updated_at": "now()",
    }, "(SELECT id, uscc, row_number() OVER () AS rn FROM registry_marketentity "
       "WHERE id %% 7 = 3 OR id %% 11 = 5 LIMIT %s) AS chosen", [tasks])
    # Two members per task from a pool of 600 certificates (inspectors outside the roster):
    # the accountability record's duties fall on each of them.
    _insert_select(TaskMember, {
        "task_id": "t.id", "slot": "s", "inspector_id": "NULL",
        "certificate_no": "'JX' || lpad(((t.id * 7 + s * 131) %% 600)::text, 6, '0')",
    }, f"inspections_inspectiontask AS t CROSS JOIN generate_series(1, 2) AS s WHERE t.year = {year}")
    _insert_select(EntityBurden, {
        "entity_id": "entity_id", "uscc": "uscc", "year": str(year), "tasks": "n", "visits": "n",
        "departments": "n", "updated_at": "now()",
    }, f"(SELECT entity_id, min(uscc) AS uscc, count(*) AS n FROM inspections_inspectiontask "
       f"WHERE year = {year} GROUP BY entity_id) AS visited")


def _seed_orm(entities: int, tasks: int, year: int, departments: list[Any]) -> None:
    import random
    from datetime import date, datetime, timedelta
    from zoneinfo import ZoneInfo

    from spotcheck.core.domain.uscc import uscc_with_check
    from spotcheck.inspections.models import EntityBurden, InspectionTask, TaskMember, TaskSource, TaskStatus
    from spotcheck.registry.models import EntityKind, MarketEntity

    rng = random.Random(year)
    for part in _batches(entities):
        MarketEntity.objects.bulk_create([
            MarketEntity(uscc=uscc_with_check(f"91361100MA{i:07d}"), name=f"企业{i}", kind=EntityKind.COMPANY,
                         legal_rep_name="张三", division_id="361100" if i % 2 else "361102", industry="F",
                         library_class="A" if i % 100 == 0 else ("C" if i % 10 == 1 else "B"))
            for i in part], batch_size=len(part))
    ids = list(MarketEntity.objects.order_by("?").values_list("pk", "uscc")[:tasks])
    shanghai = ZoneInfo("Asia/Shanghai")
    for part in _batches(len(ids)):
        rows = []
        for i in part:
            pk, uscc = ids[i]
            month = i % 12 + 1
            start = date(year, month, 1)
            end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
            done = rng.random() < 0.6
            rows.append(InspectionTask(
                department=departments[i % len(departments)], division_id="361100", year=year, entity_id=pk,
                uscc=uscc, source=TaskSource.DRAW, window_start=start, window_end=end,
                status=TaskStatus.COMPLETED if done else TaskStatus.PENDING,
                completed_at=datetime(year, month, 10, 10, tzinfo=shanghai) if done else None))
        made = InspectionTask.objects.bulk_create(rows, batch_size=len(rows))
        TaskMember.objects.bulk_create([TaskMember(task_id=t.pk, slot=s, certificate_no=f"JX{(t.pk * 7 + s * 131) % 600:06d}")
                                        for t in made for s in (1, 2)], batch_size=5000)
        EntityBurden.objects.bulk_create([EntityBurden(entity_id=ids[i][0], uscc=ids[i][1], year=year, tasks=1,
                                                       visits=1, departments=1) for i in part],
                                         batch_size=len(part))


def seed(entities: int, tasks: int, year: int) -> None:
    """Entities (1 % class A, 10 % class C), tasks of the city's departments by month, the
    burden ledger of their entities, a thousand filings and one executed class-A draw."""
    from datetime import date, datetime
    from zoneinfo import ZoneInfo

    from django.core.management import call_command
    from django.db import connection

    from spotcheck.accounts.models import Department
    from spotcheck.accounts.services import reference_load
    from spotcheck.accounts.tests.factories import UserFactory
    from spotcheck.draws.models import Draw, DrawStatus, Selection
    from spotcheck.inspections.models import Filing, InspectionTask
    from spotcheck.registry.models import MarketEntity

    shanghai = ZoneInfo("Asia/Shanghai")

    call_command("migrate", verbosity=0)
    reference_load()
    departments = list(Department.objects.filter(division_id="361100").order_by("seq"))
    t0 = time.perf_counter()
    if connection.vendor == "postgresql":
        _seed_sql(entities, tasks, year, [d.pk for d in departments])
    else:
        _seed_orm(entities, tasks, year, departments)
    print(f"  entities {MarketEntity.objects.count():,}, tasks {InspectionTask.objects.count():,} "
          f"in {time.perf_counter() - t0:.1f} s")
    ids = list(InspectionTask.objects.values_list("entity_id", "uscc")[:1000])
    office = UserFactory.create(role="office", dept_code="361100-SAMR")
    UserFactory.create(role="planner", dept_code="361100-ENV")
    Filing.objects.bulk_create([
        Filing(division_id="361100", department=departments[i % len(departments)], entity_id=ids[i][0],
               uscc=ids[i][1], library_class="B", planned_on=date(year, 5, 6), quiet_period=i % 2 == 0,
               class_a=i % 2 == 1 or i % 3 == 0, reason="complaint", justification="群众投诉举报",
               created_at=datetime(year, 5, 5, 9, tzinfo=shanghai), created_by=office)
        for i in range(len(ids))])
    a = list(MarketEntity.objects.filter(library_class="A").values_list("pk", "uscc")[: entities // 1000])
    draw = Draw.objects.create(code=f"361100-{year}-A0001", title="A 类联合抽查", department=departments[0],
                               division_id="361100", year=year, classes="A", spec={},
                               status=DrawStatus.EXECUTED, files_path="a")
    Selection.objects.bulk_create([Selection(draw=draw, position=p, uscc=u, entity_id=pk, stratum="A")
                                   for p, (pk, u) in enumerate(a)], batch_size=5000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def measure(args: argparse.Namespace, year: int | None) -> None:
    from django.conf import settings
    from django.test import Client, override_settings

    from spotcheck.accounts.models import Department, Division, User
    from spotcheck.core import clock
    from spotcheck.oversight import accountability, render, reports, selectors, services
    from spotcheck.oversight.models import YEARLY

    # No collectstatic for a measurement: static URLs from the app folders.
    with override_settings(STORAGES={**settings.STORAGES, "staticfiles": {
            "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}):
        query = f"?year={year}" if year else ""
        env = Department.objects.filter(division_id=settings.SPOTCHECK_CITY).order_by("seq").first()
        for role in ("office", "planner"):
            user = User.objects.filter(role=role, is_active=True).order_by("id").first()
            if user is None:
                sys.exit(f"no active {role} user: build the demo database first (make run)")
            client = Client(SERVER_NAME="localhost")
            client.force_login(user)
            # The whole page through the test client (middleware, template, charts' JSON);
            # the first reading counts and keeps the costly figures (as the first reader would).
            base_t, base_q = timed(client, f"/planning/coverage/{query}", args.repeat)
            dash_t, dash_q = timed(client, f"/oversight/{query}", args.repeat)
            verdict = "OK" if dash_t <= GOAL_S else "over the 1 s goal"
            print(f"{role:8} coverage page (baseline) {base_t * 1000:7.1f} ms {base_q:3} queries | "
                  f"dashboard page {dash_t * 1000:7.1f} ms {dash_q:3} queries | ratio {dash_t / base_t:.2f} "
                  f"{verdict} | load {_load()}")
            if role == "office":
                pages = [("accountability page (division)", f"/oversight/accountability/{query}"),
                         ("accountability page 5 (division)",
                          f"/oversight/accountability/{query}{'&' if query else '?'}page=5")]
                if env is not None:
                    pages.append((f"accountability page ({env.code})",
                                  f"/oversight/accountability/{query}{'&' if query else '?'}department={env.code}"))
                for label, url in pages:
                    acc_t, acc_q = timed(client, url, args.repeat)
                    verdict = "OK" if acc_t <= GOAL_S else "over the 1 s goal"
                    print(f"{'':8} {label:34} {acc_t * 1000:7.1f} ms {acc_q:3} queries | "
                          f"ratio {acc_t / base_t:.2f} against the coverage page {verdict} | load {_load()}")
                exp_t, exp_rows = exported(client, f"/oversight/accountability/{query}"
                                                   f"{'&' if query else '?'}format=csv")
                print(f"{'':8} accountability CSV export (division) {exp_t * 1000:7.1f} ms {exp_rows:,} lines "
                      f"(streamed) | ratio {exp_t / base_t:.2f} against the coverage page | load {_load()}")

        city = Division.objects.get(pk=settings.SPOTCHECK_CITY)
        y = year or clock.planning_year()
        base_t, base_m, _ = traced(lambda: selectors.dashboard(city, y, as_of=reports.as_of(y, YEARLY)))
        print(f"dashboard selector alone (baseline)      {base_t * 1000:8.1f} ms  peak {base_m / 2**20:6.1f} MiB"
              "  (counting the costly figures, as a report does)")
        k_t, k_m, _ = traced(lambda: services.figures_refresh(city, y))
        print(f"kept figures counted again (the worker)  {k_t * 1000:8.1f} ms  peak {k_m / 2**20:6.1f} MiB"
              f"  ratio {k_t / base_t:.2f} the dashboard selector")
        data_t, data_m, data = traced(lambda: reports.report_data(city, y, YEARLY))
        print(f"report figures, both years, missed lists {data_t * 1000:8.1f} ms  peak {data_m / 2**20:6.1f} MiB"
              f"  ratio {data_t / base_t:.1f}× time, {data_m / max(base_m, 1):.1f}× memory"
              f"  (missed lines: {sum(len(m.rows) for m in data.missed):,})")
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            x_t, x_m, _ = traced(lambda: render.write_xlsx(data, f"{tmp}/r.xlsx"))
            size = Path(f"{tmp}/r.xlsx").stat().st_size
        print(f"report XLSX                              {x_t * 1000:8.1f} ms  peak {x_m / 2**20:6.1f} MiB"
              f"  ({size / 2**10:,.0f} KiB)")
        p_t, p_m, pdf = traced(lambda: render.pdf_bytes(data))
        print(f"report PDF                               {p_t * 1000:8.1f} ms  peak {p_m / 2**20:6.1f} MiB"
              f"  ({len(pdf) / 2**10:,.0f} KiB)")
        total = data_t + x_t + p_t
        print(f"report in all                            {total * 1000:8.1f} ms  ratio {total / base_t:.1f}× "
              "the dashboard selector")
        if env is not None:
            a_t, a_m, acc = traced(lambda: accountability.accountability(city, y, department=env))
            print(f"whole record in memory, {env.name:8}    {a_t * 1000:8.1f} ms  peak {a_m / 2**20:6.1f} MiB"
                  f"  ({len(acc.duties):,} duties)  ratio {a_t / base_t:.1f}× the dashboard selector")
        print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--year", type=int, default=None)
    parser.add_argument("--scale", action="store_true", help="seed a fresh PostgreSQL database")
    parser.add_argument("--entities", type=int, default=1_000_000)
    parser.add_argument("--tasks", type=int, default=100_000)
    args = parser.parse_args()
    if args.scale:
        # Signed in by the test client over plain HTTP, as on the demo database.
        os.environ.setdefault("SPOTCHECK_DEMO", "1")
        os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
    with scratch_database("bench_oversight") if args.scale else nullcontext():
        import django

        django.setup()
        year = args.year
        if args.scale:
            from spotcheck.core import clock

            year = year or clock.today().year
            seed(args.entities, args.tasks, year)
        print(f"load average {_load()}")
        measure(args, year)


if __name__ == "__main__":
    main()
