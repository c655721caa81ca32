"""An import job's life: the file checked as a whole and the job recorded, queued, run (or
resumed) to its end, failed with a reason, audited. See the package docstring.

The rows themselves are read, checked and written by ``runner.Runner``; a first load by
``bulk.FirstLoad``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils.module_loading import autodiscover_modules

from spotcheck.core import clock, recorder
from spotcheck.core.errors import Refused, ServiceError
from spotcheck.core.imports.files import (
    FileInfo,
    FileRefused,
    csv_chunks,
    inspect_file,
    open_rows,
)
from spotcheck.core.imports.models import ImportJob, ImportMode, ImportStatus
from spotcheck.core.imports.runner import Progress, Runner, TooManyErrors
from spotcheck.core.imports.spec import ImportSpec
from spotcheck.core.recorder import Outcome

# The import specs, by kind. Each app defines its own in its ``imports`` module, which
# registers them as it loads: a page or command imports the spec it offers, and a worker that
# runs a job finds the spec's module when it first needs one (``spec_for``).
SPECS: dict[str, ImportSpec] = {}


def register(spec: ImportSpec) -> ImportSpec:
    SPECS[spec.kind] = spec
    return spec


def spec_for(kind: str) -> ImportSpec:
    if kind not in SPECS:
        autodiscover_modules("imports")
    return SPECS[kind]


def import_job_create(*, spec: ImportSpec, acting_user: Any, path: str | Path, file_name: str = "",
                      mode: str = ImportMode.UPSERT, dry_run: bool = False, request: Any = None,
                      resume: bool = True) -> ImportJob:
    """Check the file as a whole and record a job (not yet run).

    ``acting_user=None`` is the operator on the command line. With ``resume``, an unfinished
    job for the same file content, kind and mode is returned instead of a new one, so that
    running the same command again continues where a killed run stopped.
    Raises ``FileRefused`` (recorded as a failed job and audited) when the file is refused.
    """
    if acting_user is not None and not acting_user.has_perm(spec.perm):
        raise Refused(f"您没有导入{spec.title}的权限。")
    if mode not in ImportMode.values:
        raise ServiceError("导入方式应为 upsert、insert 或 update。", fields={"mode": ["无效"]})
    path = Path(path).resolve()
    file_name = file_name or path.name
    department = getattr(acting_user, "department", None)
    base = {"kind": spec.kind, "file_name": file_name[:255], "file_path": str(path),
            "file_format": path.suffix.lower().lstrip(".")[:8], "mode": mode, "dry_run": dry_run,
            "created_by": acting_user, "department_code": department.code if department else ""}
    try:
        info = inspect_file(path, name=file_name)
    except FileRefused as exc:
        with transaction.atomic():
            job = ImportJob.objects.create(**base, status=ImportStatus.FAILED, message=exc.message,
                                           finished_at=clock.now())
            _audit(job, "import.refuse", outcome=Outcome.FAILURE, request=request,
                   extra={"message": exc.message})
        exc.job = job  # type: ignore[attr-defined]
        raise
    if len(_INSPECTED) > 100:  # a web process creates jobs that workers run: never popped here
        _INSPECTED.clear()
    _INSPECTED[str(path)] = (info, path.stat().st_mtime_ns)
    if resume:
        unfinished = ImportJob.objects.filter(
            kind=spec.kind, file_sha256=info.sha256, mode=mode, dry_run=dry_run,
            file_path=str(path), status__in=[ImportStatus.PENDING, ImportStatus.RUNNING]).first()
        if unfinished is not None:
            return unfinished
    with transaction.atomic():
        base["file_format"] = info.format
        job = ImportJob.objects.create(**base, file_size=info.size, file_sha256=info.sha256,
                                       rows_total=info.rows_estimate)
        _audit(job, "import.create", request=request)
    return job


def _audit(job: ImportJob, action: str, *, outcome: str = Outcome.SUCCESS, request: Any = None,
           extra: dict[str, Any] | None = None) -> None:
    summary = {"kind": job.kind, "file": job.file_name, "sha256": job.file_sha256, "mode": job.mode,
               "dry_run": job.dry_run, "inserted": job.inserted, "updated": job.updated,
               "rejected": job.rejected, **(extra or {})}
    recorder.record(action=action, actor=job.created_by,
                    actor_name="" if job.created_by else "manage.py", object_type="import_job",
                    object_id=job.pk, summary=summary, outcome=outcome, request=request)


def is_stalled(job: ImportJob, *, seconds: int = 120) -> bool:
    """A running job that has not advanced for a while: its worker died; it can be resumed."""
    if job.status != ImportStatus.RUNNING:
        return False
    last = job.heartbeat_at or job.started_at or job.created_at
    return (clock.now() - last).total_seconds() > seconds



def import_run(job_id: int, *, on_progress: Callable[[Progress], None] | None = None) -> ImportJob:
    """Run (or resume) a job to its end. File-level failures mark it failed with nothing
    written; any other interruption leaves it running at its last checkpoint, and running it
    again continues from there."""
    job = ImportJob.objects.select_related("created_by__department").get(pk=job_id)
    if job.is_finished:
        return job
    spec = spec_for(job.kind)
    try:
        info = _inspected_here(job) or inspect_file(job.file_path, name=job.file_name)
        if job.file_sha256 and info.sha256 != job.file_sha256:
            raise FileRefused("文件在导入过程中被修改，请重新上传。")
        estimate, rows = open_rows(job.file_path, info)
        header = next(rows, None)
        if header is None or not any(c.strip() for c in header):
            raise FileRefused("文件为空：没有表头行。")
        positions = _map_header(spec, header)
    except FileRefused as exc:
        return _fail(job, exc.message)
    present = frozenset(spec.columns[i].field for i in range(len(spec.columns)) if positions[i] >= 0)
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportStatus.RUNNING, rows_total=estimate, heartbeat_at=clock.now(), rows_pending=0, phase="",
        started_at=job.started_at or clock.now())
    job.refresh_from_db()
    if job.rows_done:
        _audit(job, "import.continue", extra={"from_row": job.rows_done + 1})
    spec.prepare(job, present)
    runner = Runner(job, spec, present, on_progress)
    try:
        if _frames_apply(spec, info):
            runner.run_chunks(csv_chunks(job.file_path, len(header)), positions, len(header))
        else:
            runner.run(rows, positions, len(header))
    except FileRefused as exc:
        return _fail(job, exc.message)
    except TooManyErrors:
        limit = settings.IMPORT_MAX_ERRORS
        if runner.bulk:
            return _fail(job, f"错误行超过 {limit} 行，导入已停止。首次装载在全部完成后才一次提交，"
                              "因此未导入任何数据；请修正文件后重新导入。", reload=True)
        return _fail(job, f"错误行超过 {limit} 行，导入已停止。此前已提交的 {job.rows_done} 行中的"
                          f"有效行已导入（修正文件后重新导入，将按主键更新，不会重复）。", reload=True)
    with transaction.atomic():
        ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.SUCCEEDED, finished_at=clock.now(),
                                                   rows_total=F("rows_done"))
        job.refresh_from_db()
        _audit(job, "import.finish", extra={"first_load": True} if runner.bulk else None)
    return job


# Files this process has just inspected (the command creates and runs a job back to back):
# the whole-file pass is not repeated unless the file changed since.
_INSPECTED: dict[str, tuple[FileInfo, int]] = {}


def _inspected_here(job: ImportJob) -> FileInfo | None:
    cached = _INSPECTED.pop(job.file_path, None)
    if cached is None:
        return None
    info, mtime = cached
    try:
        stat = Path(job.file_path).stat()
    except OSError:
        return None
    if stat.st_mtime_ns != mtime or stat.st_size != info.size or info.sha256 != job.file_sha256:
        return None
    return info


def _frames_apply(spec: ImportSpec, info: FileInfo) -> bool:
    """A UTF-8 CSV file is read in chunks and checked column-wise when the import has a fast
    path (``ImportSpec.clean_frame``); other files row by row."""
    return (info.format == "csv" and info.encoding == "utf-8-sig"
            and type(spec).clean_frame is not ImportSpec.clean_frame)


def _fail(job: ImportJob, message: str, *, reload: bool = False) -> ImportJob:
    with transaction.atomic():
        ImportJob.objects.filter(pk=job.pk).update(status=ImportStatus.FAILED, message=message,
                                                   finished_at=clock.now(), rows_pending=0, phase="")
        job.refresh_from_db()
        _audit(job, "import.fail", outcome=Outcome.FAILURE, extra={"message": message})
    return job


def _map_header(spec: ImportSpec, header: list[str]) -> list[int]:
    """Position of each spec column in the file (-1: absent, allowed for optional columns)."""
    names = [h.strip().lstrip("\ufeff") for h in header]
    known = {c.header for c in spec.columns}
    unknown = [h for h in names if h and h not in known]
    seen: set[str] = set()
    doubled = [h for h in names if h and (h in seen or seen.add(h))]  # type: ignore[func-returns-value]
    missing = [c.header for c in spec.columns if c.required and c.header not in names]
    problems = []
    if missing:
        problems.append("缺少必填列：" + "、".join(missing))
    if unknown:
        problems.append("无法识别的列：" + "、".join(unknown))
    if doubled:
        problems.append("列名重复：" + "、".join(doubled))
    if problems:
        raise FileRefused("表头有误（" + "；".join(problems) + "）。请使用下载的模板，列为："
                          + "，".join(c.header for c in spec.columns) + "。")
    return [names.index(c.header) if c.header in names else -1 for c in spec.columns]

