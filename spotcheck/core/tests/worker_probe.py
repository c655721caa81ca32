"""A task for the tests of the task queue itself: it records each run in a directory.

``probe_run(directory, n)`` writes the file ``run-<n>-<pid>-<uuid>``; until two different
worker processes have each started a run (or 60 s pass) it waits, so that a test of two
workers knows both were taking jobs from the queue at the same time.
"""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

from django_tasks import task


@task()
def probe_run(directory: str, n: int) -> int:
    d = Path(directory)
    (d / f"run-{n}-{os.getpid()}-{uuid.uuid4().hex}").touch()
    (d / f"worker-{os.getpid()}").touch()
    deadline = time.monotonic() + 60
    while len(list(d.glob("worker-*"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    return n
