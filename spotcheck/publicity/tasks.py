"""Background work of publicity: the outbox flush (STYLE 9: thin, one service call)."""

from __future__ import annotations

from django_tasks import task


@task()
def deliveries_flush_task() -> dict[str, int]:
    """Send every due delivery once, then queue the next flush for the earliest retry."""
    from spotcheck.publicity.services import deliveries_flush, deliveries_schedule, next_flush_at

    summary = deliveries_flush()
    following = next_flush_at()
    if following is not None:
        deliveries_schedule(following)
    return {"sent": summary.sent, "failed": summary.failed, "parked": summary.parked}
