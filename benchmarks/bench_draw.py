"""SCD-1 draws at provincial scale.

(a) selection, (c) verification and (d) assignment of the draw core, against a plain hashing
loop measured in the same run: ``bench_draw_core.py`` (stdlib only), reused here as is.

(b) an end-to-end draw on PostgreSQL through the platform's services: a fresh database
(like ``bin/with-postgres``) is filled with 5,000,000 synthetic market entities by COPY;
then the draw service prepares the draw of a department's approved class-B plan (two inspectors),
freezes it (population streamed from the database in USCC byte order into population.csv,
roster and conflicts, announcement), takes the reveals, executes it (the verifier's selection
and assignment, substitutes for deregistered entities) and stores the result; the exported
bundle is checked by the verifier's command line. Every phase runs in its own process, so the
peak memory it reports (VmHWM, see bench_draw_core.peak_rss_mb) is its own.

    python benchmarks/bench_draw.py [--n 5000000] [--core-n N] [--skip-core] [--keep-db]

The server is BENCH_PG_URL, else DATABASE_URL's server, else postgres://postgres@127.0.0.1:5432.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import bench_draw_core as core  # noqa: E402  (the stdlib part: population_lines, phases, report)

DIVISIONS = ["361100", "361102", "361103", "361104", "361123", "361124", "361125", "361126", "361127",
             "361128", "361129", "361130", "361181"]
DEPT = "361100-ENV"
INSPECTORS = 200
RATE_B_BP = 126  # 1.26 % of class B (92 % of the entities): about 58,000 of 5 million
DEREGISTERED_EVERY = 37  # about 2.7 % of the entities are deregistered, revoked or moved out
COLUMNS = ("uscc", "name", "kind", "legal_rep_name", "division_id", "industry", "industry_class", "address", "status", "risk_level", "library_class",
           "created_at", "updated_at")
SECRETS = {"office": "bench-office-secret-0001", "justice": "bench-justice-secret-002",
           "department": "bench-department-secret-3"}


# --- the database -------------------------------------------------------------------------


def server_url() -> str:
    url = os.environ.get("BENCH_PG_URL") or os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432"
    parts = urlsplit(url)
    if not parts.scheme.startswith("postgres"):
        parts = urlsplit("postgres://postgres@127.0.0.1:5432")
    return urlunsplit((parts.scheme, parts.netloc, "", "", ""))


def admin(base: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        conn.execute(sql)


def entity_rows(n: int) -> Any:
    """COPY text lines of n valid entities in USCC order (core.population_lines' codes)."""
    rng = random.Random(5)
    now = "2027-01-01 00:00:00+08"
    statuses = ("deregistered", "revoked", "moved_out")
    for i, line in enumerate(core.population_lines(n)):
        uscc = line[:18]
        division = DIVISIONS[i % len(DIVISIONS)]
        cls = "C" if rng.random() < 0.08 else "B"
        status = statuses[i % 3] if i % DEREGISTERED_EVERY == 0 else "existing"
        yield (f"{uscc}\t企业{i}\tcompany\t张三\t{division}\tF\t\t\t{status}\tgeneral\t{cls}"
               f"\t{now}\t{now}\n")


# --- phases (each in its own process, Django set up on the benchmark database) --------------


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def _users() -> dict[str, Any]:
    from spotcheck.accounts.models import Department, User
    from spotcheck.accounts.roles import Role

    out = {}
    for key, role, code in (("office", Role.OFFICE, "361100-SAMR"), ("justice", Role.JUSTICE, "361100-JUS"),
                            ("planner", Role.PLANNER, DEPT)):
        dept = Department.objects.get(code=code)
        out[key], _ = User.objects.get_or_create(
            username=f"bench-{key}", defaults={"role": role, "department": dept, "division": dept.division,
                                               "must_change_password": False})
    return out


def _walk() -> Any:
    """The draw's parties with the fixed secrets: each phase runs one step of the walk."""
    from spotcheck.demo.walk import DrawWalk

    users = _users()
    return DrawWalk(owner=users["planner"], office=users["office"], justice=users["justice"], secrets=SECRETS)


def phase_migrate(state: dict[str, Any]) -> dict[str, Any]:
    from django.core.management import call_command

    start = time.perf_counter()
    call_command("migrate", verbosity=0)
    from spotcheck.accounts.services import reference_load

    reference_load()
    return {"seconds": time.perf_counter() - start}


def phase_fill(state: dict[str, Any]) -> dict[str, Any]:
    """COPY n entities; the name-search indexes are dropped first (not what a draw reads)."""
    from django.db import connection

    n = state["n"]
    connection.ensure_connection()
    with connection.cursor() as cur:
        cur.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'registry_marketentity' "
                    "AND indexdef ILIKE '%%(name%%'")
        for (index,) in cur.fetchall():
            cur.execute(f'DROP INDEX "{index}"')
    start = time.perf_counter()
    raw = connection.connection
    with raw.cursor() as cur, cur.copy(f"COPY registry_marketentity ({', '.join(COLUMNS)}) FROM STDIN") as copy:
        batch: list[str] = []
        for row in entity_rows(n):
            batch.append(row)
            if len(batch) == 50_000:
                copy.write("".join(batch))
                batch.clear()
        copy.write("".join(batch))
    raw.commit()
    copied = time.perf_counter() - start
    with connection.cursor() as cur:
        cur.execute("ANALYZE registry_marketentity")
    return {"seconds": time.perf_counter() - start, "copy": copied, "rows": n}


def phase_roster(state: dict[str, Any]) -> dict[str, Any]:
    """A department of 200 inspectors with a few tags, and conflicts with 1,000 entities."""
    from datetime import date

    from django.utils import timezone

    from spotcheck.accounts.models import Department
    from spotcheck.registry.models import MarketEntity
    from spotcheck.roster.models import Conflict, Inspector, InspectorKind

    start = time.perf_counter()
    dept = Department.objects.get(code=DEPT)
    inspectors = Inspector.objects.bulk_create(
        Inspector(certificate_no=f"ENV{i:05d}", name=f"检查员{i}", department=dept, kind=InspectorKind.CIVIL_SERVANT,
                  valid_until=date(2099, 12, 31)) for i in range(INSPECTORS))
    rng = random.Random(7)
    ids = rng.sample(range(1, state["n"] + 1), min(1000, state["n"]))
    usccs = list(MarketEntity.objects.filter(pk__in=ids, status="existing").values_list("uscc", flat=True))
    now = timezone.now()
    Conflict.objects.bulk_create(
        Conflict(inspector=rng.choice(inspectors), uscc=u, reason="亲属", declared_at=now) for u in usccs)
    _users()
    return {"seconds": time.perf_counter() - start, "inspectors": INSPECTORS, "conflicts": len(usccs)}


def phase_prepare(state: dict[str, Any]) -> dict[str, Any]:
    """An approved class-B plan of the department (every draw belongs to one, R-P3), then its
    draw prepared and committed to. The plan draws 1.26 % of class B in each division: about
    the 60,000 of 5 million that a B/C draw took before plans held one class each."""
    from spotcheck.accounts.models import Department
    from spotcheck.core import clock
    from spotcheck.draws import services
    from spotcheck.planning.tests import factories as plans

    users = _users()
    year = clock.planning_year(clock.today())
    plan = plans.plan(
        owner=users["planner"], status="approved", office=users["office"], justice=users["justice"],
        year=year, items=[plans.item(DEPT, year=year)], strata=["division"],
        quota={"kind": "rates", "rounding": "ceil", "default_bp": RATE_B_BP, "rates_bp": {}})
    assert Department.objects.get(code=DEPT) == plan.department
    start = time.perf_counter()
    draw = services.draw_prepare(acting_user=users["planner"], plan=plan, title="省级规模基准抽取")
    _walk().commit(draw)
    return {"seconds": time.perf_counter() - start, "draw": draw.pk}


def _timed_phases(run: Callable[[Callable[[str, int, int], None]], Any]) -> tuple[Any, dict[str, float]]:
    """Run a service with a progress echo; seconds spent in each progress phase."""
    marks: list[tuple[str, float]] = []

    def echo(phase: str, done: int, total: int) -> None:
        if not marks or marks[-1][0] != phase:
            marks.append((phase, time.perf_counter()))

    out = run(echo)
    end = time.perf_counter()
    spans = {}
    for (phase, t0), (_, t1) in zip(marks, [*marks[1:], ("", end)], strict=True):
        spans[phase] = spans.get(phase, 0.0) + t1 - t0
    return out, spans


def phase_announce(state: dict[str, Any]) -> dict[str, Any]:
    """Freeze: population streamed from the database into population.csv, roster, conflicts,
    the announcement (the verifier's scan of population.csv)."""
    from spotcheck.draws import services
    from spotcheck.draws.models import Draw

    draw = Draw.objects.get(pk=state["draw"])
    start = time.perf_counter()
    # Claimed as for the worker (the job is queued, nobody runs it): this process does the work.
    _walk().announce(draw, background=True)
    claimed = time.perf_counter()
    draw, spans = _timed_phases(lambda echo: services.draw_freeze(state["draw"], echo=echo))
    return {"seconds": time.perf_counter() - start, "claim": claimed - start, "spans": spans,
            "population": draw.population_size, "strata": len(draw.strata_sizes)}


def phase_churn(state: dict[str, Any]) -> dict[str, Any]:
    """Between the announcement and the draw, 1 % of the entities close: those selected get
    substitutes at the execution (DRAW.md section 4)."""
    from django.db import connection

    start = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("UPDATE registry_marketentity SET status = 'deregistered' WHERE id % 101 = 7")
        changed = cur.rowcount
    return {"seconds": time.perf_counter() - start, "changed": changed}


def phase_reveal(state: dict[str, Any]) -> dict[str, Any]:
    from spotcheck.draws.models import Draw

    draw = Draw.objects.get(pk=state["draw"])
    start = time.perf_counter()
    _walk().reveal(draw)
    return {"seconds": time.perf_counter() - start}


def phase_execute(state: dict[str, Any]) -> dict[str, Any]:
    """Execute: integrity of the frozen files, the verifier's selection and assignment,
    substitutes, the result with its selection and teams stored."""
    from spotcheck.draws import services
    from spotcheck.draws.models import Draw, DrawResult

    draw = Draw.objects.get(pk=state["draw"])
    start = time.perf_counter()
    _walk().execute(draw, background=True)
    claimed = time.perf_counter()
    draw, spans = _timed_phases(lambda echo: services.draw_run(state["draw"], echo=echo))
    result = json.loads(DrawResult.objects.get(draw=draw).text)
    return {"seconds": time.perf_counter() - start, "claim": claimed - start, "spans": spans,
            "selected": len(result["selected"]), "teams": len(result["teams"]),
            "escalated": len(result["escalated"]), "cap_relaxed": len(result["cap_relaxed"]),
            "substitutions": len(result.get("substitutions", []))}


def phase_export(state: dict[str, Any]) -> dict[str, Any]:
    from spotcheck.draws import services
    from spotcheck.draws.models import Draw

    draw = Draw.objects.get(pk=state["draw"])
    start = time.perf_counter()
    out = services.bundle_write(draw, Path(state["dir"]) / "bundle")
    return {"seconds": time.perf_counter() - start, "bundle": str(out)}


PHASES: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "migrate": phase_migrate, "fill": phase_fill, "roster": phase_roster, "prepare": phase_prepare,
    "announce": phase_announce, "churn": phase_churn, "reveal": phase_reveal, "execute": phase_execute, "export": phase_export,
}


def child(name: str, state_path: Path) -> None:
    _django()
    state = json.loads(state_path.read_text())
    result = PHASES[name](state)
    result["peak_mb"] = core.peak_rss_mb()
    print(json.dumps(result, ensure_ascii=False))


def run_phase(name: str, state: dict[str, Any], env: dict[str, str], dirpath: Path) -> dict[str, Any]:
    path = dirpath / "state.json"
    path.write_text(json.dumps(state))
    start = time.perf_counter()
    done = subprocess.run([sys.executable, __file__, "--phase", name, str(path)], cwd=ROOT, env=env,
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"phase {name} failed:\n{done.stderr[-4000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["wall"] = time.perf_counter() - start
    print(f"  {name}: {result.get('seconds', 0):.1f} s, peak {result['peak_mb']:.0f} MB", flush=True)
    return result


# --- the run ------------------------------------------------------------------------------


def end_to_end(n: int, keep_db: bool) -> None:
    base = server_url()
    name = f"spotcheck_bench_draw_{int(time.time())}_{os.getpid()}"
    work = Path(tempfile.mkdtemp(prefix="bench-draw-e2e-"))
    env = {**os.environ, "DATABASE_URL": f"{base}/{name}", "SPOTCHECK_VAR_DIR": str(work / "var"),
           "LOG_LEVEL": "ERROR"}
    admin(base, f'CREATE DATABASE "{name}"')
    print(f"\n(b) end-to-end draw on PostgreSQL, database {name}", flush=True)
    try:
        state: dict[str, Any] = {"n": n, "dir": str(work)}
        r: dict[str, dict[str, Any]] = {}
        for phase in ("migrate", "fill", "roster", "prepare", "announce", "churn", "reveal", "execute", "export"):
            r[phase] = run_phase(phase, state, env, work)
            if phase == "prepare":
                state["draw"] = r[phase]["draw"]
        start = time.perf_counter()
        bundle = r["export"]["bundle"]
        verify = subprocess.run([sys.executable, str(ROOT / "verifier" / "verify_draw.py"), bundle],
                                capture_output=True, text=True, check=False)
        verify_s = time.perf_counter() - start
        report(n, r, verify, verify_s)
    finally:
        if not keep_db:
            admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(work, ignore_errors=True)


def report(n: int, r: dict[str, dict[str, Any]], verify: subprocess.CompletedProcess[str], verify_s: float) -> None:
    a, e = r["announce"], r["execute"]
    pop = a["population"]
    ann, exe = a["spans"], e["spans"]
    rows = [
        ("fill: COPY of synthetic entities", r["fill"]["copy"], r["fill"]["peak_mb"], f"{n / r['fill']['copy']:,.0f} rows/s"),
        ("announce: claim (guarded update, audit)", a["claim"], a["peak_mb"], ""),
        ("announce: stream population -> population.csv", ann.get("population", 0), a["peak_mb"],
         f"{pop / max(ann.get('population', 1), 1e-9):,.0f} rows/s, lines built by the database, USCC byte order"),
        ("announce: roster + conflicts", ann.get("roster", 0), a["peak_mb"], f"{INSPECTORS} inspectors"),
        ("announce: announcement (verifier scan)", ann.get("announcement", 0), a["peak_mb"], f"{a['strata']} strata"),
        ("announce: total", a["seconds"], a["peak_mb"], f"{pop:,} entities in the population"),
        ("execute: claim + integrity of frozen files", e["claim"], e["peak_mb"], ""),
        ("execute: integrity again (worker)", exe.get("verify", 0), e["peak_mb"], ""),
        ("execute: selection (verifier: scan + rank)", exe.get("select", 0), e["peak_mb"], f"{e['selected']:,} selected"),
        ("execute: inspectability check", exe.get("check", 0), e["peak_mb"], ""),
        ("execute: substitutes (rank again + recompute)", exe.get("substitute", 0) + exe.get("reselect", 0),
         e["peak_mb"], f"{e['substitutions']} substitutions ({r['churn']['changed']:,} entities closed "
                       "after the announcement)"),
        ("execute: assignment (verifier)", exe.get("assign", 0), e["peak_mb"],
         f"{e['teams']:,} teams of 2 from {INSPECTORS}, {e['cap_relaxed']} cap relaxed, {e['escalated']} escalated"),
        ("execute: store result, selection, teams", exe.get("store", 0), e["peak_mb"], ""),
        ("execute: total", e["seconds"], e["peak_mb"], ""),
        ("export bundle", r["export"]["seconds"], r["export"]["peak_mb"], ""),
        ("verifier CLI on the exported bundle", verify_s, 0, verify.stdout.strip()[:110]),
    ]
    print(f"\n(b) end-to-end SCD-1 draw, {n:,} entities on PostgreSQL, Python {sys.version.split()[0]}")
    print(f"{'phase':48} {'time s':>8} {'peak MB':>8}  notes")
    for label, seconds, peak, note in rows:
        print(f"{label:48} {seconds:8.2f} {peak:8.0f}  {note}")
    print(f"\nverifier exit {verify.returncode} ({'OK' if verify.returncode == 0 else 'NOT OK'})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=5_000_000, help="entities in the database (default 5,000,000)")
    parser.add_argument("--core-n", type=int, default=None, help="entities for (a)(c)(d) (default: --n)")
    parser.add_argument("--skip-core", action="store_true", help="only (b)")
    parser.add_argument("--skip-e2e", action="store_true", help="only (a)(c)(d)")
    parser.add_argument("--keep-db", action="store_true")
    parser.add_argument("--phase", choices=PHASES, help=argparse.SUPPRESS)
    parser.add_argument("state", nargs="?", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        child(args.phase, args.state)
        return
    if not args.skip_core:
        n = args.core_n or args.n
        with tempfile.TemporaryDirectory(prefix="bench-draw-") as tmp:
            dirs = core.prepare(Path(tmp), n)
            results = {}
            for name in core.PHASES:
                d = dirs["team"] if name == "verify-team" else dirs["plain"]
                results[name] = core.run_phase(name, d)
                print(f"  {name}: {results[name]['seconds']:.2f} s", flush=True)
            core.report(n, results)
    if not args.skip_e2e:
        end_to_end(args.n, args.keep_db)


if __name__ == "__main__":
    main()
