from typing import Any

from django.core.management.base import BaseCommand, CommandError

from spotcheck.accounts.models import Department, Division, User
from spotcheck.oversight.services import report_run


class Command(BaseCommand):
    help = ("生成监督报告（R-S3，XLSX 与 PDF），显示进度。 "
            "Write a division's or a department's quarterly or yearly supervision report, with progress.")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("scope", help="行政区划代码（如 361100）或部门代码（如 361100-ENV）")
        parser.add_argument("year", type=int)
        parser.add_argument("--quarter", type=int, default=0, help="1 至 4；不填为年度报告")
        parser.add_argument("--as", dest="username", required=True, help="以该联席办账号的名义生成")

    def handle(self, *args: Any, **options: Any) -> None:
        from spotcheck.core.errors import ServiceError
        from spotcheck.oversight import services

        department = Department.objects.select_related("division").filter(code=options["scope"]).first()
        division = department.division if department else Division.objects.filter(pk=options["scope"]).first()
        user = User.objects.filter(username=options["username"]).first()
        if division is None or user is None:
            raise CommandError("行政区划、部门或账号不存在。")
        try:
            report = services.report_create(acting_user=user, division=division, department=department,
                                            year=options["year"], quarter=options["quarter"])
        except ServiceError as exc:
            raise CommandError(exc.message) from exc

        def show(done: int, total: int) -> None:
            self.stdout.write(f"\r{done}/{total}", ending="")
            self.stdout.flush()

        report = report_run(report.pk, progress=show)
        self.stdout.write("")
        if report.status != "done":
            raise CommandError(report.message or "生成失败。")
        self.stdout.write(f"已生成 {report}：{report.xlsx_path}（SM3 {report.xlsx_sm3}），"
                          f"{report.pdf_path}（SM3 {report.pdf_sm3}）")
