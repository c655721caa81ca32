"""A city's year end to end: ``generate_demo --entities N`` then ``simulate_year`` on a fresh
PostgreSQL database (or SQLite with ``--sqlite``), with the time, the peak memory of the
process and a cProfile of the year (its top entries by cumulative and by own time).

    python benchmarks/bench_year.py [--entities 1000000] [--year 2027] [--top 25] [--sqlite]
                                    [--template DB] [--keep DB] [--sql] [--no-profile]

``--template DB`` starts from a copy of a PostgreSQL database already migrated and holding a
generated library (``generate_demo``), so that runs of the year skip the generation; its
baseline is then one pass over the entity table (the median of three, after a first
pass). ``--sql`` adds the database statements' time grouped by their shape (numbers and
lists folded), largest first.

The baseline measured in the same run is the demo generation itself (the import of the
entity CSV through the import engine, the library classes, the roster and the item list):
the year is reported as a ratio of it. The goal is the year in under 5 minutes and 1 GB at
1,000,000 entities.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import os
import pstats
import re
import resource
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from scratch import scratch_database  # noqa: E402

GOAL_SECONDS = 300
GOAL_MB = 1024


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu_s() -> float:
    """This process's CPU seconds (user + system): steadier than wall time on a shared
    machine, though the database server's share of the work is not in it."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class _Statements:
    """An ``execute_wrapper`` adding up the database time of each statement shape."""

    FOLD = re.compile(r"'(?:[^']|'')*'|\b\d+(?:\.\d+)?\b|%s")

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            shape = re.sub(r"(\?(?:, \?)+)", "?…", self.FOLD.sub("?", sql))[:220]
            self.seconds[shape] += time.perf_counter() - t0
            self.calls[shape] += 1

    def report(self, top: int) -> None:
        total = sum(self.seconds.values())
        print(f"--- statements: {sum(self.calls.values()):,} in {total:.1f} s, by shape ---")
        for shape, seconds in sorted(self.seconds.items(), key=lambda kv: -kv[1])[:top]:
            print(f"{seconds:8.1f} s {self.calls[shape]:7d}x  {shape}")


def _phases(marks: list[tuple[float, str]], year: float) -> None:
    """The year by its parts, from the progress lines: plans, reviews, draws and tasks up to
    the last draw; the window merges; together what the goal names (plans, reviews, draws,
    tasks, merges); then recording results, and signing, confirming and publishing."""
    def last(prefix: str) -> float | None:
        times = [t for t, line in marks if line.startswith(prefix)]
        return times[-1] if times else None

    drawn, merged = last("抽取 "), last("合并 ")
    recorded, signed = last("录入检查结果："), last("签字并审核确认")
    if drawn is None or merged is None or recorded is None or signed is None:
        return
    print(f"phases: plans, reviews, draws, tasks {drawn:.1f} s; window merges {merged - drawn:.1f} s; "
          f"plans to merges {merged:.1f} s; recording results {recorded - merged:.1f} s; "
          f"signing, confirming, publishing {signed - recorded:.1f} s; the rest {year - signed:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entities", type=int, default=1_000_000)
    parser.add_argument("--year", type=int, default=2027)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--profile-out", default="", help="write the raw cProfile stats here")
    parser.add_argument("--template", default="", help="copy this prepared PostgreSQL database")
    parser.add_argument("--sql", action="store_true", help="time the statements by shape")
    parser.add_argument("--keep", default="", help="keep the year's database under this name")
    parser.add_argument("--no-profile", action="store_true",
                        help="no cProfile: the year's time as a user meets it (the profiler slows Python)")
    args = parser.parse_args()

    os.environ["SPOTCHECK_DEMO"] = "1"
    with scratch_database("bench_year", sqlite=args.sqlite, template=args.template,
                          keep=args.keep) as tmp:
        os.environ["SPOTCHECK_DRAWS_DIR"] = f"{tmp}/draws"
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
        if args.template:
            # The first pass reads the copied table from wherever the OS left it (0.1-0.9 s on
            # one machine at 1M); the baseline is the median of the three passes after it.
            passes = []
            for _ in range(4):
                t0 = time.perf_counter()
                with connection.cursor() as cursor:
                    cursor.execute("SELECT count(*), sum(length(uscc)) FROM registry_marketentity")
                    count = cursor.fetchone()[0]
                passes.append(time.perf_counter() - t0)
            generate = statistics.median(passes[1:])
            print(f"baseline, one pass over the {count:,} entities of {args.template}: {generate:.2f} s "
                  f"(the median of three after a first pass of {passes[0]:.2f} s)")
        else:
            call_command("migrate", verbosity=0)
            t0 = time.perf_counter()
            call_command("generate_demo", entities=args.entities, stdout=io.StringIO())
            generate = time.perf_counter() - t0
            print(f"generate_demo --entities {args.entities:,}: {generate:.1f} s, peak {_peak_mb():.0f} MB")
        statements = _Statements()

        profile = cProfile.Profile()
        t0 = time.perf_counter()

        marks: list[tuple[float, str]] = []

        class Timed(io.TextIOBase):
            """The year's progress lines, each with the seconds since the year began."""

            def write(self, text: str) -> int:
                for line in text.splitlines():
                    if line.strip():
                        marks.append((time.perf_counter() - t0, line.strip()))
                        print(f"  {marks[-1][0]:7.1f} s  {line}", flush=True)
                return len(text)

        cpu0 = _cpu_s()
        if not args.no_profile:
            profile.enable()
        with connection.execute_wrapper(statements) if args.sql else contextlib.nullcontext():
            call_command("simulate_year", year=args.year, stdout=Timed())
        profile.disable()
        year = time.perf_counter() - t0
        cpu = _cpu_s() - cpu0
        peak = _peak_mb()
        print(f"simulate_year: {year:.1f} s (ratio to the baseline {year / generate:.2f}), "
              f"peak {peak:.0f} MB (process, generation included)  "
              f"{'OK' if year <= GOAL_SECONDS and peak <= GOAL_MB else 'over goal'} "
              f"(goal {GOAL_SECONDS} s, {GOAL_MB} MB); CPU of this process {cpu:.1f} s "
              f"({'without' if args.no_profile else 'with'} the profiler)")
        print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
        _phases(marks, year)
        if args.sql:
            statements.report(args.top)
        if args.profile_out and not args.no_profile:
            profile.dump_stats(args.profile_out)
        for key in () if args.no_profile else ("cumulative", "tottime"):
            text = io.StringIO()
            pstats.Stats(profile, stream=text).strip_dirs().sort_stats(key).print_stats(args.top)
            print(f"--- profile by {key} ---")
            print("\n".join(line for line in text.getvalue().splitlines()[6:] if line.strip()))


if __name__ == "__main__":
    main()
