"""The import commands (``manage.py import_entities`` / ``import_inspectors`` /
``import_items``): one base, one spec each, run here with a progress line; running the same
command again after a crash continues from the checkpoint."""

from __future__ import annotations

import sys
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from spotcheck.core.errors import ServiceError
from spotcheck.core.imports.files import FileRefused
from spotcheck.core.imports.jobs import import_job_create, import_run
from spotcheck.core.imports.models import ImportJob, ImportMode, ImportRowError, ImportStatus
from spotcheck.core.imports.runner import Progress
from spotcheck.core.imports.spec import ImportSpec


class ImportCommand(BaseCommand):
    """``manage.py import_<things> PATH [--mode M] [--dry-run]``: a command sets ``spec``
    and ``help``."""

    spec: ImportSpec
    # The system checks (every URLconf and view module imported, about a second) belong to
    # deploying and ``migrate``; an import that may be run many times does not repeat them.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="CSV 或 XLSX 文件")
        parser.add_argument("--mode", choices=ImportMode.values, default=ImportMode.UPSERT,
                            help="upsert：新增或更新（默认）；insert：仅新增；update：仅更新")
        parser.add_argument("--dry-run", action="store_true", help="只校验与统计，不写入")

    def handle(self, *args: Any, **options: Any) -> None:
        import_command(self.spec, options["path"], mode=options["mode"],
                       dry_run=options["dry_run"], stdout=self.stdout, stderr=self.stderr)


def import_command(spec: ImportSpec, path: str, *, mode: str, dry_run: bool, stdout: Any,
                   stderr: Any = None) -> ImportJob:
    """What ``manage.py import_<things> PATH`` does: run the import here with a progress line,
    print a summary; raise ``CommandError`` (non-zero exit) on a file-level failure."""
    stderr = stderr or sys.stderr
    try:
        job = import_job_create(spec=spec, acting_user=None, path=path, mode=mode, dry_run=dry_run)
    except FileRefused as exc:
        raise CommandError(f"文件被拒绝，未写入任何数据：{exc.message}") from exc
    if job.rows_done:
        stdout.write(f"继续未完成的导入任务 #{job.pk}：已处理 {job.rows_done} 行。\n")

    shown = {"phase": ""}

    def show(p: Progress) -> None:
        if p.phase:  # after the last row of a first load: one line per phase
            if p.phase != shown["phase"]:
                shown["phase"] = p.phase
                elapsed = time.monotonic() - p.started
                stderr.write(f"\n{p.phase} …（已用 {elapsed:.1f} 秒）")
                stderr.flush()
            return
        total = max(p.job.rows_total, p.rows_done, 1)
        share = min(p.rows_done / total, 1.0)
        bar = "#" * int(share * 30)
        rate = p.rows_done / max(time.monotonic() - p.started, 1e-6)
        stderr.write(f"\r[{bar:<30}] {share:6.1%} {p.rows_done}/{total} 行 "
                     f"新增 {p.inserted} 更新 {p.updated} 拒绝 {p.rejected} ({rate:,.0f} 行/秒)")
        stderr.flush()

    try:
        job = import_run(job.pk, on_progress=show)
    except ServiceError as exc:  # another process is running this job
        raise CommandError(exc.message) from exc
    stderr.write("\n")
    verb = "试运行（未写入）" if job.dry_run else "导入"
    stdout.write(f"{verb}任务 #{job.pk}：新增 {job.inserted} 行，更新 {job.updated} 行，"
                 f"拒绝 {job.rejected} 行。\n")
    if job.rejected:
        stdout.write("被拒绝的行（前 20 条）：\n")
        for e in ImportRowError.objects.filter(job=job).order_by("row", "id")[:20]:
            stdout.write(f"  第 {e.row} 行 {e.column}：{e.message}\n")
    if job.status == ImportStatus.FAILED:
        raise CommandError(job.message)
    return job
