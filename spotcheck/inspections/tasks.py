"""Background tasks of inspections (run by ``manage.py db_worker``): load by id, run."""

from __future__ import annotations

from django_tasks import task


@task()
def archive_export_task(export_id: int) -> dict[str, int | str]:
    from spotcheck.inspections.archive_export import export_run

    export = export_run(export_id)
    return {"status": export.status, "done": export.done, "total": export.total}
