"""Entity import at scale on PostgreSQL, against a raw COPY of the same file measured in the
same run (the acceptance target: at most 3x the raw COPY, peak memory < 500 MB).

    python benchmarks/bench_import.py [--rows 1000000] [--xlsx-rows 200000] [--keep DIR] [--csv FILE]

A fresh database is created on the server of DATABASE_URL (or BENCH_PG_URL, default
postgres://postgres@127.0.0.1:5432) and dropped afterwards. The file is generated with the
demo generator (valid Shangrao entities), or given (``--csv``, to compare runs on one file).
The baseline is ``COPY bare FROM STDIN (FORMAT csv)`` into a table of 13 text columns,
streamed from the file, run before and after the import;
before each of the three a CHECKPOINT (where allowed) settles the server;
the import runs in a subprocess through the service the command uses
(``import_job_create`` + ``import_run``), so its peak RSS (ru_maxrss) is its own and
includes Django. Then a 200,000-row XLSX is imported the same way (time and memory).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from spotcheck.demo.registry import HEADERS, entity_rows  # noqa: E402  (pure module)

CHILD = r"""
import json, os, sys, time
import django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()
from spotcheck.core.imports import jobs
from spotcheck.registry.imports import ENTITY_IMPORT
path, mode = sys.argv[1], sys.argv[2]
if mode == "setup":
    from django.core.management import call_command
    call_command("migrate", verbosity=0)
    from spotcheck.accounts.services import reference_load
    reference_load()
    sys.exit(0)
start = time.perf_counter()
job = jobs.import_job_create(spec=ENTITY_IMPORT, acting_user=None, path=path, resume=False)
job = jobs.import_run(job.pk)
print(json.dumps({"seconds": time.perf_counter() - start, "status": job.status, "inserted": job.inserted,
                  "updated": job.updated, "rejected": job.rejected}))
"""


def server_url() -> str:
    url = os.environ.get("BENCH_PG_URL") or os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432"
    parts = urlsplit(url)
    if not parts.scheme.startswith("postgres"):
        url = "postgres://postgres@127.0.0.1:5432"
        parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "", "", ""))


def admin(base: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(base + "/postgres", autocommit=True) as conn:
        conn.execute(sql)


def child(db_url: str, path: str, mode: str) -> tuple[dict, float, float]:
    """Run the import in a fresh interpreter; (result, wall seconds, peak RSS MB of that child)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    env = {**os.environ, "DATABASE_URL": db_url, "LOG_LEVEL": "ERROR"}
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", CHILD, path, mode], cwd=ROOT, env=env, capture_output=True,
                          text=True, check=False)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"child failed:\n{done.stderr[-3000:]}")
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result = json.loads(done.stdout.strip().splitlines()[-1]) if mode != "setup" else {}
    # ru_maxrss of children is the maximum over all children so far: report it only if it grew
    return result, wall, max(peak, before) / 1024


def settle(db_url: str) -> None:
    """Start each measured phase on a settled server: a CHECKPOINT (where the role may run
    one), so that no phase pays for flushing what the one before it wrote."""
    import psycopg

    with psycopg.connect(db_url, autocommit=True) as conn:
        try:
            conn.execute("CHECKPOINT")
        except psycopg.Error:
            pass


def raw_copy(db_url: str, path: Path) -> float:
    import psycopg

    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bare")
        conn.execute("CREATE TABLE bare (" + ", ".join(f"c{i} text" for i in range(len(HEADERS))) + ")")
        start = time.perf_counter()
        with conn.cursor() as cur, cur.copy("COPY bare FROM STDIN WITH (FORMAT csv, HEADER true)") as copy, \
                path.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                copy.write(chunk)
        seconds = time.perf_counter() - start
        conn.execute("DROP TABLE bare")
    return seconds


def write_csv(path: Path, n: int, seed: int) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(HEADERS)
        writer.writerows(entity_rows(n, seed=seed))


def write_xlsx(path: Path, n: int, seed: int) -> None:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet()
    for c, h in enumerate(HEADERS):
        sheet.write_string(0, c, h)
    for r, row in enumerate(entity_rows(n, seed=seed), start=1):
        for c, value in enumerate(row):
            if value:
                sheet.write_string(r, c, value)
    book.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--xlsx-rows", type=int, default=200_000)
    parser.add_argument("--keep", help="keep the generated files in this folder")
    parser.add_argument("--csv", help="import this CSV file (entity columns) instead of generating one")
    args = parser.parse_args()
    base = server_url()
    name = f"spotcheck_bench_{int(time.time())}_{os.getpid()}"
    db_url = f"{base}/{name}"
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench_import_"))
    folder.mkdir(parents=True, exist_ok=True)
    admin(base, f'CREATE DATABASE "{name}"')
    try:
        child(db_url, "", "setup")
        if args.csv:
            csv_path = Path(args.csv)
            with csv_path.open("rb") as fh:
                args.rows = sum(block.count(b"\n") for block in iter(lambda: fh.read(1 << 22), b"")) - 1
        else:
            csv_path = folder / f"entities-{args.rows}.csv"
            t = time.perf_counter()
            write_csv(csv_path, args.rows, seed=1)
            print(f"generated {args.rows:,} rows ({csv_path.stat().st_size / 2**20:.0f} MB) in "
                  f"{time.perf_counter() - t:.1f} s")
        settle(db_url)
        copy_before = raw_copy(db_url, csv_path)
        settle(db_url)
        result, wall, peak = child(db_url, str(csv_path), "import")
        settle(db_url)
        copy_after = raw_copy(db_url, csv_path)
        baseline = (copy_before + copy_after) / 2
        seconds = result["seconds"]
        ratio = seconds / baseline
        print(f"\n{'phase':34} {'rows':>10} {'time s':>8} {'rows/s':>10} {'x COPY':>7} {'peak MB':>8}")
        print(f"{'raw COPY (bare table), mean':34} {args.rows:>10,} {baseline:8.2f} {args.rows / baseline:10,.0f}"
              f" {1.0:7.2f} {'':>8}   (before {copy_before:.2f} s, after {copy_after:.2f} s)")
        print(f"{'entity import (CSV)':34} {args.rows:>10,} {seconds:8.2f} {args.rows / seconds:10,.0f}"
              f" {ratio:7.2f} {peak:8.0f}   status {result['status']}, inserted {result['inserted']:,},"
              f" rejected {result['rejected']}; process wall {wall:.1f} s")
        if args.xlsx_rows:
            xlsx_path = folder / f"entities-{args.xlsx_rows}.xlsx"
            write_xlsx(xlsx_path, args.xlsx_rows, seed=2)
            x_result, _x_wall, x_peak = child(db_url, str(xlsx_path), "import")
            xs = x_result["seconds"]
            print(f"{'entity import (XLSX)':34} {args.xlsx_rows:>10,} {xs:8.2f} {args.xlsx_rows / xs:10,.0f}"
                  f" {'':>7} {x_peak:8.0f}   status {x_result['status']}, inserted {x_result['inserted']:,}")
        print(f"\ntargets: import <= 3.0x raw COPY: {'met' if ratio <= 3 else 'NOT met'} ({ratio:.2f}x); "
              f"peak memory < 500 MB: {'met' if peak < 500 else 'NOT met'} ({peak:.0f} MB)")
    finally:
        admin(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not args.keep:
            for p in folder.iterdir():
                p.unlink()
            folder.rmdir()


if __name__ == "__main__":
    main()
