"""Apply the confirmed class moves whose date has come (R-D1), with progress."""

from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = ("执行到期生效的分类调整（每日运行）；--dry-run 只列出到期条数。 "
            "Apply the confirmed reclassification moves effective today or earlier.")

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--dry-run", action="store_true", help="只统计，不执行")

    def handle(self, *args: Any, **options: Any) -> None:
        from spotcheck.core import clock
        from spotcheck.credit.models import ProposalState, ReclassProposal
        from spotcheck.credit.services import reclass_apply_due

        if options["dry_run"]:
            due = ReclassProposal.objects.filter(
                state__in=[ProposalState.CONFIRMED, ProposalState.ADJUSTED], applied_at__isnull=True,
                effective_on__lte=clock.today()).count()
            self.stdout.write(f"到期待生效 {due} 条。")
            return

        def show(done: int, total: int) -> None:
            self.stdout.write(f"\r{done}/{total}", ending="")
            self.stdout.flush()

        summary = reclass_apply_due(progress=show)
        self.stdout.write("")
        self.stdout.write(f"已生效 {summary['applied']} 条，类别已另行调整而失效 {summary['stale']} 条。")
