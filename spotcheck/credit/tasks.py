"""Background tasks of credit (run by ``manage.py db_worker``): load by id, run."""

from __future__ import annotations

from django_tasks import task


@task()
def reclass_run_task(run_id: int) -> dict[str, int | str]:
    from spotcheck.credit.services import reclass_run_execute

    run = reclass_run_execute(run_id)
    return {"status": run.status, "done": run.done, "total": run.total, "proposed": run.proposed}


@task()
def reclass_apply_task() -> dict[str, int]:
    from spotcheck.credit.services import reclass_apply_due

    return reclass_apply_due()
