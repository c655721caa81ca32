"""The staff pages under load: p50/p99 of the work bench, plan list, plan detail, review
queue, coverage, task list and the one form for signed-in users, against a baseline measured
in the same run (the cheapest Django response, the favicon redirect, under the same load).

    python benchmarks/bench_staff.py [--entities 1000000] [--plans 60] [--tasks 100000]
                                     [--users 20] [--requests 10] [--think 0 2] [--sqlite]
                                     [--keep NAME | --reuse NAME]

A fresh PostgreSQL database (BENCH_PG_URL, default postgres://postgres@127.0.0.1:5432) is
created and dropped afterwards. It holds the demo data of ``generate_demo --entities N``
(entities through the import engine, the roster, the item list) and the demo accounts;
``plans`` plans made through ``plan_create`` (a third stay drafts, a third wait in the
review queues, a third are approved), and ``tasks`` inspection tasks with one item each,
written in batches (``bulk_create``) for the departments of the demo planners. The users sign
in through a session made for them (the office, the justice bureau, planners and an inspector),
each asks every page ``requests`` times from its own thread, on its own connection. The goal
is p99 ≤ 1 s and p50 ≤ 200 ms on PostgreSQL.

``--think`` gives the rounds: 0 asks back to back (every user always has a request in flight:
the server's throughput decides the latency); T > 0 makes each user pause between its requests
a random time drawn evenly from [T/2, 3T/2] seconds (seeded per user), as a reader of the page
does before the next click. Each round measures its own baseline. Each page's line also gives
the CPU a request took, read from ``/proc``: the web server's processes, the database server's
and this process (the load generator), which on a machine whose cores the round keeps busy add
up to its wall time × cores per request.

``--keep NAME`` seeds into the PostgreSQL database NAME (made anew) and leaves it there;
``--reuse NAME`` runs against such a database without seeding (1M entities take minutes).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import io
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_portal import _free_port, _pct  # noqa: E402
from scratch import scratch_database  # noqa: E402

GOAL_P99_MS = 1000
GOAL_P50_MS = 200
YEAR = 2027
USERS = ["office", "justice", "samr_planner", "env_planner", "health_planner", "samr_inspector"]


def _plans(count: int) -> list[int]:
    """``count`` plans of the city's departments through ``plan_create`` and the reviews:
    drafts, plans in the office's or the justice bureau's queue, approved plans."""
    from spotcheck.accounts.models import Department, User
    from spotcheck.accounts.roles import Role
    from spotcheck.catalog.models import InspectionItem
    from spotcheck.planning import services

    office = User.objects.get(username="office")
    justice = User.objects.get(username="justice")
    b_items: dict[int, list[InspectionItem]] = {}
    for item in InspectionItem.objects.filter(department__division_id="361100", year=YEAR,
                                              is_active=True).order_by("code"):
        if "B" in (item.applicable_classes or []):
            b_items.setdefault(item.department_id, []).append(item)
    departments = [d for d in Department.objects.filter(division_id="361100").order_by("seq")
                   if d.pk in b_items]
    ids = []
    for n in range(count):
        dept = departments[n % len(departments)]
        owner = (User.objects.filter(department=dept, role=Role.PLANNER).first()
                 or User.objects.create(username=f"bench-planner-{dept.code}".lower(), role=Role.PLANNER,
                                        department=dept, division=dept.division, display_name="计划员",
                                        must_change_password=False))
        items = b_items[dept.pk][:3]
        month = 6 if n % 2 else 9
        plan = services.plan_create(
            acting_user=owner, department=dept, title=f"{YEAR}年度{dept.name}B类库抽查（第{n + 1}批）",
            year=YEAR, target_class="B", window_start=date(YEAR, month, 1),
            window_end=date(YEAR, month, 30), items=[i.pk for i in items], industries=[],
            quota={"kind": "rates", "rates_bp": {}, "default_bp": 100 + n, "rounding": "ceil"},
            strata=["division"], team_size=2)
        stage = n % 3  # 0: draft; 1: in the office's or the justice bureau's queue; 2: approved
        if stage >= 1:
            plan = services.plan_submit(acting_user=owner, plan=plan)
        if stage == 2 or (stage == 1 and n % 2):
            plan = services.plan_office_approve(acting_user=office, plan=plan, reason="比例、频次合理。")
        if stage == 2:
            plan = services.plan_justice_approve(acting_user=justice, plan=plan, reason="均在权力清单内。")
        ids.append(plan.pk)
        print(f"  plans {n + 1}/{count}", end="\r", flush=True)
    return ids


def _tasks(count: int) -> list[int]:
    """``count`` tasks (one item each) of the demo planners' departments, in batches."""
    from spotcheck.accounts.models import Department
    from spotcheck.catalog.models import InspectionItem
    from spotcheck.inspections.models import InspectionTask, TaskItem, TaskSource
    from spotcheck.registry.models import MarketEntity

    departments = list(Department.objects.filter(code__in=["361100-SAMR", "361100-ENV", "361100-HEALTH"]))
    items = {d.pk: InspectionItem.objects.filter(department=d, year=YEAR, is_active=True).order_by("code").first()
             for d in departments}
    departments = [d for d in departments if items[d.pk] is not None]
    step = max(1, MarketEntity.objects.count() // count)
    entities = MarketEntity.objects.order_by("pk").values_list("pk", "uscc")[::step][:count] \
        if step > 1 else MarketEntity.objects.order_by("pk").values_list("pk", "uscc")[:count]
    chosen = list(entities)
    ids: list[int] = []
    batch = 10_000
    for start in range(0, len(chosen), batch):
        part = chosen[start:start + batch]
        tasks = InspectionTask.objects.bulk_create([
            InspectionTask(department=departments[(start + i) % len(departments)], division_id="361100",
                           year=YEAR, entity_id=pk, uscc=uscc, source=TaskSource.DRAW,
                           plan_ref="BENCH", plan_title=f"{YEAR}年度抽查（基准）",
                           window_start=date(YEAR, 6 if i % 2 else 9, 1),
                           window_end=date(YEAR, 6 if i % 2 else 9, 30))
            for i, (pk, uscc) in enumerate(part)])
        TaskItem.objects.bulk_create([TaskItem(task=t, item=items[t.department_id]) for t in tasks])
        ids += [t.pk for t in tasks[:20]]
        print(f"  tasks {start + len(part):,}/{len(chosen):,}", end="\r", flush=True)
    return ids


def _sessions() -> dict[str, str]:
    """A signed-in session per user name (as the sign-in view leaves it)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils.module_loading import import_string

    from spotcheck.accounts.models import User

    out = {}
    for name in USERS:
        user = User.objects.get(username=name)
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        # The backend that signed the user in (ModelBackend), as the sign-in view records it:
        # the first in the list (axes) only guards sign-ins and cannot load a user.
        session[BACKEND_SESSION_KEY] = next(b for b in settings.AUTHENTICATION_BACKENDS
                                            if hasattr(import_string(b), "get_user"))
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        out[name] = session.session_key or ""
    return out


def _seed(args: argparse.Namespace) -> dict[str, object]:
    import django

    django.setup()
    from django.core.management import call_command

    from spotcheck.demo.accounts import demo_accounts_create
    from spotcheck.registry.models import MarketEntity

    call_command("migrate", verbosity=0)
    call_command("collectstatic", "--noinput", verbosity=0)
    t0 = time.perf_counter()
    call_command("generate_demo", entities=args.entities, stdout=io.StringIO())
    print(f"  generate_demo --entities {args.entities:,}: {time.perf_counter() - t0:.1f} s")
    demo_accounts_create(enterprise_uscc=MarketEntity.objects.order_by("uscc").values_list("uscc", flat=True)[0])
    t0 = time.perf_counter()
    plans = _plans(args.plans)
    print(f"  plans {len(plans)} through plan_create and the reviews: {time.perf_counter() - t0:.1f} s")
    t0 = time.perf_counter()
    tasks = _tasks(args.tasks)
    print(f"  tasks {args.tasks:,}: {time.perf_counter() - t0:.1f} s")
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    return {"plans": plans, "tasks": tasks, "sessions": _sessions()}


def _seeded(args: argparse.Namespace) -> dict[str, object]:
    """What ``_seed`` returned, read back from a kept database (and fresh sessions)."""
    import django

    django.setup()
    from spotcheck.inspections.models import InspectionTask
    from spotcheck.planning.models import Plan

    plans = list(Plan.objects.filter(year=YEAR).order_by("pk").values_list("pk", flat=True))
    tasks = list(InspectionTask.objects.filter(plan_ref="BENCH").order_by("pk").values_list("pk", flat=True)[:1000])
    return {"plans": plans, "tasks": tasks[::50], "sessions": _sessions()}


@contextlib.contextmanager
def _kept_database(name: str, *, create: bool) -> Iterator[str]:
    """The PostgreSQL database ``name`` (made anew when ``create``), not dropped at the end; its
    var folder beside it in the temporary directory."""
    from scratch import _pg_database

    parts = urlsplit(os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432"))
    base = urlunsplit((parts.scheme, parts.netloc, "", "", ""))
    var = Path(tempfile.gettempdir()) / f"{name}-var"
    if create:
        _pg_database(base, name, "drop")
        _pg_database(base, name, "create")
        shutil.rmtree(var, ignore_errors=True)
    var.mkdir(exist_ok=True)
    os.environ["SPOTCHECK_VAR_DIR"] = str(var)
    os.environ["DATABASE_URL"] = f"{base}/{name}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    try:
        yield str(var)
    finally:
        from django.db import connections

        connections.close_all()


def _get(url: str, session: str) -> float:
    """One signed-in request on a new connection; redirects are not followed."""
    parts = urlsplit(url)
    t0 = time.perf_counter()
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=60)
    try:
        conn.request("GET", parts.path + (f"?{parts.query}" if parts.query else ""),
                     headers={"Cookie": f"sessionid={session}"} if session else {})
        response = conn.getresponse()
        response.read()
        if response.status >= 400 or (session and response.status in (301, 302)
                                       and "favicon" not in url):
            raise RuntimeError(f"{url}: HTTP {response.status} {response.getheader('Location')}")
    finally:
        conn.close()
    return (time.perf_counter() - t0) * 1000


def _cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User and system CPU each process has used so far (Linux ``/proc``; none elsewhere)."""
    out = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[pid] = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return out


def _cpu_used(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU used between two readings by the processes alive at the second (a process started
    in between counts whole; one that ended in between is not counted)."""
    return sum(t - before.get(pid, 0.0) for pid, t in after.items())


def _processes(server: subprocess.Popen[bytes]) -> tuple[list[int], list[int]]:
    """The web server's processes (the master and its workers) and the database server's
    (every ``postgres`` process of the machine: the bench's connections and the background
    writers alike)."""
    web, database = [server.pid], []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name, ppid = stat[stat.index("(") + 1:stat.rindex(")")], int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == server.pid:
            web.append(int(entry.name))
        elif name.startswith("postgres"):
            database.append(int(entry.name))
    return web, database


def _user(requests: list[tuple[str, str]], think: float, rng: random.Random) -> list[float]:
    """One user's requests in order, pausing between them (``think`` seconds on average). With
    a pause, the user's first click also comes after one (0 to 1.5 × ``think``): people do not
    all click in the same instant, and a round that starts them together measures a burst of
    every user at once instead."""
    times = []
    for n, (url, session) in enumerate(requests):
        if think > 0:
            time.sleep(rng.uniform(think / 2, think * 3 / 2) if n else rng.uniform(0, think * 3 / 2))
        times.append(_get(url, session))
    return times


def _load(work: list[list[tuple[str, str]]], users: int, think: float = 0.0, seed: int = 0) -> list[float]:
    with ThreadPoolExecutor(max_workers=users) as pool:
        return [t for times in pool.map(lambda nu: _user(nu[1], think, random.Random(seed + nu[0])),
                                        enumerate(work)) for t in times]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entities", type=int, default=1_000_000)
    parser.add_argument("--plans", type=int, default=60)
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--requests", type=int, default=10)
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=0,
                        help="gunicorn gthread threads per worker; 0 (default): sync workers, as "
                             "bin/serve and docs/operations.md run the platform")
    parser.add_argument("--seed", type=int, default=2027)
    parser.add_argument("--think", type=float, nargs="+", default=[0.0, 2.0],
                        help="seconds a user pauses between requests, on average (evenly in [T/2, 3T/2]); "
                             "each value is a round, 0 is back to back")
    parser.add_argument("--sqlite", action="store_true")
    kept = parser.add_mutually_exclusive_group()
    kept.add_argument("--keep", metavar="NAME", help="seed into the PostgreSQL database NAME and keep it")
    kept.add_argument("--reuse", metavar="NAME", help="run against a database kept by --keep NAME")
    args = parser.parse_args()
    args.worker_class = (["--worker-class", "gthread", "--threads", str(args.threads)] if args.threads
                         else ["--worker-class", "sync"])

    os.environ["SPOTCHECK_DEMO"] = "1"
    if args.keep or args.reuse:
        database = _kept_database(args.keep or args.reuse, create=bool(args.keep))
    else:
        database = scratch_database("bench_staff", sqlite=args.sqlite)
    with database as tmp:
        os.environ["SPOTCHECK_DRAWS_DIR"] = f"{tmp}/draws"
        server = None
        try:
            t0 = time.perf_counter()
            if args.reuse:
                seeded = _seeded(args)
                print(f"  database {args.reuse} reused (not seeded)")
            else:
                seeded = _seed(args)
                print(f"  seeded in {time.perf_counter() - t0:.1f} s")
            from django.db import connections

            connections.close_all()
            port = _free_port()
            server = subprocess.Popen(
                [str(ROOT / ".venv/bin/gunicorn"), "config.wsgi", "--bind", f"127.0.0.1:{port}",
                 "--workers", str(args.web_workers), *args.worker_class,
                 "--timeout", "120"], cwd=ROOT, env=os.environ.copy(),
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            site = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 180
            while True:
                try:
                    _get(site + "/favicon.ico", "")
                    break
                except OSError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise SystemExit("gunicorn did not start") from None
                    time.sleep(0.2)
            rng = random.Random(args.seed)
            sessions: dict[str, str] = seeded["sessions"]  # type: ignore[assignment]
            plans: list[int] = seeded["plans"]  # type: ignore[assignment]
            tasks: list[int] = seeded["tasks"]  # type: ignore[assignment]
            planners = ["samr_planner", "env_planner", "health_planner"]
            reviewers = ["office", "justice"]
            everyone = [*reviewers, *planners, "samr_inspector"]
            pages = {  # label: (users who ask it, path)
                "baseline (favicon redirect)": (everyone, lambda: "/favicon.ico"),
                "work bench /": (everyone, lambda: "/"),
                "plan list": (everyone, lambda: f"/planning/?year={YEAR}"),
                "plan detail": (reviewers, lambda: f"/planning/{rng.choice(plans)}/"),
                "review queue": (reviewers, lambda: "/planning/review/"),
                "coverage": (everyone[:5], lambda: f"/planning/coverage/?year={YEAR}"),
                "task list": (planners, lambda: "/inspections/"),
                "the one form": (["office"], lambda: f"/inspections/tasks/{rng.choice(tasks)}/form/"),
            }
            print(f"{args.users} users × {args.requests} requests per page; entities {args.entities:,}, "
                  f"plans {len(plans)}, tasks {args.tasks:,}, database "
                  f"{'SQLite' if args.sqlite else 'PostgreSQL'}; gunicorn {args.web_workers} "
                  f"{f'gthread workers × {args.threads} threads' if args.threads else 'sync workers'}; load average "
                  + " ".join(f"{x:.2f}" for x in os.getloadavg()))
            for _label, (who, page) in pages.items():  # warm every process once
                _load([[(site + page(), sessions.get(who[u % len(who)], ""))] for u in range(args.users)],
                      args.users)
            for label, (who, page) in pages.items():  # one request at a time (the home: every role)
                for name in (who if label.startswith("work bench") else who[:1]):
                    times = sorted(_get(site + page(), sessions.get(name, "")) for _ in range(7))
                    print(f"one request, no load: {label:28s} median {times[3]:6.1f} ms  ({name})")
            failed = False
            for think in args.think:
                print("-- back to back (no pause between a user's requests)" if think == 0 else
                      f"-- a pause of {think / 2:g}–{think * 3 / 2:g} s between a user's requests")
                baseline_p99 = None
                for label, (who, page) in pages.items():
                    work = [[(site + page(), sessions.get(who[u % len(who)], ""))
                             for _ in range(args.requests)] for u in range(args.users)]
                    web, database = _processes(server)
                    before = _cpu_seconds(web), _cpu_seconds(database), os.times()
                    t0 = time.perf_counter()
                    times = _load(work, args.users, think, args.seed)
                    wall = time.perf_counter() - t0
                    web, database = _processes(server)
                    after = _cpu_seconds(web), _cpu_seconds(database), os.times()
                    own = (after[2].user + after[2].system) - (before[2].user + before[2].system)
                    cpu = (f"  CPU a request: web {_cpu_used(before[0], after[0]) / len(times) * 1000:4.1f} ms, "
                           f"db {_cpu_used(before[1], after[1]) / len(times) * 1000:3.1f}, "
                           f"load generator {own / len(times) * 1000:3.1f}")
                    p50, p99 = _pct(times, 50), _pct(times, 99)
                    load = os.getloadavg()[0]
                    if baseline_p99 is None:
                        baseline_p99 = p99
                        verdict = ""
                    else:
                        ok = p99 <= GOAL_P99_MS and p50 <= GOAL_P50_MS
                        failed = failed or not ok
                        verdict = f"  p99/baseline {p99 / baseline_p99:5.1f}  {'OK' if ok else 'over goal'}"
                    print(f"{label:28s} p50 {p50:7.1f} ms  p99 {p99:7.1f} ms  {len(times) / wall:6.0f} req/s"
                          f"  load {load:4.1f}{verdict}{cpu}", flush=True)
            print("load average " + " ".join(f"{x:.2f}" for x in os.getloadavg()))
            if failed:
                print(f"over the goal (p99 ≤ {GOAL_P99_MS} ms, p50 ≤ {GOAL_P50_MS} ms)")
        finally:
            if server is not None:
                server.terminate()
                server.wait(timeout=30)


if __name__ == "__main__":
    main()
