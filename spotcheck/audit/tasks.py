"""Background work of the audit trail: the daily anchor (STYLE 9: load, call one service)."""

from __future__ import annotations

from datetime import datetime, time

from django_tasks import task

from spotcheck.core.daily import schedule_daily

ANCHOR_AT = time(0, 10)  # every day at 00:10, Asia/Shanghai


@task()
def audit_anchor_daily() -> dict[str, int | str]:
    """Anchor the head, then enqueue tomorrow's run (one pending run at a time)."""
    from spotcheck.audit.anchors import anchor_write

    anchor = anchor_write()
    schedule_daily_anchor()
    return {"seq": anchor.seq, "hash": anchor.hash.hex()}


def schedule_daily_anchor() -> datetime:
    """Enqueue the next daily anchoring unless one is already waiting."""
    return schedule_daily(audit_anchor_daily, ANCHOR_AT)
