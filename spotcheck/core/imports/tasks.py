"""The background task: load the job by id, run it (STYLE 9). Progress is on the job row."""

from __future__ import annotations

from django_tasks import task


@task()
def import_job_task(job_id: int) -> dict[str, int | str]:
    from spotcheck.core.imports.jobs import import_run

    job = import_run(job_id)
    return {"status": job.status, "inserted": job.inserted, "updated": job.updated,
            "rejected": job.rejected}
