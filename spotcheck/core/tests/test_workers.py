"""Scaling out the task worker: two `manage.py db_worker` processes on one queue on PostgreSQL
take jobs at the same time, and every job runs exactly once (the database backend claims a
job with SELECT ... FOR UPDATE SKIP LOCKED)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django_tasks_db.models import DBTaskResult

from spotcheck.core.tests.worker_probe import probe_run

BASE_DIR = Path(__file__).resolve().parents[3]
JOBS = 40


def _database_url() -> str:
    db = django_settings.DATABASES["default"]
    return (f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db.get('HOST') or '127.0.0.1'}:"
            f"{db.get('PORT') or 5432}/{db['NAME']}")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_on_one_queue_run_every_job_exactly_once(settings: Any, tmp_path: Path) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    runs = tmp_path / "runs"
    runs.mkdir()
    for n in range(JOBS):
        probe_run.enqueue(str(runs), n)
    env = {k: v for k, v in os.environ.items() if k != "TASKS_BACKEND"}
    env["DATABASE_URL"] = _database_url()
    command = [sys.executable, "manage.py", "db_worker", "--queue-name", "default", "--batch",
               "--no-startup-delay", "--no-reload", "--interval", "0.1"]
    workers = [subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True) for _ in range(2)]
    try:
        outputs = [w.communicate(timeout=300)[0] for w in workers]
    finally:
        for w in workers:
            if w.poll() is None:
                w.kill()
                w.wait()
    assert [w.returncode for w in workers] == [0, 0], outputs
    done = [p.name.split("-") for p in runs.glob("run-*")]
    per_job = Counter(int(n) for _, n, _, _ in done)
    assert per_job == Counter(range(JOBS))  # every job once, none twice
    pids = {pid for _, _, pid, _ in done}
    assert len(pids) == 2 and pids == {str(w.pid) for w in workers}  # both workers took jobs
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}
    assert DBTaskResult.objects.count() == JOBS
