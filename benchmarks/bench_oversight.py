"""The oversight dashboard on the demo database (``make run`` builds it: 20,000 entities and
a simulated year): queries and time per page, as the office and as a department's planner,
against a baseline measured in the same run: the planning coverage page (R-P1), which the
dashboard reuses.

    SPOTCHECK_VAR_DIR=var SPOTCHECK_DEMO=1 python benchmarks/bench_oversight.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from spotcheck.accounts.models import User  # noqa: E402


def timed(client: Client, url: str, repeat: int) -> tuple[float, int]:
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


# No collectstatic for a measurement: static URLs from the app folders.
@override_settings(STORAGES={**settings.STORAGES, "staticfiles": {
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}})
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--year", type=int, default=None)
    args = parser.parse_args()
    year = f"?year={args.year}" if args.year else ""
    for role in ("office", "planner"):
        user = User.objects.filter(role=role, is_active=True).order_by("id").first()
        if user is None:
            sys.exit(f"no active {role} user: build the demo database first (make run)")
        client = Client(SERVER_NAME="localhost")
        client.force_login(user)
        base_t, base_q = timed(client, f"/planning/coverage/{year}", args.repeat)
        dash_t, dash_q = timed(client, f"/oversight/{year}", args.repeat)
        print(f"{role:8} coverage page {base_t * 1000:7.1f} ms {base_q:3} queries | "
              f"dashboard {dash_t * 1000:7.1f} ms {dash_q:3} queries | ratio {dash_t / base_t:.2f}")


if __name__ == "__main__":
    main()
