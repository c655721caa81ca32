"""Page helpers shared by every import page (the caller checks its own permission first)."""

from __future__ import annotations

import secrets
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, HttpRequest, HttpResponse
from django.template.loader import render_to_string

from spotcheck.core.exports import XLSX_CONTENT_TYPE, content_disposition
from spotcheck.core.imports.engine import (
    TEMPLATE_TYPES,
    error_report_write,
    is_stalled,
    template_csv,
    template_xlsx,
)
from spotcheck.core.imports.files import FileRefused, max_bytes
from spotcheck.core.imports.models import ImportJob
from spotcheck.core.imports.spec import ImportSpec


def upload_save(upload: UploadedFile) -> Path:
    """Store an upload under var/media/imports/ (streamed in chunks) and return its path."""
    if upload.size and upload.size > max_bytes():
        raise FileRefused(f"文件超过上限 {max_bytes() // (1024 * 1024)} MB。")
    folder = Path(settings.VAR_DIR) / "media" / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    suffix = Path(upload.name or "").suffix.lower()[:8]
    path = folder / f"{secrets.token_hex(12)}{suffix}"
    with path.open("wb") as fh:
        for chunk in upload.chunks():
            fh.write(chunk)
    return path


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
