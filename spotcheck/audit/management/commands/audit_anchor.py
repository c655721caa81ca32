"""Append the audit chain's head to the anchor file (outside the database), now."""

from django.core.management.base import BaseCommand, CommandParser

from spotcheck.audit.anchors import anchor_file, anchor_write


class Command(BaseCommand):
    help = "把审计链头（序号与哈希）追加到库外的锚定文件，并在公示页公开。 Anchor the audit head."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--schedule", action="store_true",
                            help="并安排工作进程每日锚定（若尚未安排）。 Also enqueue the daily task.")

    def handle(self, *args: object, **options: object) -> None:
        anchor = anchor_write()
        self.stdout.write(f"已锚定：第 {anchor.seq} 号事件，哈希 {anchor.hash.hex()}，写入 {anchor_file()}")
        if options["schedule"]:
            from spotcheck.audit.tasks import schedule_daily_anchor

            when = schedule_daily_anchor()
            self.stdout.write(f"每日锚定任务：下次 {when:%Y-%m-%d %H:%M}")
