from typing import Any

from django.core.management.base import BaseCommand

from spotcheck.inspections.violations import violations_escalate


class Command(BaseCommand):
    help = "移送后逾期未接收的违法线索报联席办（R-R1）。 Escalate unacknowledged transfers to the office."

    def handle(self, *args: Any, **options: Any) -> None:
        count = violations_escalate()
        self.stdout.write(f"已报联席办 {count} 件逾期未接收的移送。")
