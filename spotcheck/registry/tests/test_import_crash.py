"""Crash safety on PostgreSQL: the import command is killed (SIGKILL) three times at random
moments and run again; in the end the table holds exactly the file's valid rows, once each."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from spotcheck.audit.models import AuditEvent
from spotcheck.core.imports.models import ImportJob, ImportRowError, ImportStatus
from spotcheck.demo.registry import entity_csv_write
from spotcheck.registry.models import MarketEntity

BASE_DIR = Path(__file__).resolve().parents[3]


def _database_url() -> str:
    db = settings.DATABASES["default"]
    return (f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db.get('HOST') or '127.0.0.1'}:"
            f"{db.get('PORT') or 5432}/{db['NAME']}")


def _wait_for_progress(process: subprocess.Popen, timeout: float = 180.0) -> None:
    """Until the running import commits a batch beyond where it started (however slow the
    machine): the job it continues, or the new one it made when an earlier run had finished."""
    before = dict(ImportJob.objects.values_list("pk", "rows_done"))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        if any(done > before.get(pk, 0) for pk, done in ImportJob.objects.filter(
                status=ImportStatus.RUNNING).values_list("pk", "rows_done")):
            return
        time.sleep(0.05)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_killed_three_times_the_import_ends_with_exactly_the_valid_rows(departments: Any,
                                                                        tmp_path: Path) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    total = 20_000
    path = entity_csv_write(tmp_path / "entities.csv", total, seed=21)
    lines = path.read_text(encoding="utf-8").splitlines()
    early = lines[10].split(",")
    # three rows to reject: a late duplicate of an early row, a bad check character, an unknown division
    lines.append(",".join([early[0], "后来的重复行", *early[2:]]))
    bad_code = lines[30].split(",")
    lines.insert(9000, ",".join([bad_code[0][:17] + "?", *bad_code[1:]]))
    bad_division = lines[40].split(",")
    lines.insert(15000, ",".join([*bad_division[:6], "999999", *bad_division[7:]]))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    env = {**os.environ, "DATABASE_URL": _database_url(), "IMPORT_BATCH_ROWS": "250"}
    command = [sys.executable, "manage.py", "import_entities", str(path)]
    rng = random.Random(7)
    for attempt in range(3):
        process = subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        if attempt == 0:
            time.sleep(rng.uniform(0.5, 3.0))  # anywhere, the start of Django included
        else:
            _wait_for_progress(process)  # then somewhere in the middle of a batch or a commit
            time.sleep(rng.uniform(0.0, 0.3))
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
        process.wait()
    final = subprocess.run(command, cwd=BASE_DIR, env=env, capture_output=True, text=True, check=False)
    assert final.returncode == 0, final.stderr
    assert MarketEntity.objects.count() == total
    assert MarketEntity.objects.values("uscc").distinct().count() == total
    assert MarketEntity.objects.get(uscc=early[0]).name == early[1]
    jobs = list(ImportJob.objects.order_by("id"))
    finished = [j for j in jobs if j.status == ImportStatus.SUCCEEDED]
    assert finished, [(j.pk, j.status, j.message) for j in jobs]
    # at least one kill hit a running import, which a later run continued from its checkpoint
    assert AuditEvent.objects.filter(action="import.continue").exists()
    # every row was inserted exactly once across the runs; each finished run rejected the same
    # three rows, each reported once (no error row doubled by a resume)
    assert sum(j.inserted for j in jobs) == total
    for job in finished:
        assert job.rejected == 3
        assert ImportRowError.objects.filter(job=job).count() == 3
    assert finished[0].inserted + sum(j.inserted for j in jobs if j.pk < finished[0].pk) == total


def _wait_for_pending(process: subprocess.Popen, timeout: float = 180.0) -> None:
    """Until the running first load has written a batch (uncommitted: ``rows_pending``)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        if (ImportJob.objects.order_by("-id").values_list("rows_pending", flat=True).first() or 0) > 0:
            return
        time.sleep(0.02)


def _constraints() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT conname FROM pg_constraint WHERE conrelid IN "
                       "('registry_marketentity'::regclass, 'registry_entitytag'::regclass) "
                       "UNION SELECT indexrelid::regclass::text FROM pg_index WHERE indrelid IN "
                       "('registry_marketentity'::regclass, 'registry_entitytag'::regclass)")
        return {name for (name,) in cursor.fetchall()}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_first_load_killed_three_times_leaves_all_or_nothing_and_its_indexes(departments: Any,
                                                                              tmp_path: Path) -> None:
    """A large file into the empty table is one transaction with the indexes dropped
    (engine: a first load): killed, nothing of it stays and the indexes are whole; the last
    run loads exactly the valid rows, a key doubled across batches rejected once."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    before = _constraints()
    assert "registry_marketentity_uscc_key" in before
    total = 20_000
    path = entity_csv_write(tmp_path / "entities.csv", total, seed=22)
    lines = path.read_text(encoding="utf-8").splitlines()
    early = lines[10].split(",")
    lines.append(",".join([early[0], "后来的重复行", *early[2:]]))  # doubled across batches
    bad = lines[40].split(",")
    lines.insert(15000, ",".join([*bad[:6], "999999", *bad[7:]]))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    env = {**os.environ, "DATABASE_URL": _database_url(), "IMPORT_BATCH_ROWS": "500",
           "IMPORT_BULK_MIN_ROWS": "1000"}
    command = [sys.executable, "manage.py", "import_entities", str(path)]
    rng = random.Random(8)
    for _ in range(3):
        process = subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL)
        _wait_for_pending(process)
        time.sleep(rng.uniform(0.0, 0.5))
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
        process.wait()
        # all or nothing, and the table's indexes and keys as they were
        assert MarketEntity.objects.count() in (0, total)
        assert _constraints() == before
    final = subprocess.run(command, cwd=BASE_DIR, env=env, capture_output=True, text=True, check=False)
    assert final.returncode == 0, final.stderr
    assert _constraints() == before
    assert MarketEntity.objects.count() == total
    assert MarketEntity.objects.get(uscc=early[0]).name == early[1]
    job = ImportJob.objects.filter(status=ImportStatus.SUCCEEDED).order_by("-id").first()
    assert job is not None and job.rows_pending == 0
    if job.inserted:  # this run did the load (not an earlier one killed after its commit)
        assert (job.inserted, job.rejected) == (total, 2)
        messages = sorted(ImportRowError.objects.filter(job=job).values_list("message", flat=True))
        assert any("与第 11 行重复" in m for m in messages), messages
    # the unique index is back and working
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        MarketEntity.objects.filter(pk=MarketEntity.objects.order_by("pk").values_list("pk", flat=True)[1]
                                    ).update(uscc=early[0])
