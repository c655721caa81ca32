"""The public portal under load: p50/p99 of the home page, result search and a draw page at
50 concurrent users, against a baseline measured in the same run (the cheapest Django
response, the favicon redirect, under the same load).

    python benchmarks/bench_portal.py [--entities 100000] [--results 20000] [--users 50]
                                      [--requests 20] [--sqlite] [--no-cache]

A fresh PostgreSQL database is created on the server of BENCH_PG_URL (default
postgres://postgres@127.0.0.1:5432) and dropped afterwards; ``--sqlite`` uses a temporary
SQLite file. It holds ``entities`` market entities, ``results`` published results (rows as the
publication service writes them) and one executed, published draw. The platform is served by
gunicorn on a free loopback port; each simulated user (a thread) asks each page ``requests``
times: the home page, a result search by USCC or by a part of a name (a different query each
time, so the cache is mostly missed) and the draw page. The goal is p99 ≤ 300 ms on
PostgreSQL.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from scratch import scratch_database  # noqa: E402

GOAL_P99_MS = 300


def _seed(entities: int, results: int, seed: int) -> tuple[list[str], list[str], str]:
    """Entities, published results and a published draw; returns USCCs and names searched
    for, and the draw's code."""
    import django

    django.setup()
    from django.core.management import call_command
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
    words = ["商贸", "建材", "食品", "五金", "科技", "物流", "餐饮", "医药", "农业", "电子"]
    batch = 10_000
    for start in range(0, entities, batch):
        MarketEntity.objects.bulk_create([
            MarketEntity(uscc=uscc_with_check(f"91361102MA{n:07d}"), name=f"上饶{rng.choice(words)}{n}有限公司",
                         kind="company", legal_rep_name="张三", division_id="361102", industry="F",
                         library_class="B")
            for n in range(start, min(start + batch, entities))], batch_size=batch)
        print(f"  entities {min(start + batch, entities):,}/{entities:,}", end="\r", flush=True)
    print(f"  entities {entities:,} in {time.perf_counter() - t0:.1f} s")
    env = Department.objects.get(code="361100-ENV")
    item = InspectionItemFactory.create(department=env, year=2027, code="ENV-BENCH", name="排污许可执行情况")
    chosen = MarketEntity.objects.order_by("?").values_list("pk", "uscc", "name")[:results] \
        if entities > results else MarketEntity.objects.values_list("pk", "uscc", "name")
    chosen = list(chosen)
    now = timezone.now()
    t0 = time.perf_counter()
    for start in range(0, len(chosen), batch):
        part = chosen[start:start + batch]
        tasks = InspectionTask.objects.bulk_create([
            InspectionTask(department=env, division_id="361100", year=2027, entity_id=pk, uscc=uscc,
                           source=TaskSource.DRAW, window_start=now.date(), window_end=now.date(),
                           status=TaskStatus.COMPLETED, completed_at=now) for pk, uscc, _ in part])
        items = TaskItem.objects.bulk_create([
            TaskItem(task=t, item=item, result_code="1", result_name="未发现问题", method="实地检查",
                     follow_up="无需后续处置", recorded_at=now) for t in tasks])
        PublishedResult.objects.bulk_create([
            PublishedResult(task=t, task_item=ti, uscc=t.uscc, entity_name=name, division_id="361102",
                            department=env, department_name=env.name, departments=[env.name],
                            source="随机抽查", item_code=item.code, item_name=item.name, result_code="1",
                            result_text="未发现问题", follow_up="无需后续处置", inspected_on=now.date(),
                            published_at=now)
            for t, ti, (_, _, name) in zip(tasks, items, part, strict=True)])
    print(f"  published results {len(chosen):,} in {time.perf_counter() - t0:.1f} s")
    world = World(lambda role, dept=None: UserFactory.create(role=role, dept_code=dept))
    draw = world.executed(spec=b_spec(strata=["class"], quota={"kind": "counts", "counts": {}, "default": 200}))
    draws.draw_publish(acting_user=world.planner, draw=draw)
    print(f"  draw {draw.code} published ({draw.population_size:,} in its population)")
    usccs = [u for _, u, _ in chosen]
    names = [n[-8:-4] for _, _, n in chosen]
    return usccs, names, draw.code


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str) -> float:
    """One request on a new connection (a new visitor); redirects are not followed."""
    parts = urlsplit(url)
    t0 = time.perf_counter()
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    try:
        conn.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""))
        response = conn.getresponse()
        response.read()
        if response.status >= 400:
            raise RuntimeError(f"{url}: HTTP {response.status}")
    finally:
        conn.close()
    return (time.perf_counter() - t0) * 1000


def _load(urls: list[list[str]], users: int) -> list[float]:
    """Each user (a thread) asks its own list of URLs in order."""
    with ThreadPoolExecutor(max_workers=users) as pool:
        return [t for times in pool.map(lambda us: [_get(u) for u in us], urls) for t in times]


def _pct(times: list[float], q: float) -> float:
    return statistics.quantiles(times, n=100, method="inclusive")[int(q) - 1] if len(times) > 1 else times[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entities", type=int, default=100_000)
    parser.add_argument("--results", type=int, default=20_000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=2027)
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--no-cache", action="store_true")
    args = parser.parse_args()

    with scratch_database("bench_portal", sqlite=args.sqlite) as tmp:
        os.environ["SPOTCHECK_DRAWS_DIR"] = f"{tmp}/draws"
        os.environ["PUBLIC_CACHE_SECONDS"] = "0" if args.no_cache else "30"
        server = None
        try:
            usccs, names, code = _seed(args.entities, args.results, args.seed)
            from django.db import connections

            connections.close_all()
            port = _free_port()
            server = subprocess.Popen(
                [str(ROOT / ".venv/bin/gunicorn"), "config.wsgi", "--bind", f"127.0.0.1:{port}",
                 "--workers", str(args.web_workers), "--worker-class", "gthread", "--threads", "8",
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
            print(f"{args.users} users × {args.requests} requests per page; entities {args.entities:,}, "
                  f"published results {len(usccs):,}, cache {'off' if args.no_cache else 'on'}, "
                  f"database {'SQLite' if args.sqlite else 'PostgreSQL'}")
            for page in pages.values():  # warm every process once
                _load([[site + page()] for _ in range(args.users)], args.users)
            baseline_p99 = None
            for label, page in pages.items():
                urls = [[site + page() for _ in range(args.requests)] for _ in range(args.users)]
                t0 = time.perf_counter()
                times = _load(urls, args.users)
                wall = time.perf_counter() - t0
                p50, p99 = _pct(times, 50), _pct(times, 99)
                if baseline_p99 is None:
                    baseline_p99 = p99
                verdict = "" if label.startswith("baseline") else (
                    f"  ratio p99/baseline {p99 / baseline_p99:.1f}  {'OK' if p99 <= GOAL_P99_MS else 'over goal'}")
                print(f"{label:30s} p50 {p50:7.1f} ms  p99 {p99:7.1f} ms  {len(times) / wall:6.0f} req/s{verdict}")
        finally:
            if server is not None:
                server.terminate()
                server.wait(timeout=30)


if __name__ == "__main__":
    main()
