"""Work the worker runs once a day at a fixed time (the audit anchor, the reminders): a task
that, when it has run, enqueues its next run; one pending run at a time."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django.utils import timezone

from spotcheck.core import clock


def next_run(now: datetime, at: time) -> datetime:
    """The next ``at`` (Asia/Shanghai) after ``now``: today's if still ahead, else tomorrow's."""
    local = timezone.localtime(now)
    run = timezone.make_aware(datetime.combine(local.date(), at))
    return run if run > now else run + timedelta(days=1)


def schedule_daily(task: Any, at: time) -> datetime:
    """Enqueue ``task``'s next daily run at ``at`` unless one is already waiting; when it runs."""
    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.filter(task_path=task.module_path,
                                          status="READY").order_by("run_after").first()
    if waiting is not None:
        return waiting.run_after
    when = next_run(clock.now(), at)
    task.using(run_after=when).enqueue()
    return when
