from typing import Any

from django.core.management.base import CommandError, CommandParser

from spotcheck.accounts.models import Department, Division
from spotcheck.core.commands import JobCommand
from spotcheck.core.jobs import Progress
from spotcheck.oversight.services import report_create, report_run


class Command(JobCommand):
    help = ("生成监督报告（R-S3，XLSX 与 PDF），显示进度。 "
            "Write a division's or a department's quarterly or yearly supervision report, with progress.")
    as_help = "以该联席办账号的名义生成"
    missing = "行政区划、部门或账号不存在。"
    failed = "生成失败。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("scope", help="行政区划代码（如 361100）或部门代码（如 361100-ENV）")
        parser.add_argument("year", type=int)
        parser.add_argument("--quarter", type=int, default=0, help="1 至 4；不填为年度报告")
        super().add_arguments(parser)

    def start(self, user: Any, options: dict[str, Any]) -> Any:
        department = Department.objects.select_related("division").filter(code=options["scope"]).first()
        division = department.division if department else Division.objects.filter(pk=options["scope"]).first()
        if division is None:
            raise CommandError(self.missing)
        return report_create(acting_user=user, division=division, department=department,
                             year=options["year"], quarter=options["quarter"])

    def run(self, job_id: int, progress: Progress) -> Any:
        return report_run(job_id, progress=progress)

    def summary(self, job: Any) -> str:
        return (f"已生成 {job}：{job.xlsx_path}（SM3 {job.xlsx_sm3}），"
                f"{job.pdf_path}（SM3 {job.pdf_sm3}）")
