"""Background work of the reminders: the daily run (load, call one service), enqueued for
the next day by itself, like the audit anchor."""

from __future__ import annotations

from datetime import datetime, time

from django_tasks import task

from spotcheck.core.daily import schedule_daily

RUN_AT = time(7, 0)  # every day at 07:00, Asia/Shanghai: before the working day starts


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
    return schedule_daily(reminders_daily, RUN_AT)
