"""Fault test on PostgreSQL (R-R2): while deliveries are sent, the worker is killed (SIGKILL)
three times, the receiver is down for a while and then refuses a third of the requests; in
the end every record has arrived and none is stored twice. The figures go to
``test-output/delivery_faults.txt``."""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from spotcheck.publicity.models import Delivery, DeliveryStatus
from spotcheck.publicity.tests.factories import published_result
from spotcheck.registry.tests.test_import_crash import BASE_DIR, _database_url

RESULTS = 40  # 80 deliveries: two targets


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _stats(port: int) -> dict[str, int]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/stats", timeout=2) as r:
            return dict(json.loads(r.read()))
    except OSError:
        return {"records": 0, "duplicates": 0, "refused": 0}


def _wait(condition: Any, timeout: float = 240.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_every_record_arrives_once_through_kills_an_outage_and_refusals(
        departments: Any, tmp_path: Path, output_dir: Path) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "DATABASE_URL": _database_url(), "DELIVERY_NATIONAL_URL": f"{base}/national/results",
           "DELIVERY_PROVINCE_URL": f"{base}/province/records", "DELIVERY_BACKOFF_SECONDS": "1",
           "DELIVERY_LEASE_SECONDS": "3", "DELIVERY_MAX_ATTEMPTS": "100", "DELIVERY_TIMEOUT_SECONDS": "5"}
    worker_cmd = [sys.executable, "manage.py", "db_worker", "--queue-name", "*", "--no-reload",
                  "--no-startup-delay", "--interval", "0.2"]
    receiver_cmd = [sys.executable, "-m", "receiver.credit_receiver", "--port", str(port), "--db",
                    str(tmp_path / "receiver.sqlite3"), "--refuse", "0.33", "--seed", "5", "--delay", "0.05"]
    for _ in range(RESULTS):
        published_result()
    expected = set(Delivery.objects.values_list("idempotency_key", flat=True))
    assert len(expected) == 2 * RESULTS
    rng = random.Random(11)
    processes: list[subprocess.Popen] = []

    def start(cmd: list[str]) -> subprocess.Popen:
        p = subprocess.Popen(cmd, cwd=BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        processes.append(p)
        return p

    kills = 0
    try:
        worker = start(worker_cmd)
        # The receiver is down: the worker fails, backs off and keeps the rows pending.
        assert _wait(lambda: Delivery.objects.filter(attempts__gte=2).exists(), 120)
        outage_failures = sum(Delivery.objects.values_list("attempts", flat=True))
        start(receiver_cmd)
        assert _wait(lambda: _stats(port)["records"] > 0, 60)
        for _ in range(3):
            before = _stats(port)["records"]
            _wait(lambda before=before: _stats(port)["records"] >= min(before + 8, len(expected)), 120)
            time.sleep(rng.uniform(0.0, 0.3))  # somewhere inside a send, a claim or an update
            os.kill(worker.pid, signal.SIGKILL)
            worker.wait()
            kills += 1
            worker = start(worker_cmd)
        done = _wait(lambda: not Delivery.objects.exclude(status=DeliveryStatus.SENT).exists(), 300)
        stats = _stats(port)
        with urllib.request.urlopen(f"{base}/records", timeout=5) as r:  # noqa: S310
            stored = [row["key"] for row in json.loads(r.read())]
    finally:
        for p in processes:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
    attempts = sum(Delivery.objects.values_list("attempts", flat=True))
    figures = (f"deliveries {len(expected)}, stored {len(stored)} (distinct {len(set(stored))}), "
               f"worker SIGKILLs {kills}, attempts {attempts} (during the outage {outage_failures}), "
               f"refused {stats['refused']}, duplicates received and not stored {stats['duplicates']}")
    (output_dir / "delivery_faults.txt").write_text(figures + "\n", encoding="utf-8")
    print(figures)
    assert done, figures
    assert kills == 3
    assert set(stored) == expected and len(stored) == len(expected), figures
    assert stats["refused"] > 0 and outage_failures > 0
