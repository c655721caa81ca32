"""Run the yearly reclassification of a division (R-D1) on the command line, with progress."""

from typing import Any

from django.core.management.base import CommandParser

from spotcheck.core.commands import JobCommand
from spotcheck.core.jobs import Progress


class Command(JobCommand):
    help = ("年度分类调整测算（R-D1），显示进度；提议待联席办在页面确认。 "
            "Run the yearly reclassification of the office's divisions, with progress.")
    as_help = "以该联席办账号的名义发起"
    missing = "账号不存在。"
    failed = "测算失败。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("year", type=int, help="依据年度，如 2027")
        super().add_arguments(parser)

    def start(self, user: Any, options: dict[str, Any]) -> Any:
        from spotcheck.credit.services import reclass_run_create

        return reclass_run_create(acting_user=user, year=options["year"])

    def run(self, job_id: int, progress: Progress) -> Any:
        from spotcheck.credit.services import reclass_run_execute

        return reclass_run_execute(job_id, progress=progress)

    def progress_line(self, done: int, total: int) -> str:
        return f"已测算 {done}/{total} 户"

    def summary(self, job: Any) -> str:
        return (f"{job.year} 年度：{job.total} 户，提议 {job.proposed} 条，"
                f"测算风险等级 {job.risk_derived} 户。")
