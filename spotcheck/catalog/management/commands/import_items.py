"""Import inspection items from a CSV or XLSX file (the format is decided by the file itself)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from spotcheck.core.imports.engine import import_command
from spotcheck.core.imports.models import ImportMode


class Command(BaseCommand):
    help = ("从 CSV 或 XLSX 文件导入抽查事项（按 部门代码+年度+事项编码 新增或更新；每个事项须对应本部门"
            "行政权力清单中的行政检查事项）；中断后再次运行同一命令会从断点继续。"
            " Import inspection items keyed by (department, year, code); rerun to resume.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", help="CSV 或 XLSX 文件")
        parser.add_argument("--mode", choices=ImportMode.values, default=ImportMode.UPSERT,
                            help="upsert：新增或更新（默认）；insert：仅新增；update：仅更新")
        parser.add_argument("--dry-run", action="store_true", help="只校验与统计，不写入")

    def handle(self, *args: Any, **options: Any) -> None:
        from spotcheck.catalog.imports import ITEM_IMPORT

        import_command(ITEM_IMPORT, options["path"], mode=options["mode"],
                       dry_run=options["dry_run"], stdout=self.stdout, stderr=self.stderr)
