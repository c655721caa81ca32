"""The office's and the justice bureau's home page: a link to the division's dashboard with
the two figures that call for action (R-S3): overdue tasks and filings of the year."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from spotcheck.accounts.predicates import is_reviewer
from spotcheck.core import clock
from spotcheck.core.home import DueRow, DueSection, provider
from spotcheck.inspections.models import Filing, InspectionTask
from spotcheck.inspections.selectors import overdue_count


@provider
def oversight_due(user: Any) -> list[DueSection]:
    if not (is_reviewer(user) and user.division_id):
        return []
    today = clock.today()
    year = clock.planning_year(today)
    url = reverse("oversight:dashboard")
    # R-Q1, counted as overdue_q by its two halves, each read through an index.
    overdue = overdue_count(InspectionTask.objects.filter(division_id=user.division_id), today)
    filings = Filing.objects.filter(division_id=user.division_id, planned_on__year=year).count()
    return [DueSection(f"{year} 年监督看板", [
        DueRow(f"逾期未完成的检查任务 {overdue} 项", url, "R-Q1"),
        DueRow(f"计划外检查备案 {filings} 件", url, "R-Q2、R-A4"),
    ], more_url=url)]
