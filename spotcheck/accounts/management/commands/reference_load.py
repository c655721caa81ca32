"""Bring divisions, departments and key-field tags in line with the shipped reference files."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from spotcheck.accounts.services import reference_sync
from spotcheck.core.errors import ServiceError


class Command(BaseCommand):
    help = ("按参考数据文件（SPOTCHECK_REFERENCE_DIR）更新本市（SPOTCHECK_CITY）的行政区划、部门与"
            "重点领域标签，并列出变化；--dry-run 只列出、不写入。migrate 也会自动执行。")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="只列出将要发生的变化，不写入")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            changes = reference_sync(dry_run=options["dry_run"])
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        head = "试运行（未写入）" if options["dry_run"] else "参考数据"
        self.stdout.write(f"{head}，城市 {changes.city}：")
        for line in changes.lines():
            self.stdout.write(f"  {line}")
