"""Background tasks of oversight (run by ``manage.py db_worker``): load by id, run."""

from __future__ import annotations

from django_tasks import task


@task()
def report_task(report_id: int) -> dict[str, int | str]:
    from spotcheck.oversight.services import report_run

    report = report_run(report_id)
    return {"status": report.status, "done": report.done, "total": report.total}
