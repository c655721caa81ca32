from typing import Any

from django.core.management.base import BaseCommand, CommandError

from spotcheck.accounts.models import Department, User
from spotcheck.inspections.archive_export import export_run


class Command(BaseCommand):
    help = "导出部门年度检查档案（R-S6），显示进度。 Export a department's files of a year, with progress."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("department", help="部门代码，如 361100-ENV")
        parser.add_argument("year", type=int)
        parser.add_argument("--as", dest="username", required=True, help="以该联席办账号的名义导出")

    def handle(self, *args: Any, **options: Any) -> None:
        from spotcheck.core.errors import ServiceError
        from spotcheck.inspections import archive_export

        department = Department.objects.filter(code=options["department"]).first()
        user = User.objects.filter(username=options["username"]).first()
        if department is None or user is None:
            raise CommandError("部门或账号不存在。")
        try:
            export = archive_export.export_create(acting_user=user, department=department,
                                                  year=options["year"])
        except ServiceError as exc:
            raise CommandError(exc.message) from exc

        def show(done: int, total: int) -> None:
            self.stdout.write(f"\r{done}/{total}", ending="")
            self.stdout.flush()

        export = export_run(export.pk, progress=show)
        self.stdout.write("")
        if export.status != "done":
            raise CommandError(export.message or "导出失败。")
        self.stdout.write(f"已导出 {export.done} 份档案：{export.path}（SM3 {export.sm3}）")
