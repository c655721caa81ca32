"""Make the day's reminders and digests now (the worker does it every morning)."""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "生成当日到期提醒与每日摘要（已配置 SMTP 时发送邮件）。 Send the day's reminders."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="提醒日期 YYYY-MM-DD（默认今天）")
        parser.add_argument("--schedule", action="store_true",
                            help="并安排工作进程每日 07:00 运行（若尚未安排）。 Also enqueue the daily task.")

    def handle(self, *args: object, **options: object) -> None:
        from spotcheck.reminders.services import reminders_send

        day = None
        if options["date"]:
            try:
                day = date.fromisoformat(str(options["date"]))
            except ValueError as exc:
                raise CommandError(f"日期“{options['date']}”无效，应为 YYYY-MM-DD") from exc
        self.stdout.write("正在计算年度期限……")
        result = reminders_send(day)
        self.stdout.write(f"{result.day:%Y-%m-%d}：期限 {result.deadlines} 项，"
                          f"新提醒 {result.notifications} 条，"
                          f"摘要 {result.digests} 份，邮件 {result.emailed} 封")
        if options["schedule"]:
            from spotcheck.reminders.tasks import schedule_daily_reminders

            when = schedule_daily_reminders()
            self.stdout.write(f"每日提醒任务：下次 {when:%Y-%m-%d %H:%M}")
