"""Send the due deliveries of the outbox now."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from spotcheck.publicity.services import deliveries_flush


class Command(BaseCommand):
    help = "发送报送队列中到期的记录（国家企业信用信息公示系统、省信用信息共享平台）；工作进程会自动发送。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--limit", type=int, default=None, help="最多发送条数")

    def handle(self, *args: Any, **options: Any) -> None:
        summary = deliveries_flush(limit=options["limit"])
        self.stdout.write(f"已送达 {summary.sent} 条，失败待重试 {summary.failed} 条，"
                          f"已暂停 {summary.parked} 条。")
