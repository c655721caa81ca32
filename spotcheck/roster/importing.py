"""Upload pages over the shared import engine (``spotcheck.core.imports``), for the roster and
the item list alike: upload with mode and dry run, progress, resume after a crash, error
report and templates. An app declares ``ImportPages(spec, app=..., ...)`` and mounts
``pages.urls()`` in its ``urls.py``; the URL names are ``<app>:import``, ``import_template``,
``import_job``, ``import_progress``, ``import_report`` and ``import_resume``.

A department admin imports into their own department and follows their department's jobs;
the command line (``manage.py import_inspectors`` / ``import_items``) may import anything.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.core.files.uploadedfile import UploadedFile
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_POST

from spotcheck.audit.services import audit_record
from spotcheck.core.decorators import require_perm
from spotcheck.core.errors import Conflict, Refused, ServiceError
from spotcheck.core.imports import engine
from spotcheck.core.imports import views as import_views
from spotcheck.core.imports.files import FileRefused
from spotcheck.core.imports.models import ImportJob, ImportMode, ImportStatus
from spotcheck.core.imports.spec import ImportSpec


class SpecImportCommand(BaseCommand):
    """``manage.py import_<things> PATH [--mode M] [--dry-run]``: one spec, run here with a
    progress line; running it again after a crash continues from the checkpoint."""

    spec: ImportSpec

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="CSV 或 XLSX 文件")
        parser.add_argument("--mode", choices=ImportMode.values, default=ImportMode.UPSERT,
                            help="upsert：新增或更新（默认）；insert：仅新增；update：仅更新")
        parser.add_argument("--dry-run", action="store_true", help="只校验与统计，不写入")

    def handle(self, *args: Any, **options: Any) -> None:
        engine.import_command(self.spec, options["path"], mode=options["mode"],
                              dry_run=options["dry_run"], stdout=self.stdout, stderr=self.stderr)


class ImportForm(forms.Form):
    file = forms.FileField(label="文件（.csv 或 .xlsx）")
    mode = forms.ChoiceField(label="导入方式", choices=ImportMode.choices, initial=ImportMode.UPSERT)
    dry_run = forms.BooleanField(label="试运行（只校验，不写入）", required=False)


def import_start(*, spec: ImportSpec, acting_user: Any, upload: UploadedFile, mode: str,
                 dry_run: bool, request: Any = None) -> ImportJob:
    """Save the upload, check it as a whole and queue the import (a worker runs it)."""
    if not acting_user.has_perm(spec.perm):
        raise Refused(f"您没有导入{spec.title}的权限。")
    saved = import_views.upload_save(upload)
    with transaction.atomic():
        job = engine.import_job_create(spec=spec, acting_user=acting_user, path=saved,
                                       file_name=upload.name or saved.name, mode=mode,
                                       dry_run=dry_run, request=request, resume=False)
        engine.import_enqueue(job)
    return job


def import_resume(*, acting_user: Any, job: ImportJob, view_perm: str,
                  request: Any = None) -> ImportJob:
    """Queue a stalled import again; it continues from its checkpoint."""
    if not acting_user.has_perm(view_perm, job):
        raise Refused("您不能继续该导入任务。")
    if job.status != ImportStatus.RUNNING or not engine.is_stalled(job):
        raise Conflict("该导入任务没有中断，无需继续。")
    with transaction.atomic():
        audit_record(action="import.resume", actor=acting_user, object_type="import_job",
                     object_id=job.pk, request=request)
        engine.import_enqueue(job)
    return job


@dataclass(frozen=True)
class ImportPages:
    """The import pages of one spec. ``perm`` may import; ``view_perm`` (object: the job)
    follows a job; ``back`` is the URL name of the list the import feeds."""

    spec: ImportSpec
    app: str
    perm: str
    view_perm: str
    back: str
    back_label: str
    notes: tuple[str, ...] = ()

    def _job(self, request: HttpRequest, pk: int, **_: Any) -> ImportJob:
        return get_object_or_404(ImportJob, pk=pk, kind=self.spec.kind)

    def _urls(self, job: ImportJob) -> dict[str, str]:
        return {"resume_url": reverse(f"{self.app}:import_resume", args=[job.pk]),
                "report_url": reverse(f"{self.app}:import_report", args=[job.pk])}

    def _context(self) -> dict[str, Any]:
        return {"title": self.spec.title, "app": self.app, "back": self.back,
                "back_label": self.back_label, "notes": self.notes}

    def upload(self, request: HttpRequest) -> HttpResponse:
        form = ImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                job = import_start(spec=self.spec, acting_user=request.user,
                                   upload=form.cleaned_data["file"], mode=form.cleaned_data["mode"],
                                   dry_run=form.cleaned_data["dry_run"], request=request)
            except FileRefused as exc:
                form.add_error("file", f"文件被拒绝，未写入任何数据：{exc.message}")
            except ServiceError as exc:
                form.add_error(None, exc.message)
            else:
                return redirect(f"{self.app}:import_job", pk=job.pk)
        department = getattr(request.user, "department", None)
        recent = ImportJob.objects.filter(kind=self.spec.kind,
                                          department_code=getattr(department, "code", "-")
                                          ).order_by("-id")[:10]
        return render(request, "roster/import_upload.html", {
            **self._context(), "form": form, "recent": recent, "columns": self.spec.columns})

    def job(self, request: HttpRequest, pk: int) -> HttpResponse:
        job = self._job(request, pk)
        url = reverse(f"{self.app}:import_progress", args=[job.pk])
        return render(request, "roster/import_job.html", {
            **self._context(), "job": job,
            **import_views.progress_context(job, url, **self._urls(job))})

    def progress(self, request: HttpRequest, pk: int) -> HttpResponse:
        job = self._job(request, pk)
        return import_views.progress_response(request, job, request.path, **self._urls(job))

    def report(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        return import_views.error_report_response(self._job(request, pk))

    def resume(self, request: HttpRequest, pk: int) -> HttpResponse:
        try:
            import_resume(acting_user=request.user, job=self._job(request, pk),
                          view_perm=self.view_perm, request=request)
        except ServiceError as exc:
            messages.error(request, exc.message)
        return redirect(f"{self.app}:import_job", pk=pk)

    def template(self, request: HttpRequest, fmt: str) -> HttpResponse:
        return import_views.template_response(self.spec, fmt)

    def urls(self) -> list[URLPattern]:
        may_import = require_perm(self.perm)
        job: Callable[[Callable], Callable] = require_perm(self.view_perm, fn=self._job)
        return [
            path("import/", may_import(self.upload), name="import"),
            path("import/template.<str:fmt>", may_import(self.template), name="import_template"),
            path("import/<int:pk>/", job(self.job), name="import_job"),
            path("import/<int:pk>/progress/", job(self.progress), name="import_progress"),
            path("import/<int:pk>/errors.xlsx", job(self.report), name="import_report"),
            path("import/<int:pk>/resume/", require_POST(job(self.resume)), name="import_resume"),
        ]
