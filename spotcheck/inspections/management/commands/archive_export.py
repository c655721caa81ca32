from typing import Any

from django.core.management.base import CommandError, CommandParser

from spotcheck.accounts.models import Department
from spotcheck.core.commands import JobCommand
from spotcheck.core.jobs import Progress
from spotcheck.inspections.archive_export import export_create, export_run


class Command(JobCommand):
    help = "导出部门年度检查档案（R-S6），显示进度。 Export a department's files of a year, with progress."
    as_help = "以该联席办账号的名义导出"
    missing = "部门或账号不存在。"
    failed = "导出失败。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("department", help="部门代码，如 361100-ENV")
        parser.add_argument("year", type=int)
        super().add_arguments(parser)

    def start(self, user: Any, options: dict[str, Any]) -> Any:
        department = Department.objects.filter(code=options["department"]).first()
        if department is None:
            raise CommandError(self.missing)
        return export_create(acting_user=user, department=department, year=options["year"])

    def run(self, job_id: int, progress: Progress) -> Any:
        return export_run(job_id, progress=progress)

    def summary(self, job: Any) -> str:
        return f"已导出 {job.done} 份档案：{job.path}（SM3 {job.sm3}）"
