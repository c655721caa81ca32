"""Write the SCD-1 bundle of executed draws to folders that ``verifier/verify_draw.py`` checks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from spotcheck.draws.domain.lifecycle import DONE
from spotcheck.draws.models import Draw
from spotcheck.draws.services import bundle_write


def find_draw(ref: str) -> Draw:
    """A draw by its SCD-1 id (e.g. 361100-2027-00012) or its number."""
    draw = Draw.objects.filter(code=ref).first()
    if draw is None and ref.isdigit():
        draw = Draw.objects.filter(pk=int(ref)).first()
    if draw is None:
        raise CommandError(f"没有编号为 {ref} 的抽取。")
    return draw


class Command(BaseCommand):
    help = ("导出已执行抽取的文件包（SCD-1），可用 verifier/verify_draw.py 验证。 "
            "Export the bundle of executed draws: DRAW_ID OUTDIR, or --all OUTDIR (one folder per draw).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("args", nargs="+", metavar="[DRAW_ID] OUTDIR")
        parser.add_argument("--all", action="store_true", help="every executed draw, one folder per draw id")
        parser.add_argument("--public", action="store_true",
                            help="the public bundle: without conflicts.csv (DRAW.md section 7)")

    def handle(self, *args: str, **options: Any) -> None:
        public = options["public"]
        if options["all"]:
            if len(args) != 1:
                raise CommandError("用法：draw_export --all OUTDIR")
            root = Path(args[0])
            draws = Draw.objects.filter(status__in=[s.value for s in DONE]).order_by("pk")
            count = 0
            for draw in draws.iterator():
                out = bundle_write(draw, root / draw.code, public=public)
                self.stdout.write(f"{draw.code} → {out}")
                count += 1
            self.stdout.write(self.style.SUCCESS(f"已导出 {count} 个抽取文件包到 {root}。"))
            return
        if len(args) != 2:
            raise CommandError("用法：draw_export DRAW_ID OUTDIR（或 draw_export --all OUTDIR）")
        draw = find_draw(args[0])
        if draw.status not in DONE:
            raise CommandError(f"抽取 {draw.code} 尚未执行（{draw.get_status_display()}），没有文件包。")
        out = bundle_write(draw, Path(args[1]), public=public)
        self.stdout.write(self.style.SUCCESS(
            f"已导出 {draw.code} 到 {out}；验证：python3 verifier/verify_draw.py {out}"))
