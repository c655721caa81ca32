"""The yearly reclassification (R-D1) of a whole library on PostgreSQL, against a baseline
measured in the same run: one pass over the same rows (the entities of the scope joined to
the year's tasks, counted), what any reclassification must at least read.

    python benchmarks/bench_reclassify.py [--entities 1000000] [--share 0.05] [--confirm]

A fresh PostgreSQL database is created on the server of BENCH_PG_URL (default
postgres://postgres@127.0.0.1:5432) and dropped afterwards. The population: ``entities``
across the city's counties, 10 % class A and 10 % class C; ``share`` of them with a
confirmed inspection of 2027, a third of those with a violation (minor, general, serious);
1 % on the serious-violation list, 1 % abnormal, 2 % with a key-field tag, 1 % deregistered.
Prints the time of the run (``reclass_run_execute``, every slice), the proposals it made,
peak Python memory (tracemalloc) and the process's peak resident size. With ``--confirm`` the
office then confirms every proposal in one decision (``reclass_decide``: the set-based moves,
with a history row and an audit event each), timed too.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from scratch import scratch_database  # noqa: E402

YEAR = 2027


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entities", type=int, default=1_000_000)
    parser.add_argument("--share", type=float, default=0.05)
    parser.add_argument("--explain", action="store_true", help="print the plan of one slice's facts")
    parser.add_argument("--confirm", action="store_true", help="then confirm every proposal, timed")
    args = parser.parse_args()
    with scratch_database("bench_reclass"):
        run(args)


def populate(args: argparse.Namespace) -> None:
    from django.db import connection

    from spotcheck.accounts.models import Department, Division, User
    from spotcheck.catalog.tests.factories import InspectionItemFactory

    counties = sorted(Division.objects.filter(parent_id="361100").values_list("code", flat=True))
    n = args.entities
    office = User.objects.create(username="bench.office", role="office",
                                 department=Department.objects.get(code="361100-SAMR"), division_id="361100")
    samr = Department.objects.get(code="361100-SAMR")
    item = InspectionItemFactory.create(department=samr, year=YEAR, code="B-0001", name="基准检查事项")
    start = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("CREATE TEMP TABLE bench_div (k int PRIMARY KEY, code varchar(6))")
        cur.executemany("INSERT INTO bench_div VALUES (%s, %s)", list(enumerate(counties)))
        cur.execute(f"""
            INSERT INTO registry_marketentity (uscc, name, kind, legal_rep_name, division_id, industry,
                industry_class, address, status, risk_level, library_class)
            SELECT lpad(i::text, 18, '0'), '企业' || i, 'company', '张三', d.code, 'F', '', '',
                   CASE WHEN i % 100 = 7 THEN 'deregistered' ELSE 'existing' END,
                   CASE WHEN i % 50 = 3 THEN 'higher' WHEN i % 97 = 5 THEN 'high' ELSE 'general' END,
                   CASE WHEN i % 7 = 0 THEN 'A' WHEN i % 11 = 0 THEN 'C' ELSE 'B' END
            FROM generate_series(1, {n}) i JOIN bench_div d ON d.k = i % {len(counties)}""")
        cur.execute("SELECT min(id) FROM registry_marketentity")
        base = cur.fetchone()[0] - 1
        every = max(int(1 / args.share), 1)
        cur.execute(f"""
            INSERT INTO inspections_inspectiontask (department_id, division_id, year, entity_id, uscc, source,
                plan_ref, plan_title, window_start, window_end, status, merged_window, cancel_reason,
                created_at, form_version, place, review_status, review_reason, confirmed_at, publish_due,
                completed_at)
            SELECT {samr.pk}, e.division_id, {YEAR}, e.id, e.uscc, 'draw', 'bench', 'bench',
                   '{YEAR}-06-01', '{YEAR}-06-30', 'completed', '', '', now(), 1, '', 'confirmed', '',
                   now(), '{YEAR}-07-30', now()
            FROM registry_marketentity e WHERE (e.id - {base}) % {every} = 0""")
        cur.execute(f"""
            INSERT INTO inspections_taskitem (task_id, item_id, seq, result_code, result_name, method,
                follow_up, note)
            SELECT t.id, {item.pk}, 0, '2', '', '', '', '' FROM inspections_inspectiontask t
            WHERE t.id % 3 = 0""")
        cur.execute(f"""
            INSERT INTO inspections_violation (task_item_id, task_id, department_id, division_id, uscc, severity,
                description, status, transfer_reason, judicial_organ, judicial_doc_no, created_at,
                created_by_id, updated_at)
            SELECT ti.id, ti.task_id, {samr.pk}, t.division_id, t.uscc,
                   CASE t.id % 9 WHEN 0 THEN 'serious' WHEN 3 THEN 'general' ELSE 'minor' END,
                   '基准违法', 'open', '', '', '', now(), {office.pk}, now()
            FROM inspections_taskitem ti JOIN inspections_inspectiontask t ON t.id = ti.task_id""")
        for kind, mod in (("serious_list", 101), ("abnormal", 103)):
            cur.execute(f"""
                INSERT INTO credit_creditrecord (record_no, entity_id, uscc, kind, level, dated_on, source,
                    origin, note)
                SELECT '{kind}-' || e.id, e.id, e.uscc, '{kind}', '', '{YEAR}-03-01', '基准', 'import', ''
                FROM registry_marketentity e WHERE e.id % {mod} = 0""")
        cur.execute("""
            INSERT INTO registry_entitytag (entity_id, tag_id)
            SELECT e.id, (SELECT min(id) FROM registry_keyfieldtag) FROM registry_marketentity e
            WHERE e.id % 50 = 11""")
        cur.execute("ANALYZE")
        cur.execute("SELECT (SELECT count(*) FROM registry_marketentity), "
                    "(SELECT count(*) FROM inspections_inspectiontask), "
                    "(SELECT count(*) FROM inspections_violation), (SELECT count(*) FROM credit_creditrecord)")
        entities, tasks, violations, records = cur.fetchone()
    print(f"population written in {time.perf_counter() - start:.1f} s: entities {entities:,}, "
          f"confirmed tasks {tasks:,}, violations {violations:,}, credit records {records:,}")
    return office


def run(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.db import connection

    from spotcheck.accounts.divisions import division_codes
    from spotcheck.accounts.services import reference_load
    from spotcheck.credit import services
    from spotcheck.registry.services import key_field_tags_ensure

    reference_load()
    key_field_tags_ensure()
    office = populate(args)
    codes = sorted(division_codes(["361100"]))

    start = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("SELECT count(*), count(t.id) FROM registry_marketentity e LEFT JOIN inspections_inspectiontask t "
                    f"ON t.entity_id = e.id AND t.year = {YEAR} WHERE e.division_id = ANY(%s)", [codes])
        base_rows = cur.fetchone()[0]
    base_t = time.perf_counter() - start

    from spotcheck.core import clock

    if args.explain:
        with connection.cursor() as cur:
            cur.execute("SELECT min(id), max(id) FROM registry_marketentity")
            lo, hi = cur.fetchone()
            cur.execute("SET jit = off")
            cur.execute("EXPLAIN ANALYZE " + services._facts_sql(codes),
                        services._facts_params(YEAR, lo, min(hi, lo + services.SLICE - 1), codes))
            print("\n".join(r[0] for r in cur.fetchall()))
            cur.execute("RESET jit")

    created = services.reclass_run_create(acting_user=office, year=min(YEAR, clock.today().year))
    # the population is of 2027; a run created before 2028 is moved onto that year
    type(created).objects.filter(pk=created.pk).update(year=YEAR)
    tracemalloc.start()
    start = time.perf_counter()
    steps = []
    result = services.reclass_run_execute(created.pk, progress=lambda d, t: steps.append(d))
    run_t = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    with connection.cursor() as cur:
        cur.execute("SELECT rule, to_class, count(*) FROM credit_reclassproposal GROUP BY 1, 2 ORDER BY 1, 2")
        by_rule = cur.fetchall()
    print(f"run: {result.status}, entities {result.total:,}, proposals {result.proposed:,}, "
          f"risk levels derived {result.risk_derived:,}, progress steps {len(steps)}")
    print("  " + ", ".join(f"{rule}→{to}: {n:,}" for rule, to, n in by_rule))
    print(f"{'':40}{'time s':>9}{'rows/s':>12}")
    print(f"{'baseline: one pass over the rows':40}{base_t:>9.2f}{base_rows / base_t:>12,.0f}")
    print(f"{'reclass_run_execute':40}{run_t:>9.2f}{result.total / run_t:>12,.0f}")
    print(f"ratio run/baseline {run_t / base_t:.1f}x; peak Python memory {peak / 2**20:.1f} MiB; "
          f"peak resident size {rss:.0f} MiB")
    if args.confirm:
        from spotcheck.credit.models import ReclassProposal

        ids = list(ReclassProposal.objects.filter(run=result).values_list("pk", flat=True))
        start = time.perf_counter()
        summary = services.reclass_decide(acting_user=office, run=result, proposal_ids=ids, decision="confirm",
                                          reason="基准：全部确认")
        confirm_t = time.perf_counter() - start
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"{'reclass_decide (confirm all)':40}{confirm_t:>9.2f}{len(ids) / confirm_t:>12,.0f}  {summary}")
        print(f"ratio confirm/baseline {confirm_t / base_t:.1f}x; peak resident size {rss:.0f} MiB")


if __name__ == "__main__":
    main()
