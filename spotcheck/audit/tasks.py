"""Background work of the audit trail: the daily anchor (STYLE 9: load, call one service)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django.utils import timezone
from django_tasks import task

ANCHOR_AT = time(0, 10)  # every day at 00:10, Asia/Shanghai


def _next_run(now: datetime) -> datetime:
    local = timezone.localtime(now)
    run = timezone.make_aware(datetime.combine(local.date(), ANCHOR_AT))
    return run if run > now else run + timedelta(days=1)


@task()
def audit_anchor_daily() -> dict[str, int | str]:
    """Anchor the head, then enqueue tomorrow's run (one pending run at a time)."""
    from spotcheck.audit.anchors import anchor_write

    anchor = anchor_write()
    schedule_daily_anchor()
    return {"seq": anchor.seq, "hash": anchor.hash.hex()}


def schedule_daily_anchor() -> datetime:
    """Enqueue the next daily anchoring unless one is already waiting."""
    from django_tasks_db.models import DBTaskResult

    from spotcheck.core import clock

    waiting = DBTaskResult.objects.filter(task_path=audit_anchor_daily.module_path,
                                          status="READY").order_by("run_after").first()
    if waiting is not None:
        return waiting.run_after
    when = _next_run(clock.now())
    audit_anchor_daily.using(run_after=when).enqueue()
    return when
