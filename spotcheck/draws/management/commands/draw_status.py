"""Show a draw's state and the progress of the worker on it; ``--follow`` until the work ends."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from spotcheck.draws.domain.lifecycle import Status
from spotcheck.draws.management.commands.draw_export import find_draw
from spotcheck.draws.services import PHASES

WORKING = (Status.ANNOUNCING, Status.EXECUTING)


def progress_line(draw: Any) -> str:
    phase = PHASES.get(draw.progress_phase, draw.progress_phase or "—")
    line = f"{draw.code} {draw.get_status_display()}"
    if draw.status in WORKING:
        line += f"：{phase}"
        if draw.progress_total:
            line += f" {draw.progress_done}/{draw.progress_total}（{draw.percent}%）"
    if draw.last_error:
        line += f"；上次失败：{draw.last_error}"
    return line


class Command(BaseCommand):
    help = "显示抽取的状态与后台处理进度。 Show a draw's state and the worker's progress (--follow)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("draw", metavar="DRAW_ID")
        parser.add_argument("--follow", action="store_true", help="repeat until the work is done")
        parser.add_argument("--interval", type=float, default=1.0)

    def handle(self, *args: Any, **options: Any) -> None:
        draw = find_draw(options["draw"])
        last = ""
        while True:
            draw.refresh_from_db()
            line = progress_line(draw)
            if line != last:
                self.stdout.write(line)
                last = line
            if not options["follow"] or draw.status not in WORKING:
                return
            time.sleep(options["interval"])
