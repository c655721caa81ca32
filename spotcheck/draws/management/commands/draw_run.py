"""Do a draw's pending work in this process, with progress: the announcement of a draw that is
"公告生成中" or the execution of one that is "抽取中" (e.g. after a worker stopped)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from spotcheck.core.errors import ServiceError
from spotcheck.draws.domain.lifecycle import Status
from spotcheck.draws.management.commands.draw_export import find_draw
from spotcheck.draws.services import PHASES, draw_freeze, draw_run


class Command(BaseCommand):
    help = ("在本进程中完成抽取的后台工作（生成公告或执行抽取），显示进度。 "
            "Run a draw's pending freeze or execution in the foreground with progress.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("draw", metavar="DRAW_ID")

    def handle(self, *args: Any, **options: Any) -> None:
        draw = find_draw(options["draw"])

        def echo(phase: str, done: int, total: int) -> None:
            label = PHASES.get(phase, phase)
            if total:
                width = 30
                filled = width * done // total
                bar = "#" * filled + "." * (width - filled)
                self.stdout.write(f"\r{label} [{bar}] {done}/{total}", ending="")
                if done >= total:
                    self.stdout.write("")
            else:
                self.stdout.write(label)
            self.stdout.flush()

        try:
            if draw.status == Status.ANNOUNCING:
                draw = draw_freeze(draw.pk, echo=echo)
                self.stdout.write(self.style.SUCCESS(
                    f"{draw.code} 已公告，公告摘要 {draw.announcement_digest}"))
            elif draw.status == Status.EXECUTING:
                draw = draw_run(draw.pk, echo=echo)
                self.stdout.write(self.style.SUCCESS(f"{draw.code} 已执行。"))
            else:
                raise CommandError(f"抽取 {draw.code} 没有待完成的后台工作（{draw.get_status_display()}）。")
        except ServiceError as exc:
            raise CommandError(exc.message) from None
