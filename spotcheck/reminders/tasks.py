"""Background work of the reminders: the daily run (load, call one service), enqueued for
the next day by itself, like the audit anchor."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone
from django_tasks import task

RUN_AT = time(7, 0)  # every day at 07:00, Asia/Shanghai: before the working day starts


def _next_run(now: datetime) -> datetime:
    local = timezone.localtime(now)
    run = timezone.make_aware(datetime.combine(local.date(), RUN_AT))
    return run if run > now else run + timedelta(days=1)


@task()
def reminders_daily() -> dict[str, int | str]:
    """Make the day's notifications and digests, then enqueue tomorrow's run."""
    from spotcheck.reminders.services import reminders_send

    result = reminders_send()
    schedule_daily_reminders()
    return {"day": f"{result.day:%Y-%m-%d}", "notifications": result.notifications,
            "digests": result.digests, "emailed": result.emailed}


def schedule_daily_reminders() -> datetime:
    """Enqueue the next daily run unless one is already waiting."""
    from django_tasks_db.models import DBTaskResult

    from spotcheck.core import clock

    waiting = DBTaskResult.objects.filter(task_path=reminders_daily.module_path,
                                          status="READY").order_by("run_after").first()
    if waiting is not None:
        return waiting.run_after
    when = _next_run(clock.now())
    reminders_daily.using(run_after=when).enqueue()
    return when
