"""The office exports a department's files of a year (R-S6) as one zip, in the worker:
each visit's parts, evidence and manifest, and its PDF; the progress is on the export row
(shown on the page and by ``manage.py archive_export``). The worker's task is kept here,
beside the services it calls, so that queueing and running form no import circle."""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django_tasks import task

from spotcheck.accounts.models import Department
from spotcheck.audit.services import audit_record, refusals_audited
from spotcheck.core import clock
from spotcheck.core.crypto import sm3_file
from spotcheck.core.errors import Conflict, Refused, ServiceError
from spotcheck.inspections import archive
from spotcheck.inspections.models import (
    ArchiveExport,
    ExportStatus,
    InspectionTask,
    JointInspection,
    TaskStatus,
)
from spotcheck.inspections.visits import Visitable


def visits_of(department: Department, year: int) -> Iterator[Visitable]:
    """The completed visits the department's tasks of the year took part in (a joint visit
    once), in a stable order."""
    tasks = InspectionTask.objects.filter(department=department, year=year, status=TaskStatus.COMPLETED)
    joint_ids = sorted(set(tasks.filter(joint__isnull=False).exclude(joint__status=TaskStatus.CANCELLED)
                           .values_list("joint_id", flat=True)))
    for pk in joint_ids:
        yield JointInspection.objects.get(pk=pk)
    yield from tasks.filter(Q(joint__isnull=True) | Q(joint__status=TaskStatus.CANCELLED)).order_by("id")


def visit_count(department: Department, year: int) -> int:
    return sum(1 for _ in visits_of(department, year))


def export_create(*, acting_user: Any, department: Department, year: int,
                  request: Any = None) -> ArchiveExport:
    with refusals_audited("inspections.archive_export", actor=acting_user, object_type="inspections.export",
                          request=request, extra={"department": department.code, "year": year}):
        if acting_user is None or not acting_user.has_perm("inspections.export_archives", department):
            raise Refused("只有本行政区划的联席办可以导出部门的年度档案。")
        if not 2000 <= year <= 2100:
            raise ServiceError(f"年度 {year} 不正确。", fields={"year": ["不正确"]})
        with transaction.atomic():
            running = ArchiveExport.objects.select_for_update().filter(
                department=department, year=year, status__in=[ExportStatus.QUEUED, ExportStatus.RUNNING])
            if running.exists():
                raise Conflict(f"{department.name} {year} 年度档案正在导出，请等待完成。")
            export = ArchiveExport.objects.create(division_id=department.division_id, department=department,
                                                  year=year, total=visit_count(department, year),
                                                  created_at=clock.now(), created_by=acting_user)
            audit_record(action="inspections.archive_export", actor=acting_user,
                         department_code=department.code, object_type="inspections.export",
                         object_id=export.pk, request=request,
                         summary={"year": year, "total": export.total})
            transaction.on_commit(lambda: archive_export_task.enqueue(export.pk))
    return export


def export_run(export_id: int, *, progress: Callable[[int, int], None] | None = None) -> ArchiveExport:
    """Build the zip: per visit its folder of parts and manifest and its PDF."""
    export = ArchiveExport.objects.select_related("department").get(pk=export_id)
    if export.status == ExportStatus.DONE:
        return export
    export.job_start()
    name = f"exports/archive-{export.department.code}-{export.year}-{export.pk}.zip"
    with export.failure_recorded():
        path = default_storage.path(name)
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        done = 0
        total = export.total
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            for visit in visits_of(export.department, export.year):
                built = archive.build(visit)
                for part, data in built.parts.items():
                    zf.writestr(f"{built.name}/{part}", data)
                zf.writestr(f"{built.name}/{archive.MANIFEST}", archive._json(built.manifest))
                zf.writestr(f"{built.name}/archive.pdf", archive.pdf_bytes(built))
                done += 1
                total = max(total, done)
                export.job_progress(done, total, progress=progress)
        export.job_done(path=name, size=Path(path).stat().st_size, sm3=sm3_file(path))
        audit_record(action="inspections.archive_export_done", actor=None,
                     department_code=export.department.code, object_type="inspections.export",
                     object_id=export.pk, summary={"visits": done})
    return export.reloaded()


@task()
def archive_export_task(export_id: int) -> dict[str, int | str]:
    """Background work (STYLE 9, run by ``manage.py db_worker``): load by id, run."""
    export = export_run(export_id)
    return {"status": export.status, "done": export.done, "total": export.total}
