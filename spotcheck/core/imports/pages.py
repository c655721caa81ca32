"""The import pages, one machinery for every import: upload with mode and dry run, progress,
resume after a crash, error report and templates. An app declares ``ImportPages(spec,
app=..., ...)`` and mounts ``pages.urls()`` in its ``urls.py``; the URL names are
``<app>:import``, ``import_template``, ``import_job``, ``import_progress``,
``import_report`` and ``import_resume``.

A department admin imports into their own department and follows their department's jobs;
the command line (``spotcheck.core.imports.commands``) may import anything.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_POST

from spotcheck.core.decorators import require_perm
from spotcheck.core.errors import ServiceError
from spotcheck.core.exports import XLSX_CONTENT_TYPE, content_disposition
from spotcheck.core.imports.files import FileRefused
from spotcheck.core.imports.jobs import is_stalled
from spotcheck.core.imports.models import ImportJob, ImportMode
from spotcheck.core.imports.reports import TEMPLATE_TYPES, error_report_write, template_csv, template_xlsx
from spotcheck.core.imports.spec import ImportSpec
from spotcheck.core.imports.tasks import import_resume, import_start


class ImportForm(forms.Form):
    file = forms.FileField(label="文件（.csv 或 .xlsx）")
    mode = forms.ChoiceField(label="导入方式", choices=ImportMode.choices, initial=ImportMode.UPSERT)
    dry_run = forms.BooleanField(label="试运行（只校验，不写入）", required=False)


def progress_context(job: ImportJob, url: str, *, resume_url: str = "",
                     report_url: str = "") -> dict[str, Any]:
    return {"job": job, "url": url, "stalled": is_stalled(job), "resume_url": resume_url,
            "report_url": report_url}


def progress_response(request: HttpRequest, job: ImportJob, url: str, **urls: str) -> HttpResponse:
    """The progress fragment; while the job runs it asks htmx to poll again in a second."""
    html = render_to_string("imports/_progress.html", progress_context(job, url, **urls), request=request)
    return HttpResponse(html)


def error_report_response(job: ImportJob) -> FileResponse:
    tmp = tempfile.TemporaryFile(suffix=".xlsx")
    error_report_write(job, tmp)
    tmp.seek(0)
    return FileResponse(tmp, as_attachment=True, filename=f"导入错误报告-{job.pk}.xlsx",
                        content_type=XLSX_CONTENT_TYPE)


def template_response(spec: ImportSpec, fmt: str) -> HttpResponse:
    fmt = "xlsx" if fmt == "xlsx" else "csv"
    body = template_xlsx(spec) if fmt == "xlsx" else template_csv(spec)
    response = HttpResponse(body, content_type=TEMPLATE_TYPES[fmt])
    response["Content-Disposition"] = content_disposition(f"{spec.title}导入模板.{fmt}")
    return response


@dataclass(frozen=True)
class ImportPages:
    """The import pages of one spec. ``perm`` may import; ``view_perm`` (object: the job)
    follows a job; ``back`` is the URL name of the list the import feeds; ``stylesheet``
    the app's static CSS the pages take; ``notes`` add to the file requirements."""

    spec: ImportSpec
    app: str
    perm: str
    view_perm: str
    back: str
    back_label: str
    notes: tuple[str, ...] = ()
    stylesheet: str = ""

    def _job(self, request: HttpRequest, pk: int, **_: Any) -> ImportJob:
        return get_object_or_404(ImportJob, pk=pk, kind=self.spec.kind)

    def _urls(self, job: ImportJob) -> dict[str, str]:
        return {"resume_url": reverse(f"{self.app}:import_resume", args=[job.pk]),
                "report_url": reverse(f"{self.app}:import_report", args=[job.pk])}

    def _context(self) -> dict[str, Any]:
        return {"title": self.spec.title, "app": self.app, "back": self.back,
                "back_label": self.back_label, "notes": self.notes, "stylesheet": self.stylesheet}

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
        return render(request, "imports/upload.html", {
            **self._context(), "form": form, "recent": recent, "columns": self.spec.columns})

    def job(self, request: HttpRequest, pk: int) -> HttpResponse:
        job = self._job(request, pk)
        url = reverse(f"{self.app}:import_progress", args=[job.pk])
        return render(request, "imports/job.html", {
            **self._context(), "job": job, **progress_context(job, url, **self._urls(job))})

    def progress(self, request: HttpRequest, pk: int) -> HttpResponse:
        job = self._job(request, pk)
        return progress_response(request, job, request.path, **self._urls(job))

    def report(self, request: HttpRequest, pk: int) -> HttpResponseBase:
        return error_report_response(self._job(request, pk))

    def resume(self, request: HttpRequest, pk: int) -> HttpResponse:
        try:
            import_resume(acting_user=request.user, job=self._job(request, pk),
                          view_perm=self.view_perm, request=request)
        except ServiceError as exc:
            messages.error(request, exc.message)
        return redirect(f"{self.app}:import_job", pk=pk)

    def template(self, request: HttpRequest, fmt: str) -> HttpResponse:
        return template_response(self.spec, fmt)

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
