"""Run the yearly reclassification of a division (R-D1) on the command line, with progress."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from spotcheck.accounts.models import User


class Command(BaseCommand):
    help = ("年度分类调整测算（R-D1），显示进度；提议待联席办在页面确认。 "
            "Run the yearly reclassification of the office's divisions, with progress.")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("year", type=int, help="依据年度，如 2027")
        parser.add_argument("--as", dest="username", required=True, help="以该联席办账号的名义发起")

    def handle(self, *args: Any, **options: Any) -> None:
        from spotcheck.core.errors import ServiceError
        from spotcheck.credit.services import reclass_run_create, reclass_run_execute

        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError("账号不存在。")
        try:
            run = reclass_run_create(acting_user=user, year=options["year"])
        except ServiceError as exc:
            raise CommandError(exc.message) from exc

        def show(done: int, total: int) -> None:
            self.stdout.write(f"\r已测算 {done}/{total} 户", ending="")
            self.stdout.flush()

        run = reclass_run_execute(run.pk, progress=show)
        self.stdout.write("")
        if run.status != "done":
            raise CommandError(run.message or "测算失败。")
        self.stdout.write(f"{run.year} 年度：{run.total} 户，提议 {run.proposed} 条，"
                          f"测算风险等级 {run.risk_derived} 户。")
