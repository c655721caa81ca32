"""The public portal under load: p50/p99 of the home page, result search and a draw page at
50 concurrent users, against a baseline measured in the same run (the cheapest Django
response, the favicon redirect, under the same load).

    python benchmarks/bench_portal.py [--entities 100000] [--results 20000] [--users 50]
                                      [--requests 20] [--think 0 1] [--sqlite] [--no-cache]

A fresh PostgreSQL database is created on the server of BENCH_PG_URL (default
postgres://postgres@127.0.0.1:5432) and dropped afterwards; ``--sqlite`` uses a temporary
SQLite file. It holds ``entities`` market entities, ``results`` published results (rows as the
publication service writes them) and one executed, published draw. The platform is served by
gunicorn on a free loopback port; each simulated user (a coroutine of one asyncio loop, so
that the load generator takes little of the cores it shares with the server) asks each page
``requests`` times: the home page, a result search by USCC or by a part of a name (a
different query each time, so the cache is mostly missed) and the draw page. Each value of
``--think`` is one round: 0 asks back to back (50 requests always in flight: the server's
throughput decides the latency), a pause of about a second between a user's requests is a
visitor reading the page. The cache lives as long as the deployment's default
(PUBLIC_CACHE_SECONDS). The goal is p99 ≤ 300 ms on PostgreSQL.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from scratch import scratch_database  # noqa: E402

GOAL_P99_MS = 300


ENTITY_COLUMNS = ("uscc", "name", "kind", "legal_rep_name", "division_id", "industry", "industry_class",
                  "address", "status", "risk_level", "library_class", "created_at", "updated_at")
WORDS = ["商贸", "建材", "食品", "五金", "科技", "物流", "餐饮", "医药", "农业", "电子"]


def _copy_entities(n: int, seed: int) -> float:
    """COPY n entities (valid USCCs in byte order, names "上饶<word><n>有限公司"); the
    registry's name-search indexes are dropped first (no public page reads them)."""
    import bench_draw_core as core
    from django.db import connection

    rng = random.Random(seed)
    connection.ensure_connection()
    with connection.cursor() as cur:
        cur.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'registry_marketentity' "
                    "AND indexdef ILIKE '%%(name%%'")
        for (index,) in cur.fetchall():
            cur.execute(f'DROP INDEX "{index}"')
    t0 = time.perf_counter()
    now = "2027-01-01 00:00:00+08"
    raw = connection.connection
    columns = ", ".join(ENTITY_COLUMNS)
    with raw.cursor() as cur, cur.copy(f"COPY registry_marketentity ({columns}) FROM STDIN") as copy:
        batch: list[str] = []
        for i, line in enumerate(core.population_lines(n, seed)):
            batch.append(f"{line[:18]}\t上饶{rng.choice(WORDS)}{i}有限公司\tcompany\t张三\t361102\tF\t\t\t"
                         f"existing\tgeneral\tB\t{now}\t{now}\n")
            if len(batch) == 50_000:
                copy.write("".join(batch))
                batch.clear()
                print(f"  entities {i + 1:,}/{n:,}", end="\r", flush=True)
        copy.write("".join(batch))
    raw.commit()
    with connection.cursor() as cur:
        cur.execute("ANALYZE registry_marketentity")
    return time.perf_counter() - t0


def _clone(cur: object, model: object, template_pk: int, overrides: dict[str, str], source: str) -> int:
    """INSERT … SELECT: one row of ``model`` per row of ``source`` (SQL after FROM), every
    column copied from the template row ``t`` unless ``overrides`` gives its expression."""
    meta = model._meta  # type: ignore[attr-defined]
    columns = [f.column for f in meta.concrete_fields if not f.primary_key]
    names = ", ".join(f'"{c}"' for c in columns)
    select = ", ".join(overrides.get(c, f't."{c}"') for c in columns)
    cur.execute(f"INSERT INTO {meta.db_table} ({names}) "  # type: ignore[attr-defined]
                f"SELECT {select} FROM {meta.db_table} t, {source} AND t.id = %s", [template_pk])
    return int(cur.rowcount)  # type: ignore[attr-defined]


def _seed(entities: int, results: int, seed: int, sqlite: bool) -> tuple[list[str], list[str], str]:
    """Entities, published results and a published draw; returns USCCs and names searched
    for, and the draw's code. On PostgreSQL the rows are written by COPY and set-based
    INSERT … SELECT (one template task, item and result cloned), in seconds at a million."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from spotcheck.accounts.models import Department
    from spotcheck.accounts.tests.factories import UserFactory
    from spotcheck.catalog.tests.factories import InspectionItemFactory
    from spotcheck.core.domain.uscc import uscc_with_check
    from spotcheck.draws import services as draws
    from spotcheck.draws.tests.factories import World, b_spec
    from spotcheck.inspections.models import InspectionTask, TaskItem, TaskSource, TaskStatus
    from spotcheck.publicity.models import PublishedResult
    from spotcheck.registry.models import MarketEntity

    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)  # gunicorn serves hashed static names
    rng = random.Random(seed)
    t0 = time.perf_counter()
    if sqlite:
        batch = 10_000
        for start in range(0, entities, batch):
            MarketEntity.objects.bulk_create([
                MarketEntity(uscc=uscc_with_check(f"91361102MA{n:07d}"), name=f"上饶{rng.choice(WORDS)}{n}有限公司",
                             kind="company", legal_rep_name="张三", division_id="361102", industry="F",
                             library_class="B")
                for n in range(start, min(start + batch, entities))], batch_size=batch)
    else:
        _copy_entities(entities, seed)
    print(f"  entities {entities:,} in {time.perf_counter() - t0:.1f} s")
    t0 = time.perf_counter()
    world = World(lambda role, dept=None: UserFactory.create(role=role, dept_code=dept))
    draw = world.executed(spec=b_spec(strata=["class"], quota={"kind": "counts", "counts": {}, "default": 200}))
    draws.draw_publish(acting_user=world.planner, draw=draw)
    print(f"  draw {draw.code} published ({draw.population_size:,} in its population) "
          f"in {time.perf_counter() - t0:.1f} s")

    env = Department.objects.get(code="361100-ENV")
    item = InspectionItemFactory.create(department=env, year=2027, code="ENV-BENCH", name="排污许可执行情况")
    now = timezone.now()
    t0 = time.perf_counter()
    first = MarketEntity.objects.order_by("pk").first()
    assert first is not None
    task = InspectionTask.objects.create(
        department=env, division_id="361100", year=2027, entity=first, uscc=first.uscc,
        source=TaskSource.DRAW, window_start=now.date(), window_end=now.date(),
        status=TaskStatus.COMPLETED, completed_at=now)
    task_item = TaskItem.objects.create(task=task, item=item, result_code="1", result_name="未发现问题",
                                        method="实地检查", follow_up="无需后续处置", recorded_at=now)
    result = PublishedResult.objects.create(
        task=task, task_item=task_item, uscc=task.uscc, entity_name=first.name, division_id="361102",
        department=env, department_name=env.name, departments=[env.name], source="随机抽查",
        item_code=item.code, item_name=item.name, result_code="1", result_text="未发现问题",
        follow_up="无需后续处置", inspected_on=now.date(), published_at=now)
    if sqlite:
        picked = list(MarketEntity.objects.exclude(pk=first.pk).order_by("?")
                      .values_list("pk", "uscc", "name")[:results - 1])
        for pk, uscc, name in picked:
            t = InspectionTask.objects.get(pk=task.pk)
            t.pk, t.entity_id, t.uscc = None, pk, uscc
            t.save()
            ti = TaskItem.objects.get(pk=task_item.pk)
            ti.pk, ti.task = None, t
            ti.save()
            r = PublishedResult.objects.get(pk=result.pk)
            r.pk, r.task, r.task_item, r.uscc, r.entity_name = None, t, ti, uscc, name
            r.save()
    else:
        with connection.cursor() as cur:
            cur.execute("SELECT setseed(%s)", [rng.random()])
            cur.execute("CREATE TEMP TABLE bench_pick AS SELECT id, uscc, name FROM registry_marketentity "
                        "WHERE id <> %s ORDER BY random() LIMIT %s", [first.pk, results - 1])
            # Published one after another (a second apart), as a year of publications would be.
            _clone(cur, InspectionTask, task.pk, {"entity_id": "p.id", "uscc": "p.uscc"},
                   "bench_pick p WHERE true")
            _clone(cur, TaskItem, task_item.pk, {"task_id": "k.id"},
                   f"inspections_inspectiontask k WHERE k.id > {int(task.pk)}")
            _clone(cur, PublishedResult, result.pk,
                   {"task_id": "i.task_id", "task_item_id": "i.id", "uscc": "k.uscc", "entity_name": "e.name",
                    "published_at": "t.published_at - (i.id - t.task_item_id) * interval '1 minute'"},
                   "inspections_taskitem i JOIN inspections_inspectiontask k ON k.id = i.task_id "
                   f"JOIN registry_marketentity e ON e.id = k.entity_id WHERE i.id > {int(task_item.pk)}")
            for table in ("inspections_inspectiontask", "inspections_taskitem", "publicity_publishedresult"):
                cur.execute(f"ANALYZE {table}")
    chosen = list(PublishedResult.objects.values_list("uscc", "entity_name"))
    print(f"  published results {len(chosen):,} in {time.perf_counter() - t0:.1f} s")
    usccs = [u for u, _ in chosen]
    names = [n[-8:-4] for _, n in chosen]
    return usccs, names, draw.code


def _explain(usccs: list[str], names: list[str], code: str) -> None:
    """EXPLAIN ANALYZE of the queries the search asks (``search_results``: one to three
    bounded steps) by USCC, by the start of one, by part of a name (rare and common), the
    home page's latest results, a keyset next page; and each page rendered once in this
    process (no load: the server's own time)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from spotcheck.publicity.selectors import public_results, search_results

    last = public_results()[19:20].get().pk
    cases = {"USCC (18)": {"q": usccs[0]}, "USCC start (10)": {"q": usccs[1][:10]},
             "name part (rare)": {"q": names[2]}, "name part, page 2": {"q": names[4], "after": last},
             "name word (2 chars)": {"q": "建材"}, "name, every result": {"q": "有限公司"},
             "rare 2 chars": {"q": "丙丁"}, "home: latest 10": {}, "keyset page 2": {"after": last}}
    for label, kw in cases.items():
        with CaptureQueriesContext(connection) as asked:
            search_results(**kw, limit=21)
        total, used = 0.0, set()
        for query in asked.captured_queries:
            with connection.cursor() as cur:
                cur.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query['sql']}")
                plan = [r[0] for r in cur.fetchall()]
            used |= {m.group(1) or m.group(2) for line in plan
                     for m in re.finditer(r"Scan using (\S+)|Bitmap Index Scan on (\S+)", line)}
            total += float(next((line.split()[2] for line in plan if line.startswith("Execution Time")), 0))
        print(f"  EXPLAIN {label:22s} {len(asked.captured_queries)} queries {total:7.3f} ms   "
              f"indexes: {', '.join(sorted(used)) or 'none (scan)'}")
    client = Client(HTTP_HOST="127.0.0.1")
    for label, url in (("home /", "/"), ("result search", f"/public/results/?q={quote(names[3])}"),
                       ("draw page", f"/public/draws/{code}/")):
        times = []
        for n in range(6):  # the first fills the cache; then hits
            t0 = time.perf_counter()
            response = client.get(url if n == 0 else url + ("&" if "?" in url else "?") + f"nocache={n}",
                                  secure=True)
            times.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        t0 = time.perf_counter()
        client.get(url, secure=True)
        hit = (time.perf_counter() - t0) * 1000
        print(f"  one request, no load: {label:14s} miss median {statistics.median(times):6.1f} ms"
              f"  cache hit {hit:5.1f} ms")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> float:
    """One request, blocking (the server's start-up check)."""
    return asyncio.run(_aget(url))


async def _aget(url: str) -> float:
    """One request on a new connection (a new visitor), as a TLS-terminating proxy passes it
    on (``X-Forwarded-Proto: https``: the platform redirects plain http); the reply is read
    to its end (``Connection: close``). Only the baseline may answer with a redirect; a page
    must answer 200 (a 301 would measure nothing). Plain asyncio streams: the load generator
    shares the machine's cores with the server, and this costs it a few tens of microseconds
    a request (the threads and http.client of the earlier generator took a core of their own)."""
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    t0 = time.perf_counter()
    reader, writer = await asyncio.open_connection(parts.hostname or "127.0.0.1", parts.port)
    try:
        writer.write(f"GET {target} HTTP/1.1\r\nHost: {parts.hostname}\r\nX-Forwarded-Proto: https\r\n"
                     "Connection: close\r\n\r\n".encode())
        reply = await asyncio.wait_for(reader.read(-1), timeout=60)
    finally:
        writer.close()
    elapsed = (time.perf_counter() - t0) * 1000
    status = int(reply.split(b" ", 2)[1]) if reply.startswith(b"HTTP/") else 0
    if status != 200 and not (parts.path == "/favicon.ico" and status in (301, 302)):
        raise RuntimeError(f"{url}: HTTP {status}")
    return elapsed


async def _user(urls: list[str], think: float, rng: random.Random) -> list[float]:
    """One visitor: its URLs in order, pausing ``think`` seconds on average (exponential)
    between a reply and the next request (0: back to back)."""
    times = []
    for url in urls:
        times.append(await _aget(url))
        if think > 0:
            await asyncio.sleep(rng.expovariate(1 / think))
    return times


def _load(urls: list[list[str]], think: float = 0.0, seed: int = 0) -> tuple[list[float], float]:
    """Every user (a coroutine) at once; returns the times and the load generator's own CPU
    seconds."""
    async def run() -> list[list[float]]:
        return await asyncio.gather(*(_user(us, think, random.Random(seed + n)) for n, us in enumerate(urls)))

    cpu0 = time.process_time()
    per_user = asyncio.run(run())
    return [t for times in per_user for t in times], time.process_time() - cpu0


def _server_cpu(pid: int) -> float:
    """CPU seconds (user + system) of gunicorn's workers so far (the children of ``pid``)."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    for child in [pid, *map(int, children)]:
        try:
            fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / tick
    return total


def _pct(times: list[float], q: float) -> float:
    return statistics.quantiles(times, n=100, method="inclusive")[int(q) - 1] if len(times) > 1 else times[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--results", type=int, default=20_000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8, help="gunicorn threads per worker")
    parser.add_argument("--seed", type=int, default=2027)
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--no-cache", action="store_true")
    parser.add_argument("--think", type=float, nargs="+", default=[0.0, 1.0],
                        help="seconds a user pauses between requests, on average (exponential); each value "
                             "is one round of every page (0: back to back, the heaviest load)")
    args = parser.parse_args()

    with scratch_database("bench_portal", sqlite=args.sqlite) as tmp:
        os.environ["SPOTCHECK_DRAWS_DIR"] = f"{tmp}/draws"
        if args.no_cache:
            os.environ["PUBLIC_CACHE_SECONDS"] = "0"  # else the deployment's default
        os.environ["SECURE_PROXY_SSL_HEADER"] = "true"  # as behind the TLS proxy of a deployment
        server = None
        try:
            usccs, names, code = _seed(args.entities, args.results, args.seed, args.sqlite)
            if not args.sqlite:
                try:
                    _explain(usccs, names, code)
                except Exception as exc:  # the load below is still worth measuring
                    print(f"  EXPLAIN failed: {exc!r}")
            from django.db import connections

            connections.close_all()
            port = _free_port()
            server = subprocess.Popen(
                [str(ROOT / ".venv/bin/gunicorn"), "config.wsgi", "--bind", f"127.0.0.1:{port}",
                 "--workers", str(args.web_workers), "--worker-class", "gthread", "--threads", str(args.threads),
                 "--timeout", "120"], cwd=ROOT, env=os.environ.copy(),
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            site = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 180
            while True:  # gunicorn may take a while to start on a loaded machine
                try:
                    _get(site + "/favicon.ico")
                    break
                except OSError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise SystemExit("gunicorn did not start") from None
                    time.sleep(0.2)
            rng = random.Random(args.seed)
            pages = {
                "baseline (favicon redirect)": lambda: "/favicon.ico",
                "home /": lambda: "/",
                "result search": lambda: "/public/results/?q=" + quote(
                    rng.choice(usccs) if rng.random() < 0.5 else rng.choice(names)),
                "draw page": lambda: f"/public/draws/{code}/",
            }
            print(f"gunicorn {args.web_workers} workers × {args.threads} threads; load average before "
                  f"{os.getloadavg()[0]:.1f} (other work on this machine too)")
            print(f"{args.users} users × {args.requests} requests per page; entities {args.entities:,}, "
                  f"published results {len(usccs):,}, cache {'off' if args.no_cache else 'on'}, "
                  f"database {'SQLite' if args.sqlite else 'PostgreSQL'}")
            for page in pages.values():  # warm every process once
                _load([[site + page()] for _ in range(args.users)])
            for think in args.think:
                print(f"-- {'back to back (no pause between requests)' if think == 0 else f'pause {think:g} s on average between a user’s requests'}")
                baseline_p99 = None
                for label, page in pages.items():
                    urls = [[site + page() for _ in range(args.requests)] for _ in range(args.users)]
                    server_cpu0 = _server_cpu(server.pid)
                    t0 = time.perf_counter()
                    times, client_cpu = _load(urls, think, args.seed)
                    wall = time.perf_counter() - t0
                    server_cpu = _server_cpu(server.pid) - server_cpu0
                    p50, p99 = _pct(times, 50), _pct(times, 99)
                    if baseline_p99 is None:
                        baseline_p99 = p99
                    verdict = "" if label.startswith("baseline") else (
                        f"  p99/baseline {p99 / baseline_p99:4.1f}  {'OK' if p99 <= GOAL_P99_MS else 'over goal'}")
                    load = os.getloadavg()[0]
                    print(f"{label:28s} p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  {len(times) / wall:5.0f} req/s"
                          f"  CPU/request: server {server_cpu / len(times) * 1000:4.1f} ms, load generator "
                          f"{client_cpu / len(times) * 1000:4.2f} ms  load {load:4.1f}{verdict}", flush=True)
        finally:
            if server is not None:
                server.terminate()
                server.wait(timeout=30)


if __name__ == "__main__":
    main()
