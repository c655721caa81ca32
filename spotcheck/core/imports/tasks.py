"""The background task (load the job by id, run it; STYLE 9) and the services that queue
it: an upload started, a stalled job resumed. Progress is on the job row. Above ``jobs``,
whose ``import_run`` the task calls."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django_tasks import task

from spotcheck.core import recorder
from spotcheck.core.errors import Conflict, Refused
from spotcheck.core.imports.files import upload_save
from spotcheck.core.imports.jobs import import_job_create, import_run, is_stalled
from spotcheck.core.imports.models import ImportJob, ImportStatus
from spotcheck.core.imports.spec import ImportSpec


@task()
def import_job_task(job_id: int) -> dict[str, int | str]:
    job = import_run(job_id)
    return {"status": job.status, "inserted": job.inserted, "updated": job.updated,
            "rejected": job.rejected}


def import_enqueue(job: ImportJob) -> None:
    """Run the job in a worker once the transaction that created it commits."""
    transaction.on_commit(lambda: import_job_task.enqueue(job.pk))


def import_start(*, spec: ImportSpec, acting_user: Any, upload: UploadedFile, mode: str,
                 dry_run: bool, request: Any = None) -> ImportJob:
    """Save the upload, check it as a whole and queue the import (a worker runs it)."""
    if not acting_user.has_perm(spec.perm):
        raise Refused(f"您没有导入{spec.title}的权限。")
    saved = upload_save(upload)
    with transaction.atomic():
        job = import_job_create(spec=spec, acting_user=acting_user, path=saved,
                                file_name=upload.name or saved.name, mode=mode,
                                dry_run=dry_run, request=request, resume=False)
        import_enqueue(job)
    return job


def import_resume(*, acting_user: Any, job: ImportJob, view_perm: str,
                  request: Any = None) -> ImportJob:
    """Queue a stalled import again; it continues from its checkpoint. ``view_perm`` (object:
    the job) is who may follow the job."""
    if not acting_user.has_perm(view_perm, job):
        raise Refused("您不能继续该导入任务。")
    if job.status != ImportStatus.RUNNING or not is_stalled(job):
        raise Conflict("该导入任务没有中断，无需继续。")
    with transaction.atomic():
        recorder.record(action="import.resume", actor=acting_user, object_type="import_job",
                        object_id=job.pk, request=request)
        import_enqueue(job)
    return job
