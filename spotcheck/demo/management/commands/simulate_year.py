"""Run a whole planning year on the demo data through the services and print its figures."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from spotcheck.accounts.models import Division
from spotcheck.demo.simulation import year_simulate


class Command(BaseCommand):
    help = ("模拟一个完整的计划年度：制定计划、审核、双随机抽取、生成检查任务、合并联合检查，"
            "并输出汇总（可重复运行，已完成的步骤不会重复）。")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--year", type=int, required=True, help="计划年度，如 2027")
        parser.add_argument("--division", default="361100", help="行政区划代码（默认上饶市 361100）")
        parser.add_argument("--quiet", action="store_true", help="只输出汇总")

    def handle(self, *args: Any, **options: Any) -> None:
        if not Division.objects.filter(pk=options["division"]).exists():
            raise CommandError(f"行政区划代码“{options['division']}”不存在："
                               "请先运行 setup_demo 或导入参考数据。")
        echo = None if options["quiet"] else (lambda line: self.stdout.write(line))
        summary = year_simulate(year=options["year"], division=options["division"], echo=echo)
        self.stdout.write("\n".join(summary.lines()))
